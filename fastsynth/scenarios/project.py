"""``project``: a table carried into future periods, each a copy shifted along time with a trend.

Period ``k`` (1 to ``periods``) is the table (or ``rows_per_period`` rows drawn from it with
replacement, keyed by seed and row) with its time column moved ``k * every`` forward and the ``trend``
evolutions applied at ``t = k``: ``{"type": "linear", "slope": 0.03}`` adds ``0.03 * k`` in period
``k``; a cyclic trend follows the periods round the year; a sigmoid or step without its centre or
place takes the middle of the periods, and a random walk takes one step a period. A period column
numbers the rows: 0 for the original, ``k`` for period ``k`` (or, when the table already has that
column, its largest value plus ``k``). A time or period number that would leave its column's type is
refused, never wrapped round. The projection is held in memory, so its size is checked before anything
is made (``check_size``): at most ``MAX_PERIODS`` periods, and no more rows than this machine's memory
holds.
"""

from __future__ import annotations

import dataclasses
import os
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.errors import UsageError
from fastsynth.fields.base import Block
from fastsynth.scenarios.columns import from_counts, time_column
from fastsynth.scenarios.evolve import apply_evolution, parse_evolutions
from fastsynth.scenarios.log import ScenarioLog, Transformed
from fastsynth.scenarios.specs import UNIT_SECONDS, RandomWalk, Sigmoid, Step, TimeAxis
from fastsynth.seeds import resolve_seed
from fastsynth.sources import from_arrow, to_arrow
from fastsynth.specs import PositiveInt, PositiveNumber, argument, show

__all__ = ["MAX_PERIODS", "check_size", "project"]

MAX_PERIODS = 100_000
"""The most periods one projection makes. Each is a table and a log entry made in Python (30 us a
period without a trend, 400 us with a time column and a trend, measured on 2-row tables), so 100,000
take from 3 s to 40 s; a daily projection over 270 years fits."""
_UNKNOWN_MEMORY = 2**40
"""The memory assumed where the operating system does not say (``os.sysconf`` is POSIX only)."""


def project(
    data: Any,
    periods: int,
    *,
    time: Any = None,
    every: float | None = None,
    trend: Any = None,
    period_column: str | None = "period",
    rows_per_period: int | None = None,
    include_original: bool = True,
    seed: int | None = None,
) -> Transformed:
    """``data`` followed by ``periods`` projected copies (the same kind of data), and the log.

    ``time`` is a time column (a name, or ``{"column": ..., "unit": "days"}``); ``every`` is how far
    each period moves it: a number of the column's own units for a number column, of ``unit`` for a
    date or timestamp column. Without ``every``, a period is the table's span plus one typical step
    between its distinct times, so that the copies follow on without a gap. ``trend`` takes the
    evolutions ``evolve`` takes, evaluated at ``t`` = the period number."""
    chosen = resolve_seed(seed)
    periods = argument("periods", periods, PositiveInt)
    if rows_per_period is not None:
        rows_per_period = argument("rows_per_period", rows_per_period, PositiveInt)
    parsed = [
        (column, _over_periods(spec, periods), where)
        for column, spec, where in (parse_evolutions(trend) if trend is not None else [])
    ]
    table, kind = to_arrow(data)
    n = table.num_rows
    if n == 0:
        raise UsageError("project: the table has no rows to project")
    # what the output holds, before any of it is made (the random walks too draw a step a period)
    check_size(
        periods,
        rows_per_period or n,
        table.nbytes / n,
        extra_rows=n if include_original else 0,
        rows_name="rows_per_period" if rows_per_period is not None else "the table's rows",
    )
    walks = {
        index: _walk(spec, column, periods, chosen, index)
        for index, (column, spec, _) in enumerate(parsed)
        if isinstance(spec, RandomWalk)
    }
    axis = TimeAxis.from_spec(time)
    if period_column is not None and period_column == axis.column:  # the numbers would overwrite the times
        raise UsageError(f"period_column={period_column!r} is the time column; name another, or None")
    shift = _shift(table, axis, every)
    first_label = _first_label(table, period_column, periods)
    rows = rows_per_period or n
    log = ScenarioLog("project", chosen)
    log.settings = {
        "periods": periods,
        "rows_per_period": rows,
        "sampled": rows_per_period is not None,
        "time": None if axis.column is None else {"column": axis.column, "every": shift[1]},
        "period_column": period_column,
    }
    parts = []
    if include_original:
        parts.append(_labelled(table, period_column, None, first_label - 1))
    offset = n if include_original else 0
    for k in range(1, periods + 1):
        copy = table
        if rows_per_period is not None:  # with replacement, keyed by the output row
            picks = Block("\x00project", chosen, offset, rows).integers(0, n - 1, salt="rows")
            copy = table.take(pa.array(picks))
        entry: dict[str, Any] = {"period": first_label + k - 1, "first_row": offset, "rows": rows}
        if axis.column is not None:
            copy = _shifted(copy, axis.column, shift[0] * k, k)
            entry["time_shift"] = k * (shift[1] or 0.0)
        t = np.full(rows, float(k))
        trend_entries = []
        for index, (column, spec, where) in enumerate(parsed):
            walk = walks.get(index)
            given = None if walk is None else np.full(rows, walk[k - 1])
            copy, record = apply_evolution(
                copy, column, spec, t, TimeAxis(), chosen, index, where, offset, given
            )
            record["time"] = {"over": "periods", "t": k}
            if walk is not None:
                record["parameters"]["level"] = float(walk[k - 1])
            trend_entries.append(record)
        entry["trend"] = trend_entries
        parts.append(_labelled(copy, period_column, table, first_label + k - 1))
        log.entries.append(entry)
        offset += rows
    return Transformed(from_arrow(pa.concat_tables(parts), kind), log)


def check_size(
    periods: int,
    rows: int,
    row_bytes: float = 0.0,
    *,
    extra_rows: int = 0,
    rows_name: str = "rows_per_period",
) -> None:
    """Refuse a projection of more than ``MAX_PERIODS`` periods, or of ``periods`` times ``rows`` rows
    (and ``extra_rows``: the original's) of ``row_bytes`` each, plus the period number's 8, that this
    machine's memory cannot hold: a ``UsageError`` naming ``periods`` and ``rows_name``, where making
    it would end in a ``MemoryError`` (or run for days) once the memory is taken. A caller with its own
    name for the rows (the seed's ``n_samples_per_period``) checks with it first."""
    if periods > MAX_PERIODS:
        raise UsageError(
            f"periods={show(periods)} is over the limit; allowed: at most {MAX_PERIODS} periods (each "
            "is made and logged on its own)"
        )
    total = periods * rows + extra_rows
    size = total * (row_bytes + 8)
    memory = _memory()
    if size > memory:
        most = int(memory // (row_bytes + 8))
        raise UsageError(
            f"periods={show(periods)} of {rows} rows each ({rows_name}) make {total} rows, about "
            f"{_gib(size)} in memory, more than this machine's {_gib(memory)}; allowed: at most {most} rows "
            "in all"
        )


def _memory() -> int:
    """This machine's memory in bytes (``_UNKNOWN_MEMORY`` where the system does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return _UNKNOWN_MEMORY


def _gib(size: float) -> str:
    return f"{size / 2**30:,.1f} GiB"


def _over_periods(spec: Any, periods: int) -> Any:
    """``spec`` with its defaults in periods: ``t`` is the period number, the same for all the rows of
    a period, so a default taken from the rows' ``t`` (a sigmoid's centre and width, a step's place)
    would sit on the period itself and the trend would never move. The middle of periods 1 to
    ``periods``, and a tenth of their span, as ``evolve`` takes them over its ``t``."""
    middle, width = (1 + periods) / 2, ((periods - 1) / 10 or 1.0)
    if isinstance(spec, Sigmoid):
        return dataclasses.replace(
            spec,
            center=middle if spec.center is None else spec.center,
            width=width if spec.width is None else spec.width,
        )
    if isinstance(spec, Step) and spec.at is None:
        return dataclasses.replace(spec, at=middle)
    return spec


def _walk(spec: RandomWalk, column: str, periods: int, seed: int, index: int) -> np.ndarray:
    """A random walk over the periods: one ``N(0, step_std)`` step a period, keyed by (seed, column,
    evolution, period), so that period ``k``'s level does not depend on how many periods follow."""
    steps = Block(column, seed, 1, periods).normal(0.0, spec.step_std, salt=f"scenario\x00periods\x00{index}")
    with np.errstate(over="ignore", invalid="ignore"):  # past float64's range: refused where it is applied
        return np.cumsum(steps)


def _shift(table: pa.Table, axis: TimeAxis, every: float | None) -> tuple[Any, float | None]:
    """(the shift of one period in the time column's own counts, the same in the log's units)."""
    if axis.column is None:
        if every is not None:
            raise UsageError("every applies with a time column; time is None")
        return 0, None
    name = axis.column
    counts, seconds_per_count = time_column(table, name)
    kind = table.schema.field(name).type
    numeric = seconds_per_count is None
    per_unit = (
        1.0
        if seconds_per_count is None
        else float(Fraction(repr(UNIT_SECONDS[axis.unit])) / seconds_per_count)
    )
    if every is not None:
        every = float(argument("every", every, PositiveNumber))
        step = every * per_unit
    else:
        distinct = pc.unique(counts)
        if len(distinct) < 2:
            raise UsageError(
                f"time: column {name!r} has one distinct time; give every, the length of a period"
            )
        low, high = pc.min_max(distinct).values()
        span = high.as_py() - low.as_py()
        step = span + span / (len(distinct) - 1)
    if not numeric or pa.types.is_integer(kind):  # whole steps of the column's unit
        if every is not None and step != round(step):
            raise UsageError(f"every={every!r}: a period must be a whole number of the column's {kind} steps")
        step = round(step)  # a derived period over irregular times: the nearest whole step
    return step, step / per_unit


def _shifted(table: pa.Table, name: str, step: Any, period: int) -> pa.Table:
    """The table with its time column moved ``step`` counts (``period`` periods), checked: a time that
    leaves the column's type is refused, not wrapped round (a timestamp past 2262 is not one in 1677)."""
    counts, seconds_per_count = time_column(table, name)
    field = table.schema.field(name)
    try:
        if pa.types.is_floating(field.type):
            moved = pc.add(counts, pa.scalar(float(step), field.type))
            if not pc.all(pc.is_finite(moved)).as_py():
                raise OverflowError  # past the largest float: inf, which is no time
        else:  # in int64, checked, then a checked cast to the column's own type
            moved = pc.add_checked(counts.cast(pa.int64()), pa.scalar(step, pa.int64()))
            moved = moved.cast(field.type) if seconds_per_count is None else from_counts(moved, field.type)
    except (pa.ArrowInvalid, OverflowError):
        raise UsageError(
            f"time: column {name!r} shifted to period {period} ({step} of its counts) does not fit its "
            f"type {field.type}; project fewer periods"
        ) from None
    return table.set_column(table.column_names.index(name), field, moved)


def _first_label(table: pa.Table, period_column: str | None, periods: int) -> int:
    """The first projected period's number: 1, or the largest existing one plus 1."""
    if period_column is None or period_column not in table.column_names:
        return 1
    column = table.column(period_column)
    if not pa.types.is_integer(column.type):
        raise UsageError(
            f"period_column={period_column!r} is {column.type}; allowed: an integer column, or a new name"
        )
    largest = pc.max(column).as_py()
    first = 1 if largest is None else int(largest) + 1
    last = first + periods - 1
    if last > np.iinfo(column.type.to_pandas_dtype()).max:  # refused rather than widened: a copy
        # keeps the table's schema, so that the projection concatenates with the original
        raise UsageError(
            f"period_column={period_column!r} is {column.type}: the last period, {last}, does not fit "
            "it; cast the column to a wider integer, or name a new period column"
        )
    return first


def _labelled(part: pa.Table, period_column: str | None, original: pa.Table | None, label: int) -> pa.Table:
    """``part`` with its period number: a new column, or the existing one overwritten (copies only)."""
    if period_column is None:
        return part
    if period_column in part.column_names:
        if original is None:  # the original keeps its own numbers
            return part
        kind = part.schema.field(period_column).type
        return part.set_column(
            part.column_names.index(period_column),
            part.schema.field(period_column),
            pa.array(np.full(part.num_rows, label), type=kind),
        )
    return part.append_column(period_column, pa.array(np.full(part.num_rows, label, np.int64)))
