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
  (exclusive): the event's window; times are read from the schema's time column (``time_column``, the
  first timestamp column unless named).
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
whatever the batch it is made in. Numeric statistics and category shares
come from a fixed sample of the schema's first 65,536 rows; a standard deviation there is measured row
to row (that of consecutive differences, divided by sqrt 2), so a series' trend and seasons do not count
as its spread, while for independent rows it is the usual one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.drift.injector import Drift
from fastsynth.drift.operations import OPERATIONS, Context, Operation, kind_of
from fastsynth.drift.profiles import Profile
from fastsynth.errors import SchemaError, UsageError
from fastsynth.fields.base import Block
from fastsynth.specs import Bounds, Invalid, Spec, from_document, options_of

__all__ = ["REFERENCE_ROWS", "BatchDrift", "DriftEvent", "DriftSchedule", "reference_statistics"]

REFERENCE_ROWS = 65_536
"""Rows from the start of a schema that drift statistics (means, spreads, shares) are measured on."""
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
    """Exclusive."""
    end_time: str | dt.date | None = None
    """Exclusive."""
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
            every = None if timing.every_seconds is None else timing.every_seconds * 1e6
            transition = None if timing.transition_seconds is None else timing.transition_seconds * 1e6
        else:
            start = float(timing.start_row or 0)
            end = math.inf if timing.end_row is None else float(timing.end_row)
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
        )

    def to_dict(self) -> dict[str, Any]:
        document = dict(self.spec)
        if self.by_time:

            def iso(micros: float) -> str:
                return (_EPOCH + dt.timedelta(microseconds=micros)).isoformat()

            if not math.isinf(self.start):
                document["start_time"] = iso(self.start)
            if not math.isinf(self.end):
                document["end_time"] = iso(self.end)
            if self.every is not None:
                document["every_seconds"] = self.every / 1e6
            if self.transition is not None:
                document["transition_seconds"] = self.transition / 1e6
            if self.time_column is not None:
                document["time_column"] = self.time_column
        else:
            document["start_row"] = int(self.start)
            if not math.isinf(self.end):
                document["end_row"] = int(self.end)
            if self.every is not None:
                document["every_rows"] = int(self.every)
            if self.transition is not None:
                document["transition_rows"] = int(self.transition)
        return document

    def weights(self, at: np.ndarray, draws: Block) -> tuple[np.ndarray, np.ndarray]:
        """(weight, direction sign) of rows at positions ``at`` (row indices or time in microseconds)."""
        inside = (at >= self.start) & (at < self.end)
        origin = np.where(np.isinf(self.start), 0.0, self.start)
        sign = np.ones(len(at))
        if self.every is not None:
            occurrence = np.floor((at - origin) / self.every)
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
        positions = np.clip((at - window_start) / np.maximum(span - (0 if self.by_time else 1), 1e-300), 0, 1)
        weights = np.zeros(len(at))
        if inside.any():
            mixing = draws.uniform(salt="profile")[inside] if self.profile.type == "gradual" else None
            weights[inside] = self.profile.weights(positions[inside], mixing)
        return weights, sign


def _occurrence_draws(seed: int, event: str, occurrence: np.ndarray) -> np.ndarray:
    """A uniform draw per occurrence number of one event (the same for every row of the occurrence)."""
    values = np.zeros(len(occurrence))
    for value in np.unique(occurrence[occurrence >= 0]):  # a handful per batch
        values[occurrence == value] = Block(f"{event}\x00direction", seed, int(value), 1).uniform()[0]
    return values


def reference_statistics(sample: pa.RecordBatch) -> dict[str, Any]:
    """Per column of ``sample`` (rows made without drift): (mean, std) of a numeric column, the std
    measured row to row, and the value shares of a category or boolean column."""
    statistics: dict[str, Any] = {}
    for name in sample.schema.names:
        column = sample.column(name)
        kind = kind_of(column.type)
        if kind == "numeric":
            values = column.drop_null().to_numpy().astype(np.float64)
            # Spread row to row: a series' trend and seasons are not its spread.
            spread = float(np.std(np.diff(values)) / math.sqrt(2)) if len(values) > 2 else 0.0
            statistics[name] = (float(values.mean()) if len(values) else 0.0, spread)
        elif kind == "category":
            counts = column.drop_null().value_counts().to_pylist()
            total = sum(c["counts"] for c in counts) or 1
            statistics[name] = {c["values"]: c["counts"] / total for c in counts}
    return statistics


@dataclass(frozen=True)
class _Document(Spec):
    """A schema's ``drift`` object (each event is parsed by ``DriftEvent.from_spec``)."""

    events: tuple[Any, ...]
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
                at = float(latest.column(column).cast(pa.timestamp("us")).cast(pa.int64())[-1].as_py())
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

    def for_batch(
        self,
        seed: int,
        start: int,
        size: int,
        reference: Callable[[], Mapping[str, Any]],
        arrow_schema: pa.Schema,
        column: Callable[[str], pa.Array],
    ) -> BatchDrift:
        """The events over rows ``[start, start + size)`` of one batch being made: ``column(name)``
        makes a column of it (through ``BatchDrift.ready``) when a time schedule needs it first."""
        return BatchDrift(self, seed, start, size, reference, arrow_schema, column)

    def apply(
        self, batch: pa.RecordBatch, seed: int, start: int, reference: Callable[[], Mapping[str, Any]]
    ) -> pa.RecordBatch:
        """The batch of rows ``[start, start + n)`` with every event applied, column by column in the
        batch's order; ``reference`` gives the ``reference_statistics`` of the schema (called only when
        an event needs them). Columns computed from others are taken as they are: generation drifts a
        column before the columns that read it are made (``for_batch``)."""

        def missing(name: str) -> pa.Array:
            raise SchemaError(f"schema: drift needs column {name!r}, which the batch lacks")

        drift = self.for_batch(seed, start, batch.num_rows, reference, batch.schema, missing)
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
    so a row's drift is the same whatever the batch, and whatever order the columns are made in."""

    def __init__(
        self,
        schedule: DriftSchedule,
        seed: int,
        start: int,
        size: int,
        reference: Callable[[], Mapping[str, Any]],
        arrow_schema: pa.Schema,
        column: Callable[[str], pa.Array],
    ) -> None:
        self.schedule = schedule
        self.seed = seed
        self.start = start
        self.size = size
        self.reference = reference
        self.arrow_schema = arrow_schema
        self.column = column
        self.made: dict[str, pa.Array] = {}
        """Columns as made, before drift: what time schedules read."""
        self._weights: dict[int, tuple[np.ndarray, np.ndarray, Block]] = {}
        self._timing: set[int] = set()

    def weights(self, index: int) -> tuple[np.ndarray, np.ndarray, Block]:
        """(weight, direction sign, draws) of event ``index`` over the batch's rows."""
        if index not in self._weights:
            event = self.schedule.events[index]
            at = np.arange(self.start, self.start + self.size, dtype=np.float64)
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
                times = self.made[name].cast(pa.timestamp("us")).cast(pa.int64())
                at = times.to_numpy(zero_copy_only=False).astype(np.float64)
            draws = Block(f"\x00drift-event{index}", self.seed, self.start, self.size)
            self._weights[index] = (*event.weights(at, draws), draws)
        return self._weights[index]

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
        for direction, chosen in ((1.0, sign > 0), (-1.0, sign < 0)):
            part = np.where(chosen, weights, 0.0)
            if not part.any():
                continue
            spec = dict(event.spec)
            if operation.directed:  # the occurrence's sign turns the declared direction
                declared = -1.0 if spec.get("direction") == "down" else 1.0
                spec["direction"] = "up" if direction * declared > 0 else "down"
            ctx = Context(table, part, spec, event.where, draws, self.reference)
            for name in names:
                position = table.column_names.index(name)
                table = table.set_column(position, table.schema.field(name), operation.apply(ctx, name))  # type: ignore[arg-type]
                ctx.table = table
        return table
