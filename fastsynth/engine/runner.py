"""The continuous engine: named streams, each generating batches of a schema and writing them, paced, to
its named sinks, until told to stop.

Each stream runs two threads. The producer makes batches (the kernels release the GIL) into a bounded
queue; the writer takes them, cuts them into slices of about 50 ms of rows and writes each slice to every
sink when the schedule says it is due, so the rows of a second are spread over that second. A slow sink
makes the writer fall behind (``lag_seconds``) and the full queue then stops the producer: nothing is
dropped. Changes (rate, batch size, sinks added or removed) apply at the next slice or batch and are
logged. ``stop`` lets the writer finish its slice, then flushes and closes every sink.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.drift.schedule import DriftEvent, DriftSchedule
from fastsynth.engine.metrics import SinkMetrics, StreamMetrics, column_totals, prometheus_text
from fastsynth.engine.rate import REAL_CLOCK, SLICE_SECONDS, Clock, Pacer, RateSchedule
from fastsynth.errors import Conflict, SchemaError, UsageError
from fastsynth.generation import (
    RunContext,
    SchemaLike,
    as_schema,
    drift_reference,
    keep_reference,
    make_batch,
)
from fastsynth.schema import Schema
from fastsynth.seeds import DEFAULT_SEED, resolve_seed
from fastsynth.sinks.base import Sink
from fastsynth.specs import Count, PositiveInt, PositiveNumber, argument

__all__ = ["Engine", "Stream"]

log = logging.getLogger("fastsynth.engine")
_SLICE_SECONDS = SLICE_SECONDS
_QUEUE_BATCHES = 2
_UNCHANGED: Any = object()
_DRIFT_ROWS = 100


@dataclass
class Stream:
    """One generator: a schema made at a rate into sinks."""

    name: str
    schema: Schema
    rate: RateSchedule
    batch_size: int = 1000
    seed: int = DEFAULT_SEED
    max_rows: int | None = None
    sinks: dict[str, Sink] = field(default_factory=dict)
    max_seconds: float | None = None
    """Seconds of the schedule to stream, counted from the first batch (not from a cold start's compile):
    the stream then ends with exactly the rows due by that moment."""
    metrics: StreamMetrics = field(default_factory=StreamMetrics)
    error: BaseException | None = None
    _drift_rows: deque[int] = field(default_factory=lambda: deque(maxlen=_DRIFT_ROWS), repr=False)
    _next_row: int = field(default=0, repr=False)
    """The first row of the next batch the producer makes: it reads the schema and this together."""
    _added_drift: tuple[DriftEvent, ...] = field(default=(), repr=False)
    """The events ``drift_now`` added, which stay when ``update`` replaces the drift."""
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pending_rate: RateSchedule | None = field(default=None, repr=False)
    _removed: list[tuple[Sink, threading.Event]] = field(default_factory=list, repr=False)
    _closing: list[Sink] = field(default_factory=list, repr=False)
    """Sinks being closed: ``interrupt`` still reaches them (a broker that is down holds up a close)."""
    _sinks_closed: bool = field(default=False, repr=False)
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)
    _run: RunContext = field(default_factory=RunContext, repr=False)
    """The stream's own caches: /generate pages of the same schema must not move its AR carry."""
    clock: Clock = field(default=REAL_CLOCK, repr=False)
    """Where pacing reads the time and waits (a test's fake clock drives it without sleeping)."""
    _reference: dict[str, Any] | None = field(default=None, repr=False)
    _reference_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.metrics.clock = self.clock.monotonic

    def drift_statistics(self) -> dict[str, Any]:
        """The schema's ``drift_reference`` (what ``reference: column`` measures against), made once:
        its ``REFERENCE_ROWS`` rows take seconds, and each "drift now" needs it. The columns never
        change while the stream runs (``_with_drift`` refuses that), so neither does this."""
        with self._reference_lock:
            if self._reference is None:
                self._reference = drift_reference(self.schema, self.seed)
                keep_reference(self._run, self.seed, self._reference)
            return self._reference

    # -- the producer --------------------------------------------------------------------------------

    def _produce(self, channel: queue.Queue[pa.RecordBatch | None]) -> None:
        start = 0
        try:
            while not self._stop.is_set() and (self.max_rows is None or start < self.max_rows):
                size = (
                    self.batch_size if self.max_rows is None else min(self.batch_size, self.max_rows - start)
                )
                with self._lock:  # with the row it starts at, so drift_now knows which rows it reaches
                    schema = self.schema
                    self._next_row = start + size
                batch = make_batch(schema, start, size, self.seed, run=self._run)
                start += size
                while not self._stop.is_set():
                    try:
                        channel.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # reported by the writer, which stops the stream
            self.error = exc
        finally:
            while True:  # the end marker must get through, even when the writer has stopped taking
                try:
                    channel.put(None, timeout=0.1)
                    break
                except queue.Full:
                    if self._stop.is_set() and not any(t.is_alive() for t in self._threads[1:]):
                        break

    # -- the writer ----------------------------------------------------------------------------------

    def _write(self, channel: queue.Queue[pa.RecordBatch | None]) -> None:
        pacer: Pacer | None = None
        deadline = math.inf
        emitted = 0
        finished = False
        try:
            while not self._stop.is_set() and not finished:
                try:
                    batch = channel.get(timeout=0.1)
                except queue.Empty:
                    self._close_removed()  # a slow producer does not hold up a sink's removal
                    if pacer is not None:  # the lag grows while the writer waits for rows, and says so
                        now = min(self.clock.monotonic(), deadline)
                        self._lag(pacer.due(now) - emitted, pacer.current(now))
                    continue
                self.metrics.queue_depth = channel.qsize()
                if batch is None:
                    break
                if pacer is None:  # the schedule starts with the first batch, not with the cold start
                    pacer = Pacer(self.rate, self.clock.monotonic(), self.clock.wall())
                    self.metrics.started = pacer.started
                    if self.max_seconds is not None:
                        deadline = pacer.started + self.max_seconds
                offset = 0
                while offset < batch.num_rows and not self._stop.is_set():
                    now = self.clock.monotonic()
                    final = now >= deadline  # the schedule is over: rows still owed go out, no more
                    now = min(now, deadline)
                    self._apply_changes(pacer, now, emitted)
                    due = pacer.due(now, end=final)
                    current = pacer.current(now)
                    self.metrics.target_rate = current
                    wanted = min(pacer.slice_rows(now, due - emitted), batch.num_rows - offset)
                    if final:
                        owed = round(due) - emitted  # round: 20,000 x 1.5 s may integrate to 29,999.99
                        if owed <= 0:
                            finished = True
                            break
                        wanted = min(wanted, owed)
                    else:
                        # A batch goes out as soon as it is due; other rates wait for a whole slice.
                        step = pacer.next_due(now)  # None unless the rate comes in batches
                        if due - emitted < (1 if step is not None else wanted):
                            if step is None:
                                step = (emitted + wanted - due) / current if current > 0 else _SLICE_SECONDS
                            wait = min(max(step, 0.001), _SLICE_SECONDS, max(deadline - now, 0.001))
                            self.clock.wait(self._stop, wait)
                            continue
                    n = wanted if final else min(int(due - emitted), wanted)
                    self._emit(batch.slice(offset, n))
                    offset += n
                    emitted += n
                    self._lag(due - emitted, current)
            if self.error is not None:
                raise self.error
        except BaseException as exc:
            self.error = exc
            self.metrics.errors += 1
            log.error("stream %s stopped: %s", self.name, exc, extra={"stream": self.name, "event": "failed"})
        finally:
            self._stop.set()
            self.metrics.ended = self.clock.monotonic()
            try:
                self._close_sinks()
            finally:
                self._done.set()

    def _lag(self, owed: float, current: float) -> None:
        """Seconds of rows due and not yet emitted, at the current rate."""
        self.metrics.lag_seconds = max(owed, 0.0) / current if current > 0 else 0.0

    def _emit(self, part: pa.RecordBatch) -> None:
        with self._lock:
            sinks = list(self.sinks.items())
        for name, sink in sinks:
            metrics = self.metrics.sinks.setdefault(name, SinkMetrics())
            try:
                sink.write(part)
            except Exception:
                metrics.errors += 1
                raise
            metrics.rows += part.num_rows
            metrics.batches += 1
            metrics.bytes = int(getattr(sink, "bytes_written", 0))
            metrics.delivery_failures = int(getattr(sink, "failed", 0))
            metrics.in_flight = int(getattr(sink, "in_flight", 0))
        self.metrics.batches += 1
        self.metrics.bytes += part.nbytes
        self.metrics.emitted(part.num_rows, columns=column_totals(part))
        if self.schema.drift is not None:
            self.metrics.drift_events = self.schema.drift.started(self.metrics.rows, part)

    def _apply_changes(self, pacer: Pacer, now: float, emitted: int) -> None:
        with self._lock:
            rate, self._pending_rate = self._pending_rate, None
        self._close_removed()
        if rate is not None:
            log.info(
                "stream %s: rate %s -> %s",
                self.name,
                pacer.schedule.describe(),
                rate.describe(),
                extra={"stream": self.name, "event": "rate_changed", "rate": rate.describe()},
            )
            pacer.retarget(rate, now, emitted)
            self.rate = rate

    def _close_removed(self, removed: list[tuple[Sink, threading.Event]] | None = None) -> None:
        """Close the sinks ``remove_sink`` detached (those given, or those waiting) and say so."""
        if removed is None:
            with self._lock:
                removed, self._removed = self._removed, []
                self._closing.extend(sink for sink, _ in removed)
        for sink, closed in removed:
            if self._close_one(sink, failed=False) is not None:
                self.metrics.errors += 1
            closed.set()

    def _close_one(self, sink: Sink, *, failed: bool) -> BaseException | None:
        """``_close`` one sink of ``_closing`` (listed there when it was taken out of ``sinks`` or
        ``_removed``, so that ``interrupt`` reaches every sink still to close) and unlist it."""
        try:
            return _close(sink, self.name, failed=failed)
        finally:
            with self._lock:
                self._closing.remove(sink)

    def _close_sinks(self) -> None:
        """Close every sink (abort them after an error, so no partial file is published); a sink that
        fails to close becomes the stream's error, and the others are still closed."""
        with self._lock:  # one step, so a sink removed meanwhile is closed by one side or the other
            sinks, self.sinks = list(self.sinks.values()), {}
            removed, self._removed = self._removed, []
            self._closing.extend([*sinks, *(sink for sink, _ in removed)])
            self._sinks_closed = True
        self._close_removed(removed)
        for sink in sinks:
            error = self._close_one(sink, failed=self.error is not None)
            if error is not None:
                self.metrics.errors += 1
                if self.error is None:
                    self.error = error

    @property
    def drift_rows(self) -> list[int]:
        """The rows where the events of ``Engine.drift_now`` start, the last hundred."""
        with self._lock:  # a request may be adding one
            return list(self._drift_rows)

    @property
    def ended(self) -> bool:
        """True once the stream has stopped: its row limit, an error, or a stop."""
        return self._done.is_set()

    def interrupt(self) -> None:
        """Make sinks waiting on something outside (a broker that is down) give up, while writing or
        closing."""
        with self._lock:
            sinks = [*self.sinks.values(), *self._closing, *(sink for sink, _ in self._removed)]
        for sink in sinks:
            interrupt = getattr(sink, "interrupt", None)
            if interrupt is not None:
                interrupt()


def _with_drift(stream: Stream, drift: DriftSchedule | None, added: tuple[DriftEvent, ...]) -> Schema:
    """The stream's schema with ``drift`` and the ``added`` events, checked against its columns; refused
    if the drift would change the columns its sinks were opened with."""
    if added:
        drift = (
            DriftSchedule(added)
            if drift is None
            else DriftSchedule((*drift.events, *added), drift.weight_column)
        )
    schema = dataclasses.replace(stream.schema, drift=drift)  # validated against the columns
    if schema.arrow_schema() != stream.schema.arrow_schema():
        raise UsageError(
            f"stream {stream.name!r}: the new drift changes the columns (a weight column added or removed, "
            "or a category column given new values); sinks keep their schema, so start a new stream for that"
        )
    return schema


_EVENT_PLACE = re.compile(r"^schema: drift event \d+: ")


def _placed(events: Sequence[Mapping[str, Any]], row: int) -> tuple[DriftEvent, ...]:
    """``events`` from ``row`` on, for good; a bad one named by its index in ``events``."""
    try:
        return DriftSchedule.from_dict([{**event, "start_row": row} for event in events]).events
    except SchemaError as exc:
        index = re.match(r"^schema: drift event (\d+): ", str(exc))
        where = "events" if index is None else f"events[{index[1]}]"
        raise UsageError(f"{where}: {_EVENT_PLACE.sub('', str(exc))}") from None


def _trial_row(stream: Stream, drifted: Callable[[], Schema], row: int) -> str | None:
    """What is wrong with making row ``row`` of ``drifted()`` (``stream``'s schema with other drift), in a
    run of its own (the stream's AR carry must not move) that shares the stream's drift reference; None
    when it is made. Overflow is an error here (numpy's, and the drift operations' own check): a
    magnitude of 1e308 would otherwise end the stream at its next batch."""
    try:
        schema = drifted()
        run = RunContext()
        events = () if schema.drift is None else schema.drift.events
        if any(e.spec.get("reference") == "column" or e.spec["type"] == "frequencies" for e in events):
            keep_reference(run, stream.seed, stream.drift_statistics())
        with np.errstate(over="raise"):
            make_batch(schema, row, 1, stream.seed, run=run)
    except FloatingPointError as exc:
        return f"the drift makes values too large for a 64-bit float ({exc}); give a smaller magnitude"
    except Exception as exc:  # any failure of a trial is the request's to fix
        return _EVENT_PLACE.sub("", str(exc))
    return None


def _trial(stream: Stream, events: Sequence[Mapping[str, Any]], row: int) -> None:
    """Make row ``row`` of ``stream`` with ``events`` added (``_trial_row``); refuse the first event
    that fails, by its index."""
    _placed(events, row)  # the specs themselves, each named by its index

    def problem(chosen: Sequence[Mapping[str, Any]]) -> str | None:
        return _trial_row(stream, lambda: _with_drift(stream, None, _placed(chosen, row)), row)

    if (together := problem(events)) is None:
        return
    for index, event in enumerate(events):  # which one: the first that fails alone
        if (alone := problem([event])) is not None:
            raise UsageError(f"events[{index}]: {alone}")
    raise UsageError(f"events: {together}")


def _close(sink: Sink, stream: str, *, failed: bool) -> BaseException | None:
    """Close ``sink`` (or abort it when the stream ``failed``); the error it raised, if any."""
    try:
        if failed:
            sink.abort()
        else:
            sink.close()
    except Exception as exc:
        log.error(
            "stream %s: closing %r failed: %s",
            stream,
            sink,
            exc,
            extra={"stream": stream, "event": "close_failed"},
        )
        return exc
    return None


class Engine:
    """Named streams, started, changed and stopped while they run. ``clock`` paces every stream (the
    real one unless a test gives a fake); timeouts of ``stop`` and ``wait`` are always real seconds."""

    def __init__(self, clock: Clock = REAL_CLOCK) -> None:
        self.clock = clock
        self.streams: dict[str, Stream] = {}
        self._lock = threading.Lock()

    def add_stream(
        self,
        name: str,
        schema: SchemaLike,
        *,
        rate: Any = 1000.0,
        batch_size: int = 1000,
        seed: int | None = None,
        max_rows: int | None = None,
        sinks: dict[str, Sink] | None = None,
        duration: float | None = None,
    ) -> Stream:
        """Start a stream of ``schema`` (a Schema, a dict or a path) at ``rate`` into ``sinks``, until
        ``max_rows`` rows or ``duration`` seconds of its schedule (timed from its first batch, so a cold
        start's compile does not shorten it), whichever comes first, or until stopped."""
        resolved = as_schema(schema)
        batch_size = argument("batch_size", batch_size, PositiveInt)
        max_rows = argument("max_rows", max_rows, Count | None)
        duration = argument("duration", duration, PositiveNumber | None)
        chosen = resolve_seed(seed, resolved.seed)
        stream = Stream(
            name,
            resolved,
            RateSchedule.parse(rate),
            batch_size,
            chosen,
            max_rows,
            dict(sinks or {}),
            max_seconds=duration,
            clock=self.clock,
        )
        stream.metrics.target_rate = stream.rate.rate(0.0, self.clock.wall())
        for sink_name in stream.sinks:
            stream.metrics.sinks[sink_name] = SinkMetrics()
        channel: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=_QUEUE_BATCHES)
        stream._threads = [
            threading.Thread(
                target=stream._produce, args=(channel,), name=f"fastsynth-{name}-make", daemon=True
            ),
            threading.Thread(
                target=stream._write, args=(channel,), name=f"fastsynth-{name}-write", daemon=True
            ),
        ]
        with self._lock:
            if name in self.streams:
                raise UsageError(f"stream {name!r} already exists")
            self.streams[name] = stream
        for thread in stream._threads:
            thread.start()
        log.info(
            "stream %s started: %s, batches of %d",
            name,
            stream.rate.describe(),
            batch_size,
            extra={
                "stream": name,
                "event": "started",
                "rate": stream.rate.describe(),
                "batch_size": batch_size,
            },
        )
        return stream

    def _stream(self, name: str) -> Stream:
        try:
            return self.streams[name]
        except KeyError:
            raise UsageError(
                f"stream {name!r} does not exist ({', '.join(self.streams) or 'none'})"
            ) from None

    def update(
        self,
        name: str,
        *,
        rate: Any = None,
        batch_size: int | None = None,
        drift: Any = _UNCHANGED,
        tried: bool = False,
    ) -> None:
        """Change a running stream's rate (from its next slice), batch size or drift events (from its
        next batch). ``drift`` is a schema's ``drift`` section (a list of events or an object with
        ``events``), a ``DriftSchedule``, or None to stop drifting; it is tried first (``try_drift``)
        unless the caller ``tried`` it already."""
        stream = self._stream(name)
        # Check everything before changing anything: a refused update changes nothing.
        if batch_size is not None:
            batch_size = argument("batch_size", batch_size, PositiveInt)
        new_rate = None if rate is None else RateSchedule.parse(rate)
        if drift is not _UNCHANGED:
            events = (
                drift if drift is None or isinstance(drift, DriftSchedule) else DriftSchedule.from_dict(drift)
            )
            if not tried:
                self.try_drift(name, events)
            with stream._lock:  # batches already made (at most four) keep the drift they were made with
                stream.schema = _with_drift(stream, events, stream._added_drift)
            described = "none" if events is None else f"{len(events.events)} events"
            log.info(
                "stream %s: drift -> %s", name, described, extra={"stream": name, "event": "drift_changed"}
            )
        if batch_size is not None:
            log.info(
                "stream %s: batch size %d -> %d",
                name,
                stream.batch_size,
                batch_size,
                extra={"stream": name, "event": "batch_size_changed", "batch_size": batch_size},
            )
            stream.batch_size = batch_size
        if new_rate is not None:
            with stream._lock:
                stream._pending_rate = new_rate

    def try_drift(self, name: str, drift: DriftSchedule | None) -> None:
        """Refuse ``drift`` as a running stream's drift schedule if its next row cannot be made with it
        (an ``update`` then changes nothing, rather than ending the stream at its next batch)."""
        stream = self._stream(name)
        schema = _with_drift(stream, drift, stream._added_drift)  # a schema error as it is
        with stream._lock:
            row = stream._next_row
        if (problem := _trial_row(stream, lambda: schema, row)) is not None:
            raise UsageError(f"stream {name!r}: drift: {problem}")

    def drift_now(
        self,
        name: str,
        events: Sequence[Mapping[str, Any]],
        *,
        expected: Stream | None = None,
        most: int | None = None,
    ) -> int:
        """Add drift ``events`` (drift specs without timing keys) to a running stream from the first row
        of the next batch its producer makes, for good; that row. Batches already made (at most four: the
        one being written, the queue's two and the one the producer waits to queue) keep the drift they
        were made with.

        The events first make one row (``_trial``), outside every lock, so that a parameter only the
        operation checks is refused here with the event's index (``events[i]: ...``) instead of ending
        the stream at its next batch. Refused when the stream is no longer ``expected`` (restarted
        meanwhile) or would hold more than ``most`` events."""
        stream = self._stream(name)
        if expected is not None and stream is not expected:
            raise Conflict(f"stream {name!r} was restarted meanwhile; drift it again")
        with stream._lock:
            row = stream._next_row
        _trial(stream, events, row)
        with stream._lock:  # the producer reads the schema and its next row under this lock
            if stream._stop.is_set():
                raise UsageError(f"stream {name!r} has ended")
            held = 0 if stream.schema.drift is None else len(stream.schema.drift.events)
            if most is not None and held + len(events) > most:
                raise Conflict(
                    f"stream {name!r} holds {held:,} drift events; at most {most:,} are allowed: start it "
                    "again to drift it more"
                )
            row = stream._next_row
            added = _placed(events, row)
            stream.schema = _with_drift(stream, stream.schema.drift, added)
            stream._added_drift += added
            stream._drift_rows.append(row)
        log.info(
            "stream %s: %d drift events from row %d",
            name,
            len(added),
            row,
            extra={"stream": name, "event": "drift_now", "row": row},
        )
        return row

    def add_sink(self, stream_name: str, sink_name: str, sink: Sink) -> None:
        stream = self._stream(stream_name)
        with stream._lock:
            if stream._sinks_closed:
                raise UsageError(f"stream {stream_name!r} has ended")
            if sink_name in stream.sinks:
                raise UsageError(f"stream {stream_name!r} already has a sink {sink_name!r}")
            stream.sinks[sink_name] = sink
            stream.metrics.sinks.setdefault(sink_name, SinkMetrics())
        log.info(
            "stream %s: sink %s added (%r)",
            stream_name,
            sink_name,
            sink,
            extra={"stream": stream_name, "sink": sink_name, "event": "sink_added"},
        )

    def remove_sink(self, stream_name: str, sink_name: str) -> threading.Event:
        """Detach a sink; the stream's writer flushes and closes it before its next slice, and then sets
        the event returned."""
        stream = self._stream(stream_name)
        closed = threading.Event()
        with stream._lock:
            if sink_name not in stream.sinks:
                raise UsageError(f"stream {stream_name!r} has no sink {sink_name!r}")
            stream._removed.append((stream.sinks.pop(sink_name), closed))
        log.info(
            "stream %s: sink %s removed",
            stream_name,
            sink_name,
            extra={"stream": stream_name, "sink": sink_name, "event": "sink_removed"},
        )
        return closed

    def remove_stream(self, name: str, timeout: float = 60.0) -> None:
        """Stop one stream (flushing and closing its sinks) and forget it."""
        stream = self._stream(name)
        stream._stop.set()
        for thread in stream._threads:
            thread.join(timeout)
        with self._lock:
            self.streams.pop(name, None)
        log.info(
            "stream %s removed after %d rows",
            name,
            stream.metrics.rows,
            extra={"stream": name, "event": "removed", "rows": stream.metrics.rows},
        )

    def stop(self, timeout: float = 60.0, grace: float = 10.0) -> bool:
        """Stop every stream: each finishes its slice, flushes and closes its sinks. A sink still stuck
        after ``grace`` seconds (waiting for a broker that is down) is interrupted, which makes the
        stream fail with a message saying what was not delivered. True if every stream ended."""
        streams = list(self.streams.values())
        for stream in streams:
            stream._stop.set()
        if self.wait(min(grace, timeout)):
            return True
        for stream in streams:
            stream.interrupt()
        return self.wait(max(timeout - grace, 0.0))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every stream has ended (row limit, error or stop); True if they all did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for stream in list(self.streams.values()):
            for thread in stream._threads:
                thread.join(None if deadline is None else max(deadline - time.monotonic(), 0.0))
            if not stream._done.is_set():
                return False
        return True

    def errors(self) -> dict[str, BaseException]:
        return {name: s.error for name, s in list(self.streams.items()) if s.error is not None}

    def metrics_text(self) -> str:
        """Prometheus text for every stream and sink."""
        return prometheus_text({name: s.metrics for name, s in list(self.streams.items())})

    def log_status(self) -> None:
        """The periodic status record: one per stream, its figures as fields."""
        for name, s in list(self.streams.items()):
            m = s.metrics
            log.info(
                "%s: %s rows/s (target %s), %s rows, lag %.2f s, queue %d, errors %d",
                name,
                f"{m.rate():,.0f}",
                f"{m.target_rate:,.0f}",
                f"{m.rows:,}",
                m.lag_seconds,
                m.queue_depth,
                m.errors,
                extra={
                    "stream": name,
                    "event": "status",
                    "rows": m.rows,
                    "rows_per_second": m.rate(),
                    "target_rows_per_second": m.target_rate,
                    "lag_seconds": round(m.lag_seconds, 3),
                    "queue_depth": m.queue_depth,
                    "errors": m.errors,
                    "drift_events": m.drift_events,
                },
            )
