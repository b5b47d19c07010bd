"""One Parquet file from row groups encoded apart: what lets ``ParquetSink`` encode on every core.

pyarrow's writer encodes a file's row groups one after another on one thread. Each row group can
instead be written by pyarrow as a small Parquet file of its own, on any thread (pyarrow releases the
GIL while it encodes), and the small files joined into one: their column chunks copied one after
another, and one footer made of theirs, with each chunk's offsets moved to where it now lies. Every
page is pyarrow's, with the options it was given (compression, dictionaries, statistics); the joined
file is the bytes pyarrow's own writer makes from the same row groups.

The footer is a Thrift structure in the compact protocol (the Parquet format's ``FileMetaData``). It
is read here into a generic tree that keeps every field, known or not, in its order, so that only the
offsets change on the way back: the fields that hold an offset in the file are named below by their
ids in the format's definition.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MAGIC", "Footer", "join_footers", "read_footer"]

MAGIC = b"PAR1"

# Compact protocol types.
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)

# Field ids of the Parquet format's structures (parquet.thrift).
_FILE_NUM_ROWS, _FILE_ROW_GROUPS = 3, 4
_GROUP_COLUMNS, _GROUP_FILE_OFFSET, _GROUP_ORDINAL = 1, 5, 7
_CHUNK_FILE_OFFSET, _CHUNK_META, _CHUNK_OFFSET_INDEX, _CHUNK_COLUMN_INDEX = 2, 3, 4, 6
_META_OFFSETS = (9, 10, 11, 14)  # data, index and dictionary page offsets; bloom filter offset


class _Field:
    """One field of a struct: its id, compact type and value (a struct is a list of fields, a list a
    ``(element type, items)`` pair, a map ``(key type, value type, pairs)``)."""

    __slots__ = ("id", "type", "value")

    def __init__(self, id: int, type: int, value: Any) -> None:
        self.id, self.type, self.value = id, type, value


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        value = self.data[self.at]
        self.at += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int) -> Any:
        if kind in (_TRUE, _FALSE):  # inside a list: a byte of its own
            return self.byte() == _TRUE
        if kind == _BYTE:
            return struct.unpack_from("<b", self.data, self._skip(1))[0]
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            return struct.unpack_from("<d", self.data, self._skip(8))[0]
        if kind == _BINARY:
            size = self.varint()
            return self.data[self._skip(size) : self.at]
        if kind in (_LIST, _SET):
            header = self.byte()
            size = header >> 4 if header >> 4 != 15 else self.varint()
            element = header & 0x0F
            return (element, [self.value(element) for _ in range(size)])
        if kind == _MAP:
            size = self.varint()
            if size == 0:
                return (0, 0, [])
            types = self.byte()
            key, item = types >> 4, types & 0x0F
            return (key, item, [(self.value(key), self.value(item)) for _ in range(size)])
        if kind == _STRUCT:
            return self.fields()
        raise ValueError(f"not a Parquet footer: compact type {kind} at byte {self.at}")

    def _skip(self, size: int) -> int:
        start = self.at
        self.at += size
        if self.at > len(self.data):
            raise ValueError("not a Parquet footer: it ends inside a value")
        return start

    def fields(self) -> list[_Field]:
        fields: list[_Field] = []
        last = 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == _STOP:
                return fields
            delta = header >> 4
            last = last + delta if delta else self.zigzag()
            if kind in (_TRUE, _FALSE):
                fields.append(_Field(last, kind, kind == _TRUE))
            else:
                fields.append(_Field(last, kind, self.value(kind)))


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def varint(self, n: int) -> None:
        while n > 0x7F:
            self.out.append((n & 0x7F) | 0x80)
            n >>= 7
        self.out.append(n)

    def zigzag(self, n: int) -> None:
        self.varint((n << 1) ^ (n >> 63))

    def value(self, kind: int, value: Any) -> None:
        if kind in (_TRUE, _FALSE):
            self.out.append(_TRUE if value else _FALSE)
        elif kind == _BYTE:
            self.out += struct.pack("<b", value)
        elif kind in (_I16, _I32, _I64):
            self.zigzag(value)
        elif kind == _DOUBLE:
            self.out += struct.pack("<d", value)
        elif kind == _BINARY:
            self.varint(len(value))
            self.out += value
        elif kind in (_LIST, _SET):
            element, items = value
            if len(items) < 15:
                self.out.append(len(items) << 4 | element)
            else:
                self.out.append(0xF0 | element)
                self.varint(len(items))
            for item in items:
                self.value(element, item)
        elif kind == _MAP:
            key, item, pairs = value
            self.varint(len(pairs))
            if pairs:
                self.out.append(key << 4 | item)
                for k, v in pairs:
                    self.value(key, k)
                    self.value(item, v)
        else:
            self.fields(value)

    def fields(self, fields: list[_Field]) -> None:
        last = 0
        for f in fields:
            kind = (_TRUE if f.value else _FALSE) if f.type in (_TRUE, _FALSE) else f.type
            if 0 < f.id - last <= 15:
                self.out.append((f.id - last) << 4 | kind)
            else:
                self.out.append(kind)
                self.zigzag(f.id)
            if f.type not in (_TRUE, _FALSE):
                self.value(f.type, f.value)
            last = f.id
        self.out.append(_STOP)


def _field(fields: list[_Field], id: int) -> _Field | None:
    return next((f for f in fields if f.id == id), None)


@dataclass
class Footer:
    """The ``FileMetaData`` of one Parquet file, and where its column chunks lie in it."""

    fields: list[_Field]
    body: tuple[int, int]
    """The bytes ``[start, end)`` of the file between its leading magic and its footer."""

    @property
    def row_groups(self) -> list[list[_Field]]:
        found = _field(self.fields, _FILE_ROW_GROUPS)
        return [] if found is None else found.value[1]

    @property
    def num_rows(self) -> int:
        found = _field(self.fields, _FILE_NUM_ROWS)
        return 0 if found is None else int(found.value)


def read_footer(data: bytes) -> Footer:
    """The footer of the Parquet file ``data`` (a whole file, as pyarrow writes one)."""
    if len(data) < 12 or data[:4] != MAGIC or data[-4:] != MAGIC:
        raise ValueError("not a Parquet file: no PAR1 at its start and end")
    (size,) = struct.unpack_from("<I", data, len(data) - 8)
    start = len(data) - 8 - size
    if start < 4:
        raise ValueError("not a Parquet file: its footer is longer than the file")
    reader = _Reader(data[start : len(data) - 8])
    return Footer(reader.fields(), (4, start))


def _shift(fields: list[_Field], ids: Iterable[int], by: int) -> None:
    for f in fields:
        if f.id in ids and f.value:  # 0 stands for "none" in writers that fill an unused offset
            f.value += by


def join_footers(footers: list[Footer], starts: list[int]) -> bytes:
    """The footer (Thrift bytes, without its length and magic) of a file made of the bodies of
    ``footers``' files placed at byte ``starts[k]`` each: the first file's metadata with every file's
    row groups, offsets moved, ordinals renumbered, and the rows counted."""
    fields = footers[0].fields
    groups: list[list[_Field]] = []
    for footer, start in zip(footers, starts, strict=True):
        by = start - footer.body[0]
        for group in footer.row_groups:
            _shift(group, (_GROUP_FILE_OFFSET,), by)
            ordinal = _field(group, _GROUP_ORDINAL)
            if ordinal is not None:
                ordinal.value = len(groups)
            for chunk in _field(group, _GROUP_COLUMNS).value[1]:  # type: ignore[union-attr]
                _shift(chunk, (_CHUNK_FILE_OFFSET, _CHUNK_OFFSET_INDEX, _CHUNK_COLUMN_INDEX), by)
                meta = _field(chunk, _CHUNK_META)
                if meta is not None:
                    _shift(meta.value, _META_OFFSETS, by)
            groups.append(group)
    merged = [
        _Field(f.id, f.type, sum(footer.num_rows for footer in footers))
        if f.id == _FILE_NUM_ROWS
        else _Field(f.id, f.type, (_STRUCT, groups))
        if f.id == _FILE_ROW_GROUPS
        else f
        for f in fields
    ]
    writer = _Writer()
    writer.fields(merged)
    return bytes(writer.out)
