"""Rows as the body of a streamed response (``POST /generate``): a file format written chunk by chunk
as batches are made, so a large body never sits whole in memory."""

from __future__ import annotations

import io
from collections.abc import Generator, Iterator
from typing import IO, Any, cast

import pyarrow as pa

from fastsynth.errors import FastsynthError, SinkError, UsageError
from fastsynth.sinks import open_sink

__all__ = ["MEDIA_TYPES", "Chunks", "encode", "media_type"]

MEDIA_TYPES = {
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "arrow": "application/vnd.apache.arrow.stream",
}
"""The formats a body is written in, and their media types."""


def media_type(format: str) -> str:
    """The media type of a body in ``format``; another format is refused."""
    if format not in MEDIA_TYPES:
        raise UsageError(f"format={format!r}; allowed: {', '.join(MEDIA_TYPES)}")
    return MEDIA_TYPES[format]


Chunks = Generator[bytes, None, None]
"""A body's chunks; closing it stops the work that makes them."""


def encode(batches: Iterator[pa.RecordBatch], schema: pa.Schema, format: str) -> Chunks:
    """``batches`` encoded in ``format``, a chunk per batch. The sink opens and the first batch is
    made before this returns, so what can be refused is refused while the response can still say so."""
    chunks = _encoded(batches, schema, format)
    first = next(chunks)
    return _guarded(first, chunks)


class _Chunks(io.RawIOBase):
    """A write-only stream keeping what was written until taken: the body of a streamed response. It
    counts every byte for ``tell``, which writers use for the offsets in a Parquet footer."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _encoded(batches: Iterator[pa.RecordBatch], schema: pa.Schema, format: str) -> Generator[bytes]:
    """``batches`` encoded in ``format``, a chunk per batch, then the format's ending. Closing it
    closes ``batches`` too, so a prefetching producer stops at once."""
    chunks = _Chunks()
    options = {"stream": True} if format == "arrow" else {}
    # A file-like object to the sink: it writes bytes and tells its position, which is all sinks use.
    try:
        with open_sink(cast(IO[bytes], chunks), schema, format=format, **options) as sink:
            for batch in batches:
                sink.write(batch)
                yield chunks.take()
        yield chunks.take()
    finally:
        close = getattr(batches, "close", None)  # a generator, or the service's holder of one
        if close is not None:
            close()


def _guarded(first: bytes, rest: Iterator[bytes]) -> Generator[bytes]:
    """The chunks, with a failure after the first turned into a SinkError: the response has started,
    so the server can only cut the connection, and the client then sees a body that did not end."""
    yield first
    try:
        yield from rest
    except FastsynthError as exc:
        raise SinkError(f"generation failed after the response started: {exc}") from exc
