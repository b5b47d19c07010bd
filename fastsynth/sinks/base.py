"""The sink base classes, the sink registry and ``open_sink``.

A sink is a context manager that takes record batches. Leaving the ``with`` block normally finishes it;
leaving on an exception aborts it, and a file sink then leaves nothing under the final name::

    with fastsynth.open_sink("out.parquet", schema.arrow_schema()) as sink:
        for batch in fastsynth.iter_batches(schema, 10_000_000):
            sink.write(batch)

A custom sink subclasses ``Sink`` (or ``FileSink`` for a format written to one file or stream), is
registered with ``@SINKS.register("name")`` or the ``fastsynth.sinks`` entry point group, and is then
available to ``open_sink`` and to ``fastsynth gen --format name``.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import typing
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ClassVar

import pyarrow as pa

from fastsynth.errors import SinkError, UsageError
from fastsynth.registry import Registry
from fastsynth.specs import argument

__all__ = ["SINKS", "FileSink", "Sink", "check_options", "check_path", "format_for_path", "open_sink"]

SINKS: Registry[type[Sink]] = Registry(
    "output format", "fastsynth.sinks", UsageError, name_attribute="format_name"
)


class Sink:
    """Base of every sink. Subclasses implement ``write`` and, if they hold resources, ``close`` and
    ``abort``."""

    format_name: ClassVar[str] = ""
    """The name it is registered and chosen under (``--format``)."""
    extensions: ClassVar[tuple[str, ...]] = ()
    """File extensions that select it when no format is given."""

    def __init__(self, schema: pa.Schema, path: str | Path | IO[bytes] | None = None) -> None:
        check_path(path)
        self.schema = schema
        self.path = None if path is None or not isinstance(path, str | os.PathLike) else Path(path)
        self.rows_written = 0
        self.batches_written = 0

    def write(self, batch: pa.RecordBatch) -> None:
        """Take one batch (its schema equals ``self.schema``)."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish: flush, close, publish. Called once when the ``with`` block ends normally."""

    def abort(self) -> None:
        """Give up after an error: release resources and leave no partial output."""

    def _count(self, batch: pa.RecordBatch) -> None:
        self.rows_written += batch.num_rows
        self.batches_written += 1

    def __enter__(self) -> Sink:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={None if self.path is None else str(self.path)!r})"


def _is_stream(target: object) -> bool:
    return hasattr(target, "write")


class _Abortable:
    """A caller's stream that takes no more bytes once its sink is aborted: a writer finished later
    (pyarrow's Parquet writer writes its footer when it is collected) would otherwise end a truncated
    output with a valid trailer, and a reader could not tell it was cut short."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.aborted = False

    def write(self, data: Any) -> int:
        if self.aborted:
            raise OSError("the output was abandoned after an error")
        return self._stream.write(data)

    def flush(self) -> None:
        if not self.aborted:
            self._stream.flush()

    @property
    def closed(self) -> bool:
        return self.aborted or bool(getattr(self._stream, "closed", False))

    def close(self) -> None:
        """The caller's stream is the caller's to close."""


class FileSink(Sink):
    """A sink writing one file, or a binary stream: one given as the target (an HTTP response body),
    or standard output when there is none.

    The file is written under a hidden temporary name in the target directory and renamed to its final
    name only by ``close``, so an interrupted run never leaves a truncated file under the final name.
    Subclasses implement ``_open(stream)``, ``_write(batch)`` and ``_finish()``."""

    binary: ClassVar[bool] = True
    """True if the format is binary, so it cannot be written to a terminal."""

    def __init__(self, schema: pa.Schema, path: str | Path | IO[bytes] | None = None) -> None:
        super().__init__(schema, path)
        self._temp: Path | None = None
        self._stream: IO[bytes]
        if _is_stream(path):
            self._stream = _Abortable(path)  # type: ignore[assignment,arg-type]  # a file-like of its own
        elif self.path is None:
            if self.binary:
                raise UsageError(f"format {self.format_name!r} is binary and needs an output path (--output)")
            self._stream = sys.stdout.buffer
        else:
            self._check_directory(self.path)
            self._temp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.part")
            try:
                # A native Arrow file: writers then run without taking the GIL for every write.
                self._stream = pa.OSFile(str(self._temp), "wb")
            except OSError as exc:
                raise SinkError(f"output {str(self.path)!r} cannot be written: {exc.strerror}") from None
        try:
            self._open(self._stream)
        except BaseException:
            FileSink.abort(self)  # the temporary file, not a subclass's writer: it never opened
            raise

    @staticmethod
    def _check_directory(path: Path) -> None:
        parent = path.parent
        if path.is_dir():
            raise SinkError(f"output {str(path)!r} is a directory; give a file name")
        if not parent.is_dir():
            raise SinkError(f"output {str(path)!r}: directory {str(parent)!r} does not exist")
        if not os.access(parent, os.W_OK):
            raise SinkError(f"output {str(path)!r}: directory {str(parent)!r} is not writable")

    def _open(self, stream: IO[bytes]) -> None:
        """Start writing to ``stream`` (e.g. write a header)."""

    def _write(self, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Write any trailer; the stream is flushed and closed afterwards."""

    def write(self, batch: pa.RecordBatch) -> None:
        try:
            self._write(batch)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise SinkError(f"output {self._where()}: write failed: {exc.strerror or exc}") from None
        self._count(batch)

    def close(self) -> None:
        try:
            self._finish()
        except BaseException as exc:  # a trailer that cannot be written: nothing is published
            self.abort()
            if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
                raise SinkError(f"output {self._where()}: write failed: {exc.strerror or exc}") from None
            raise
        if self._temp is None:
            self._stream.flush()
            return
        self._stream.close()
        assert self.path is not None
        os.replace(self._temp, self.path)
        self._temp = None

    def abort(self) -> None:
        if self._temp is None:
            if isinstance(self._stream, _Abortable):
                self._stream.aborted = True
            return
        with contextlib.suppress(Exception):
            self._stream.close()
        self._temp.unlink(missing_ok=True)
        self._temp = None

    def _where(self) -> str:
        return "stdout" if self.path is None else repr(str(self.path))


def format_for_path(path: str | Path) -> str:
    """The registered format whose extensions match ``path``, e.g. ``data.csv`` -> ``csv``."""
    suffix = Path(path).suffix.lower()
    for name in SINKS.names():
        if suffix and suffix in SINKS.get(name).extensions:
            return name
    known = sorted({e for n in SINKS.names() for e in SINKS.get(n).extensions})
    raise UsageError(
        f"output {str(path)!r}: cannot infer a format from extension {suffix or '(none)'!r}; "
        f"use --format or one of: {', '.join(known)}"
    )


def check_options(format: str, options: Mapping[str, Any]) -> type[Sink]:
    """The sink class of ``format``, after checking that it takes every option in ``options`` and that
    each value fits the option's annotation (``header="false"`` is not a boolean, ``row_group_size=0``
    is not an integer >= 1): one ``UsageError`` naming the format, the option and what is allowed."""
    cls = SINKS.get(format)
    parameters = list(inspect.signature(cls.__init__).parameters.values())[3:]
    allowed = [p.name for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    passes_on = any(p.kind is p.VAR_KEYWORD for p in parameters)  # rolling: the rest go to its files
    try:
        hints = typing.get_type_hints(cls.__init__, include_extras=True)
    except NameError:  # an annotation only imported for type checkers: the sink checks its own values
        hints = {}
    rest = {}
    for option, value in options.items():
        if option not in allowed:
            if passes_on:
                rest[option] = value
                continue
            raise UsageError(
                f"format {format!r}: unknown option {option!r}; allowed: {', '.join(allowed) or 'none'}"
            )
        if option in hints and _is_flag_or_count(hints[option]):  # text options: the sink's own words
            argument(f"format {format!r}: {option}", value, hints[option], error=UsageError)
    if rest:
        inner = options.get("file_format", inspect.signature(cls.__init__).parameters["file_format"].default)
        if not isinstance(inner, str) or inner not in SINKS.names():
            raise UsageError(f"format {format!r}: file_format={inner!r} is not a format")
        check_options(inner, rest)
    return cls


def _is_flag_or_count(annotation: Any) -> bool:
    """Whether an option takes a boolean or an integer (maybe None), whose values are checked here."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_flag_or_count(args[0])
    if args and typing.get_origin(annotation) is not typing.Literal:
        return all(_is_flag_or_count(a) for a in args if a is not type(None))
    return annotation in (bool, int)


def check_path(path: object) -> None:
    """Refuse an output path the operating system cannot take (a NUL byte in it)."""
    if isinstance(path, str | os.PathLike) and "\x00" in str(os.fspath(path)):
        raise UsageError(f"output {str(path)!r} contains a NUL byte; allowed: a path without NUL characters")


def open_sink(
    target: str | Path | IO[bytes] | None = None,
    schema: pa.Schema | None = None,
    *,
    format: str | None = None,
    **options: Any,
) -> Sink:
    """Open the sink for ``format`` (inferred from ``target``'s extension when absent) writing to
    ``target``: a path, a binary stream (e.g. ``io.BytesIO``), or standard output for None; passing
    ``options`` (e.g. ``compression="zstd"``)."""
    if schema is None:
        raise UsageError("open_sink needs the Arrow schema of the batches it will take")
    if format is None and _is_stream(target):
        raise UsageError("open_sink: give the format of a stream target")
    name = format or (format_for_path(target) if target is not None else "console")  # type: ignore[arg-type]
    return check_options(name, options)(schema, target, **options)
