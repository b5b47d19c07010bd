"""Text file sinks: CSV (pyarrow's writer), JSON lines and JSON arrays (``fastsynth.sinks.jsonl``)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from fastsynth.errors import UsageError
from fastsynth.sinks.base import SINKS, FileSink
from fastsynth.sinks.jsonl import JsonLines
from fastsynth.specs import argument

__all__ = ["CsvSink", "JsonArraySink", "JsonLinesSink"]

# Characters that would make the CSV unreadable as a delimiter: quoting and line structure.
_NOT_DELIMITERS = frozenset('"\n\r\x00')


@SINKS.register("csv")
class CsvSink(FileSink):
    """Comma-separated values with a header row."""

    extensions = (".csv",)
    binary = False

    def __init__(
        self, schema: pa.Schema, path: str | Path | None = None, *, delimiter: str = ",", header: bool = True
    ) -> None:
        header = argument("format 'csv': header", header, bool, error=UsageError)
        if (
            not isinstance(delimiter, str)
            or len(delimiter) != 1
            or not delimiter.isascii()  # pyarrow's writer takes one byte
            or delimiter in _NOT_DELIMITERS
        ):
            raise UsageError(
                f"format 'csv': delimiter={delimiter!r} is not allowed; allowed: one ASCII character other "
                "than a quote, a line break or NUL (e.g. ',', ';', '|', a tab)"
            )
        nested = [f for f in schema if pa.types.is_nested(f.type)]
        if nested:
            raise UsageError(
                f"format 'csv': column {nested[0].name!r} holds {nested[0].type}, which CSV cannot hold; "
                "allowed: columns of numbers, text, booleans, dates and times (lists and structs go to "
                "parquet, arrow or jsonl)"
            )
        self._options = pacsv.WriteOptions(include_header=header, delimiter=delimiter)
        super().__init__(schema, path)

    def _open(self, stream: IO[bytes]) -> None:
        self._writer = pacsv.CSVWriter(stream, self.schema, write_options=self._options)

    def _write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)

    def _finish(self) -> None:
        self._writer.close()


@SINKS.register("jsonl")
class JsonLinesSink(FileSink):
    """One JSON object per line (newline-delimited JSON)."""

    extensions = (".jsonl", ".ndjson")
    binary = False

    def _open(self, stream: IO[bytes]) -> None:
        self._encoder = JsonLines(self.schema)

    def _write(self, batch: pa.RecordBatch) -> None:
        self._stream.write(self._encoder.encode(batch)[0].data)


@SINKS.register("json")
class JsonArraySink(FileSink):
    """One JSON array of objects, written batch by batch."""

    extensions = (".json",)
    binary = False

    def _open(self, stream: IO[bytes]) -> None:
        stream.write(b"[")
        self._first = True
        self._encoder = JsonLines(self.schema)

    def _write(self, batch: pa.RecordBatch) -> None:
        lines = self._encoder.encode(batch)[0].tobytes()
        if not lines:
            return
        # JSON escapes newlines inside strings, so every raw newline separates two objects.
        body = lines[:-1].replace(b"\n", b",\n")
        self._stream.write(b"\n" + body if self._first else b",\n" + body)
        self._first = False

    def _finish(self) -> None:
        self._stream.write(b"\n]\n" if not self._first else b"]\n")
