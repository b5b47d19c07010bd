"""What the seed's facades share: its date arguments, its CSV files, its reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.concepts.stream import CalendarStep
from fastsynth.dependencies import optional_import
from fastsynth.errors import UsageError
from fastsynth.sinks import open_sink
from fastsynth.specs import PositiveInt, argument, show

__all__ = ["date_arguments", "dates_document", "make_folder", "pandas_frame", "report", "write_csv"]

log = logging.getLogger("fastsynth.compat")

_REPORTED = False


def date_arguments(
    config: Any, start: Any, every: int, step: Mapping[str, int] | None, column: str
) -> tuple[Any, int, Mapping[str, int] | None, str]:
    """The date settings from the seed's ``date_config`` (a DateConfig or a mapping) or its own
    ``date_*`` arguments."""
    if config is None:
        return start, every, step, column
    if start is not None:
        raise UsageError("date_config and date_start are both given; give one")
    read = config.get if isinstance(config, Mapping) else lambda key, default: getattr(config, key, default)
    return (
        read("start_date", None),
        read("frequency", 1),
        read("step", None),
        read("date_col", "timestamp"),
    )


def dates_document(
    start: Any, step: Mapping[str, int] | None, every: int | None, column: str
) -> dict[str, Any] | None:
    """The stream's ``dates`` document, or None without ``date_start``."""
    if start is None or start == "":
        return None
    if isinstance(start, dt.date):
        text = start.isoformat()
    elif isinstance(start, str):
        text = start
    else:
        text = str(start)  # numpy's datetime64 prints as ISO
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"date_start={show(start)} is not an ISO date such as 2023-01-01") from None
    units = [f.name for f in dataclasses.fields(CalendarStep)]
    offset = dict(step or {"days": 1})
    for unit, amount in offset.items():
        if unit not in units:
            raise UsageError(f"date_step: unknown unit {unit!r}; allowed: {', '.join(units)}")
        argument(f"date_step[{unit!r}]", amount, int)
    dates: dict[str, Any] = {"start": text, "step": offset, "column": column}
    if every is not None:
        dates["every"] = argument("date_every", every, PositiveInt)
    return dates


def make_folder(folder: str | os.PathLike[str]) -> None:
    """``os.makedirs(folder, exist_ok=True)``, as the seed's classes do, with a file or a folder that
    cannot be made answered by name rather than an ``OSError``'s traceback."""
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"output folder {os.fspath(folder)!r} is a file; give a folder") from None
    except OSError as exc:
        raise UsageError(f"output folder {os.fspath(folder)!r} cannot be made: {exc.strerror}") from None


def pandas_frame(df: Any, where: str) -> Any:
    """pandas, once ``df`` is known to be a DataFrame: the injectors read ``df.columns`` first, so a
    list or an array given instead was an ``AttributeError``'s traceback."""
    pd = optional_import("pandas", "calmops")
    if not isinstance(df, pd.DataFrame):
        raise UsageError(f"{where}: df is a {type(df).__name__}; allowed: a pandas DataFrame")
    return pd


def write_csv(table: pa.Table, path: str) -> None:
    """The table through fastsynth's CSV sink, with booleans and times written as pandas writes them
    (``True``, ``2023-01-08``), as in the seed's files."""
    for n, column in enumerate(table.columns):
        if pa.types.is_boolean(column.type):
            text = pc.if_else(column, "True", "False")
        elif pa.types.is_timestamp(column.type) and column.type.tz is None:
            text = _pandas_times(column)
        else:
            continue
        table = table.set_column(n, table.field(n).name, text)
    with open_sink(path, table.schema, format="csv") as sink:
        for batch in table.to_batches():
            sink.write(batch)


def _pandas_times(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Times as pandas writes a column of them: the date alone when all are at midnight, else date
    and time (Arrow's own form, to the unit's fraction, when some have fractions of a second). Arrow's
    casts to text, not strftime, which is 20 times slower."""
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[column.type.unit]
    counts = column.cast(pa.int64()).to_numpy()
    if (counts % (86_400 * per_second) == 0).all():
        return column.cast(pa.date32()).cast(pa.string())
    if (counts % per_second == 0).all():
        return column.cast(pa.timestamp("s")).cast(pa.string())
    return column


def report(asked: bool) -> None:
    """Reports are the seed's; fastsynth has none yet (issue 17): say so once, change nothing."""
    global _REPORTED
    if asked and not _REPORTED:
        _REPORTED = True
        log.info("no report is written: fastsynth has no data report yet (generate_report is accepted)")
