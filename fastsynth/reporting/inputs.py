"""The tables a report reads: in memory or in a file, whole or as a seeded sample, or streamed in
batches, so that a report of a 100M-row file never holds 100M rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.errors import UsageError
from fastsynth.sinks.base import format_for_path
from fastsynth.sources import check_unique_columns, read_table, to_arrow

__all__ = ["BATCH_ROWS", "CSV_BLOCK_BYTES", "Input", "open_input"]

BATCH_ROWS = 1 << 20
"""Rows per streamed batch: large enough for kernels to amortise a call, small enough that a batch of
a wide table stays in tens of megabytes."""


@dataclass(frozen=True)
class Input:
    """One table given to a report: a file (streamed or sampled) or a table in memory."""

    name: str
    """What the report calls it: the file's name, or ``real`` / ``synthetic`` / ``data``."""
    rows: int
    schema: pa.Schema
    path: Path | None = None
    table: pa.Table | None = None

    def batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        """Every row, in order, in batches of at most ``BATCH_ROWS``."""
        if self.table is not None:
            table = self.table if columns is None else self.table.select(columns)
            yield from table.to_batches(max_chunksize=BATCH_ROWS)
            return
        assert self.path is not None
        # pyarrow's scanner reads ahead (16 batches, 4 files, and row groups of a Parquet file
        # concurrently) as fast as it can, whatever the consumer's pace: behind a report, 10 batches of
        # a 10M-row, 20-column Parquet file held 1.1 GB of Arrow memory. Parquet is read one row group
        # at a time instead (Arrow memory flat at 156 MB, and as fast), other formats one batch ahead.
        dataset = _dataset(self.path)
        if dataset.format.default_extname != "parquet":
            batches = dataset.to_batches(
                columns=columns, batch_size=BATCH_ROWS, batch_readahead=1, fragment_readahead=1
            )
            try:
                yield from batches
            except pa.ArrowInvalid as exc:
                if dataset.format.default_extname != "csv":
                    raise
                # a CSV column's type is inferred from the file's first block: a later value that
                # does not fit it (text after numbers) stops the stream there
                found = re.search(r"CSV column #(\d+)", str(exc))
                names = dataset.schema.names
                column = names[int(found[1])] if found and int(found[1]) < len(names) else "?"
                raise UsageError(
                    f"input {self.name!r}: column {column!r} is read as "
                    f"{dataset.schema.field(column).type if column in names else 'another type'}, the type "
                    f"of its first {CSV_BLOCK_BYTES / 2**20:g} MB, and a later value does not fit "
                    f"({str(exc).splitlines()[0]}): convert the file to Parquet with the column's type, "
                    "or fix the value"
                ) from None
            return
        import pyarrow.dataset as ds

        options = ds.ParquetFragmentScanOptions(pre_buffer=False)
        for fragment in dataset.get_fragments():
            for group in fragment.split_by_row_group():
                yield from group.to_batches(
                    schema=dataset.schema,
                    columns=columns,
                    batch_size=BATCH_ROWS,
                    batch_readahead=1,
                    fragment_scan_options=options,
                )

    def load(self, max_rows: int | None = None, seed: int = 0) -> tuple[pa.Table, bool]:
        """The table, or a uniform sample of ``max_rows`` of its rows without replacement (in their
        order, chosen by ``seed``) when it has more; and whether it was sampled."""
        if max_rows is None or self.rows <= max_rows:
            table = (
                self.table
                if self.table is not None
                else pa.Table.from_batches(list(self.batches()), self.schema)
            )
            return table, False
        keep = np.sort(np.random.default_rng(seed).choice(self.rows, size=max_rows, replace=False))
        if self.table is not None:
            return self.table.take(pa.array(keep)), True
        parts, start = [], 0
        for batch in self.batches():
            lo, hi = np.searchsorted(keep, [start, start + batch.num_rows])
            if hi > lo:
                parts.append(batch.take(pa.array(keep[lo:hi] - start)))
            start += batch.num_rows
        return pa.Table.from_batches(parts, self.schema), True


def open_input(data: Any, name: str) -> Input:
    """``data`` (a path to any file fastsynth reads, or an Arrow, polars or pandas table) as an Input
    named ``name`` unless it is a file, which keeps its own name. Parquet, Arrow and CSV files are
    streamed; JSON, which pyarrow cannot stream with its types, is read whole."""
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.is_file():
            raise UsageError(f"input {str(path)!r} is not a file")
        if format_for_path(path) in _STREAMED:
            try:
                dataset = _dataset(path)
                return _checked(Input(path.name, dataset.count_rows(), dataset.schema, path=path))
            except (pa.ArrowInvalid, OSError):
                pass  # an Arrow stream rather than a file, or a broken file: read_table says which
        table = read_table(path)
        return _checked(Input(path.name, table.num_rows, table.schema, table=table))
    table, _ = to_arrow(data)
    return _checked(Input(name, table.num_rows, table.schema, table=table))


def _checked(given: Input) -> Input:
    """``given``, unless a column name repeats: a report reads and pairs columns by name."""
    check_unique_columns(given.schema.names, f"input {given.name!r}")
    return given


_STREAMED = {"parquet": "parquet", "arrow": "ipc", "csv": "csv"}
CSV_BLOCK_BYTES = 16 << 20
"""Bytes of a CSV file its column types are inferred from (pyarrow's default: 1 MB): text appearing
in a numeric-looking column after the first block stops the stream with a UsageError."""


def _dataset(path: Path) -> Any:
    import pyarrow.csv as csv
    import pyarrow.dataset as ds

    kind = _STREAMED[format_for_path(path)]
    if kind == "csv":
        return ds.dataset(
            path, format=ds.CsvFileFormat(read_options=csv.ReadOptions(block_size=CSV_BLOCK_BYTES))
        )
    return ds.dataset(path, format=kind)
