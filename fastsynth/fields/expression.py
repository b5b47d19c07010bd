"""The ``expr`` field type: a vectorised SQL expression over other columns of the row, by polars.

``income * 0.3 + age``, ``CASE WHEN age > 60 THEN 'senior' ELSE 'adult' END``, ``round(income / 12, 2)``:
polars parses the expression (``pl.sql_expr``) and evaluates it over whole batches. No Python ``eval``
is involved, so an expression can read columns and call SQL functions, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

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
        import polars as pl

        names = self.dependencies(block.schema) if block.schema is not None else ()
        frame = pl.DataFrame(pa.table({n: block.column(n) for n in names})) if names else pl.DataFrame()
        try:
            result = (
                (frame.lazy() if names else pl.LazyFrame()).select(_parse(self.expr).alias("v")).collect()
            )
            values = result.to_series().to_arrow()
            if len(values) == 1 and block.size != 1:  # an expression of constants only
                values = pa.repeat(values[0], block.size)
            return values.cast(self.arrow_type())
        except Exception as exc:
            raise SchemaError(f"field {self.name!r}: expr={self.expr!r} failed: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
