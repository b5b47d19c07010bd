"""Reading tables from files: the formats the sinks write, chosen by extension the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from fastsynth.errors import UsageError
from fastsynth.sinks.base import format_for_path

__all__ = ["from_arrow", "read_table", "to_arrow"]


def read_table(path: str | Path) -> pa.Table:
    """The table in a CSV, JSON lines, JSON (an array of objects), Parquet or Arrow IPC file."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"input {str(path)!r} is not a file")
    try:
        kind = format_for_path(path)
    except UsageError:
        raise UsageError(
            f"input {str(path)!r}: cannot tell the format from its extension; "
            "allowed: .csv, .jsonl, .ndjson, .json, .parquet, .arrow"
        ) from None
    try:
        if kind == "csv":
            import pyarrow.csv

            return pyarrow.csv.read_csv(path)
        if kind == "jsonl":
            import pyarrow.json

            return pyarrow.json.read_json(path)
        if kind == "json":
            import polars as pl

            return pl.read_json(path).to_arrow()
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        import pyarrow.ipc as ipc

        try:
            return ipc.open_file(path).read_all()
        except pa.ArrowInvalid:
            return ipc.open_stream(path).read_all()
    except (pa.ArrowInvalid, OSError, ValueError) as exc:
        raise UsageError(f"input {str(path)!r} is not a readable {kind} file: {exc}".split("\n")[0]) from None


def to_arrow(data: Any) -> tuple[pa.Table, str]:
    """``data`` (an Arrow table or batch, a polars or pandas DataFrame) as an Arrow table, and its kind
    for ``from_arrow``."""
    if isinstance(data, pa.Table):
        return data, "arrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "batch"
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data.to_arrow(), "polars"
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False), "pandas"
    raise UsageError(
        f"data of type {type(data).__name__} is not a table; allowed: pyarrow Table or RecordBatch, "
        "polars or pandas DataFrame"
    )


def from_arrow(table: pa.Table, kind: str) -> Any:
    """``table`` back as the kind of data ``to_arrow`` was given."""
    if kind == "batch":
        return (
            table.combine_chunks().to_batches()[0]
            if table.num_rows
            else pa.RecordBatch.from_pylist([], table.schema)
        )
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if kind == "pandas":
        return table.to_pandas()
    return table
