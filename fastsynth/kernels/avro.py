"""Avro binary encoding of whole batches: every row becomes one Avro record (schemaless, as in a Kafka
message), written into one buffer with an offset per row.

Columns arrive grouped by representation: integers (long, int, boolean, timestamps, dates) as rows of an
int64 matrix, floating point as rows of a float64 matrix, strings as offsets into one shared byte
buffer. ``plan`` says, field by field in schema order: its kind, its row in its group, and whether it is
a union with null (then ``valid`` says which values are present).

Records are written by address (``fastsynth.kernels.memory``), in chunks of ``_CHUNK`` rows, one
thread each: a string is copied eight bytes at a time, and a word that runs past its value is stored
only while it ends before the chunk's last record does, so the bytes it overwrites are later ones of
the same chunk, written afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel
from fastsynth.kernels.memory import address, copy_bytes, store_byte_at

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
def _write_long(at: int, value: int) -> int:
    """A zigzag varint at address ``at``; returns where it ends."""
    z = np.uint64((value << 1) ^ (value >> 63))
    while z >= np.uint64(0x80):
        store_byte_at(at, np.uint8((z & np.uint64(0x7F)) | np.uint64(0x80)))
        z >>= np.uint64(7)
        at += 1
    store_byte_at(at, np.uint8(z))
    return at + 1


@kernel
def _write_bytes(at: int, bits: np.uint64, count: int) -> int:
    """The ``count`` low bytes of ``bits`` at address ``at``, lowest first; returns where they end."""
    for k in range(count):
        store_byte_at(at + k, np.uint8((bits >> np.uint64(8 * k)) & np.uint64(0xFF)))
    return at + count


@parallel_kernel
def encode_records(plan, ints, floats, str_offsets, str_data, valid, offsets):
    """The records of ``len(offsets) - 1`` rows: sizes first (into ``offsets``), then the bytes.
    ``str_data`` must be C-contiguous: it is read by address.

    The loops read the arrays themselves and hand helpers only numbers and addresses: numba counts
    references to an array passed to a function on every call, which cost more than the record."""
    n = offsets.shape[0] - 1
    fields = plan.shape[0]
    offsets[0] = 0
    for j in prange(n):
        size = 0
        for f in range(fields):
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
        offsets[j + 1] = size
    for j in range(n):
        offsets[j + 1] += offsets[j]
    out = np.empty(offsets[n], np.uint8)
    out_at, data_at = address(out), address(str_data)
    data_stop = data_at + str_data.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        wide = np.empty(1, np.float64)  # scratch for a value's bits, once per chunk of rows
        narrow = np.empty(1, np.float32)
        wide_bits, narrow_bits = wide.view(np.uint64), narrow.view(np.uint32)
        last = min(n, (c + 1) * _CHUNK)
        limit = out_at + offsets[last]
        for j in range(c * _CHUNK, last):
            at = out_at + offsets[j]
            for f in range(fields):
                kind, group, nullable = plan[f, 0], plan[f, 1], plan[f, 2]
                if nullable:
                    present = valid[f, j] != 0
                    store_byte_at(at, np.uint8(2 if present else 0))  # zigzag of branch 1 or 0
                    at += 1
                    if not present:
                        continue
                if kind == LONG:
                    at = _write_long(at, ints[group, j])
                elif kind == DOUBLE:
                    wide[0] = floats[group, j]
                    at = _write_bytes(at, np.uint64(wide_bits[0]), 8)  # little-endian, as Avro wants
                elif kind == FLOAT:
                    narrow[0] = floats[group, j]
                    at = _write_bytes(at, np.uint64(narrow_bits[0]), 4)
                elif kind == BOOLEAN:
                    store_byte_at(at, np.uint8(1 if ints[group, j] != 0 else 0))
                    at += 1
                else:
                    first, end = str_offsets[group, j], str_offsets[group, j + 1]
                    at = _write_long(at, end - first)
                    at = copy_bytes(at, limit, data_at + first, end - first, data_stop)
    return out
