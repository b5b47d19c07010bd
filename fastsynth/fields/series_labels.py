"""Columns that label a ``series`` column's rows: ``anomaly_label`` (where it has an anomaly) and
``regime`` (which state it is in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from fastsynth.buffers import numpy_buffer_array, values_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.fields.series import SeriesField

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["AnomalyLabelField", "RegimeField"]


def _series_column(schema: Schema | None, name: str) -> SeriesField | None:
    if schema is None:
        return None
    target = schema.column_named(name)
    return target if isinstance(target, SeriesField) else None


@FIELDS.register("anomaly_label")
@dataclass(frozen=True, kw_only=True)
class AnomalyLabelField(Field):
    """True on the rows where the ``series`` column named by ``series`` has an anomaly."""

    series: str
    """The series column whose anomalies this column marks."""

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return (self.series,)

    def check_schema(self, schema: Schema) -> None:
        target = _series_column(schema, self.series)
        if target is None or target.anomalies is None:
            raise self.error(f"series={self.series!r} is not a series column with anomalies")

    def arrow_type(self) -> pa.DataType:
        return pa.bool_()

    def generate(self, block: Block) -> pa.Array:
        flags = _series_column(block.schema, self.series).anomaly_signs(block) != 0  # type: ignore[union-attr]
        return pa.Array.from_buffers(
            pa.bool_(), block.size, [None, pa.py_buffer(np.packbits(flags, bitorder="little"))]
        )


@FIELDS.register("regime")
@dataclass(frozen=True, kw_only=True)
class RegimeField(Field):
    """The name of the regime the ``series`` column is in on each row (a dictionary column)."""

    series: str
    """The series column with ``regimes`` whose state this column names."""

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return (self.series,)

    def check_schema(self, schema: Schema) -> None:
        target = _series_column(schema, self.series)
        if target is None or target.regime_names() is None:
            raise self.error(f"series={self.series!r} is not a series column with regimes")

    def arrow_type(self) -> pa.DataType:
        return pa.dictionary(pa.int8(), pa.string())

    def generate(self, block: Block) -> pa.Array:
        target = _series_column(block.schema, self.series)
        names = None if target is None else target.regime_names()
        assert target is not None and names is not None  # check_schema found a series with regimes
        indices = numpy_buffer_array(pa.int8(), target.regime_indices(block))
        return pa.DictionaryArray.from_arrays(indices, values_array(names), safe=False)
