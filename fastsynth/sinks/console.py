"""In-process sinks: a table on the console, and the in-memory twin used by tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from fastsynth.errors import UsageError
from fastsynth.sinks.base import SINKS, Sink

__all__ = ["ConsoleSink", "MemorySink"]


@SINKS.register("console")
class ConsoleSink(Sink):
    """A table printed to standard output, for a look at a few rows (``max_rows`` at most)."""

    def __init__(self, schema: pa.Schema, path: str | Path | None = None, *, max_rows: int = 10_000) -> None:
        if path is not None:
            raise UsageError("format 'console' prints to the terminal and takes no output path")
        super().__init__(schema, path)
        self.max_rows = max_rows
        # rich is imported here, by the sink that prints: importing it took 0.07 s of every command's
        # start, through the registry of sinks.
        from rich.table import Table

        self._table = Table(*schema.names, show_lines=False)

    def write(self, batch: pa.RecordBatch) -> None:
        if self.rows_written + batch.num_rows > self.max_rows:
            raise UsageError(
                f"format 'console' shows at most {self.max_rows} rows; use --output PATH, "
                "or --format jsonl or csv to stream to stdout"
            )
        columns = [column.to_pylist() for column in batch.columns]
        for row in zip(*columns, strict=True):
            self._table.add_row(*("" if v is None else str(v) for v in row))
        self._count(batch)

    def close(self) -> None:
        from rich.console import Console

        Console(soft_wrap=True).print(self._table)


@SINKS.register("memory")
class MemorySink(Sink):
    """Keeps every batch in memory: the twin of the other sinks in tests and notebooks."""

    def __init__(self, schema: pa.Schema, path: str | Path | None = None) -> None:
        super().__init__(schema, path)
        self.batches: list[pa.RecordBatch] = []
        self.closed = False

    def write(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)
        self._count(batch)

    def close(self) -> None:
        self.closed = True

    def table(self) -> pa.Table:
        """Everything written so far, as one table."""
        return pa.Table.from_batches(self.batches, schema=self.schema)
