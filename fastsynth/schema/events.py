"""Event-time realism for people testing stream processors: late events, duplicates, dropped rows.

Each is decided per row from the row's own draws, so any split into batches makes the same decisions:

- ``late``: a fraction of rows keep their place in the output but carry an event time up to
  ``max_delay_seconds`` earlier, so they arrive out of order;
- ``duplicates``: a fraction of rows are emitted twice in a row;
- ``drops``: a fraction of rows are left out (batches then hold fewer rows than asked for);
- ``label``: an optional ground-truth column, ``on_time``, ``late`` or ``duplicate`` (the second copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import numpy_buffer_array, values_array
from fastsynth.errors import SchemaError
from fastsynth.fields.base import Block
from fastsynth.specs import Bounds, Invalid, Spec, from_document

__all__ = ["EventTime"]

_WHERE = "schema: event_time"
_LABELS = ["on_time", "late", "duplicate"]
_TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


Rate = Annotated[float, Bounds(0, 1)]


@dataclass(frozen=True)
class Late(Spec):
    """Rows that arrive late: their timestamps move back by up to ``max_delay_seconds``."""

    rate: Rate = 0.0
    """Fraction of rows that arrive late."""
    max_delay_seconds: Annotated[float, Bounds(0, low_open=True)] = 60.0
    """Largest delay of a late row."""


@dataclass(frozen=True)
class EventTime(Spec):
    """How rows of a time series arrive: late, duplicated, dropped."""

    time_field: str
    """The timestamp column whose values late rows move back (the schema's time column by default)."""
    late: Late = Late()
    """Rows that arrive late (none by default)."""
    duplicates: Rate = 0.0
    """Fraction of rows emitted twice."""
    drops: Rate = 0.0
    """Fraction of rows left out."""
    label: str | None = None
    """Name of the ground-truth column, or None for none."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.label is not None and not self.label:
            raise Invalid(f"label={self.label!r} is not a column name")

    @classmethod
    def from_dict(cls, document: Any, default_time_field: str | None) -> EventTime:
        if isinstance(document, dict):
            # An empty ``late:`` in YAML is no late rows, as leaving it out is.
            document = {k: v for k, v in document.items() if not (k == "late" and v is None)}
            if "time_field" not in document and default_time_field is not None:
                document["time_field"] = default_time_field
        return from_document(cls, document, where=_WHERE)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"time_field": self.time_field}
        if self.late.rate:
            document["late"] = {"rate": self.late.rate, "max_delay_seconds": self.late.max_delay_seconds}
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
            raise SchemaError(f"{_WHERE}: time_field={self.time_field!r} is not a timestamp column")
        if self.label in arrow_schema.names:
            raise SchemaError(f"{_WHERE}: label={self.label!r} is already a column")

    def label_field(self) -> pa.Field | None:
        return (
            None if self.label is None else pa.field(self.label, pa.dictionary(pa.int8(), pa.string()), False)
        )

    def apply(self, batch: pa.RecordBatch, seed: int, start: int) -> pa.RecordBatch:
        """The batch's rows as they arrive (rows ``start`` onwards of the series)."""
        n = batch.num_rows
        draws = Block("\x00event_time", seed, start, n)
        late = draws.uniform(salt="late") < self.late.rate
        kind = late.astype(np.int8)
        columns = dict(zip(batch.schema.names, batch.columns, strict=True))
        if late.any():
            time = columns[self.time_field]
            ticks = _TICKS[time.type.unit]
            delays = 1 + np.floor(draws.uniform(salt="delay") * self.late.max_delay_seconds * ticks).astype(
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
