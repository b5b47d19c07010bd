"""Walks of a Parquet footer (``FileMetaData`` in Thrift's compact protocol) that move its offsets.

The Parquet sink joins row groups encoded as files of their own into one file (``sinks.parquet_join``);
each column chunk's footer entry then holds offsets that must move by where the chunk now lies. A
footer has some twenty fields per column chunk, so a file of 20,000 columns has hundreds of thousands:
these kernels copy them as bytes and re-encode only the offsets and row group ordinals.

The protocol: a struct is a run of fields, each a header byte (the id as a delta from the previous
field's in the high nibble, or 0 and the id as a zigzag varint after it; the compact type in the low
nibble), its value, and a STOP byte at the end; booleans are the type itself in a struct and a byte in
a list; integers are zigzag varints; a list's header holds its size (or 15 and a varint) and its
element type. Every walk checks bounds, and returns ``DAMAGED`` for bytes it cannot walk (see
``DAMAGED``): it never reads or writes outside its arrays. Other damage (a value changed into another)
is copied as it is, as pyarrow wrote every footer joined.
"""

from __future__ import annotations

import numpy as np

from fastsynth.kernels.jit import kernel
from fastsynth.kernels.memory import copy_range

__all__ = [
    "DAMAGED",
    "FILE_NUM_ROWS",
    "FILE_ROW_GROUPS",
    "FULL",
    "STRUCT",
    "move_row_groups",
    "top_fields",
]

DAMAGED = -1
"""Returned for bytes that are not a footer as the walks read them: they end inside a value or go on
after it, hold a type the protocol does not have, a negative size, nesting deeper than ``_DEPTH``, or
FileMetaData's rows or row groups of another type."""
FULL = -2
"""Returned by ``move_row_groups`` when its output array is too small."""

_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, STRUCT = range(13)
_DEPTH = 64  # deeper nesting than any Parquet footer has is taken as damage
_FIELDS = 64  # and so are 64 fields or more in FileMetaData (it has about ten)

# The structures whose fields move (ids from the format's parquet.thrift), and their fields that do.
_GROUP, _CHUNK, _META = range(3)
_GROUP_COLUMNS, _GROUP_FILE_OFFSET, _GROUP_ORDINAL = 1, 5, 7
_CHUNK_FILE_OFFSET, _CHUNK_META, _CHUNK_OFFSET_INDEX, _CHUNK_COLUMN_INDEX = 2, 3, 4, 6
_META_DATA_PAGE, _META_INDEX_PAGE, _META_DICTIONARY_PAGE, _META_BLOOM_FILTER = 9, 10, 11, 14
FILE_NUM_ROWS, FILE_ROW_GROUPS = 3, 4  # FileMetaData's fields that a join rewrites


@kernel
def _varint(data: np.ndarray, at: int) -> tuple[np.int64, int]:
    """The unsigned varint at ``at`` (as the bits of an int64) and the position after it."""
    value = np.uint64(0)
    shift = np.uint64(0)
    while 0 <= at < len(data) and shift < 64:
        byte = np.uint64(data[at])
        at += 1
        value |= (byte & np.uint64(0x7F)) << shift
        if byte < 0x80:
            return np.int64(value), at  # the same type on every return: uint64 and int64 make a float
        shift += np.uint64(7)
    return np.int64(0), DAMAGED


@kernel
def _zigzag(data: np.ndarray, at: int) -> tuple[int, int]:
    raw, at = _varint(data, at)
    return ((raw >> 1) & 0x7FFFFFFFFFFFFFFF) ^ -(raw & 1), at  # the shift a logical one


@kernel
def _put_zigzag(value: int, out: np.ndarray, o: int) -> int:
    """Write ``value`` as a zigzag varint at ``o``; the position after it, or ``FULL``."""
    n = np.uint64((value << 1) ^ (value >> 63))
    while True:
        if o >= len(out):
            return FULL
        if n < 0x80:
            out[o] = n
            return o + 1
        out[o] = (n & np.uint64(0x7F)) | np.uint64(0x80)
        n >>= np.uint64(7)
        o += 1


@kernel
def _list_header(data: np.ndarray, at: int) -> tuple[int, int, int]:
    """A list's size, element type and the position of its first element."""
    if not 0 <= at < len(data):
        return 0, 0, DAMAGED
    header = data[at]
    size = int(header >> 4)
    at += 1
    if size == 15:
        size, at = _varint(data, at)
    return size, int(header & 0x0F), at if size >= 0 else DAMAGED


@kernel
def _skip(data: np.ndarray, at: int, kind: int, stack: np.ndarray) -> int:
    """The position after the value of compact type ``kind`` at ``at``. ``stack`` (``_DEPTH`` x 3)
    holds the containers open around the value being skipped: how many values each has left (-1 for
    a struct, which ends at its STOP) and their types (a map's keys and values alternate)."""
    depth = 0
    while True:
        if kind in (_TRUE, _FALSE, _BYTE):  # a boolean here is a list's element
            at += 1
        elif kind in (_I16, _I32, _I64):
            _, at = _varint(data, at)
        elif kind == _DOUBLE:
            at += 8
        elif kind == _BINARY:
            size, at = _varint(data, at)
            at = at + size if at >= 0 and size >= 0 else DAMAGED
        elif depth == _DEPTH:
            return DAMAGED
        elif kind in (_LIST, _SET):
            size, element, at = _list_header(data, at)
            stack[depth, 0], stack[depth, 1], stack[depth, 2] = size, element, element
            depth += 1
        elif kind == _MAP:
            size, at = _varint(data, at)
            at = at if size >= 0 else DAMAGED
            stack[depth, 0] = 0
            if size > 0 and 0 <= at < len(data):
                stack[depth, 0], stack[depth, 1], stack[depth, 2] = 2 * size, data[at] >> 4, data[at] & 0x0F
                at += 1
            depth += 1
        elif kind == STRUCT:
            stack[depth, 0] = -1
            depth += 1
        else:
            return DAMAGED
        # The next value: a struct's next field, a list's next element; containers that end, closed.
        while at >= 0:
            if at > len(data):
                return DAMAGED
            if depth == 0:
                return at
            left = stack[depth - 1, 0]
            if left == 0:
                depth -= 1
            elif left > 0:
                kind = stack[depth - 1, 1] if left % 2 == 0 else stack[depth - 1, 2]
                stack[depth - 1, 0] = left - 1
                break
            else:
                _, kind, at = _field_header(data, at, 0)  # the id does not matter here
                if kind == _STOP:
                    depth -= 1
                elif kind != _TRUE and kind != _FALSE:
                    break
        if at < 0:
            return DAMAGED


@kernel
def _field_header(data: np.ndarray, at: int, last: int) -> tuple[int, int, int]:
    """A struct field's id and type (``_STOP`` at the struct's end) and the position of its value."""
    if not 0 <= at < len(data):
        return 0, 0, DAMAGED
    header = data[at]
    kind = int(header & 0x0F)
    at += 1
    if kind == _STOP:
        return 0, _STOP, at
    delta = int(header >> 4)
    if delta:
        return last + delta, kind, at
    field, at = _zigzag(data, at)
    return field, kind, at


@kernel
def _moves(level: int, field: int) -> bool:
    """Whether a field of the structure ``level`` holds an offset in the file."""
    if level == _GROUP:
        return field == _GROUP_FILE_OFFSET
    if level == _CHUNK:
        return field in (_CHUNK_FILE_OFFSET, _CHUNK_OFFSET_INDEX, _CHUNK_COLUMN_INDEX)
    if level == _META:
        return field in (_META_DATA_PAGE, _META_INDEX_PAGE, _META_DICTIONARY_PAGE, _META_BLOOM_FILTER)
    return False


@kernel
def _copy(data: np.ndarray, start: int, end: int, out: np.ndarray, o: int) -> int:
    if not 0 <= start <= end <= len(data):
        return DAMAGED
    if o + end - start > len(out):
        return FULL
    copy_range(out, o, data, start, end)
    return o + end - start


@kernel
def _move_group(
    data: np.ndarray, at: int, by: int, ordinal: int, out: np.ndarray, o: int, stack: np.ndarray
) -> tuple[int, int]:
    """Copy the row group at ``at`` to ``out`` at ``o`` with its offsets moved by ``by`` and its ordinal
    set to ``ordinal``; the positions after it in ``data`` and ``out`` (``o`` is ``DAMAGED`` or
    ``FULL`` when it failed). The walk goes into the row group's column chunks and their metadata, the
    structures with offsets: ``level`` is the one it is in, ``last`` the previous field's id in each.
    Bytes are copied in runs, from ``kept`` to the next value that changes."""
    level, chunks, kept = _GROUP, 0, at
    last = np.zeros(3, np.int64)
    while True:
        field, kind, at = _field_header(data, at, last[level])
        if at < 0:
            return at, DAMAGED
        if kind == _STOP:
            if level == _GROUP:
                break
            if level == _CHUNK:
                chunks -= 1
                level = _CHUNK if chunks > 0 else _GROUP
                last[_CHUNK] = 0
            else:
                level = _CHUNK  # the chunk's metadata ended: back in the chunk
            continue
        last[level] = field
        if level == _GROUP and field == _GROUP_COLUMNS and kind == _LIST:
            chunks, _, at = _list_header(data, at)
            if chunks > 0:
                level = _CHUNK
        elif level == _CHUNK and field == _CHUNK_META and kind == STRUCT:
            level = _META
            last[_META] = 0
        elif kind in (_I16, _I32, _I64):
            number, end = _zigzag(data, at)
            if end < 0:
                return end, DAMAGED
            moved = number != 0 and _moves(level, field)  # 0 stays: writers put it for "none"
            if moved or (level == _GROUP and field == _GROUP_ORDINAL):
                o = _copy(data, kept, at, out, o)
                if o >= 0:
                    o = _put_zigzag(number + by if moved else ordinal, out, o)
                if o < 0:
                    return end, o
                kept = end
            at = end
        elif kind != _TRUE and kind != _FALSE:
            at = _skip(data, at, kind, stack)
    return at, _copy(data, kept, at, out, o)


@kernel
def move_row_groups(
    data: np.ndarray, at: int, count: int, by: int, ordinal: int, out: np.ndarray
) -> np.int64:
    """Copy the ``count`` row groups at ``at`` in the footer ``data`` to ``out``: their offsets moved by
    ``by``, their ordinals from ``ordinal`` on. The bytes written, or ``DAMAGED`` or ``FULL``."""
    o = np.int64(0)  # the type _move_group returns it as: one compilation, not two
    stack = np.empty((_DEPTH, 3), np.int64)
    for k in range(count):
        at, o = _move_group(data, at, by, ordinal + k, out, o, stack)
        if o < 0:
            return o
    return o


@kernel
def top_fields(data: np.ndarray) -> tuple[np.ndarray, int, int, int]:
    """The fields of the footer ``data``: an array of (id, header position, value position, end) a
    field, the number of rows, and where the row groups' list has its first element and how many it
    has. ``DAMAGED`` as the number of rows when ``data`` is not a footer."""
    fields = np.zeros((_FIELDS, 4), np.int64)
    stack = np.empty((_DEPTH, 3), np.int64)
    rows, groups_at, groups = 0, 0, 0
    at, last, n = 0, 0, 0
    while n < _FIELDS:
        field, kind, value = _field_header(data, at, last)
        if value < 0:
            break
        if kind == _STOP:
            if value != len(data):
                break
            return fields[:n].copy(), rows, groups_at, groups  # not a view keeping all _FIELDS rows
        end = value if kind in (_TRUE, _FALSE) else _skip(data, value, kind, stack)
        if end < 0:
            break
        if field == FILE_NUM_ROWS:  # the two fields rewritten: of any other type, they are damage
            if kind != _I64:
                break
            rows, _ = _zigzag(data, value)
        elif field == FILE_ROW_GROUPS:
            groups, element, groups_at = _list_header(data, value)
            if kind != _LIST or element != STRUCT:
                break
        fields[n, 0], fields[n, 1], fields[n, 2], fields[n, 3] = field, at, value, end
        at, last, n = end, field, n + 1
    return fields[:0], DAMAGED, 0, 0
