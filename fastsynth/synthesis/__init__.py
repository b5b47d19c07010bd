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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastsynth.errors import UsageError
from fastsynth.models.base import METHODS, Model
from fastsynth.schema import Schema
from fastsynth.sources import to_arrow
from fastsynth.synthesis import copula

__all__ = ["METHODS", "Model", "check_options", "fit", "methods"]

_BUILT_IN = ("copula",)


def methods() -> list[str]:
    """The fitting methods, built in and registered."""
    return sorted({*_BUILT_IN, *METHODS.names()})


def fit(
    data: Any,
    *,
    method: str = "copula",
    target: str | None = None,
    given: Sequence[str] = (),
    seed: int = 0,
    **options: Any,
) -> Schema:
    """A schema fitted on ``data`` (an Arrow table or batch, a polars or pandas DataFrame) by
    ``method`` with its ``options``; ``target`` names the label column of methods that use one, ``given``
    the columns generation will be given (conditioning), for methods that fit them first."""
    table, _ = to_arrow(data)
    if table.num_rows == 0:
        raise UsageError("fit: the data has no rows")
    if target is not None and target not in table.column_names:
        raise UsageError(f"fit: target={target!r} is not a column; columns: {', '.join(table.column_names)}")
    if isinstance(given, str):
        given = (given,)
    if method == "copula":
        if given:
            raise UsageError(f"fit: given={list(given)!r}: method 'copula' takes no given columns")
        check_options(method, options, copula.OPTIONS)
        return Schema.from_dict(copula.fit(table, **options))
    if method not in METHODS:
        raise UsageError(f"fit: method={method!r} is not a fitting method; allowed: {', '.join(methods())}")
    model = METHODS.get(method).fit(table, options, seed=seed, target=target, given=tuple(given))
    return Schema(fields=(), model=model)


def check_options(method: str, options: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse an option ``method`` does not take, naming those it does."""
    allowed = sorted(allowed)
    for name in options:
        if name not in allowed:
            raise UsageError(
                f"fit: {name}={options[name]!r} is not an option of method {method!r}; "
                f"allowed: {', '.join(allowed) or 'none'}"
            )
