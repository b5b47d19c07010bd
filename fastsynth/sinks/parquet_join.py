"""One Parquet file from row groups encoded apart: how ``ParquetSink`` encodes on several threads.

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

import collections
import struct
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["MAGIC", "Footer", "JoinedWriter", "join_footers", "read_footer"]

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


DEFAULT_GROUP = 1 << 20
"""The most rows pyarrow's writer puts in a row group when not told (``write_batch``, ``write_table``)."""
IN_FLIGHT_BYTES = 256 << 20
"""Rows a ``JoinedWriter`` holds while their row groups are encoded, beyond the one being encoded."""


class JoinedWriter:
    """Writes row groups to ``stream`` as ``pq.ParquetWriter`` does (``write_batch``, ``write_table``,
    ``close``), each encoded by pyarrow on one of ``threads`` threads as a small file of its own, and
    joined in order into one file: the bytes pyarrow's writer makes from the same row groups."""

    def __init__(self, stream: IO[bytes], schema: pa.Schema, threads: int, **options: Any) -> None:
        self._stream, self._schema, self._options = stream, schema, options
        self._threads = threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="fastsynth-parquet")
        self._encoding: collections.deque[tuple[Future[pa.Buffer], int]] = collections.deque()
        self._in_flight = 0
        self._footers: list[Footer] = []
        self._starts: list[int] = []
        stream.write(MAGIC)
        self._at = len(MAGIC)

    def _encode(self, table: pa.Table) -> pa.Buffer:
        """``table`` as a Parquet file of one row group."""
        out = pa.BufferOutputStream()
        pq.write_table(table, out, row_group_size=max(1, table.num_rows), **self._options)
        return out.getvalue()

    def write_batch(self, batch: pa.RecordBatch) -> None:
        self.write_table(pa.Table.from_batches([batch], schema=self._schema))

    def write_table(self, table: pa.Table, row_group_size: int | None = None) -> None:
        """Row groups of ``row_group_size`` rows, or of pyarrow's default most (``DEFAULT_GROUP``); an
        empty table is an empty row group, as pyarrow's writer makes it."""
        size = row_group_size or DEFAULT_GROUP
        for first in range(0, max(table.num_rows, 1), size):
            self._group(table.slice(first, size))

    def _group(self, table: pa.Table) -> None:
        """Encode ``table`` as the next row group: at most one a thread in flight, and, past one, at
        most ``IN_FLIGHT_BYTES`` of rows (a large ``row_group_size`` holds fewer)."""
        self._encoding.append((self._pool.submit(self._encode, table), table.nbytes))
        self._in_flight += table.nbytes
        while len(self._encoding) > self._threads or (
            len(self._encoding) > 1 and self._in_flight > IN_FLIGHT_BYTES
        ):
            self._next()

    def _next(self) -> None:
        future, size = self._encoding.popleft()
        self._in_flight -= size
        piece = future.result()
        footer = read_footer(piece)
        start, end = footer.body
        self._stream.write(piece[start:end])  # the pages; the footer waits for the file's
        self._footers.append(footer)
        self._starts.append(self._at)
        self._at += end - start

    def close(self) -> None:
        try:
            while self._encoding:
                self._next()
        finally:
            self._pool.shutdown(cancel_futures=True)
        if not self._footers:  # no rows: the footer of a file without row groups
            out = pa.BufferOutputStream()
            pq.ParquetWriter(out, self._schema, **self._options).close()
            self._footers.append(read_footer(out.getvalue()))
            self._starts.append(self._at)
        footer = join_footers(self._footers, self._starts)
        self._stream.write(footer + struct.pack("<I", len(footer)) + MAGIC)

    def abort(self) -> None:
        for future, _ in self._encoding:
            future.cancel()
        self._encoding.clear()
        self._pool.shutdown(wait=False)
