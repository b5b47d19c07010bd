"""Which rows a drift touches, and where each lies in the drift's window (0 at its start, 1 at its end).

One of, or none for every row:

- ``rows: {start, end, step}``: rows ``start, start + step, ...`` before ``end`` (the end is
  exclusive, like Python's ``range``; default the whole table);
- ``blocks: {column, values: [...]}`` or ``{column, first, last}`` (both inclusive): the rows whose
  block column holds one of the values;
- ``time: {column, start, end}``: rows whose timestamp is in ``[start, end)``, or ``[start, end]`` with
  ``end_inclusive: true`` (calm-data-generator's convention); positions follow the clock;
- ``where: "age > 50"``: rows where the SQL condition holds (evaluated by polars, never ``eval``).

Positions of row, block and condition selections follow the selected rows' order: the first is 0, the
last 1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth import sql
from fastsynth.errors import UsageError
from fastsynth.specs import Bounds, Invalid, Spec, from_document, show, to_document

__all__ = ["Blocks", "Rows", "Selection", "Time", "Window"]

_KINDS = ("rows", "blocks", "time", "where")


@dataclass(frozen=True)
class Rows(Spec):
    """Rows ``start, start + step, ...`` before ``end`` (exclusive; the table's end by default)."""

    start: Annotated[int, Bounds(0)] = 0
    end: Annotated[int, Bounds(0)] | None = None
    step: Annotated[int, Bounds(1)] = 1


@dataclass(frozen=True)
class Blocks(Spec):
    """Rows whose ``column`` holds one of ``values``, or lies in ``[first, last]``."""

    column: str
    values: tuple[Any, ...] | None = None
    first: Any = None
    last: Any = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.values is not None and not self.values:
            raise Invalid("values=[] is not a non-empty list")
        if self.values is None and (self.first is None or self.last is None):
            raise Invalid("needs values, or first and last (both inclusive)")


@dataclass(frozen=True)
class Time(Spec):
    """Rows whose timestamp in ``column`` lies in ``[start, end)`` (``[start, end]`` if
    ``end_inclusive``)."""

    column: str
    """The timestamp or date column."""
    start: str | dt.date
    """The window's first instant (inclusive), an ISO date or datetime."""
    end: str | dt.date
    """The window's end, exclusive unless ``end_inclusive``."""
    end_inclusive: bool = False
    """Whether a row stamped exactly ``end`` is in the window (as the peer calm-data-generator takes
    its time windows); the default, like Python's ranges, leaves it out."""


_SPECS: dict[str, type] = {"rows": Rows, "blocks": Blocks, "time": Time}


def _instant(value: Any, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise UsageError(f"{where}={value!r} is not an ISO date or datetime") from None
    return moment if moment.tzinfo is None else moment.astimezone(dt.UTC).replace(tzinfo=None)


class Window(NamedTuple):
    """The selected rows: a slice for row ranges (no index array for the common case), else indices."""

    rows: slice | np.ndarray
    """What indexes the selected rows of a column, in ascending order."""
    size: int
    """How many rows are selected."""
    positions: Callable[[], np.ndarray]
    """Each selected row's position in [0, 1], computed when a profile needs it."""

    def first_last(self) -> tuple[int | None, int | None]:
        if self.size == 0:
            return None, None
        if isinstance(self.rows, slice):
            return self.rows.start, self.rows.start + (self.size - 1) * self.rows.step
        return int(self.rows[0]), int(self.rows[-1])


def _indexed(rows: np.ndarray) -> Window:
    rows = rows.astype(np.int64)
    return Window(rows, len(rows), lambda: _ordinal(len(rows)))


@dataclass(frozen=True)
class Selection:
    """A drift's rows, as given in its spec."""

    kind: str = "all"
    """all, rows, blocks, time or where."""
    spec: Rows | Blocks | Time | str | None = None
    """The selection's own spec (``Rows``, ``Blocks``, ``Time``, or the condition's text)."""

    @classmethod
    def from_drift(cls, drift: dict[str, Any], where: str) -> Selection:
        given = [k for k in _KINDS if k in drift]
        if len(given) > 1:
            raise UsageError(f"{where}: choose one of {', '.join(_KINDS)}; got {', '.join(given)}")
        if not given:
            return cls()
        kind = given[0]
        spec = drift[kind]
        if kind == "where":
            if not isinstance(spec, str) or not spec.strip():
                raise UsageError(f"{where}: where={spec!r} is not an SQL condition such as 'age > 50'")
            return cls(kind, spec)
        return cls(kind, from_document(_SPECS[kind], spec, where=f"{where}: {kind}", error=UsageError))

    def describe(self) -> dict[str, Any]:
        if self.kind == "all" or self.spec is None:
            return {}
        if isinstance(self.spec, str):
            return {self.kind: self.spec}
        given = {k: v for k, v in dataclasses.asdict(self.spec).items() if v is not None}
        return {self.kind: to_document(given)}  # every option in force, defaults too, for the log

    def select(self, table: pa.Table, where: str) -> Window:
        """The rows of ``table`` this selection picks."""
        n = table.num_rows
        if self.kind in ("all", "rows"):
            window = self.spec if isinstance(self.spec, Rows) else Rows()
            start, step = window.start, window.step
            end = n if window.end is None else window.end
            if not 0 <= start < end <= n:
                raise UsageError(
                    f"{where}: rows start={start}, end={end} is not a window of the table's {n} rows "
                    f"(0 <= start < end <= {n}; end is exclusive)"
                )
            count = len(range(start, end, step))
            return Window(slice(start, end, step), count, lambda: _ordinal(count))
        if isinstance(self.spec, str):  # where
            import polars as pl

            try:
                mask = pl.DataFrame(table).select(sql.parse(self.spec).alias("m")).to_series().to_numpy()
            except Exception as exc:  # polars raises many types for a bad condition
                raise UsageError(
                    f"{where}: where={self.spec!r} is not a valid condition: {exc}".split("\n")[0]
                ) from None
            if mask.dtype != np.bool_:
                raise UsageError(f"{where}: where={self.spec!r} is not a true/false condition")
            return _indexed(np.flatnonzero(mask))
        assert isinstance(self.spec, Blocks | Time)
        column = self.spec.column
        if column not in table.column_names:
            raise UsageError(
                f"{where}: {self.kind} column={column!r} is not a column ({', '.join(table.column_names)})"
            )
        values = table.column(column)
        if isinstance(self.spec, Blocks):
            # A category column is dictionary-encoded: its values are of the dictionary's type, which
            # the comparisons take as they are (a value cannot be cast to a dictionary of one).
            kind = values.type.value_type if pa.types.is_dictionary(values.type) else values.type
            try:
                if self.spec.values is not None:
                    wanted = pa.array(list(self.spec.values)).cast(kind, safe=False)
                    mask = pc.is_in(values, value_set=wanted)
                else:
                    low = pa.scalar(self.spec.first).cast(kind)
                    high = pa.scalar(self.spec.last).cast(kind)
                    mask = pc.and_(pc.greater_equal(values, low), pc.less_equal(values, high))
            except (pa.ArrowException, OverflowError, TypeError, ValueError):
                raise UsageError(
                    f"{where}: blocks {show(to_document(self.spec))} are not values of column {column!r} "
                    f"({values.type})"
                ) from None
            rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            if len(rows) == 0:
                raise UsageError(
                    f"{where}: blocks {to_document(self.spec)!r} match no row of column {column!r}"
                )
            return _indexed(rows)
        if not pa.types.is_timestamp(values.type) and not pa.types.is_date(values.type):
            raise UsageError(f"{where}: time column={column!r} is {values.type}, not a timestamp column")
        since = _instant(self.spec.start, f"{where}: time start")
        until = _instant(self.spec.end, f"{where}: time end")
        if until <= since:
            raise UsageError(f"{where}: time end={until.isoformat()} is not after start={since.isoformat()}")
        micros = values.cast(pa.timestamp("us"), safe=False).cast(pa.int64()).to_numpy(zero_copy_only=False)
        epoch = dt.datetime(1970, 1, 1)
        lo, hi = (
            (since - epoch) // dt.timedelta(microseconds=1),
            (until - epoch) // dt.timedelta(microseconds=1),
        )
        closed = self.spec.end_inclusive
        rows = np.flatnonzero((micros >= lo) & ((micros <= hi) if closed else (micros < hi))).astype(np.int64)
        if len(rows) == 0:
            raise UsageError(
                f"{where}: time window [{since.isoformat()}, {until.isoformat()}{']' if closed else ')'} "
                "holds no row"
            )
        return Window(rows, len(rows), lambda: (micros[rows] - lo) / (hi - lo))


def _ordinal(count: int) -> np.ndarray:
    """Positions of ``count`` rows spread evenly from 0 (the first) to 1 (the last)."""
    if count <= 1:
        return np.ones(count)
    return np.arange(count, dtype=np.float64) / (count - 1)
