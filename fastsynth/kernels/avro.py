"""Avro binary encoding of whole batches: every row becomes one Avro record (schemaless, as in a Kafka
message), written into one buffer with an offset per row.

Columns arrive grouped by representation: integers (long, int, boolean, timestamps, dates) as rows of an
int64 matrix, floating point as rows of a float64 matrix, strings as offsets into one shared byte
buffer. ``plan`` says, field by field in schema order: its kind, its row in its group, and whether it is
a union with null (then ``valid`` says which values are present).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = ["BOOLEAN", "DOUBLE", "FLOAT", "LONG", "STRING", "encode_records"]

LONG, DOUBLE, FLOAT, BOOLEAN, STRING = 0, 1, 2, 3, 4
_CHUNK = 4096


@kernel
def _long_size(value: int) -> int:
    """Bytes of a zigzag varint."""
    z = np.uint64((value << 1) ^ (value >> 63))
    size = 1
    while z >= np.uint64(0x80):
        z >>= np.uint64(7)
        size += 1
    return size


@kernel
def _write_long(out, at: int, value: int) -> int:
    z = np.uint64((value << 1) ^ (value >> 63))
    while z >= np.uint64(0x80):
        out[at] = np.uint8((z & np.uint64(0x7F)) | np.uint64(0x80))
        z >>= np.uint64(7)
        at += 1
    out[at] = np.uint8(z)
    return at + 1


@kernel
def _record_size(j, plan, ints, str_offsets, valid) -> int:
    size = 0
    for f in range(plan.shape[0]):
        kind, group, nullable = plan[f, 0], plan[f, 1], plan[f, 2]
        if nullable:
            size += 1  # the union's branch, 0 (null) or 1 (value), one byte either way
            if valid[f, j] == 0:
                continue
        if kind == LONG:
            size += _long_size(ints[group, j])
        elif kind == DOUBLE:
            size += 8
        elif kind == FLOAT:
            size += 4
        elif kind == BOOLEAN:
            size += 1
        else:
            length = str_offsets[group, j + 1] - str_offsets[group, j]
            size += _long_size(length) + length
    return size


@parallel_kernel
def encode_records(plan, ints, floats, str_offsets, str_data, valid, offsets):
    """The records of ``len(offsets) - 1`` rows: sizes first (into ``offsets``), then the bytes."""
    n = offsets.shape[0] - 1
    sizes = np.empty(n, np.int64)
    for j in prange(n):
        sizes[j] = _record_size(j, plan, ints, str_offsets, valid)
    offsets[0] = 0
    for j in range(n):
        offsets[j + 1] = offsets[j] + sizes[j]
    out = np.empty(offsets[n], np.uint8)
    chunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(chunks):
        wide = np.empty(1, np.float64)  # scratch for a value's bytes, once per chunk of rows
        narrow = np.empty(1, np.float32)
        wide_bytes, narrow_bytes = wide.view(np.uint8), narrow.view(np.uint8)
        for j in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            at = offsets[j]
            for f in range(plan.shape[0]):
                kind, group, nullable = plan[f, 0], plan[f, 1], plan[f, 2]
                if nullable:
                    present = valid[f, j] != 0
                    out[at] = np.uint8(2 if present else 0)  # zigzag of branch 1 or 0
                    at += 1
                    if not present:
                        continue
                if kind == LONG:
                    at = _write_long(out, at, ints[group, j])
                elif kind == DOUBLE:
                    wide[0] = floats[group, j]
                    out[at : at + 8] = wide_bytes  # little-endian, as Avro wants, on every target here
                    at += 8
                elif kind == FLOAT:
                    narrow[0] = floats[group, j]
                    out[at : at + 4] = narrow_bytes
                    at += 4
                elif kind == BOOLEAN:
                    out[at] = np.uint8(1 if ints[group, j] != 0 else 0)
                    at += 1
                else:
                    first, end = str_offsets[group, j], str_offsets[group, j + 1]
                    at = _write_long(out, at, end - first)
                    out[at : at + end - first] = str_data[first:end]
                    at += end - first
    return out
