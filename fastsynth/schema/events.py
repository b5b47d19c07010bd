"""Event-time realism for people testing stream processors: late events, duplicates, dropped rows.

Each is decided per row from the row's own draws, so any split into batches makes the same decisions:

- ``late``: a fraction of rows keep their place in the output but carry an event time up to
  ``max_delay_seconds`` earlier, so they arrive out of order;
- ``duplicates``: a fraction of rows are emitted twice in a row;
- ``drops``: a fraction of rows are left out (batches then hold fewer rows than asked for);
- ``label``: an optional ground-truth column, ``on_time``, ``late`` or ``duplicate`` (the second copy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import numpy_buffer_array, values_array
from fastsynth.errors import SchemaError
from fastsynth.fields.base import Block

__all__ = ["EventTime"]

_KEYS = {"time_field", "late", "duplicates", "drops", "label"}
_LABELS = ["on_time", "late", "duplicate"]
_TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _rate(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise SchemaError(f"schema: {where}={value!r} is not a rate in [0, 1]")
    return float(value)


@dataclass(frozen=True)
class EventTime:
    """How rows of a time series arrive: late, duplicated, dropped."""

    time_field: str
    """The timestamp column whose values late rows move back."""
    late_rate: float = 0.0
    """Fraction of rows that arrive late."""
    max_delay_seconds: float = 0.0
    """Largest delay of a late row."""
    duplicates: float = 0.0
    """Fraction of rows emitted twice."""
    drops: float = 0.0
    """Fraction of rows left out."""
    label: str | None = None
    """Name of the ground-truth column, or None for none."""

    @classmethod
    def from_dict(cls, document: Any, default_time_field: str | None) -> EventTime:
        if not isinstance(document, dict):
            raise SchemaError(f"schema: event_time={document!r} is not an object")
        unknown = sorted(set(document) - _KEYS)
        if unknown:
            raise SchemaError(
                f"schema: event_time has unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}"
            )
        time_field = document.get("time_field", default_time_field)
        if not isinstance(time_field, str):
            raise SchemaError("schema: event_time needs time_field, the timestamp column")
        late = document.get("late") or {}
        if not isinstance(late, dict) or set(late) - {"rate", "max_delay_seconds"}:
            raise SchemaError(f"schema: event_time late={late!r} is not {{rate, max_delay_seconds}}")
        delay = late.get("max_delay_seconds", 60.0)
        if (
            not isinstance(delay, int | float)
            or isinstance(delay, bool)
            or not (math.isfinite(delay) and delay > 0)
        ):
            raise SchemaError(f"schema: event_time late max_delay_seconds={delay!r} is not a positive number")
        label = document.get("label")
        if label is not None and not (isinstance(label, str) and label):
            raise SchemaError(f"schema: event_time label={label!r} is not a column name")
        return cls(
            time_field=time_field,
            late_rate=_rate(late.get("rate", 0.0), "event_time late rate"),
            max_delay_seconds=float(delay),
            duplicates=_rate(document.get("duplicates", 0.0), "event_time duplicates"),
            drops=_rate(document.get("drops", 0.0), "event_time drops"),
            label=label,
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"time_field": self.time_field}
        if self.late_rate:
            document["late"] = {"rate": self.late_rate, "max_delay_seconds": self.max_delay_seconds}
        if self.duplicates:
            document["duplicates"] = self.duplicates
        if self.drops:
            document["drops"] = self.drops
        if self.label is not None:
            document["label"] = self.label
        return document

    def check(self, arrow_schema: pa.Schema) -> None:
        if self.time_field not in arrow_schema.names or not pa.types.is_timestamp(
            arrow_schema.field(self.time_field).type
        ):
            raise SchemaError(f"schema: event_time time_field={self.time_field!r} is not a timestamp column")
        if self.label in arrow_schema.names:
            raise SchemaError(f"schema: event_time label={self.label!r} is already a column")

    def label_field(self) -> pa.Field | None:
        return (
            None if self.label is None else pa.field(self.label, pa.dictionary(pa.int8(), pa.string()), False)
        )

    def apply(self, batch: pa.RecordBatch, seed: int, start: int) -> pa.RecordBatch:
        """The batch's rows as they arrive (rows ``start`` onwards of the series)."""
        n = batch.num_rows
        draws = Block("\x00event_time", seed, start, n)
        late = draws.uniform(salt="late") < self.late_rate
        kind = late.astype(np.int8)
        columns = dict(zip(batch.schema.names, batch.columns, strict=True))
        if late.any():
            time = columns[self.time_field]
            ticks = _TICKS[time.type.unit]
            delays = 1 + np.floor(draws.uniform(salt="delay") * self.max_delay_seconds * ticks).astype(
                np.int64
            )
            moved = time.cast(pa.int64()).to_numpy(zero_copy_only=False) - np.where(late, delays, 0)
            columns[self.time_field] = numpy_buffer_array(time.type, moved)
        kept = draws.uniform(salt="drop") >= self.drops
        twice = draws.uniform(salt="duplicate") < self.duplicates
        copies = np.where(kept, 1 + twice, 0)
        take = np.repeat(np.arange(n, dtype=np.int64), copies)
        second = np.zeros(len(take), bool)
        ends = np.cumsum(copies)[copies == 2] - 1
        second[ends] = True
        kinds = np.where(second, 2, kind[take]).astype(np.int8)
        names = list(columns)
        arrays = [pc.take(columns[name], take) for name in names]
        fields = list(batch.schema)
        if self.label is not None:
            indices = numpy_buffer_array(pa.int8(), kinds)
            arrays.append(pa.DictionaryArray.from_arrays(indices, values_array(_LABELS), safe=False))
            fields.append(self.label_field())
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
