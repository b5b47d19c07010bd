"""Which rows a drift touches, and where each lies in the drift's window (0 at its start, 1 at its end).

One of, or none for every row:

- ``rows: {start, end, step}``: rows ``start, start + step, ...`` before ``end`` (the end is
  exclusive, like Python's ``range``; default the whole table);
- ``blocks: {column, values: [...]}`` or ``{column, first, last}`` (both inclusive): the rows whose
  block column holds one of the values;
- ``time: {column, start, end}``: rows whose timestamp is in ``[start, end)``; positions follow the clock;
- ``where: "age > 50"``: rows where the SQL condition holds (evaluated by polars, never ``eval``).

Positions of row, block and condition selections follow the selected rows' order: the first is 0, the
last 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.errors import UsageError

__all__ = ["Selection", "Window"]

_KINDS = ("rows", "blocks", "time", "where")


def _integer(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{where}={value!r} is not an integer >= {minimum}")
    return value


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
    spec: Any = None
    """The selection's own spec (its dict, or the condition's text)."""

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
        elif not isinstance(spec, dict):
            raise UsageError(f"{where}: {kind}={spec!r} is not an object")
        allowed = {"rows": {"start", "end", "step"}, "blocks": {"column", "values", "first", "last"}}
        allowed["time"] = {"column", "start", "end"}
        if kind != "where":
            unknown = sorted(set(spec) - allowed[kind])
            if unknown:
                raise UsageError(
                    f"{where}: {kind} has unknown key {unknown[0]!r}; "
                    f"allowed: {', '.join(sorted(allowed[kind]))}"
                )
        return cls(kind, spec)

    def describe(self) -> dict[str, Any]:
        return {"all": {}, "where": {"where": self.spec}}.get(self.kind, {self.kind: self.spec})

    def select(self, table: pa.Table, where: str) -> Window:
        """The rows of ``table`` this selection picks."""
        n = table.num_rows
        if self.kind in ("all", "rows"):
            spec = self.spec or {}
            start = _integer(spec.get("start", 0), f"{where}: rows start", 0)
            end = _integer(spec.get("end", n), f"{where}: rows end", 0)
            step = _integer(spec.get("step", 1), f"{where}: rows step", 1)
            if not 0 <= start < end <= n:
                raise UsageError(
                    f"{where}: rows start={start}, end={end} is not a window of the table's {n} rows "
                    f"(0 <= start < end <= {n}; end is exclusive)"
                )
            count = len(range(start, end, step))
            return Window(slice(start, end, step), count, lambda: _ordinal(count))
        if self.kind == "where":
            import polars as pl

            try:
                mask = pl.DataFrame(table).select(pl.sql_expr(self.spec).alias("m")).to_series().to_numpy()
            except Exception as exc:  # polars raises many types for a bad condition
                raise UsageError(
                    f"{where}: where={self.spec!r} is not a valid condition: {exc}".split("\n")[0]
                ) from None
            if mask.dtype != np.bool_:
                raise UsageError(f"{where}: where={self.spec!r} is not a true/false condition")
            return _indexed(np.flatnonzero(mask))
        column = self.spec.get("column")
        if column not in table.column_names:
            raise UsageError(
                f"{where}: {self.kind} column={column!r} is not a column ({', '.join(table.column_names)})"
            )
        values = table.column(column)
        if self.kind == "blocks":
            if "values" in self.spec:
                wanted = self.spec["values"]
                if not isinstance(wanted, list) or not wanted:
                    raise UsageError(f"{where}: blocks values={wanted!r} is not a non-empty list")
                mask = pc.is_in(values, value_set=pa.array(wanted).cast(values.type, safe=False))
            else:
                if "first" not in self.spec or "last" not in self.spec:
                    raise UsageError(f"{where}: blocks needs values, or first and last (both inclusive)")
                mask = pc.and_(
                    pc.greater_equal(values, self.spec["first"]), pc.less_equal(values, self.spec["last"])
                )
            rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            if len(rows) == 0:
                raise UsageError(f"{where}: blocks {self.spec!r} match no row of column {column!r}")
            return _indexed(rows)
        if not pa.types.is_timestamp(values.type) and not pa.types.is_date(values.type):
            raise UsageError(f"{where}: time column={column!r} is {values.type}, not a timestamp column")
        since = _instant(self.spec.get("start"), f"{where}: time start")
        until = _instant(self.spec.get("end"), f"{where}: time end")
        if until <= since:
            raise UsageError(f"{where}: time end={until.isoformat()} is not after start={since.isoformat()}")
        micros = values.cast(pa.timestamp("us")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        epoch = dt.datetime(1970, 1, 1)
        lo, hi = (
            (since - epoch) // dt.timedelta(microseconds=1),
            (until - epoch) // dt.timedelta(microseconds=1),
        )
        rows = np.flatnonzero((micros >= lo) & (micros < hi)).astype(np.int64)
        if len(rows) == 0:
            raise UsageError(f"{where}: time window [{since.isoformat()}, {until.isoformat()}) holds no row")
        return Window(rows, len(rows), lambda: (micros[rows] - lo) / (hi - lo))


def _ordinal(count: int) -> np.ndarray:
    """Positions of ``count`` rows spread evenly from 0 (the first) to 1 (the last)."""
    if count <= 1:
        return np.ones(count)
    return np.arange(count, dtype=np.float64) / (count - 1)
