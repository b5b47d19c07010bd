"""Conditioned synthesis: exact shares of values, and constraints every row meets.

``custom_distributions={"city": {"Paris": 0.5, "Lyon": 0.5}}`` (and ``balance_target``, equal shares of
the target's classes) gives each row its value by a drawn order within groups of rows, so that every
group of ``group`` consecutive rows holds exactly ``share * group`` rows of each value; the model then
makes the rest of each row given its values (its conditionals: a tree, a donor of that value, SDV's
conditions). ``constraints`` are SQL predicates over the row (as ``expr`` fields write them, by polars):
a row that fails any is drawn again with the next draw's seed, so every row meets them and still depends
only on (seed, row); a constraint that almost nothing meets is an error, not a loop.

A copula schema has no conditionals to follow a given value: conditioned, it is fitted once per value of
the conditioned column (``Strata``), which keeps each value's own distribution of the other columns.
Each value's schema makes the whole batch and keeps its own rows (a schema makes ranges of rows, and a
row must not depend on its neighbours' values), so a batch costs one batch per value it holds: fine for
a few values, the other methods for many. Constraints cost a batch per round of redraws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth import sql
from fastsynth.errors import SchemaError, UsageError
from fastsynth.generation import make_batch
from fastsynth.models import draws
from fastsynth.models.base import METHODS, Model, model_from_document, model_key
from fastsynth.schema import Schema
from fastsynth.specs import Bounds, argument

__all__ = ["MAX_DRAWS", "Conditioned", "SchemaRows", "Strata", "plain_types", "shares_for"]

MAX_DRAWS = 1_000
"""The most draws a row may take to meet the constraints: constraints that need more are too strict."""
_PROBE_ROWS = 10_000
"""Rows the model makes at fit time to measure the share of rows the constraints keep."""
_MISS = 1e-18
"""The chance a row is allowed to fail every draw it has: rows of a billion-row run all find one."""
_MAX_GROUP = 10_000
"""The largest group of rows whose shares are exact: shares that need more are rounded to it."""


def shares_for(
    table: pa.Table,
    custom_distributions: Mapping[str, Mapping[Any, float]] | None,
    balance_target: bool,
    target: str | None,
) -> dict[str, dict[Any, float]]:
    """The exact shares asked for, checked against ``table``: every column exists, every value was
    seen (a value given as text, from a command line, is read as the column's type), the shares are
    positive and sum to 1."""
    if custom_distributions is not None and not isinstance(custom_distributions, Mapping):
        raise UsageError(
            f"fit: custom_distributions={custom_distributions!r} is not an object of column: shares"
        )
    wanted: dict[str, Any] = dict(custom_distributions or {})
    if balance_target:
        if target is None:
            raise UsageError("fit: balance_target needs target=COLUMN, the column to balance")
        classes = pc.unique(table.column(target).drop_null()).to_pylist()
        wanted.setdefault(target, {value: 1 / len(classes) for value in classes})
    return {column: _shares_of(table, column, values) for column, values in wanted.items()}


def _shares_of(table: pa.Table, column: str, values: Any) -> dict[Any, float]:
    where = f"fit: custom_distributions[{column!r}]"
    if column not in table.column_names:
        raise UsageError(f"{where}: {column!r} is not a column; columns: {', '.join(table.column_names)}")
    if not isinstance(values, Mapping) or not values:
        raise UsageError(f"{where}: {values!r} is not an object of value: share")
    kind = table.schema.field(column).type
    seen = set(pc.unique(table.column(column)).to_pylist())
    shares: dict[Any, float] = {}
    for value, share in values.items():
        typed = _typed(value, kind) if value not in seen else value
        if typed not in seen:
            raise UsageError(f"{where}: {value!r} is not a value of the column in the data")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise UsageError(f"{where}: share {share!r} of {value!r} is not a number in (0, 1]")
        shares[typed] = float(share)
    if not math.isclose(sum(shares.values()), 1.0, abs_tol=1e-6):
        raise UsageError(f"{where}: the shares sum to {sum(shares.values()):g}; they must sum to 1")
    return shares


def _checked_shares(column: str, values: Any) -> dict[Any, float]:
    """A column's shares as a model keeps them: positive numbers summing to 1."""
    where = f"shares of {column!r}"
    if not isinstance(values, Mapping) or not values:
        raise UsageError(f"{where}: {values!r} is not an object of value: share")
    for value, share in values.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise UsageError(f"{where}: share {share!r} of {value!r} is not a number in (0, 1]")
    if not math.isclose(sum(values.values()), 1.0, abs_tol=1e-6):
        raise UsageError(f"{where}: the shares sum to {sum(values.values()):g}; they must sum to 1")
    return dict(values)


def _typed(value: Any, kind: pa.DataType) -> Any:
    """``value`` as a value of the column's type when it is text that reads as one (``--share n=3:1``)."""
    if not isinstance(value, str):
        return value
    target = kind.value_type if pa.types.is_dictionary(kind) else kind
    try:
        return pa.array([value]).cast(target)[0].as_py()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return value


def _group(shares: Sequence[float]) -> tuple[int, np.ndarray]:
    """The smallest group of rows (at most ``_MAX_GROUP``) holding each share as whole rows, and the
    rows of each value in it (largest remainders where the shares need a larger group)."""
    size = 1
    for share in shares:
        size = math.lcm(size, Fraction(share).limit_denominator(_MAX_GROUP).denominator)
    size = min(size, _MAX_GROUP)
    exact = np.array(shares) * size
    counts = np.floor(exact).astype(np.int64)
    short = size - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return size, counts


def _assigned(key: np.uint64, start: int, size: int, group: int, counts: np.ndarray) -> np.ndarray:
    """The value index of rows ``[start, start + size)``: in each group of ``group`` rows, a drawn
    order gives the first ``counts[0]`` rows value 0, the next ``counts[1]`` value 1, ..."""
    first = start // group
    groups = (start + size - 1) // group - first + 1
    noise = draws.integers(key, first * group, groups * group, 2**62).reshape(groups, group)
    ranks = np.empty_like(noise)
    np.put_along_axis(ranks, np.argsort(noise, axis=1, kind="stable"), np.arange(group), axis=1)
    values = np.searchsorted(np.cumsum(counts), ranks.ravel(), side="right")
    offset = start - first * group
    return values[offset : offset + size]


def _predicate(text: str) -> Any:
    return sql.parse(text)


def check_constraints(constraints: Sequence[str], schema: pa.Schema) -> None:
    """Refuse a constraint that is not a SQL predicate over the columns, naming it."""
    import polars as pl

    empty = pl.DataFrame(schema.empty_table())
    for index, text in enumerate(constraints):
        where = f"constraints[{index}]={text!r}"
        if not isinstance(text, str) or not text.strip():
            raise UsageError(f"fit: {where} is not a SQL predicate such as 'age >= 18'")
        try:
            kind = empty.select(_predicate(text)).dtypes[0]
        except Exception as exc:  # polars raises several kinds; any means the text is not usable
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UsageError(f"fit: {where} is not a SQL predicate over the columns: {message}") from None
        if kind != pl.Boolean:
            raise UsageError(f"fit: {where} gives {kind}, not true or false")


def _choose(mask: np.ndarray, new: pa.Array, old: pa.Array) -> pa.Array:
    """``new`` where ``mask``, else ``old``; a category column keeps ``old``'s dictionary, the
    model's own categories, so that every batch has the same one."""
    if pa.types.is_dictionary(old.type):
        values = new.dictionary_decode() if pa.types.is_dictionary(new.type) else new
        indices = pc.index_in(values, value_set=old.dictionary)
        if indices.null_count == values.null_count:  # every new value is one of the model's
            chosen = pc.if_else(pa.array(mask), indices.cast(old.indices.type), old.indices)
            return pa.DictionaryArray.from_arrays(chosen, old.dictionary)
    return pc.if_else(pa.array(mask), new, old)


def plain_types(schema: pa.Schema) -> pa.Schema:
    """``schema`` with categories as their values: models fitted on parts of the data (strata,
    blocks) each know the categories of their part, and as dictionaries these would differ from batch
    to batch."""
    return pa.schema(
        [f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema]
    )


class Conditioned(Model):
    """A model's rows with exact shares of some columns' values and constraints met."""

    fittable = False

    def __init__(
        self,
        inner: Model,
        shares: Mapping[str, Mapping[Any, float]],
        constraints: Sequence[str],
        draws: int = 1,
    ):
        self.inner = inner
        self.draws = draws
        """The draws each row may take to meet the constraints (see ``measure_draws``)."""
        self.shares = {column: _checked_shares(column, values) for column, values in shares.items()}
        self.constraints = tuple(constraints)
        schema = inner.arrow_schema()
        missing = sorted(set(self.shares) - inner.givable())
        if missing:
            raise UsageError(
                f"fit: method {inner.method!r} cannot condition on {missing[0]!r}; it conditions on: "
                f"{', '.join(sorted(inner.givable())) or 'nothing'}"
            )
        self._plans = {
            column: (pa.array(list(values)).cast(schema.field(column).type), *_group(list(values.values())))
            for column, values in self.shares.items()
        }
        check_constraints(self.constraints, schema)

    def arrow_schema(self) -> pa.Schema:
        return self.inner.arrow_schema()

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        wanted = self._wanted(seed, start, size, given)
        made = self.inner.make(seed, start, size, wanted or None)
        if not self.constraints:
            return made
        return self._constrained(seed, start, size, wanted, made)

    def _wanted(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None
    ) -> dict[str, pa.Array]:
        """The given values, and the shared columns' values by their exact shares."""
        wanted = dict(given or {})
        for column, (values, group, counts) in self._plans.items():
            if column not in wanted:
                picks = _assigned(model_key(seed, "share", column), start, size, group, counts)
                wanted[column] = values.take(pa.array(picks))
        return wanted

    def _constrained(
        self, seed: int, start: int, size: int, wanted: dict[str, pa.Array], made: dict[str, pa.Array]
    ) -> dict[str, pa.Array]:
        """Rows failing a constraint drawn again, each time from the next draw's seed."""
        import polars as pl

        table = pa.table(made)
        ok = self._meets(pl, table)
        for attempt in range(1, self.draws):
            if ok.all():
                break
            seed_of_draw = int(model_key(seed, "draw", attempt))
            again = pa.table(self.inner.make(seed_of_draw, start, size, wanted or None))
            replace = ~ok & self._meets(pl, again)
            table = pa.table(
                {
                    name: _choose(
                        replace, again.column(name).combine_chunks(), table.column(name).combine_chunks()
                    )
                    for name in table.column_names
                }
            )
            ok |= replace
        if not ok.all():
            raise UsageError(
                f"constraints={list(self.constraints)!r}: {int((~ok).sum())} of {size} rows failed all "
                f"{self.draws} draws they have; the model meets them more rarely than when it was fitted"
            )
        return {name: table.column(name).combine_chunks() for name in table.column_names}

    def measure_draws(self, seed: int) -> None:
        """Set ``draws`` from the share of a probe's rows the constraints keep: enough that a row fails
        every one with a chance under 1e-18 (at a lower bound of the share), or refuse constraints that
        would need more than ``MAX_DRAWS``."""
        import polars as pl

        wanted = self._wanted(seed, 0, _PROBE_ROWS, None)
        probe = pa.table(self.inner.make(seed, 0, _PROBE_ROWS, wanted or None))
        kept = float(self._meets(pl, probe).mean())
        low = kept - 3 * math.sqrt(max(kept * (1 - kept), 1 / _PROBE_ROWS) / _PROBE_ROWS)
        needed = math.inf if low <= 0 else math.ceil(math.log(_MISS) / math.log1p(-low))
        if needed > MAX_DRAWS:
            raise UsageError(
                f"constraints={list(self.constraints)!r} reject nearly every row the model makes "
                f"({kept:.2%} of {_PROBE_ROWS:,} kept): loosen them"
            )
        self.draws = int(needed)

    def _meets(self, pl: Any, table: pa.Table) -> np.ndarray:
        frame = pl.DataFrame(table)
        ok = np.ones(table.num_rows, dtype=bool)
        for text in self.constraints:
            ok &= frame.select(_predicate(text).fill_null(False)).to_series().to_numpy()
        return ok

    def givable(self) -> frozenset[str]:
        return self.inner.givable()

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"inner": {"method": self.inner.method, **self.inner.to_document()}}
        if self.shares:
            document["shares"] = self.shares
        if self.constraints:
            document["constraints"] = list(self.constraints)
            document["draws"] = self.draws
        return document

    def tables(self) -> dict[str, pa.Table]:
        return self.inner.tables()

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> Conditioned:
        unknown = sorted(set(document) - {"inner", "shares", "constraints", "draws"})
        if unknown:
            raise SchemaError(f"schema: model 'conditioned': unknown key {unknown[0]!r}")
        try:
            return cls(
                model_from_document(document.get("inner"), tables),
                document.get("shares") or {},
                document.get("constraints") or (),
                argument("draws", document.get("draws", 1), Annotated[int, Bounds(1, MAX_DRAWS)]),
            )
        except UsageError as exc:
            raise SchemaError(f"schema: model 'conditioned': {exc}") from None


class SchemaRows(Model):
    """A schema's rows as a model: what conditions and blocks wrap a copula schema in."""

    fittable = False

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def arrow_schema(self) -> pa.Schema:
        return self.schema.fields_arrow_schema()

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        if given:
            raise UsageError("a schema's rows take no given values")
        batch = make_batch(self.schema, start, size, seed)
        return {name: batch.column(name) for name in self.schema.names}

    def to_document(self) -> dict[str, Any]:
        return {"schema": self.schema.to_dict()}

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> SchemaRows:
        return cls(Schema.from_dict(document.get("schema")))


class Strata(Model):
    """One schema per value of a column: rows given a value come from that value's schema."""

    fittable = False

    def __init__(self, column: str, values: pa.Array, schemas: Sequence[Schema]) -> None:
        self.column = column
        self.schemas = tuple(schemas)
        self._schema = plain_types(schemas[0].fields_arrow_schema())
        self.values = values.cast(self._schema.field(column).type)

    @classmethod
    def fit_each(cls, table: pa.Table, column: str, fit_one: Any) -> Strata:
        """``fit_one`` (a table to a schema) run on the rows of each value of ``column``."""
        values = pc.unique(table.column(column).drop_null())
        schemas = [fit_one(table.filter(pc.equal(table.column(column), value))) for value in values]
        return cls(column, values, schemas)

    def arrow_schema(self) -> pa.Schema:
        return self._schema

    def givable(self) -> frozenset[str]:
        return frozenset({self.column})

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        if not given or self.column not in given:
            raise UsageError(f"a copula fitted per value of {self.column!r} needs that column given")
        which = pc.index_in(given[self.column], value_set=self.values)
        if which.null_count:
            row = which.is_null().to_numpy(zero_copy_only=False).argmax()
            raise UsageError(f"{self.column}={given[self.column][int(row)].as_py()!r} was not in the data")
        which = which.to_numpy(zero_copy_only=False)
        parts: list[pa.Table] = []
        at = np.empty(size, np.int64)  # where each output row sits in the parts, concatenated
        kept = 0
        for index, schema in enumerate(self.schemas):
            rows = np.flatnonzero(which == index)
            if len(rows) == 0:
                continue
            # Each stratum makes the whole range and keeps its rows: a row depends on (seed, row) alone.
            parts.append(pa.Table.from_batches([make_batch(schema, start, size, seed)]).take(pa.array(rows)))
            at[rows] = kept + np.arange(len(rows))
            kept += len(rows)
        merged = pa.concat_tables([part.cast(self._schema) for part in parts]).take(pa.array(at))
        return {name: merged.column(name).combine_chunks() for name in self._schema.names}

    def to_document(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "strata": [
                {"value": value, "schema": schema.to_dict()}
                for value, schema in zip(self.values.to_pylist(), self.schemas, strict=True)
            ],
        }

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> Strata:
        strata = document.get("strata") or []
        schemas = [Schema.from_dict(s["schema"]) for s in strata]
        return cls(document["column"], pa.array([s["value"] for s in strata]), schemas)


for _name, _cls in (("conditioned", Conditioned), ("schema", SchemaRows), ("strata", Strata)):
    METHODS.add(_name, _cls)
