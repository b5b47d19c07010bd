"""Binary file sinks: Parquet and Arrow IPC, both through pyarrow."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO, Annotated

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from fastsynth.errors import UsageError
from fastsynth.sinks.base import SINKS, FileSink
from fastsynth.sinks.parquet_join import JoinedWriter
from fastsynth.specs import Bounds, argument

__all__ = ["ArrowSink", "ParquetSink"]

_PARQUET_CODECS = ("none", "snappy", "gzip", "brotli", "lz4", "zstd")
_IPC_CODECS = ("none", "lz4", "zstd")


MAX_ROW_GROUP = 2**26
"""The most rows in one Parquet row group (64 Mi): a group is held in memory until written."""
_LEVELS = {"gzip": (1, 9), "brotli": (0, 11), "zstd": (-7, 22), "lz4": (1, 12)}
"""Compression levels each Parquet codec takes."""


MAX_THREADS = 64
"""The most row groups the Parquet sink encodes at once."""


def _check_codec(format_name: str, codec: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(codec, str) or codec not in allowed:
        raise UsageError(f"format {format_name!r}: compression={codec!r}; allowed: {', '.join(allowed)}")


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    return [
        f.name
        for f in schema
        if pa.types.is_dictionary(f.type) or pa.types.is_integer(f.type) or pa.types.is_date(f.type)
    ]


def _list_encodings(schema: pa.Schema, dictionary: bool | list[str], split: bool | None) -> dict[str, str]:
    """The encodings of lists of numbers (a cohort's matrix of counts or intensities, token ids) that
    are not dictionary-encoded, by the path of their values.

    BYTE_STREAM_SPLIT puts each byte of the values in a stream of its own, in which the compression
    finds runs: for lists of floats by default (microarray intensities 5% faster to write than plain
    and 12% smaller), and for lists of integers with ``split`` True. Integers are split only when asked
    because DuckDB 1.x and parquet-java before 1.14 (Spark 3) do not read them so: by default
    they are DELTA_BINARY_PACKED, which every reader takes. A cohort's counts (20M, 20,000 genes a
    patient, snappy, one thread): split 14.4 ns a value and 29.5 MB, delta-packed 19.4 ns and 33.9 MB
    (neighbouring genes' counts are far apart), plain 25.9 ns and 47.4 MB. Half floats stay plain:
    DuckDB does not read them split. ``split`` False: floats plain, integers delta-packed."""
    if dictionary is True:
        return {}
    lists = (pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list)
    floats = (pa.types.is_float32, pa.types.is_float64)
    encodings = {}
    for f in schema:
        if not any(is_list(f.type) for is_list in lists) or (dictionary and f.name in dictionary):
            continue
        values = f.type.value_type
        if pa.types.is_integer(values):
            encodings[f"{f.name}.list.element"] = "BYTE_STREAM_SPLIT" if split else "DELTA_BINARY_PACKED"
        elif any(is_float(values) for is_float in floats) and split is not False:
            encodings[f"{f.name}.list.element"] = "BYTE_STREAM_SPLIT"
    # A column named like another's values' path would take its encoding too: such paths stay plain.
    return {path: encoding for path, encoding in encodings.items() if path not in schema.names}


def _statistics_columns(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema if not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]


@SINKS.register("parquet")
class ParquetSink(FileSink):
    """Apache Parquet. Each batch becomes a row group unless ``row_group_size`` is given, in which case
    rows are regrouped into groups of exactly that many (the last may be shorter).

    ``dictionary``: None (default) dictionary-encodes dictionary and integer columns, whose values
    repeat, and writes strings, floats and timestamps plain, where a dictionary rarely pays for its
    hashing; True or False apply to every column. Lists of numbers not dictionary-encoded are written
    BYTE_STREAM_SPLIT (floats) or DELTA_BINARY_PACKED (integers); ``split_lists`` True splits both,
    False neither (``_list_encodings``). ``statistics``: None (default) writes min/max statistics for
    every column but plain strings and lists, where they cost 15% of the writing time and rarely prune
    anything; True or False apply to every column. ``threads``: row groups encoded at once
    (``parquet_join``: the same bytes). One, pyarrow's own writer, is the default: while fastsynth
    generates on every core, more encoders only contend with it (``fastsynth gen`` of the seed's schema
    went 15% slower with two); for rows already made, two encode about twice as fast."""

    extensions = (".parquet", ".pq")

    def __init__(
        self,
        schema: pa.Schema,
        path: str | Path | None = None,
        *,
        compression: str = "snappy",
        compression_level: int | None = None,
        row_group_size: Annotated[int, Bounds(1, MAX_ROW_GROUP)] | None = None,
        dictionary: bool | None = None,
        statistics: bool | None = None,
        split_lists: bool | None = None,
        threads: Annotated[int, Bounds(1, MAX_THREADS)] = 1,
    ) -> None:
        _check_codec(self.format_name, compression, _PARQUET_CODECS)
        for name, value, annotation in (
            ("compression_level", compression_level, int | None),
            ("row_group_size", row_group_size, Annotated[int, Bounds(1, MAX_ROW_GROUP)] | None),
            ("dictionary", dictionary, bool | None),
            ("statistics", statistics, bool | None),
            ("split_lists", split_lists, bool | None),
            ("threads", threads, Annotated[int, Bounds(1, MAX_THREADS)]),
        ):
            argument(f"format 'parquet': {name}", value, annotation, error=UsageError)
        if compression_level is not None:
            levels = _LEVELS.get(compression)
            if levels is None:
                raise UsageError(
                    f"format 'parquet': compression_level={compression_level} is not taken by compression="
                    f"{compression!r}; allowed with: {', '.join(_LEVELS)}"
                )
            if not levels[0] <= compression_level <= levels[1]:
                raise UsageError(
                    f"format 'parquet': compression_level={compression_level} is not an integer in "
                    f"[{levels[0]}, {levels[1]}] (for {compression})"
                )
        self._compression = compression
        self._level = compression_level
        self._row_group_size = row_group_size
        self._dictionary = _dictionary_columns(schema) if dictionary is None else dictionary
        self._statistics = _statistics_columns(schema) if statistics is None else statistics
        self._split_lists = split_lists
        self._threads = threads
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        super().__init__(schema, path)

    def _open(self, stream: IO[bytes]) -> None:
        options = {
            "compression": self._compression,
            "compression_level": self._level,
            "use_dictionary": self._dictionary,
            "write_statistics": self._statistics,
            "column_encoding": _list_encodings(self.schema, self._dictionary, self._split_lists) or None,
        }
        if self._threads == 1:
            self._writer: pq.ParquetWriter | JoinedWriter = pq.ParquetWriter(stream, self.schema, **options)
        else:
            self._writer = JoinedWriter(stream, self.schema, self._threads, **options)

    def _write(self, batch: pa.RecordBatch) -> None:
        size = self._row_group_size
        if size is None:
            self._writer.write_batch(batch)
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= size:
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            whole = (self._pending_rows // size) * size
            self._writer.write_table(table.slice(0, whole), row_group_size=size)
            rest = table.slice(whole).combine_chunks()
            self._pending = rest.to_batches()
            self._pending_rows = rest.num_rows

    def _finish(self) -> None:
        if self._pending_rows:
            self._writer.write_table(pa.Table.from_batches(self._pending, schema=self.schema))
        self._writer.close()

    def abort(self) -> None:
        super().abort()  # first: the output takes no more bytes (a footer would make it look whole)
        with contextlib.suppress(Exception):  # what the writer still writes goes nowhere
            if isinstance(self._writer, JoinedWriter):
                self._writer.abort()
            else:
                self._writer.close()


@SINKS.register("arrow")
class ArrowSink(FileSink):
    """Arrow IPC: the random-access file format, or the streaming format with ``stream=True``."""

    extensions = (".arrow", ".feather", ".ipc", ".arrows")

    def __init__(
        self,
        schema: pa.Schema,
        path: str | Path | None = None,
        *,
        stream: bool | None = None,
        compression: str = "none",
    ) -> None:
        _check_codec(self.format_name, compression, _IPC_CODECS)
        stream = argument("format 'arrow': stream", stream, bool | None, error=UsageError)
        # The .arrows extension is the conventional name of the streaming format.
        self._streaming = (
            stream if stream is not None else (path is not None and str(path).endswith(".arrows"))
        )
        self._ipc_options = ipc.IpcWriteOptions(compression=None if compression == "none" else compression)
        super().__init__(schema, path)

    def _open(self, stream: IO[bytes]) -> None:
        opener = ipc.new_stream if self._streaming else ipc.new_file
        self._writer = opener(stream, self.schema, options=self._ipc_options)

    def _write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)

    def _finish(self) -> None:
        self._writer.close()
