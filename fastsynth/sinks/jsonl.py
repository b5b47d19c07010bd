"""JSON lines of Arrow batches, for the JSON file sinks, Kafka and the API's streams.

A numba kernel (``fastsynth.kernels.json_lines``) writes every row's object into one buffer, in the
bytes polars' writer gives (``benchmarks/bench_json.py`` compares the two): integers, booleans,
strings (escaped), dictionaries of strings, dates, and timestamps without a zone or in UTC, in ISO 8601
with a "T" (``2024-01-02T03:04:05``), which JSON readers expect. Floats are turned into text by polars
(its shortest round-trip digits), which the kernel copies. Every other column (nested types, other
zones, years outside 0..9999) is written by polars alone and spliced in, so the kernel never has to
agree with it on those.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import empty, int64_values, string_parts, validity
from fastsynth.kernels import json_lines as kj

__all__ = ["Columns", "JsonLines"]

_UTC = frozenset({"UTC", "Etc/UTC", "+00:00"})
_TICKS = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}
# Days from 1970-01-01 to 0000-01-01 and to 9999-12-31: the years the kernel writes in four digits.
_FIRST_DAY, _LAST_DAY = -719_528, 2_932_896
_VALUE = 5  # len('{"v":'), what polars writes before each value of a column named "v"
_NUMBERED = (kj.INT, kj.BOOL, kj.WORD, kj.TIMESTAMP, kj.DATE)  # kinds read from int64 values


def _kind(t: pa.DataType) -> int:
    """The kernel's kind for values of type ``t`` (``RAW``: polars writes them)."""
    if pa.types.is_integer(t) and t != pa.uint64():
        return kj.INT
    if pa.types.is_boolean(t):
        return kj.BOOL
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return kj.STRING
    if pa.types.is_dictionary(t) and (
        pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
    ):
        return kj.WORD
    if pa.types.is_timestamp(t) and (t.tz is None or t.tz in _UTC):
        return kj.TIMESTAMP
    if pa.types.is_date32(t):
        return kj.DATE
    if pa.types.is_float32(t) or pa.types.is_float64(t):
        return kj.FLOAT
    return kj.RAW


def _numbers(column: pa.Array) -> pa.Array:
    """The int64 numbers behind integers, booleans, timestamps (ticks) and dates (days)."""
    return (column.cast(pa.int32()) if pa.types.is_date32(column.type) else column).cast(pa.int64())


def _four_digit_years(numbers: pa.Array, t: pa.DataType) -> bool:
    """Whether the ticks or days of a timestamp or date column all fall in years 0..9999."""
    bounds = pc.min_max(numbers)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is None:
        return True
    ticks = 86_400 * _TICKS[t.unit] if pa.types.is_timestamp(t) else 1
    return low // ticks >= _FIRST_DAY and high // ticks <= _LAST_DAY


class JsonLines:
    """Encodes batches of one Arrow schema as JSON lines: one object per row, each ending in a newline,
    or with ``newline`` False in nothing (a message per row, which Kafka takes as it is)."""

    def __init__(self, schema: pa.Schema, *, newline: bool = True) -> None:
        self.schema = schema
        self._kinds = [_kind(field.type) for field in schema]
        keys = [json.dumps(field.name, ensure_ascii=False) + ":" for field in schema]
        frames = [("{" if f == 0 else ",") + key for f, key in enumerate(keys)]
        frames.append(("}" if keys else "{}") + ("\n" if newline else ""))
        encoded = [frame.encode() for frame in frames]
        self._frame_end = np.cumsum([len(e) for e in encoded], dtype=np.int64)
        self._frame_first = self._frame_end - [len(e) for e in encoded]
        self._frame_data = np.frombuffer(b"".join(encoded) + bytes(8), np.uint8)  # padded for words

    def encode(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        """(the bytes, the ``num_rows + 1`` offsets where each row's line starts and the last ends)."""
        return self.lines(self.columns(batch))

    def columns(self, batch: pa.RecordBatch) -> Columns:
        """The batch's columns as the kernel reads them: prepared once, then written in any row ranges
        (the Kafka sink writes a batch in slices, while it sends the previous one)."""
        if batch.schema.names != self.schema.names or batch.schema.types != self.schema.types:
            raise ValueError(f"the batch's schema ({batch.schema}) is not the encoder's ({self.schema})")
        plan = np.zeros((len(self._kinds), kj.PLAN), np.int64)
        alive: list[np.ndarray] = []

        def at(array: np.ndarray) -> int:
            assert array.flags.c_contiguous  # read by address
            alive.append(array)
            return int(array.ctypes.data)

        for f, (field, column) in enumerate(zip(self.schema, batch.columns, strict=True)):
            kind = self._kinds[f]
            numbers = _numbers(column.indices if kind == kj.WORD else column) if kind in _NUMBERED else None
            if kind in (kj.TIMESTAMP, kj.DATE) and not _four_digit_years(numbers, field.type):
                kind = kj.RAW
            row = plan[f]
            row[kj.KIND] = kind
            if kind in _NUMBERED:  # still: a timestamp may have become RAW
                row[kj.VALUES] = at(int64_values(numbers))  # the kernel skips null rows
            if kind == kj.TIMESTAMP:
                row[kj.EXTRA] = _TICKS[field.type.unit] * (-1 if field.type.tz else 1)
            if kind in (kj.STRING, kj.WORD, kj.RAW, kj.FLOAT):
                if kind == kj.RAW:
                    firsts, ends, data = _polars_values(column)
                else:
                    text = (
                        column.dictionary
                        if kind == kj.WORD
                        else _float_text(column)
                        if kind == kj.FLOAT
                        else column
                    )
                    offsets, data = string_parts(text)
                    firsts, ends = offsets[:-1], offsets[1:]
                row[kj.FIRST], row[kj.END] = at(firsts), at(ends)
                row[kj.DATA] = at(data)
                row[kj.STOP] = row[kj.DATA] + len(data)
            # A dictionary's nulls may be in its entries, which null_count does not see; polars writes
            # RAW's nulls itself.
            nulls = column.null_count or (kind == kj.WORD and column.dictionary.null_count)
            if kind != kj.RAW and nulls:
                row[kj.VALID] = at(validity(column))
        return Columns(plan, batch.num_rows, alive)

    def lines(
        self, columns: Columns, start: int = 0, stop: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The lines of rows ``start`` to ``stop`` (the end by default): (the bytes, the offsets where
        each line starts and the last ends)."""
        # The kernels read by address: never past the columns, nor past this encoder's fields.
        stop = columns.rows if stop is None else stop
        if not 0 <= start <= stop <= columns.rows:
            raise ValueError(f"rows {start} to {stop} are outside the batch's {columns.rows}")
        if columns.plan.shape[0] != len(self._kinds):
            raise ValueError(
                f"columns of {columns.plan.shape[0]} fields, for an encoder of {len(self._kinds)}"
            )
        frames = self._frame_first, self._frame_end
        offsets = np.empty(stop - start + 1, np.int64)
        kj.line_offsets(columns.plan, *frames, start, offsets)
        out = empty(int(offsets[-1]), np.uint8)  # Arrow's pool: fresh pages would fault on every batch
        kj.write_lines(columns.plan, *frames, self._frame_data, start, offsets, out)
        return out, offsets


@dataclass(frozen=True)
class Columns:
    """A batch prepared for the kernel: ``plan`` holds addresses into ``alive``, which keeps them valid."""

    plan: np.ndarray
    rows: int
    alive: list[np.ndarray]


def _float_text(column: pa.Array) -> pa.Array:
    """Floats as polars writes them in JSON: the shortest text that reads back as the same number
    (Ryu), as strings; NaN and infinities are spelt out, and the kernel writes them as null. Half the
    time of having polars write the column as JSON and cutting it."""
    import polars as pl  # only floats and columns the kernel does not write need it

    series = pl.from_arrow(column)
    assert isinstance(series, pl.Series)
    return series.cast(pl.String).to_arrow()


def _polars_values(column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value of ``column`` as JSON text written by polars (spans into its bytes); timestamps in
    ISO 8601 with a "T" and the zone's offset, as the kernel writes them."""
    import polars as pl  # only columns the kernel does not write need it; keeps it out of start-up

    frame = pl.from_arrow(pa.table({"v": column}))
    assert isinstance(frame, pl.DataFrame)
    dtype = frame.schema["v"]
    if isinstance(dtype, pl.Datetime):
        pattern = "%Y-%m-%dT%H:%M:%S%.f" + ("%:z" if dtype.time_zone else "")
        frame = frame.with_columns(pl.col("v").dt.to_string(pattern))
    buffer = io.BytesIO()
    frame.write_ndjson(buffer)
    data = np.frombuffer(buffer.getbuffer(), np.uint8)
    # Lines are '{"v":VALUE}\n' and JSON escapes newlines inside strings: each raw newline ends one.
    newlines = np.flatnonzero(data == 10)
    first = np.empty(len(newlines), np.int64)
    first[:1] = _VALUE
    first[1:] = newlines[:-1] + 1 + _VALUE
    return first, newlines - 1, data
