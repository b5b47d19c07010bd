"""Reading tables from files: the formats the sinks write, chosen by extension the same way."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from fastsynth.errors import UsageError
from fastsynth.sinks.base import format_for_path

__all__ = ["check_unique_columns", "from_arrow", "read_table", "to_arrow"]


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
        try:
            return pa.Table.from_pandas(data, preserve_index=False), "pandas"
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise _unreadable(data, exc) from None
    raise UsageError(
        f"data of type {type(data).__name__} is not a table; allowed: pyarrow Table or RecordBatch, "
        "polars or pandas DataFrame"
    )


def check_unique_columns(names: Iterable[str], where: str) -> None:
    """Refuse a table whose column name repeats, naming the first such name and its count: models and
    reports find, pair and make columns by name. ``where`` begins the message (``fit``, ``input 'x'``)."""
    for name, count in Counter(names).items():
        if count > 1:
            raise UsageError(
                f"{where}: column {name!r} appears {count} times; "
                "allowed: each column name once (rename or drop the others)"
            )


def _unreadable(frame: Any, exc: Exception) -> UsageError:
    """The column of a pandas frame Arrow cannot read (an object column of mixed types), named."""
    for label in frame.columns:
        column = frame[label]
        if not hasattr(column, "dtype"):  # a label twice: a frame, not a column
            continue
        try:
            pa.Array.from_pandas(column)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as failed:
            reason = str(failed).split("\n")[0]
            return UsageError(
                f"data: column {str(label)!r} ({column.dtype}) cannot be read as Arrow: {reason}; "
                "allowed: one type per column (convert it with astype)"
            )
    return UsageError(f"data: the pandas DataFrame cannot be read as Arrow: {exc}".split("\n")[0])


def from_arrow(table: pa.Table, kind: str, like: Any = None) -> Any:
    """``table`` back as the kind of data ``to_arrow`` was given. With ``like``, the data ``to_arrow``
    was given, nothing of it is lost on the way back: a pandas DataFrame gets its index again (named,
    a MultiIndex, dates: whatever it was) and polars columns their dtypes (an ``Enum`` whose drifted
    values left its categories becomes a ``Categorical`` rather than nulls)."""
    if kind == "batch":
        return (
            table.combine_chunks().to_batches()[0]
            if table.num_rows
            else pa.RecordBatch.from_pylist([], table.schema)
        )
    if kind == "polars":
        return _polars(table, like)
    if kind == "pandas":
        frame = table.to_pandas()
        if like is not None and len(like.index) == len(frame):
            frame.index = like.index
        return frame
    return table


def _polars(table: pa.Table, like: Any) -> Any:
    import polars as pl

    if like is None:
        return pl.from_arrow(table)
    # polars reads an Enum's categories from the Arrow field's metadata, and silently turns a value
    # outside them into null: read the columns without it, then cast back to the input's dtypes when
    # that keeps every value.
    fields = [
        f.remove_metadata() if f.metadata and any(k.startswith(b"_PL_") for k in f.metadata) else f
        for f in table.schema
    ]
    frame = pl.from_arrow(
        pa.Table.from_arrays(table.columns, schema=pa.schema(fields, table.schema.metadata))
    )
    assert isinstance(frame, pl.DataFrame)
    for name, dtype in like.schema.items():
        if name not in frame.columns or frame.schema[name] == dtype:
            continue
        # A drifted value outside an Enum fails the cast: the column stays a Categorical.
        with contextlib.suppress(pl.exceptions.PolarsError):
            frame = frame.with_columns(pl.col(name).cast(dtype, strict=True))
    return frame
