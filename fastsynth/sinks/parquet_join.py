"""One Parquet file from row groups encoded apart: how ``ParquetSink`` encodes on several threads.

pyarrow's writer encodes a file's row groups one after another on one thread. Each row group can
instead be written by pyarrow as a small Parquet file of its own, on any thread (pyarrow releases the
GIL while it encodes), and the small files joined into one: their column chunks copied one after
another, and one footer made of theirs, with each chunk's offsets moved to where it now lies. Every
page is pyarrow's, with the options it was given (compression, dictionaries, statistics); the joined
file is the bytes pyarrow's own writer makes from the same row groups. Options that put structures after
every row group (page indexes) are not among the sink's: the joined file keeps them after each one,
which readers take, but which are not those bytes.

The footer is a Thrift structure in the compact protocol (the Parquet format's ``FileMetaData``): its
fields are copied as they are, but for the number of rows and the row groups, whose offsets
``kernels.thrift`` moves as it copies them.
"""

from __future__ import annotations

import collections
import struct
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fastsynth.kernels import thrift

__all__ = ["MAGIC", "Footer", "JoinedWriter", "join_footers", "read_footer"]

MAGIC = b"PAR1"
_STOP = b"\x00"


@dataclass
class Footer:
    """The ``FileMetaData`` of one Parquet file, and where its column chunks lie in it."""

    data: np.ndarray
    """The footer's bytes (without its length and magic)."""
    fields: np.ndarray
    """Each field's id and where it lies in ``data``: its header, its value, its end."""
    num_rows: int
    groups: tuple[int, int]
    """Where the row groups' list has its first element in ``data``, and how many it has."""
    body: tuple[int, int]
    """The bytes ``[start, end)`` of the file between its leading magic and its footer."""


def read_footer(data: bytes) -> Footer:
    """The footer of the Parquet file ``data`` (a whole file, as pyarrow writes one)."""
    if len(data) < 12 or data[:4] != MAGIC or data[-4:] != MAGIC:
        raise ValueError("not a Parquet file: no PAR1 at its start and end")
    (size,) = struct.unpack_from("<I", data, len(data) - 8)
    start = len(data) - 8 - size
    if start < 4:
        raise ValueError("not a Parquet file: its footer is longer than the file")
    footer = np.frombuffer(data, np.uint8, size, start).copy()  # not a view holding the whole file
    fields, rows, groups_at, groups = thrift.top_fields(footer)
    if rows == thrift.DAMAGED:
        raise ValueError("not a Parquet file: its footer is not a FileMetaData structure")
    return Footer(footer, fields, int(rows), (int(groups_at), int(groups)), (4, start))


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _moved_groups(footer: Footer, by: int, ordinal: int) -> bytes:
    """``footer``'s row groups, their offsets moved by ``by`` and numbered from ``ordinal``."""
    at, count = footer.groups
    out = np.empty(2 * len(footer.data) + 64, np.uint8)  # moved offsets take a few bytes more each
    while (written := thrift.move_row_groups(footer.data, at, count, by, ordinal, out)) == thrift.FULL:
        out = np.empty(2 * len(out), np.uint8)
    if written < 0:
        raise ValueError("not a Parquet file: its row groups are not RowGroup structures")
    return out[:written].tobytes()


def join_footers(footers: list[Footer], starts: list[int]) -> bytes:
    """The footer (Thrift bytes, without its length and magic) of a file made of the bodies of
    ``footers``' files placed at byte ``starts[k]`` each: the first file's metadata with every file's
    row groups, offsets moved, ordinals renumbered, and the rows counted."""
    groups, count = [], 0
    for footer, start in zip(footers, starts, strict=True):
        groups.append(_moved_groups(footer, start - footer.body[0], count))
        count += footer.groups[1]
    rows = sum(footer.num_rows for footer in footers)
    first = footers[0].data
    out = bytearray()
    for field, header, value, end in footers[0].fields.tolist():
        if field == thrift.FILE_NUM_ROWS:
            out += first[header:value].tobytes() + _varint((rows << 1) ^ (rows >> 63))  # zigzag
        elif field == thrift.FILE_ROW_GROUPS:  # a list of structs, its size in the header or after it
            size = bytes([min(count, 15) << 4 | thrift.STRUCT]) + (_varint(count) if count >= 15 else b"")
            out += first[header:value].tobytes() + size + b"".join(groups)
        else:
            out += first[header:end].tobytes()
    return bytes(out + _STOP)


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
