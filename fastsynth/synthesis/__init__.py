"""Synthesis from real data: ``fit`` a model on a table, then generate, stream and serve rows like it.

Every method gives a ``Schema``. ``copula`` (the default, fastsynth's own) gives an ordinary one, each
column a field and a Gaussian copula joining them; the other methods give a schema whose ``model``
makes the rows (``fastsynth.models``). Either way the result generates, drifts, streams and
scales like any schema, and ``Schema.save`` writes it (a ``.fsm`` model file for a model)::

    schema = fastsynth.fit(real, method="cart")
    schema.save("real.fsm")
    more = fastsynth.generate(schema, 1_000_000, seed=7)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from fastsynth.errors import UsageError
from fastsynth.models.base import METHODS, Model, check_options
from fastsynth.schema import Schema
from fastsynth.sources import check_unique_columns, to_arrow
from fastsynth.synthesis import blocks, copula
from fastsynth.synthesis.conditions import Conditioned, SchemaRows, Strata, shares_for

__all__ = ["METHODS", "Model", "check_options", "fit", "fit_blocks", "methods"]

_BUILT_IN = ("copula",)


def methods() -> list[str]:
    """The fitting methods, built in and registered."""
    return sorted({*_BUILT_IN, *(name for name in METHODS.names() if METHODS.get(name).fittable)})


def fit(
    data: Any,
    *,
    method: str = "copula",
    target: str | None = None,
    seed: int = 0,
    custom_distributions: Mapping[str, Mapping[Any, float]] | None = None,
    balance_target: bool = False,
    constraints: Sequence[str] | None = None,
    **options: Any,
) -> Schema:
    """A schema fitted on ``data`` (an Arrow table or batch, a polars or pandas DataFrame) by
    ``method`` with its ``options``; ``target`` names the label column of methods that use one.

    ``custom_distributions`` (``{column: {value: share}}``) and ``balance_target`` (equal shares of
    the target's classes) fix exact shares of values in the output, ``constraints`` (SQL predicates
    such as ``"age >= 18"``) hold on every row: see ``fastsynth.synthesis.conditions``."""
    table = _table(data, target)
    model = _fit_model(
        table, method, target, seed, custom_distributions, balance_target, constraints, options
    )
    if isinstance(model, SchemaRows):  # a copula, unconditioned: the schema itself
        return model.schema
    return Schema(fields=(), model=model)


def fit_blocks(
    data: Any,
    *,
    method: str = "copula",
    block_column: str | None = None,
    chunk_size: int | None = None,
    time_column: str | None = None,
    rows: int | Mapping[Any, int] | None = None,
    dates: Mapping[str, Any] | None = None,
    drift: Sequence[Mapping[str, Any]] | None = None,
    target: str | None = None,
    seed: int = 0,
    custom_distributions: Mapping[str, Mapping[Any, float]] | None = None,
    balance_target: bool = False,
    constraints: Sequence[str] | None = None,
    **options: Any,
) -> Schema:
    """A schema fitted block by block on ``data``: blocks from exactly one of ``block_column``,
    ``chunk_size`` or ``time_column``, each fitted by ``method`` as ``fit`` would; ``rows`` per block
    (all of a block's rows by default), ``dates`` (``{"start": ..., "step": {"days": 1}}``) a timestamp
    per block, ``drift`` events over blocks. See ``fastsynth.synthesis.blocks``."""
    table = _table(data, target)

    def fit_one(part: pa.Table) -> Model:
        if part.num_rows == 0:
            raise UsageError("fit: a block has no rows")
        return _fit_model(
            part, method, target, seed, custom_distributions, balance_target, constraints, options
        )

    return blocks.fit_blocks(
        table,
        fit_one,
        block_column=block_column,
        chunk_size=chunk_size,
        time_column=time_column,
        rows=rows,
        dates=dates,
        drift=drift,
    )


def _table(data: Any, target: str | None) -> pa.Table:
    table, _ = to_arrow(data)
    if table.num_rows == 0:
        raise UsageError("fit: the data has no rows")
    check_unique_columns(table.column_names, "fit")  # every model makes and finds its columns by name
    if target is not None and target not in table.column_names:
        raise UsageError(f"fit: target={target!r} is not a column; columns: {', '.join(table.column_names)}")
    return table


def _fit_model(
    table: pa.Table,
    method: str,
    target: str | None,
    seed: int,
    custom_distributions: Mapping[str, Mapping[Any, float]] | None,
    balance_target: bool,
    constraints: Sequence[str] | None,
    options: Mapping[str, Any],
) -> Model:
    """The model ``fit`` describes (a copula schema, unconditioned, as ``SchemaRows``)."""
    if method not in methods():
        raise UsageError(f"fit: method={method!r} is not a fitting method; allowed: {', '.join(methods())}")
    shares = shares_for(table, custom_distributions, balance_target, target)
    rules = [constraints] if isinstance(constraints, str) else list(constraints or ())
    inner: Model
    if method == "copula":
        check_options(method, options, copula.OPTIONS)
        if len(shares) > 1:
            raise UsageError(
                f"fit: method 'copula' conditions one column at a time, not {', '.join(shares)}; "
                "the other methods condition several"
            )
        if shares:
            column = next(iter(shares))
            inner = Strata.fit_each(table, column, lambda part: Schema.from_dict(copula.fit(part, **options)))
        else:
            inner = SchemaRows(Schema.from_dict(copula.fit(table, **options)))
    else:
        inner = METHODS.get(method).fit(table, options, seed=seed, target=target, given=tuple(shares))
    if not shares and not rules:
        return inner
    model = Conditioned(inner, shares, rules)
    if rules:
        model.measure_draws(seed)
    return model
