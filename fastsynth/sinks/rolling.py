"""Rolling files for continuous streams: a new file every so many rows, bytes or seconds, optionally in
Hive-style date folders (``dt=2026-11-23/``), each visible under its final name only once complete.

Every file is one of the file sinks (Parquet, CSV, JSON lines, ...), which write under a hidden
temporary name and rename when closed, so a reader listing the directory never meets a partial file.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa

from fastsynth.errors import SinkError, UsageError
from fastsynth.sinks.base import SINKS, FileSink, Sink, check_options
from fastsynth.specs import PositiveInt, PositiveNumber, argument

__all__ = ["RollingSink"]

_PARTITIONS = {"date": "dt=%Y-%m-%d", "hour": "dt=%Y-%m-%d/hour=%H"}


def _limit(value: Any, name: str, annotation: Any) -> Any:
    return argument(name, value, annotation | None, error=lambda message: UsageError(f"rolling {message}"))


@SINKS.register("rolling")
class RollingSink(Sink):
    """Files of ``file_format`` in the directory ``path``, rolled when one reaches ``max_rows`` rows,
    ``max_bytes`` bytes (checked after each write, so a file may pass it by one write) or ``max_seconds``
    seconds of age; ``partition`` ``date`` or ``hour`` puts them in Hive-style folders of the UTC time
    each file was started (a file never spans two folders). Other options go to the file sink."""

    def __init__(
        self,
        schema: pa.Schema,
        path: str | Path | None = None,
        *,
        file_format: str = "parquet",
        max_rows: int | None = None,
        max_bytes: int | None = None,
        max_seconds: float | None = None,
        partition: str | None = None,
        prefix: str = "part",
        **options: Any,
    ) -> None:
        super().__init__(schema, path)
        if self.path is None:
            raise UsageError("rolling files need a directory (--output DIR)")
        if self.path.exists() and not self.path.is_dir():
            raise SinkError(f"output {str(self.path)!r} is a file; rolling files need a directory")
        self.path.mkdir(parents=True, exist_ok=True)
        if file_format not in SINKS.names() or not issubclass(SINKS.get(file_format), FileSink):
            files = [n for n in SINKS.names() if issubclass(SINKS.get(n), FileSink)]
            raise UsageError(
                f"rolling file_format={file_format!r} is not allowed; allowed: {', '.join(files)}"
            )
        if partition is not None and partition not in _PARTITIONS:
            raise UsageError(
                f"rolling partition={partition!r} is not allowed; allowed: {', '.join(_PARTITIONS)}"
            )
        check_options(file_format, options)  # before any file: its options, checked as its own
        if (
            not isinstance(prefix, str)
            or not prefix
            or any(c in prefix for c in "/\\\x00")
            or prefix in (".", "..")
        ):
            raise UsageError(
                f"rolling prefix={prefix!r} is not allowed; allowed: a file name start without / \\ or NUL"
            )
        self.file_format = file_format
        self.max_rows = _limit(max_rows, "max_rows", PositiveInt)
        self.max_bytes = _limit(max_bytes, "max_bytes", PositiveInt)
        self.max_seconds = _limit(max_seconds, "max_seconds", PositiveNumber)
        self.partition = partition
        self.prefix = prefix
        self.options = options
        self.extension = SINKS.get(file_format).extensions[0]
        self.files: list[Path] = []
        self.bytes_written = 0
        self._current: FileSink | None = None
        self._opened = 0.0
        self._folder = ""
        self._rows_in_file = 0

    def _folder_now(self) -> str:
        return "" if self.partition is None else dt.datetime.now(dt.UTC).strftime(_PARTITIONS[self.partition])

    def _open(self) -> FileSink:
        self._folder = self._folder_now()
        assert self.path is not None  # checked when the sink was made
        directory = self.path / self._folder if self._folder else self.path
        directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        # The random part keeps two streams (or a restart) writing the same second apart.
        name = f"{self.prefix}-{stamp}-{len(self.files):06d}-{uuid.uuid4().hex[:8]}{self.extension}"
        sink = SINKS.get(self.file_format)(self.schema, directory / name, **self.options)
        assert isinstance(sink, FileSink)
        self._current, self._opened, self._rows_in_file = sink, time.monotonic(), 0
        return sink

    def _roll(self) -> None:
        if self._current is None:
            return
        current, self._current = self._current, None
        try:
            current.close()
        except BaseException:
            current.abort()  # no temporary file left behind
            raise
        assert current.path is not None
        self.files.append(current.path)
        self.bytes_written += current.path.stat().st_size

    def _due(self) -> bool:
        """Whether the open file is complete by age, size or a new partition."""
        if self._current is None:
            return False
        if self.max_seconds is not None and time.monotonic() - self._opened >= self.max_seconds:
            return True
        if self.max_bytes is not None and self._current._stream.tell() >= self.max_bytes:
            return True
        return self.partition is not None and self._folder_now() != self._folder

    def write(self, batch: pa.RecordBatch) -> None:
        offset = 0
        while offset < batch.num_rows:
            if self._due():
                self._roll()
            sink = self._current or self._open()
            room = batch.num_rows - offset
            if self.max_rows is not None:
                room = min(room, int(self.max_rows) - self._rows_in_file)
            part = batch.slice(offset, room)
            sink.write(part)
            self._rows_in_file += part.num_rows
            offset += part.num_rows
            if self.max_rows is not None and self._rows_in_file >= self.max_rows:
                self._roll()
        self._count(batch)

    def close(self) -> None:
        self._roll()

    def abort(self) -> None:
        if self._current is not None:
            self._current.abort()
            self._current = None

    def __repr__(self) -> str:
        return f"RollingSink(path={str(self.path)!r}, format={self.file_format!r})"
