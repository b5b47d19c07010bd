"""One-shot generation: a schema and a row range become Arrow record batches.

Row ``i`` of every column depends only on (seed, column name, i), so any split of a range into batches,
any ``start`` offset and any thread count give the same data.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.config import DEFAULT_BATCH_SIZE
from fastsynth.drift.schedule import REFERENCE_ROWS, BatchDrift, Undrifted, reference_statistics
from fastsynth.errors import UsageError
from fastsynth.fields.base import Block, RunContext
from fastsynth.fields.time_sequence import TimeSequenceField
from fastsynth.schema import Schema
from fastsynth.seeds import resolve_seed
from fastsynth.specs import Count, PositiveInt, argument

__all__ = [
    "RunContext",
    "as_schema",
    "drift_reference",
    "generate",
    "iter_batches",
    "keep_reference",
    "make_batch",
    "run_of",
]

SchemaLike = Schema | Mapping[str, Any] | str | Path


def as_schema(schema: SchemaLike) -> Schema:
    """A Schema from a Schema, a parsed document, or the path of a JSON or YAML file."""
    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, Mapping):
        return Schema.from_dict(schema)
    if isinstance(schema, str | Path):
        return Schema.load(schema)
    raise UsageError(f"schema={schema!r} is not a Schema, a dict or a path")


def make_batch(
    schema: Schema,
    start: int,
    size: int,
    seed: int,
    *,
    drift: bool = True,
    run: RunContext | None = None,
) -> pa.RecordBatch:
    """Rows ``[start, start + size)`` of every column, as one record batch, with the schema's drift
    events (unless ``drift`` is false) and event-time effects applied. Batches of one ``run`` share its
    caches (the schema's own run by default, see ``run_of``): a run makes the same values, only sooner.

    Drift applies to each column as soon as it is made, before the columns that read it: ``y = 2 * x``
    holds after ``x`` drifts, and labels computed from drifted features agree with them."""
    run = run_of(schema) if run is None else run
    made: dict[str, pa.Array] = {}
    arrow_schema = schema.fields_arrow_schema()
    events = None
    if drift and schema.drift is not None:

        def reference() -> dict[str, Any]:
            with run.hold(_reference_key(seed), lambda: drift_reference(schema, seed)) as statistics:
                return statistics

        def column(name: str) -> pa.Array:
            return Block(name, seed, start, size, schema, made, run, ready).column(name)

        undrifted = _undrifted(schema, seed, run)
        events = BatchDrift(schema.drift, seed, start, size, reference, arrow_schema, column, undrifted)
    ready = None if events is None else events.ready
    fields = schema.fields
    arrays = [Block(f.name, seed, start, size, schema, made, run, ready).column(f.name) for f in fields]
    batch = pa.RecordBatch.from_arrays(arrays, schema=arrow_schema)
    if events is not None:
        batch = events.finish(batch)
    return batch if schema.event_time is None else schema.event_time.apply(batch, seed, start)


_RUNS: dict[int, RunContext] = {}
_RUNS_LOCK = threading.Lock()


def run_of(schema: Schema) -> RunContext:
    """The run of ``schema``: one per live schema object, kept here rather than in the (frozen) spec,
    so that calls asking for the rows page by page (``start``) keep their caches, which go with it."""
    with _RUNS_LOCK:
        run = _RUNS.get(id(schema))
        if run is None:
            weakref.finalize(schema, _RUNS.pop, id(schema), None)  # first: it refuses what it cannot track
            run = _RUNS[id(schema)] = RunContext()
        return run


def _entity_column(schema: Schema) -> str | None:
    return None if schema.entities is None else schema.entities.id_field


def drift_reference(schema: Schema, seed: int) -> dict[str, Any]:
    """What drift magnitudes are measured against with ``reference: column`` (and category shares):
    ``reference_statistics`` of the schema's first ``REFERENCE_ROWS`` rows made without drift."""
    rows = min(REFERENCE_ROWS, schema.capacity() or REFERENCE_ROWS)
    # A run of its own: the sample must not move the caller's AR carry, nor hold its locks.
    sample = make_batch(schema, 0, rows, seed, drift=False, run=RunContext())
    return reference_statistics(sample, _entity_column(schema))


def keep_reference(run: RunContext, seed: int, statistics: dict[str, Any]) -> None:
    """Give ``run`` its schema's ``drift_reference`` (``statistics``), made once elsewhere: a stream
    that is drifted again and again, and its trial batches, then skip the rows that make it."""
    with run.hold(_reference_key(seed), lambda: statistics):
        pass


def _reference_key(seed: int) -> tuple[str, int]:
    return ("drift reference", seed)


_KEPT_WINDOWS = 64
"""Window statistics a run keeps (those of windows that reach past a batch, met again by the next)."""


def _undrifted(schema: Schema, seed: int, run: RunContext) -> Undrifted:
    """The schema's rows without drift, for the window statistics of its drift events."""

    def rows(first: int, size: int) -> pa.RecordBatch:
        # A run of its own, as for drift_reference.
        return make_batch(schema, first, size, seed, drift=False, run=RunContext())

    def times(column: str, first: int, size: int) -> np.ndarray:
        array = Block(column, seed, first, size, schema, {}, RunContext()).column(column)
        return array.cast(pa.timestamp("us"), safe=False).cast(pa.int64()).to_numpy()

    def ordered(column: str) -> bool:
        field = next((f for f in schema.fields if f.name == column), None)
        if not isinstance(field, TimeSequenceField):
            return False
        entities = schema.entities
        one = entities is None or entities.count == 1
        if field.arrivals == "poisson":
            return one
        return (one or entities is None or entities.order == "time") and (
            2 * field.jitter_seconds < field.interval_seconds
        )

    def remember(key: Hashable, make: Callable[[], Any]) -> Any:
        def fresh() -> dict[Hashable, Any]:
            return {}

        with run.hold(("drift windows", seed), fresh) as kept:
            if key not in kept:
                while len(kept) >= _KEPT_WINDOWS:
                    kept.pop(next(iter(kept)))
                kept[key] = make()
            return kept[key]

    return Undrifted(rows, times, ordered, remember, schema.capacity(), _entity_column(schema))


def iter_batches(
    schema: SchemaLike,
    rows: int,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int | None = None,
    start: int = 0,
) -> Iterator[pa.RecordBatch]:
    """Rows ``[start, start + rows)`` as record batches of ``batch_size`` rows (the last may be shorter).

    Memory stays bounded by one batch however many rows are asked for."""
    resolved = as_schema(schema)
    rows = argument("rows", rows, Count)
    batch_size = argument("batch_size", batch_size, PositiveInt)
    start = argument("start", start, Count)
    chosen_seed = resolve_seed(seed, resolved.seed)
    capacity = resolved.capacity()
    if capacity is not None and start + rows > capacity:
        limited = next((f for f in resolved.fields if f.capacity(resolved) == capacity), None)
        if limited is None:
            entities = resolved.entities
            assert entities is not None
            raise UsageError(
                f"rows up to {start + rows} requested but the schema's entities make only {capacity} "
                f"({entities.count} entities x {entities.steps} steps)"
            )
        raise limited.error(limited.capacity_exceeded(start + rows, capacity))
    return _batches(resolved, rows, batch_size, chosen_seed, start)


def _batches(schema: Schema, rows: int, batch_size: int, seed: int, start: int) -> Iterator[pa.RecordBatch]:
    end = start + rows
    run = run_of(schema)
    for offset in range(start, end, batch_size):
        yield make_batch(schema, offset, min(batch_size, end - offset), seed, run=run)


def generate(
    schema: SchemaLike,
    rows: int,
    *,
    seed: int | None = None,
    start: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> pa.Table:
    """Rows ``[start, start + rows)`` as an Arrow table (one chunk per ``batch_size`` rows)."""
    resolved = as_schema(schema)
    batches = list(iter_batches(resolved, rows, batch_size=batch_size, seed=seed, start=start))
    return pa.Table.from_batches(batches, schema=resolved.arrow_schema())
