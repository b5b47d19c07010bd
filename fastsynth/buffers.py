"""Arrow buffers for kernels to fill, and Arrow arrays built on them without a copy.

numpy and pyarrow only: every layer that makes columns (fields, entities, drift) builds on this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = [
    "empty",
    "fixed_width_strings",
    "int64_values",
    "numpy_buffer_array",
    "read_only",
    "string_parts",
    "utf8_buffers",
    "validity",
    "values_array",
]


def empty(size: int, dtype: Any) -> np.ndarray:
    """An uninitialised numpy array on memory from Arrow's pool, for kernels to fill.

    Arrow's allocator (mimalloc or jemalloc) keeps freed pages for reuse and aligns to 64 bytes; fresh
    numpy allocations page-fault on every batch, which halved throughput in benchmarks."""
    dtype = np.dtype(dtype)
    return np.frombuffer(pa.allocate_buffer(max(size, 1) * dtype.itemsize), dtype)[:size]


def read_only(values: np.ndarray) -> np.ndarray:
    """``values`` as a read-only view, the way kernels take inputs that come from Arrow (read-only) or
    from numpy (writable) depending on the path: numba compiles a kernel once for each, seconds apiece."""
    view = values.view()
    view.flags.writeable = False
    return view


def int64_values(numbers: pa.Array) -> np.ndarray:
    """The values of an int64 array as numpy, without a copy, whatever sits under its nulls (for
    readers that skip null rows). ``fill_null`` would make a scalar, and pyarrow imports pandas for its
    first scalar: 0.4 s of a one-row ``gen``."""
    if len(numbers) == 0:
        return np.zeros(0, np.int64)
    return np.frombuffer(numbers.buffers()[1], np.int64, count=len(numbers), offset=8 * numbers.offset)


def validity(column: pa.Array) -> np.ndarray:
    """A byte per value of ``column``, 1 where it is valid as ``is_valid`` says (for a dictionary, a null
    entry is a null too). Unpacked from Arrow's bits by numpy: ``to_numpy`` of booleans makes pyarrow
    import pandas, 0.4 s of a command's start."""
    bits = column.is_valid()
    if len(bits) == 0:
        return np.zeros(0, np.uint8)
    packed = np.frombuffer(bits.buffers()[1], np.uint8)
    return np.unpackbits(packed, count=bits.offset + len(bits), bitorder="little")[bits.offset :]


def numpy_buffer_array(arrow_type: pa.DataType, values: np.ndarray) -> pa.Array:
    """An Arrow array over a numpy buffer, without a copy."""
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(values)])


def fixed_width_strings(data: np.ndarray, width: int, size: int) -> pa.Array:
    """An Arrow string array over ``data`` holding ``size`` strings of ``width`` bytes each."""
    offsets = np.arange(0, (size + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), size, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def string_parts(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The int64 offsets (from 0) and the UTF-8 bytes of a string column, without copying the bytes;
    nulls are empty strings."""
    column = column.cast(pa.large_string())
    if column.null_count:
        column = column.fill_null("")
    _, offsets_buffer, data = column.buffers()
    if offsets_buffer is None:  # an empty array may have none
        return np.zeros(1, np.int64), np.zeros(0, np.uint8)
    offsets = np.frombuffer(offsets_buffer, np.int64)[column.offset : column.offset + len(column) + 1]
    if data is None:
        return offsets - offsets[0], np.zeros(0, np.uint8)
    return offsets - offsets[0], np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]


def utf8_buffers(strings: Sequence[str], padding: int = 0) -> tuple[np.ndarray, bytes]:
    """Arrow-style int64 offsets and the UTF-8 bytes of ``strings``, plus ``padding`` zero bytes."""
    encoded = [s.encode() for s in strings]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return offsets, b"".join(encoded) + bytes(max(padding, 1))


def values_array(values: list[Any]) -> pa.Array:
    """A small Arrow array of Python strings, integers, floats or booleans (one kind), built from
    buffers: ``pa.array`` would import pandas when it is installed, a quarter second per process."""
    kind = type(values[0]) if values else str
    if kind is str:
        offsets, data = utf8_buffers(values)
        buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
        return pa.Array.from_buffers(pa.string(), len(values), buffers)
    if kind is bool:
        bits = np.packbits(np.array(values, dtype=bool), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    dtype = np.int64 if kind is int else np.float64
    return numpy_buffer_array(pa.from_numpy_dtype(np.dtype(dtype)), np.array(values, dtype=dtype))
