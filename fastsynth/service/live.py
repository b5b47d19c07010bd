"""Changes to one running stream while it runs: its rate and batch size, the streamers it writes to,
drift from its next row on; and its status. ``Service`` takes these from ``LiveStreams``."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fastsynth.config import Settings
from fastsynth.engine import Engine
from fastsynth.engine.rate import RateSchedule
from fastsynth.engine.runner import Stream
from fastsynth.errors import Conflict, NotFound, UsageError
from fastsynth.schema import Limits
from fastsynth.seed_drift import column_events
from fastsynth.service.records import Streamer
from fastsynth.service.reports import ColumnTotals, DriftStarted, StreamStatus
from fastsynth.specs import PositiveInt, argument, ceilings

__all__ = ["CLOSE_SECONDS", "LiveStreams", "Running", "shared_message", "shown_rate"]

CLOSE_SECONDS = 60.0
"""How long a request waits for a detached sink's file to be complete."""
_MAX_DRIFT_EVENTS = 200
"""The most drift events a stream holds: each is applied to every batch it reaches, for good, so each
costs every later batch. Measured on one core (six columns, 10,000-row batches, whole-column
references): 6.1M rows/s with none, 120k with 100 events, 28k with 400, 12k with 1000; 200 (50 clicks
of "drift now") keeps a stream at tens of thousands of rows a second."""
_MAX_EVENTS = 100
"""The most events one drift request may give."""
_SEED_BITS = 2**64 - 1
_TIMING_KEYS = ("start_row", "start_time", "end_row", "end_time", "every_rows", "every_seconds")


@dataclass
class Running:
    """A generator being streamed, and whether it follows the settings' rate, batch size and drift."""

    streamers: list[str]
    follows_rate: bool
    follows_drift: bool
    widest_batch: int
    """The most rows of this generator a batch may hold (``rows_per_batch``)."""
    follows_batch: bool = True
    started: float = field(default_factory=time.time)


class LiveStreams:
    """What ``Service`` does to one running stream, by its generator's name."""

    # The service's state these work on (``Service.__init__`` sets it).
    settings: Settings
    engine: Engine
    streamers: dict[str, Streamer]
    output_root: Path
    _running: dict[str, Running]
    _lock: threading.RLock

    def streamer(self, name: str) -> Streamer:
        """The streamer ``name``, 404 for none: ``Service``'s."""
        raise NotImplementedError

    @property
    def limits(self) -> Limits:
        """The ceilings on schemas from requests: ``Service``'s."""
        raise NotImplementedError

    def stream_status(self, name: str) -> StreamStatus:
        """The status of the stream of generator ``name`` (started and not stopped)."""
        stream = self.engine.streams.get(name)
        if stream is None:
            raise NotFound(f"stream {name!r} does not exist ({', '.join(self.engine.streams) or 'none'})")
        return self._status_of(name, stream)

    def _status_of(self, name: str, stream: Stream) -> StreamStatus:
        m = stream.metrics
        running = self._running.get(name)
        rows, columns = m.totals()
        return StreamStatus(
            running=not stream.ended,
            streamers=[] if running is None else list(running.streamers),
            rows=rows,
            rows_per_second=round(m.rate(), 1),
            target_rows_per_second=round(m.target_rate, 1),
            lag_seconds=round(m.lag_seconds, 3),
            errors=m.errors,
            error=None if stream.error is None else str(stream.error),
            drift_events=m.drift_events,
            batch_size=stream.batch_size,
            columns={k: ColumnTotals(total, count) for k, (total, count) in columns.items()},
            drift_rows=stream.drift_rows,
        )

    def _live(self, name: str) -> tuple[Running, Stream]:
        """The stream of ``name`` if it runs: 404 for none, 409 for one that has ended."""
        running, stream = self._running.get(name), self.engine.streams.get(name)
        if running is None or stream is None:
            raise NotFound(f"stream {name!r} does not exist ({', '.join(self._running) or 'none'})")
        if stream.ended:
            raise Conflict(
                f"stream {name!r} has ended (its row limit, an error or a stop); start it again with /start"
            )
        return running, stream

    def change_stream(self, name: str, *, rate: Any = None, batch_size: Any = None) -> StreamStatus:
        """Change a running stream's rate or batch size or both, from its next slice or batch; what is
        changed no longer follows the settings."""
        if rate is None and batch_size is None:
            raise UsageError("give rate (rows/s or a rate object), batch_size, or both")
        with self._lock:
            running, _ = self._live(name)
            if batch_size is not None:
                batch_size = argument("batch_size", batch_size, PositiveInt)
                ceiling = self.settings.limits_max_batch_size
                if batch_size > ceiling:
                    raise UsageError(
                        f"batch_size={batch_size:,} is over the limit; allowed: at most {ceiling:,} "
                        "(limits.max_batch_size)"
                    )
                batch_size = min(batch_size, running.widest_batch)  # rows this wide fit the memory budget
            if rate is not None:
                self.checked_rate(rate)
            self.engine.update(name, rate=rate, batch_size=batch_size)
            running.follows_rate &= rate is None
            running.follows_batch &= batch_size is None
        return self.stream_status(name)

    def checked_rate(self, rate: Any) -> RateSchedule:
        """A request's rate, refused over ``limits.max_rate`` at its peak: a rate of 1e300 rows/s
        cannot be met, and its lag and owed rows would grow without end."""
        schedule = RateSchedule.parse(rate)
        ceiling = self.settings.limits_max_rate
        if (peak := schedule.peak()) > ceiling:
            raise UsageError(
                f"rate={rate!r} asks for {shown_rate(peak)} rows/s; allowed: at most {ceiling:,} rows/s "
                "(limits.max_rate)"
            )
        return schedule

    def attach(self, name: str, streamer: str) -> StreamStatus:
        """Make a running stream write to ``streamer`` too, from its next slice."""
        with self._lock:
            running, stream = self._live(name)
            chosen = self.streamer(streamer)
            if streamer in running.streamers:
                raise Conflict(f"stream {name!r} already writes to streamer {streamer!r}")
            if chosen.shared and any(streamer in r.streamers for r in self._running.values()):
                raise Conflict(shared_message(streamer))
            sink = chosen.open_checked(name, stream.schema.arrow_schema(), self.output_root)
            try:
                self.engine.add_sink(name, streamer, sink)
            except UsageError:  # it ended meanwhile
                sink.abort()
                raise Conflict(f"stream {name!r} has ended; start it again with /start") from None
            running.streamers.append(streamer)
        return self.stream_status(name)

    def detach(self, name: str, streamer: str) -> StreamStatus:
        """Stop a running stream writing to ``streamer``; its file is complete when this returns."""
        with self._lock:
            running, _ = self._live(name)
            self.streamer(streamer)
            if streamer not in running.streamers:
                raise NotFound(
                    f"stream {name!r} does not write to streamer {streamer!r} "
                    f"({', '.join(running.streamers) or 'none'})"
                )
            try:
                closed: threading.Event | None = self.engine.remove_sink(name, streamer)
            except UsageError:  # it ended meanwhile, closing its sinks
                closed = None
            running.streamers.remove(streamer)
        if closed is not None and not closed.wait(CLOSE_SECONDS):
            # Answering "complete" would be false: the file is still being written (a slow disk, a
            # broker that does not answer). The stream has let go of it all the same.
            raise Conflict(
                f"stream {name!r} no longer writes to streamer {streamer!r}, but its sink did not finish "
                f"closing within {CLOSE_SECONDS:g} s, so its file or messages may not be complete yet; "
                f"GET /streams/{name} shows the stream's errors"
            )
        return self.stream_status(name)

    def drift_now(self, name: str, *, magnitude: float | None = None, events: Any = None) -> DriftStarted:
        """Drift a running stream from the first row of the next batch it makes, for good: the seed's
        drift of every column (``fastsynth.seed_drift.column_events``) by ``magnitude`` (default the
        settings'), or ``events`` (drift specs without timing keys).

        The work (the stream's drift reference, once; a trial row) is done outside the service's lock,
        which every start, stop and change waits for; the engine checks again, under the stream's own
        lock, that the stream still runs and is the one found here."""
        if magnitude is not None and events is not None:
            raise UsageError("give magnitude or events, not both")
        with self._lock:
            _, stream = self._live(name)
        held = 0 if stream.schema.drift is None else len(stream.schema.drift.events)
        if events is None:
            specs = self._column_drift(name, stream, held, magnitude)
        else:
            specs = _checked_events(events)
        try:
            with ceilings(self.limits.ceilings()):  # a rule's SQL is capped as in a schema
                row = self.engine.drift_now(name, specs, expected=stream, most=_MAX_DRIFT_EVENTS)
        except UsageError:
            if stream.ended:
                raise Conflict(f"stream {name!r} has ended; start it again with /start") from None
            raise
        drift = stream.schema.drift
        return DriftStarted(row=row, drift_events=0 if drift is None else len(drift.events))

    def _column_drift(
        self, name: str, stream: Stream, held: int, magnitude: float | None
    ) -> list[dict[str, Any]]:
        """The seed's drift of every column of ``stream``, measured against whole columns
        (``reference: column``): their statistics are made once per stream, while the default
        ``reference: window`` of an event that never ends would remake 65,536 rows for each event, at
        every batch once a run's 64 kept windows are full, and slow the stream to a crawl."""
        size = self.settings.drift_magnitude if magnitude is None else magnitude
        # Each shift goes up or down by a draw: the same for the same stream and events held. NumPy
        # takes seeds of 0 to 2**64 - 1 only, and a stream's seed may be negative.
        draws = np.random.default_rng([stream.seed & _SEED_BITS, held]).random(len(stream.schema.fields))
        directions = np.where(draws < 0.5, "up", "down").tolist()
        specs = column_events(
            stream.schema, size, seed=stream.seed, directions=directions, statistics=stream.drift_statistics()
        )
        if not specs:
            raise UsageError(
                f"stream {name!r}: its schema has no numeric, category or boolean column to drift; "
                "give events"
            )
        return [{**spec, "reference": "column"} if spec["type"] == "shift" else spec for spec in specs]


def _checked_events(events: Any) -> list[dict[str, Any]]:
    """A request's drift events: 1 to 100 objects without timing keys (the drift starts now, for good)."""
    if not 0 < len(events) <= _MAX_EVENTS:
        raise UsageError(f"events has {len(events):,} events; allowed: 1 to {_MAX_EVENTS}")
    for index, event in enumerate(events):
        timing = [key for key in _TIMING_KEYS if key in event]
        if timing:
            raise UsageError(
                f"events[{index}]: {timing[0]} is not allowed; the drift starts at the stream's next row "
                "and lasts (give no timing keys)"
            )
    return [dict(event) for event in events]


def shown_rate(rate: float) -> str:
    """Rows a second as a message shows them: with thousands separators, not 300 digits of 1e300."""
    return f"{rate:,.0f}" if rate < 1e12 else f"{rate:.3g}"


def shared_message(streamer: str) -> str:
    return (
        f"streamer {streamer!r} writes one file, and several generators would share it; "
        "put {generator} in its path"
    )
