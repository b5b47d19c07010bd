"""The ``expr`` field type: a vectorised SQL expression over other columns of the row, by polars.

``income * 0.3 + age``, ``CASE WHEN age > 60 THEN 'senior' ELSE 'adult' END``, ``round(income / 12, 2)``:
polars parses the expression (``pl.sql_expr``) and evaluates it over whole batches. No Python ``eval``
is involved, so an expression can read columns and call SQL functions, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pyarrow as pa

from fastsynth import sql
from fastsynth.errors import SchemaError
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.specs import Size

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["ExprField"]

_DTYPES = {
    "float64": pa.float64(),
    "float32": pa.float32(),
    "int64": pa.int64(),
    "int32": pa.int32(),
    "bool": pa.bool_(),
    "string": pa.string(),
}


def _parse(expr: str) -> Any:
    """The polars expression, parsed once per text (fields ask for it per batch)."""
    return sql.parse(expr)


@FIELDS.register("expr")
@dataclass(frozen=True, kw_only=True)
class ExprField(Field):
    """A value computed from other columns of the same row by a SQL expression."""

    expr: Annotated[str, Size("expression", "tokens")]
    """The SQL expression, e.g. ``income * 0.3 + age``."""
    dtype: Literal["float64", "float32", "int64", "int32", "bool", "string"] = "float64"
    """Arrow type of the column; the expression's result is cast to it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            _parse(self.expr)
        except Exception as exc:
            raise self.error(
                f"expr={self.expr!r} is not a valid SQL expression: {_first_line(exc)}"
            ) from None

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_parse(self.expr).meta.root_names()))

    def check_schema(self, schema: Schema) -> None:
        if self.dtype == "string":
            self.check_text_sources(schema, self.dependencies(schema))
        for name in self.dependencies(schema):
            if name == self.name or schema.column_named(name) is None:
                raise self.error(
                    f"expr={self.expr!r} reads {name!r}, which is not another column "
                    f"({schema.column_names_text()})"
                )

    def arrow_type(self) -> pa.DataType:
        return _DTYPES[self.dtype]

    def generate(self, block: Block) -> pa.Array:
        names = self.dependencies(block.schema) if block.schema is not None else ()
        table = pa.table({n: block.column(n) for n in names}) if names else None
        try:
            values = self._values(table, block.size)
            if table is not None and block.size >= 2 and self.expr not in _ROW_BY_ROW:
                half = block.size // 2
                halves = [
                    self._values(table.slice(0, half), half),
                    self._values(table.slice(half), block.size - half),
                ]
                if not _same(pa.concat_arrays(halves), values):
                    raise self.error(
                        f"expr={self.expr!r} combines rows (an aggregate or a window: sum, avg, count, "
                        "OVER...), which every batch would compute over its own rows; allowed: "
                        "expressions of each row's own values"
                    )
                if len(_ROW_BY_ROW) >= _MOST_REMEMBERED:  # a server sees new texts with every request
                    _ROW_BY_ROW.clear()
                _ROW_BY_ROW.add(self.expr)
            return values.cast(self.arrow_type())
        except SchemaError:
            raise
        except Exception as exc:
            raise SchemaError(f"field {self.name!r}: expr={self.expr!r} failed: {_first_line(exc)}") from None

    def _values(self, table: pa.Table | None, size: int) -> pa.Array:
        """The expression over ``table`` (``size`` rows; None: no columns), evaluated over
        ``_SHORTEST`` rows at least: polars (2.1) computes columns of fewer rows otherwise
        (``round(56862.18 / 12, 2)``: 4738.52 in a column of one or two rows, 4738.51 in longer ones),
        which made a short last batch differ. A short table is repeated, and its own rows' values
        kept."""
        import polars as pl

        if table is None:  # an expression of constants only
            constant = pl.LazyFrame().select(_parse(self.expr).alias("v")).collect().to_series().to_arrow()
            return pa.repeat(constant[0], size) if len(constant) == 1 else constant
        short = size < _SHORTEST
        whole = pa.concat_tables([table] * -(-_SHORTEST // size)) if short else table
        frame = pl.DataFrame(whole.combine_chunks())
        values = frame.lazy().select(_parse(self.expr).alias("v")).collect().to_series().to_arrow()
        return values.slice(0, size) if short else values


_SHORTEST = 4
"""The fewest rows an expression is evaluated over (see ``ExprField._values``)."""
_MOST_REMEMBERED = 1024
_ROW_BY_ROW: set[str] = set()
"""Expressions seen to give each row the same value over a batch as over its two halves: checked once
per process and text, on their first batch of two rows or more."""


def _same(a: pa.Array, b: pa.Array) -> bool:
    """Whether ``a`` and ``b`` hold the same values, NaN equal to NaN (``sqrt`` of a negative number is
    NaN in both halves and the whole; Arrow's ``equals`` calls two NaNs different)."""
    if not pa.types.is_floating(a.type) or a.type != b.type:
        return bool(a.equals(b))
    if not a.is_null().equals(b.is_null()):
        return False
    x, y = (np.asarray(v.fill_null(0.0).to_numpy(zero_copy_only=False)) for v in (a, b))
    return bool(np.array_equal(x, y, equal_nan=True))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
