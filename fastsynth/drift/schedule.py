"""Drift declared in a schema: events that change generated data from a row or a time onwards.

Each event is a drift spec (as for ``inject_drift``: type, columns, parameters, profile) with a schedule
in place of a row selection::

    drift:
      weight_column: _drift_weight        # optional ground truth: each row's largest drift weight
      events:
        - {type: shift, columns: [income], magnitude: 1, start_row: 500000}
        - {type: gaussian_noise, columns: [value], magnitude: 0.5, start_time: "2024-03-01",
           end_time: "2024-03-08", profile: gradual}
        - {type: flip, columns: [active], rate: 0.2, start_row: 0, every_rows: 100000}

- ``start_row`` or ``start_time`` (default row 0) and optionally ``end_row`` or ``end_time``
  (exclusive; ``end_inclusive: true`` puts the end in the window, as calm-data-generator does): the
  event's window; times are read from the schema's time column (``time_column``, the first timestamp
  column unless named).
- Without an end the drift lasts for good; a gradual, incremental or fading profile then needs
  ``transition_rows`` or ``transition_seconds``, over which it completes (a fading drift is then over).
  With an end, the profile spans the window.
- ``every_rows`` or ``every_seconds``: the event recurs; occurrence ``k`` has the window ``[start + k
  every, start + (k + 1) every)``. ``direction: alternate`` (up, down, ...) or ``random`` (up or down
  by a draw per occurrence) apply to shift, add, scale and multiply; other types are drifted in even
  occurrences and as generated in odd ones.

Each event applies to a column as soon as the column is made, before the columns computed from it
(``expr``, ``concept``, ``template``) read it, so they follow their drifted inputs; an event that reads
the whole row (a ``concept`` rule) applies once the batch is made. Weights depend only on a row's index
(or its undrifted time), and every random choice on the row's index, so the drift of a row is the same
whatever the batch it is made in.

Statistics. A drift around or relative to the mean (scale, outliers, shift and noise in ``std`` or
``relative`` units) measures, by default (``reference: window``), the mean and the standard deviation
of each window (each occurrence of a recurring event) over that window's rows as made without drift,
the first 65,536 of them when a window is longer: the same rows whatever the batches, so the drift of
a row does not depend on how the rows are batched. The standard deviation is measured row to row: that
of second differences ``x[i+1] - 2 x[i] + x[i-1]`` (within each entity's series) divided by sqrt 6,
so that a series' trend and seasons do not count as its spread (a linear trend drops out, a season of
period ``p`` counts ``(2 pi / p) ** 2`` of its amplitude), while for independent rows it is the usual
one. A window in
time needs a time column that grows with the rows (a ``time_sequence``); on any other the event falls
back to ``reference: column``, and says so in the log. ``reference: column`` measures them, like
category shares, on a fixed sample: the schema's first 65,536 rows made without drift. The log
(logger ``fastsynth.drift``) says which reference each event uses.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import read_only
from fastsynth.drift.injector import Drift
from fastsynth.drift.operations import OPERATIONS, Context, Operation, kind_of, uses_statistics
from fastsynth.drift.profiles import Profile
from fastsynth.errors import SchemaError, UsageError
from fastsynth.fields.base import Block
from fastsynth.kernels import drift as kd
from fastsynth.specs import Bounds, Invalid, Size, Spec, from_document, options_of

__all__ = [
    "REFERENCE_ROWS",
    "BatchDrift",
    "DriftEvent",
    "DriftSchedule",
    "Undrifted",
    "reference_statistics",
]

REFERENCE_ROWS = 65_536
"""Rows that drift statistics are measured on: a window's first rows (``reference: window``), or the
schema's first rows (``reference: column``, category shares)."""
_LOG = logging.getLogger("fastsynth.drift")
_EPOCH = dt.datetime(1970, 1, 1)


def _types(test: Callable[[Operation], bool]) -> list[str]:
    """The drift types whose operation passes ``test``."""
    return [name for name in OPERATIONS.names() if test(OPERATIONS.get(name))]


def _directed(kind: object) -> bool:
    return isinstance(kind, str) and kind in OPERATIONS and OPERATIONS.get(kind).directed


def _micros(value: Any, where: str) -> int:
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise SchemaError(f"{where}={value!r} is not an ISO date or datetime") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


Positive = Annotated[float, Bounds(0, low_open=True)]
Row = Annotated[int, Bounds(0)]


@dataclass(frozen=True)
class Timing(Spec):
    """When an event applies: its keys in a schema's drift event, beside the drift's own."""

    start_row: Row | None = None
    start_time: str | dt.date | None = None
    end_row: Row | None = None
    """Exclusive, unless ``end_inclusive``."""
    end_time: str | dt.date | None = None
    """Exclusive, unless ``end_inclusive``."""
    end_inclusive: bool = False
    """Whether the end row or instant is in the window (calm-data-generator's convention)."""
    every_rows: Positive | None = None
    every_seconds: Positive | None = None
    transition_rows: Positive | None = None
    transition_seconds: Positive | None = None
    time_column: str | None = None

    @property
    def by_time(self) -> bool:
        return any(
            v is not None
            for v in (self.start_time, self.end_time, self.every_seconds, self.transition_seconds)
        )

    def __post_init__(self) -> None:
        super().__post_init__()
        by_rows = (self.start_row, self.end_row, self.every_rows, self.transition_rows)
        if self.by_time and any(v is not None for v in by_rows):
            raise Invalid("give its schedule in rows or in time, not both")
        if self.end_inclusive and self.end_row is None and self.end_time is None:
            raise Invalid("end_inclusive=True needs end_row or end_time")


_TIMING_KEYS = frozenset(options_of(Timing))


@dataclass(frozen=True)
class DriftEvent:
    """One scheduled drift: its spec and when it applies (rows, or microseconds of the time column)."""

    spec: dict[str, Any]
    profile: Profile
    by_time: bool
    start: float
    end: float
    every: float | None
    transition: float | None
    time_column: str | None
    where: str
    closed: bool = False
    """Whether the window's end row or instant is in it (``end`` is then one row, or one microsecond,
    past it)."""

    @classmethod
    def from_spec(cls, spec: Any, index: int) -> DriftEvent:
        where = f"schema: drift event {index}"
        if not isinstance(spec, dict):
            raise SchemaError(f"{where}: {spec!r} is not an object with a 'type'")
        kind = spec.get("type")
        if isinstance(kind, str) and kind in OPERATIONS and not OPERATIONS.get(kind).batchwise:
            raise SchemaError(
                f"{where}: type={kind!r} needs the whole table; allowed in schemas: "
                f"{', '.join(_types(lambda o: o.batchwise))} "
                "(use `fastsynth drift inject` on the output for it)"
            )
        for key in ("rows", "blocks", "time", "where"):
            if key in spec:
                raise SchemaError(
                    f"{where}: {key!r} selects rows of a table; events use start_row/start_time"
                )
        if "propagate" in spec:  # columns computed from the drifted one follow it by themselves
            raise SchemaError(
                f"{where}: 'propagate' is for `inject_drift` on a table; in a schema, columns made from a "
                "drifted column (expr, concept) follow it"
            )
        drift_spec = {k: v for k, v in spec.items() if k not in _TIMING_KEYS}
        try:
            drift = Drift.from_spec(drift_spec, index)
        except UsageError as exc:
            raise SchemaError(f"{where}: {str(exc).split(': ', 1)[1]}") from None
        timing = from_document(Timing, {k: v for k, v in spec.items() if k in _TIMING_KEYS}, where=where)
        by_time = timing.by_time
        unit = "time" if by_time else "row"
        if by_time:
            start = (
                -math.inf
                if timing.start_time is None
                else float(_micros(timing.start_time, f"{where}: start_time"))
            )
            end = (
                math.inf if timing.end_time is None else float(_micros(timing.end_time, f"{where}: end_time"))
            )
            end += 1 if timing.end_inclusive else 0  # times are read in whole microseconds
            every = None if timing.every_seconds is None else timing.every_seconds * 1e6
            transition = None if timing.transition_seconds is None else timing.transition_seconds * 1e6
        else:
            start = float(timing.start_row or 0)
            end = math.inf if timing.end_row is None else float(timing.end_row + timing.end_inclusive)
            every, transition = timing.every_rows, timing.transition_rows
        if end <= start:
            raise SchemaError(f"{where}: the end ({unit}) is not after the start")
        if (
            every is None
            and math.isinf(end)
            and drift.profile.type in ("gradual", "incremental", "fading")
            and transition is None
        ):
            raise SchemaError(
                f"{where}: a {drift.profile.type} drift without an end needs "
                f"transition_{'seconds' if by_time else 'rows'}"
            )
        if every is None and math.isinf(end) and drift.profile.type == "recurrent":
            raise SchemaError(f"{where}: a recurrent drift needs an end (its episodes share the window)")
        if by_time and math.isinf(start) and every is not None:
            raise SchemaError(f"{where}: every_seconds needs start_time")
        direction = spec.get("direction", "up")
        if direction in ("alternate", "random"):
            if every is None or not _directed(kind):
                raise SchemaError(
                    f"{where}: direction={direction!r} needs every_rows/every_seconds and a "
                    f"{', '.join(_types(lambda o: o.directed))} drift"
                )
            drift_spec = {**drift_spec, "direction": "up"}
        time_column = timing.time_column
        return cls(
            {**drift_spec, "direction": direction} if _directed(kind) else drift_spec,
            drift.profile,
            by_time,
            start,
            end,
            every,
            transition,
            time_column,
            where,
            timing.end_inclusive,
        )

    def to_dict(self) -> dict[str, Any]:
        document = dict(self.spec)
        if self.by_time:

            def iso(micros: float) -> str:
                return (_EPOCH + dt.timedelta(microseconds=micros)).isoformat()

            if not math.isinf(self.start):
                document["start_time"] = iso(self.start)
            if not math.isinf(self.end):
                document["end_time"] = iso(self.end - self.closed)
                if self.closed:
                    document["end_inclusive"] = True
            if self.every is not None:
                document["every_seconds"] = self.every / 1e6
            if self.transition is not None:
                document["transition_seconds"] = self.transition / 1e6
            if self.time_column is not None:
                document["time_column"] = self.time_column
        else:
            document["start_row"] = int(self.start)
            if not math.isinf(self.end):
                document["end_row"] = int(self.end) - self.closed
                if self.closed:
                    document["end_inclusive"] = True
            if self.every is not None:
                document["every_rows"] = int(self.every)
            if self.transition is not None:
                document["transition_rows"] = int(self.transition)
        return document

    def _occurrences(self, at: np.ndarray, origin: float) -> np.ndarray:
        """The occurrence number of each position of a recurring event. A closed window's end row or
        instant, when it falls on an occurrence's start, ends the occurrence before it instead."""
        assert self.every is not None
        occurrence = np.floor((at - origin) / self.every)
        end = self.end - 1
        if self.closed and (end - origin) % self.every == 0:
            occurrence[at == end] -= 1
        return occurrence

    def window_of(self, at: np.ndarray) -> np.ndarray:
        """The occurrence (window) each of the rows at ``at`` is in, -1 where the event does not apply."""
        inside = (at >= self.start) & (at < self.end)
        if self.every is None:
            return np.where(inside, 0, -1)
        origin = 0.0 if math.isinf(self.start) else self.start
        occurrence = self._occurrences(at, origin)
        if not _directed(self.spec["type"]):
            inside &= occurrence % 2 == 0
        return np.where(inside, occurrence, -1).astype(np.int64)

    def bounds(self, occurrence: int) -> tuple[float, float]:
        """[first, end) of an occurrence's window, in rows or microseconds."""
        if self.every is None:
            return self.start, self.end
        origin = 0.0 if math.isinf(self.start) else self.start
        first = origin + occurrence * self.every
        last = first + self.every
        return first, self.end if self.closed and last == self.end - 1 else min(last, self.end)

    def weights(self, at: np.ndarray, draws: Block) -> tuple[np.ndarray, np.ndarray]:
        """(weight, direction sign) of rows at positions ``at`` (row indices or time in microseconds)."""
        inside = (at >= self.start) & (at < self.end)
        origin = 0.0 if math.isinf(self.start) else self.start
        sign = np.ones(len(at))
        if self.every is not None:
            occurrence = self._occurrences(at, origin)
            window_start = origin + occurrence * self.every
            span = np.minimum(self.every, self.end - window_start)
            direction = self.spec.get("direction", "up")
            if direction == "alternate":
                sign = np.where(occurrence % 2 == 0, 1.0, -1.0)
            elif direction == "random":
                sign = np.where(_occurrence_draws(draws.seed, draws.name, occurrence) < 0.5, 1.0, -1.0)
            elif not _directed(self.spec["type"]):
                inside &= occurrence % 2 == 0
        else:
            window_start = np.full(len(at), origin)
            span = np.full(len(at), self.end - origin)
        if self.transition is not None:
            span = np.full(len(at), self.transition)
        # The last row, or a closed window's end instant, is at position 1.
        last = 1 if self.closed or not self.by_time else 0
        positions = np.clip((at - window_start) / np.maximum(span - last, 1e-300), 0, 1)
        weights = np.zeros(len(at))
        if inside.any():
            mixing = draws.uniform(salt="profile")[inside] if self.profile.type == "gradual" else None
            weights[inside] = self.profile.weights(positions[inside], mixing)
        return weights, sign


def _occurrence_draws(seed: int, event: str, occurrence: np.ndarray) -> np.ndarray:
    """A uniform draw per occurrence number of one event (the same for every row of the occurrence):
    draw ``k`` of a stream of its own. A batch's occurrences are one run of numbers (rows, or times
    that grow with them), drawn at once; scattered over a far wider range (a time column in no
    order), each distinct one is drawn alone."""
    values = np.zeros(len(occurrence))
    present = occurrence >= 0
    if not present.any():
        return values
    name = f"{event}\x00direction"
    first, last = int(occurrence[present].min()), int(occurrence[present].max())
    if last - first <= 2 * len(occurrence) + 1024:
        draws = Block(name, seed, first, last - first + 1).uniform()
        values[present] = draws[occurrence[present].astype(np.int64) - first]
        return values
    for value in np.unique(occurrence[present]):
        values[occurrence == value] = Block(name, seed, int(value), 1).uniform()[0]
    return values


def _spread(values: np.ndarray, groups: np.ndarray | None) -> float:
    """Standard deviation row to row: that of second differences ``x[i+1] - 2 x[i] + x[i-1]`` (of one
    entity's rows when ``groups`` gives each row's entity) divided by sqrt 6, which for independent rows
    is the usual one, while a linear trend drops out and a season of period ``p`` counts only ``(2 pi /
    p) ** 2`` of its amplitude; with 3 rows, that of first differences over sqrt 2; 0 with fewer."""
    if groups is not None:
        order = np.argsort(groups, kind="stable")
        values, groups = values[order], groups[order]
    for order_, scale in ((2, math.sqrt(6)), (1, math.sqrt(2))):
        steps = np.diff(values, order_)
        if groups is not None:
            same = groups[order_:] == groups[:-order_]
            if order_ == 2:
                same &= groups[1:-1] == groups[:-2]
            steps = steps[same]
        if len(steps) > 1:
            return float(np.std(steps, ddof=1) / scale)
    return 0.0


def _moments(column: pa.Array, groups: np.ndarray | None) -> tuple[float, float]:
    """(mean, row-to-row std) of a numeric column's non-null values."""
    values = column.to_numpy(zero_copy_only=False).astype(np.float64)
    if column.null_count:
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        values, groups = values[valid], None if groups is None else groups[valid]
    return (float(values.mean()) if len(values) else 0.0), _spread(values, groups)


def _validity_mask(column: pa.Array) -> np.ndarray:
    """Each row's validity, or an empty array when every row is valid."""
    if column.null_count == 0:
        return np.zeros(0, np.bool_)
    return np.ascontiguousarray(column.is_valid().to_numpy(zero_copy_only=False))


def _groups(sample: pa.RecordBatch, group_column: str | None) -> np.ndarray | None:
    if group_column is None or group_column not in sample.schema.names:
        return None
    return sample.column(group_column).to_numpy(zero_copy_only=False)


def reference_statistics(sample: pa.RecordBatch, group_column: str | None = None) -> dict[str, Any]:
    """Per column of ``sample`` (rows made without drift): (mean, std) of a numeric column, the std
    measured row to row (within each entity, ``group_column`` naming each row's entity), and the value
    shares of a category or boolean column."""
    statistics: dict[str, Any] = {}
    groups = _groups(sample, group_column)
    for name in sample.schema.names:
        column = sample.column(name)
        kind = kind_of(column.type)
        if kind == "numeric":
            # Spread row to row: a series' trend and seasons are not its spread.
            statistics[name] = _moments(column, groups)
        elif kind == "category":
            counts = column.drop_null().value_counts().to_pylist()
            total = sum(c["counts"] for c in counts) or 1
            statistics[name] = {c["values"]: c["counts"] / total for c in counts}
    return statistics


@dataclass(frozen=True)
class Undrifted:
    """How a schedule reads a schema's rows as made without drift, for window statistics."""

    rows: Callable[[int, int], pa.RecordBatch]
    """Rows ``[first, first + size)`` without drift."""
    times: Callable[[str, int, int], np.ndarray]
    """A timestamp column's values (microseconds) at rows ``[first, first + size)``."""
    ordered: Callable[[str], bool]
    """Whether a timestamp column never decreases from row to row (so a time window is a row range)."""
    remember: Callable[[Hashable, Callable[[], Any]], Any]
    """The value kept under a key, made by the callable the first time (a cache of the run)."""
    capacity: int | None = None
    """How many rows the schema makes (None: no end)."""
    group_column: str | None = None
    """The column naming each row's entity, whose series the row-to-row spread follows."""


@dataclass(frozen=True)
class _Document(Spec):
    """A schema's ``drift`` object (each event is parsed by ``DriftEvent.from_spec``)."""

    events: Annotated[tuple[Any, ...], Size("drift", "length")]
    """Each event measures its windows and weighs every batch's rows: 1,000 took 5 s a batch."""
    weight_column: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.events:
            raise Invalid("events=[] is not a non-empty list")
        if self.weight_column == "":
            raise Invalid("weight_column='' is not a column name")


@dataclass(frozen=True)
class DriftSchedule:
    """The drift events of a schema, applied to each batch as it is made."""

    events: tuple[DriftEvent, ...]
    weight_column: str | None = None
    _told: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False, compare=False)

    def _tell(self, where: str, message: str) -> None:
        """Log a choice once per schedule (not once per batch)."""
        if (where, message) not in self._told:
            self._told.add((where, message))
            _LOG.info("%s: %s", where, message)

    @classmethod
    def from_dict(cls, document: Any) -> DriftSchedule:
        if isinstance(document, list):
            document = {"events": document}
        if not isinstance(document, dict):
            raise SchemaError(f"schema: drift={document!r} is not a list of events or an object with events")
        top = from_document(_Document, document, where="schema: drift")
        events = tuple(DriftEvent.from_spec(e, i) for i, e in enumerate(top.events))
        return cls(events, top.weight_column)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"events": [e.to_dict() for e in self.events]}
        if self.weight_column is not None:
            document["weight_column"] = self.weight_column
        return document

    def check(self, arrow_schema: pa.Schema) -> None:
        """Refuse events on missing or unsuitable columns when the schema is built."""
        for event in self.events:
            operation = OPERATIONS.get(event.spec["type"])
            columns = event.spec.get("columns", [event.spec.get("column")])
            for name in [columns] if isinstance(columns, str) else columns:
                if name not in arrow_schema.names:
                    raise SchemaError(f"{event.where}: column {name!r} is not in the schema")
                column_type = arrow_schema.field(name).type
                if kind_of(column_type) not in operation.kinds:
                    raise SchemaError(
                        f"{event.where}: column {name!r} is {column_type}; "
                        f"{event.spec['type']} needs a {' or '.join(operation.kinds)} column"
                    )
                if operation.stable_categories and not pa.types.is_dictionary(column_type):
                    # A batch's own string dictionary changes from batch to batch; a category column's
                    # does not, which keeps each row's new category the same whatever the batches.
                    raise SchemaError(
                        f"{event.where}: column {name!r} is plain text; {event.spec['type']} while "
                        "generating needs a category column (type category)"
                    )
            if event.by_time:
                column = self.time_column(event, arrow_schema)
                if column is None:
                    raise SchemaError(f"{event.where}: a schedule in time needs a timestamp column")
        if self.weight_column is not None and self.weight_column in arrow_schema.names:
            raise SchemaError(f"schema: drift weight_column={self.weight_column!r} is already a column")

    @staticmethod
    def time_column(event: DriftEvent, arrow_schema: pa.Schema) -> str | None:
        if event.time_column is not None:
            found = arrow_schema.names.count(event.time_column)
            return (
                event.time_column
                if found and pa.types.is_timestamp(arrow_schema.field(event.time_column).type)
                else None
            )
        return next((f.name for f in arrow_schema if pa.types.is_timestamp(f.type)), None)

    def weight_field(self) -> pa.Field | None:
        return None if self.weight_column is None else pa.field(self.weight_column, pa.float32(), False)

    def started(self, rows: int, latest: pa.RecordBatch) -> int:
        """How many event occurrences have begun once ``rows`` rows are out, ``latest`` the last batch
        (whose time column places time-scheduled events): the engine's drift_events metric."""
        count = 0
        for event in self.events:
            if event.by_time:
                column = self.time_column(event, latest.schema)
                if column is None or latest.num_rows == 0:
                    continue
                last = latest.column(column).cast(pa.timestamp("us"), safe=False).cast(pa.int64())[-1]
                at = float(last.as_py())
            else:
                at = float(rows - 1)
            origin = 0.0 if math.isinf(event.start) else event.start
            if at < origin:
                continue
            reached = min(at, event.end - 1e-9)
            count += 1 if event.every is None else int((reached - origin) // event.every) + 1
        return count

    def declared_type(self, name: str, made: pa.DataType) -> pa.DataType:
        """The type column ``name`` has in batches: a category column whose events can add values (typos,
        a new category) takes 32-bit codes, since those can pass the 127 or 32,767 values its field's
        own codes hold, and its type must be the same in every batch."""
        if pa.types.is_dictionary(made) and name in self.growing:
            return pa.dictionary(pa.int32(), made.value_type, made.ordered)
        return made

    @cached_property
    def growing(self) -> frozenset[str]:
        """The columns an event may give values their fields do not make."""
        return frozenset(
            name
            for event in self.events
            if OPERATIONS.get(event.spec["type"]).adds_values
            for name in _columns_of(event.spec)
        )

    @cached_property
    def plan(self) -> tuple[dict[str, tuple[int, ...]], tuple[tuple[int, tuple[str, ...]], ...]]:
        """(the events each column takes as soon as it is made, in order; the (event, columns) taken
        once the whole batch is made, in order). An event that reads more than its own columns (a rule
        over the row) waits for the whole batch, and so do the later events on its columns: each column
        takes its events in the declared order."""
        early: dict[str, list[int]] = {}
        late: list[tuple[int, tuple[str, ...]]] = []
        waiting: set[str] = set()
        for index, event in enumerate(self.events):
            names = _columns_of(event.spec)
            if OPERATIONS.get(event.spec["type"]).reads_table:
                waiting.update(names)
            for name in names:
                if name not in waiting:
                    early.setdefault(name, []).append(index)
            later = tuple(name for name in names if name in waiting)
            if later:
                late.append((index, later))
        return {name: tuple(indices) for name, indices in early.items()}, tuple(late)

    def apply(
        self,
        batch: pa.RecordBatch,
        seed: int,
        start: int,
        reference: Callable[[], Mapping[str, Any]],
        undrifted: Undrifted | None = None,
    ) -> pa.RecordBatch:
        """The batch of rows ``[start, start + n)`` with every event applied, column by column in the
        batch's order; ``reference`` gives the ``reference_statistics`` of the schema (called only when
        an event needs them), ``undrifted`` the rows without drift that window statistics are measured
        on (without it, events measure against ``reference``). Columns computed from others are taken
        as they are: generation drifts a column before the columns that read it are made
        (``BatchDrift``)."""

        def missing(name: str) -> pa.Array:
            raise SchemaError(f"schema: drift needs column {name!r}, which the batch lacks")

        drift = BatchDrift(self, seed, start, batch.num_rows, reference, batch.schema, missing, undrifted)
        drift.made.update(zip(batch.schema.names, batch.columns, strict=True))
        arrays = [drift.ready(name, batch.column(name)) for name in batch.schema.names]
        return drift.finish(pa.RecordBatch.from_arrays(arrays, schema=batch.schema))


def _columns_of(spec: Mapping[str, Any]) -> tuple[str, ...]:
    names = spec.get("columns", [spec.get("column")])
    return (names,) if isinstance(names, str) else tuple(names)


class BatchDrift:
    """A schedule's events over the rows of one batch, applied while the batch is made: ``ready``
    drifts each column as soon as it is made, so the columns computed from it (``expr``, ``concept``)
    read it drifted and a covariate shift stays one; ``finish`` applies what waits for the whole batch
    and adds the weight column. Weights depend on row indices or on the undrifted time column only,
    so a row's drift is the same whatever the batch, and whatever order the columns are made in.
    ``column(name)`` makes a column of the batch (through ``ready``) when a time schedule needs it
    first; ``undrifted`` gives the rows without drift that window statistics are measured on (without
    it, events measure against ``reference``)."""

    def __init__(
        self,
        schedule: DriftSchedule,
        seed: int,
        start: int,
        size: int,
        reference: Callable[[], Mapping[str, Any]],
        arrow_schema: pa.Schema,
        column: Callable[[str], pa.Array],
        undrifted: Undrifted | None = None,
    ) -> None:
        self.schedule = schedule
        self.seed = seed
        self.start = start
        self.size = size
        self.reference = reference
        self.arrow_schema = arrow_schema
        self.column = column
        self.undrifted = undrifted
        self.made: dict[str, pa.Array] = {}
        """Columns as made, before drift: what time schedules read."""
        self._positions: dict[int, tuple[np.ndarray, str | None]] = {}
        self._weights: dict[int, tuple[np.ndarray, np.ndarray, Block]] = {}
        self._statistics: dict[int, tuple[Mapping[str, Any], _WindowStatistics | None]] = {}
        self._timing: set[int] = set()

    def positions(self, index: int) -> tuple[np.ndarray, str | None]:
        """(position of each of the batch's rows: its index, or its undrifted time in microseconds;
        the time column read, or None) for event ``index``."""
        if index not in self._positions:
            event = self.schedule.events[index]
            at = np.arange(self.start, self.start + self.size, dtype=np.float64)
            name = None
            if event.by_time:
                name = self.schedule.time_column(event, self.arrow_schema)
                assert name is not None  # checked with the schema
                if name not in self.made:
                    if index in self._timing:  # the time column reads a column the event drifts
                        raise SchemaError(
                            f"{event.where}: time column {name!r} is computed from a column the event "
                            "drifts; schedule the event in rows or on another time column"
                        )
                    self._timing.add(index)
                    try:
                        self.column(name)
                    finally:
                        self._timing.discard(index)
                times = self.made[name].cast(pa.timestamp("us"), safe=False).cast(pa.int64())
                at = times.to_numpy(zero_copy_only=False).astype(np.float64)
            self._positions[index] = (at, name)
        return self._positions[index]

    def weights(self, index: int) -> tuple[np.ndarray, np.ndarray, Block]:
        """(weight, direction sign, draws) of event ``index`` over the batch's rows."""
        if index not in self._weights:
            at = self.positions(index)[0]
            draws = Block(f"\x00drift-event{index}", self.seed, self.start, self.size)
            self._weights[index] = (*self.schedule.events[index].weights(at, draws), draws)
        return self._weights[index]

    def statistics(self, index: int) -> tuple[Mapping[str, Any], _WindowStatistics | None]:
        """(the spec event ``index`` applies with, its window statistics or None): an event around the
        mean measures each window's rows made without drift (``reference: window``), or falls back to
        ``reference: column`` when those rows are not at hand or its time column does not grow."""
        if index not in self._statistics:
            event = self.schedule.events[index]
            window = None
            spec = event.spec
            if uses_statistics(event.spec) and event.spec.get("reference", "window") == "window":
                at, time_column = self.positions(index)
                why = None
                if self.undrifted is None:
                    why = "rows without drift are not at hand"
                elif time_column is not None and not self.undrifted.ordered(time_column):
                    why = f"its time column {time_column!r} does not grow with the rows"
                if why is None:
                    assert self.undrifted is not None
                    names = list(_columns_of(event.spec))
                    window = _WindowStatistics(
                        event, index, self.seed, self.start, at, names, self.undrifted, time_column
                    )
                    self.schedule._tell(
                        event.where, "mean and std over each window's rows (reference: window)"
                    )
                else:
                    spec = {**event.spec, "reference": "column"}
                    self.schedule._tell(
                        event.where,
                        f"mean and std of the column's reference sample (reference: column): {why}",
                    )
            elif uses_statistics(event.spec):
                self.schedule._tell(
                    event.where, "mean and std of the column's reference sample (reference: column)"
                )
            self._statistics[index] = (spec, window)
        return self._statistics[index]

    def ready(self, name: str, array: pa.Array) -> pa.Array:
        """Column ``name`` as made, with the events it takes before the columns that read it."""
        declared = self.arrow_schema.field(name).type
        if array.type != declared:
            array = array.cast(declared)
        self.made[name] = array
        indices = self.schedule.plan[0].get(name, ())
        if not indices:
            return array
        table = pa.table({name: array})
        for index in indices:
            table = self._drift(index, table, (name,))
        drifted = table.column(0)
        return drifted.chunk(0) if drifted.num_chunks == 1 else drifted.combine_chunks()

    def finish(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The made batch with the events that wait for the whole batch, and the weight column."""
        late = self.schedule.plan[1]
        if late:
            table = pa.Table.from_batches([batch])
            for index, names in late:
                table = self._drift(index, table, names)
            columns = [column.combine_chunks() for column in table.columns]
            batch = pa.RecordBatch.from_arrays(columns, schema=table.schema)
        if self.schedule.weight_column is not None:
            most = np.zeros(self.size)
            for index in range(len(self.schedule.events)):
                np.maximum(most, self.weights(index)[0], out=most)
            batch = batch.append_column(self.schedule.weight_field(), pa.array(most.astype(np.float32)))
        return batch

    def _drift(self, index: int, table: pa.Table, names: tuple[str, ...]) -> pa.Table:
        """``table`` with event ``index`` applied to its columns ``names``."""
        weights, sign, draws = self.weights(index)
        if not weights.any():
            return table
        event = self.schedule.events[index]
        operation = OPERATIONS.get(event.spec["type"])
        event_spec, window = self.statistics(index)
        for direction, chosen in ((1.0, sign > 0), (-1.0, sign < 0)):
            part = np.where(chosen, weights, 0.0)
            if not part.any():
                continue
            spec = dict(event_spec)
            if operation.directed:  # the occurrence's sign turns the declared direction
                declared = -1.0 if spec.get("direction") == "down" else 1.0
                spec["direction"] = "up" if direction * declared > 0 else "down"
            window_of = None if window is None else window.of
            ctx = Context(table, part, spec, event.where, draws, self.reference, window=window_of)
            for name in names:
                position = table.column_names.index(name)
                table = table.set_column(position, table.schema.field(name), operation.apply(ctx, name))  # type: ignore[arg-type]
                ctx.table = table
        return table


class _WindowStatistics:
    """Per row of a batch, the (mean, std) of its window: each occurrence of the event measured over
    its own first ``REFERENCE_ROWS`` rows made without drift. An occurrence that lies inside the batch
    is measured on the batch's rows made again without drift; one that reaches past the batch (it holds
    the batch's first or last row) is found by searching rows (the time column grows with them) and
    kept in the run, so every batch sees the same numbers."""

    def __init__(
        self,
        event: DriftEvent,
        index: int,
        seed: int,
        start: int,
        at: np.ndarray,
        names: list[str],
        undrifted: Undrifted,
        time_column: str | None,
    ) -> None:
        self.event, self.index, self.seed, self.start = event, index, seed, start
        self.names, self.undrifted, self.time_column = names, undrifted, time_column
        self.occurrence = event.window_of(at)
        self._made: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    def of(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if self._made is None:
            self._made = self._make()
        return self._made[name]

    def _make(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        n = len(self.occurrence)
        made = {name: (np.zeros(n), np.zeros(n)) for name in self.names}
        if n == 0:
            return made
        # The runs of rows of one occurrence (a window is a run of rows: rows, or times that grow).
        cuts = np.flatnonzero(np.diff(self.occurrence)) + 1
        starts = np.concatenate([[0], cuts]).astype(np.int64)
        ends = np.concatenate([cuts, [n]]).astype(np.int64)
        which = self.occurrence[starts]
        keep = which >= 0
        starts, ends, which = starts[keep], ends[keep], which[keep]
        edge = (starts == 0) | (ends == n)
        per_run = {name: (np.zeros(len(starts)), np.zeros(len(starts))) for name in self.names}
        inner = np.flatnonzero(~edge)
        if len(inner):  # wholly inside the batch: measured on the batch's rows made without drift
            rows = self.undrifted.rows(self.start, n)
            first = starts[inner]
            measured = self._measure(rows, first, np.minimum(ends[inner], first + REFERENCE_ROWS))
            for name in self.names:
                per_run[name][0][inner], per_run[name][1][inner] = measured[name]
        for j in np.flatnonzero(edge).tolist():  # reaching past the batch: measured once, kept
            k, anchor = int(which[j]), self.start + int(starts[j])
            measured = self.undrifted.remember(
                ("drift window", self.seed, self.index, k), functools.partial(self._occurrence, k, anchor)
            )
            for name in self.names:
                per_run[name][0][j], per_run[name][1][j] = measured[name][0][0], measured[name][1][0]
        at = np.flatnonzero(self.occurrence >= 0)  # the runs' rows, in order
        lengths = ends - starts
        for name in self.names:
            made[name][0][at] = np.repeat(per_run[name][0], lengths)
            made[name][1][at] = np.repeat(per_run[name][1], lengths)
        return made

    def _measure(
        self, sample: pa.RecordBatch, starts: np.ndarray, ends: np.ndarray
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(means, spreads) of each run ``[starts[j], ends[j])`` of ``sample``, per column: the same
        numbers for a run whatever else is measured with it."""
        groups = _groups(sample, self.undrifted.group_column)
        measured = {}
        for name in self.names:
            column = sample.column(name)
            means, spreads = np.zeros(len(starts)), np.zeros(len(starts))
            if groups is None:
                values = (column if column.null_count == 0 else column.fill_null(0)).to_numpy(
                    zero_copy_only=False
                )
                valid = _validity_mask(column)
                kd.window_moments(read_only(values), valid, starts, ends, means, spreads)
            else:  # each entity's series on its own
                values = (column if column.null_count == 0 else column.fill_null(0)).to_numpy(
                    zero_copy_only=False
                )
                owners = groups if groups.dtype.kind in "iu" else np.unique(groups, return_inverse=True)[1]
                kd.window_moments_grouped(
                    read_only(values.astype(np.float64, copy=False)),
                    _validity_mask(column),
                    read_only(np.ascontiguousarray(owners, np.int64)),
                    starts,
                    ends,
                    means,
                    spreads,
                )
            measured[name] = (means, spreads)
        return measured

    def _occurrence(self, k: int, anchor: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The statistics of occurrence ``k``, whose rows include ``anchor``."""
        low, high = self.event.bounds(k)
        limit = self.undrifted.capacity
        if self.time_column is None:
            first = max(0, math.ceil(low))
            end = math.ceil(high) if math.isfinite(high) else first + REFERENCE_ROWS
        else:
            first = self._search(low, anchor, backwards=True)
            end = self._search(high, anchor, backwards=False, stop=first + REFERENCE_ROWS)
        end = min(end, first + REFERENCE_ROWS, limit if limit is not None else end)
        size = max(end - first, 0)
        return self._measure(self.undrifted.rows(first, size), np.zeros(1, np.int64), np.full(1, size))

    def _search(self, moment: float, anchor: int, *, backwards: bool, stop: int = 0) -> int:
        """The first row whose time is at least ``moment``: at or before ``anchor`` (whose time is at
        least ``moment``) when searching backwards, after it (up to ``stop``) when forwards."""
        assert self.time_column is not None
        column = self.time_column

        def reached(row: int) -> bool:
            return bool(self.undrifted.times(column, row, 1)[0] >= moment)

        if math.isinf(moment):
            return 0 if moment < 0 else stop
        limit = self.undrifted.capacity
        if backwards:  # gallop back to a row before the moment, then bisect
            high, step = anchor, 1
            low = anchor - step
            while low >= 0 and reached(low):
                high, step = low, step * 2
                low = anchor - step
            low = max(low, -1)
        else:
            low, step = anchor, 1
            high = anchor + step
            while high < stop and (limit is None or high < limit) and not reached(high):
                low, step = high, step * 2
                high = anchor + step
            high = min(high, stop, limit if limit is not None else high)
        while high - low > 1:  # reached(high) or high is a bound; not reached(low) or low = -1
            middle = (low + high) // 2
            if reached(middle):
                high = middle
            else:
                low = middle
        return high
