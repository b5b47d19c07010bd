"""Avro for the Kafka sink: a record schema derived from the Arrow schema, and batches encoded a record
per row by a numba kernel (``fastsynth.kernels.avro``).

Types: integers up to 32 bits -> ``int``, 64 bits -> ``long``; ``float``, ``double``, ``boolean``;
strings and dictionaries of strings -> ``string``; timestamps -> ``long`` with ``timestamp-millis``
(seconds and milliseconds) or ``timestamp-micros`` (micro- and nanoseconds, truncated to micros);
dates -> ``int`` with ``date``. A nullable column is the union ``["null", type]``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import string_parts, validity
from fastsynth.errors import UsageError
from fastsynth.kernels import avro as ka

__all__ = ["AvroEncoder", "avro_schema"]

_SCALE = {"s": 1000, "ms": 1, "us": 1, "ns": 1}  # to the logical type's unit
_DIVIDE = {"s": 1, "ms": 1, "us": 1, "ns": 1000}


def _field_type(field: pa.Field) -> tuple[Any, int]:
    """(the Avro type, the kernel's kind) of one Arrow field."""
    t = field.type
    if pa.types.is_dictionary(t) and (
        pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
    ):
        return "string", ka.STRING
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string", ka.STRING
    if pa.types.is_boolean(t):
        return "boolean", ka.BOOLEAN
    if pa.types.is_integer(t):
        if t.bit_width == 64 and pa.types.is_unsigned_integer(t):
            raise UsageError(f"avro: column {field.name!r} is uint64, which Avro's long cannot hold")
        return ("long" if t.bit_width == 64 or t == pa.uint32() else "int"), ka.LONG
    if pa.types.is_float64(t):
        return "double", ka.DOUBLE
    if pa.types.is_float32(t) or pa.types.is_float16(t):
        return "float", ka.FLOAT
    if pa.types.is_timestamp(t):
        logical = "timestamp-millis" if t.unit in ("s", "ms") else "timestamp-micros"
        return {"type": "long", "logicalType": logical}, ka.LONG
    if pa.types.is_date32(t):
        return {"type": "int", "logicalType": "date"}, ka.LONG
    raise UsageError(f"avro: column {field.name!r} of type {t} has no Avro encoding here")


def _name(text: str) -> str:
    """An Avro name: letters, digits and underscores, not starting with a digit."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text) or "_"
    return cleaned if not cleaned[0].isdigit() else f"_{cleaned}"


def avro_schema(schema: pa.Schema, name: str = "Row") -> dict[str, Any]:
    """The Avro record schema of rows of ``schema``."""
    fields = []
    for field in schema:
        avro_type, _ = _field_type(field)
        fields.append(
            {"name": _name(field.name), "type": ["null", avro_type] if field.nullable else avro_type}
        )
    return {"type": "record", "name": _name(name), "fields": fields}


class AvroEncoder:
    """Encodes batches of one Arrow schema, a record per row."""

    def __init__(self, schema: pa.Schema, name: str = "Row") -> None:
        self.schema = schema
        self.avro_schema = avro_schema(schema, name)
        self._kinds = [_field_type(f)[1] for f in schema]
        groups = {"int": 0, "float": 0, "string": 0}
        plan = []
        for kind, field in zip(self._kinds, schema, strict=True):
            group = "string" if kind == ka.STRING else "float" if kind in (ka.DOUBLE, ka.FLOAT) else "int"
            plan.append((kind, groups[group], int(field.nullable)))
            groups[group] += 1
        self._plan = np.array(plan, np.int64).reshape(-1, 3)
        self._groups = groups

    def encode(self, batch: pa.RecordBatch) -> tuple[pa.Array, int]:
        """(the records as an Arrow binary array, their total bytes)."""
        n = batch.num_rows
        ints = np.zeros((self._groups["int"], n), np.int64)
        floats = np.zeros((self._groups["float"], n), np.float64)
        strings: list[pa.Array] = []
        valid = np.ones((len(self._kinds), n), np.uint8)
        for f, (field, kind, column) in enumerate(zip(self.schema, self._kinds, batch.columns, strict=True)):
            group = self._plan[f, 1]
            if column.null_count:
                valid[f] = validity(column)
            if kind == ka.STRING:
                strings.append(column.dictionary_decode() if pa.types.is_dictionary(column.type) else column)
            elif kind in (ka.DOUBLE, ka.FLOAT):
                floats[group] = pc.fill_null(column, 0).to_numpy(zero_copy_only=False)
            else:
                plain = column.cast(pa.int32()) if pa.types.is_date32(field.type) else column
                numbers = pc.fill_null(plain.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
                if pa.types.is_timestamp(field.type):
                    numbers = numbers * _SCALE[field.type.unit] // _DIVIDE[field.type.unit]
                ints[group] = numbers
        offsets, data = _string_buffers(strings, n)
        record_offsets = np.empty(n + 1, np.int64)
        out = ka.encode_records(self._plan, ints, floats, offsets, data, valid, record_offsets)
        records = pa.Array.from_buffers(
            pa.large_binary(), n, [None, pa.py_buffer(record_offsets), pa.py_buffer(out)]
        )
        return records, int(record_offsets[-1])


def _string_buffers(columns: list[pa.Array], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every string column's offsets (rows of one matrix) into one shared byte buffer."""
    offsets = np.zeros((len(columns), n + 1), np.int64)
    parts = []
    base = 0
    for k, column in enumerate(columns):
        local, data = string_parts(column)
        offsets[k] = local + base
        parts.append(data)
        base += len(data)
    return offsets, np.concatenate(parts) if parts else np.zeros(0, np.uint8)
