"""Counters of a running engine, per stream and per sink, as Prometheus text and as a log line."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SinkMetrics", "StreamMetrics", "column_totals", "prometheus_text"]


@dataclass
class SinkMetrics:
    """What one sink of a stream has taken."""

    rows: int = 0
    batches: int = 0
    bytes: int = 0
    errors: int = 0
    delivery_failures: int = 0
    in_flight: int = 0


@dataclass
class StreamMetrics:
    """What one stream has done."""

    rows: int = 0
    batches: int = 0
    bytes: int = 0
    errors: int = 0
    drift_events: int = 0
    lag_seconds: float = 0.0
    queue_depth: int = 0
    target_rate: float = 0.0
    started: float | None = None
    """When (on the stream's clock) the schedule started: at the first batch, after the cold start."""
    ended: float | None = None
    sinks: dict[str, SinkMetrics] = field(default_factory=dict)
    _columns: dict[str, tuple[float, int]] = field(default_factory=dict, repr=False)
    """(sum, count) of the non-null values of each numeric or boolean column over every emitted row."""
    _recent: deque[tuple[float, int]] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    """The time line of ``emitted`` and ``rate`` (the stream's clock)."""

    def emitted(
        self, rows: int, now: float | None = None, *, columns: dict[str, tuple[float, int]] | None = None
    ) -> None:
        """Count ``rows`` emitted, and add their ``column_totals`` to the running ones (in one step, so
        a reading's totals cover its rows)."""
        now = self.clock() if now is None else now
        with self._lock:
            self.rows += rows
            for name, (total, count) in (columns or {}).items():
                before = self._columns.get(name, (0.0, 0))
                self._columns[name] = (before[0] + total, before[1] + count)
            self._recent.append((now, self.rows))
            # Keep one entry older than the window, so that rate() knows the count a second ago.
            while len(self._recent) > 1 and self._recent[1][0] < now - 5.0:
                self._recent.popleft()

    def totals(self) -> tuple[int, dict[str, tuple[float, int]]]:
        """The rows emitted and the running (sum, count) of each numeric or boolean column, read
        together."""
        with self._lock:
            return self.rows, dict(self._columns)

    def seconds(self, now: float | None = None) -> float:
        """Seconds the stream has streamed: from its first batch to its end (or ``now``)."""
        if self.started is None:
            return 0.0
        end = self.ended if self.ended is not None else self.clock() if now is None else now
        return max(end - self.started, 0.0)

    def rate(self, now: float | None = None) -> float:
        """Rows emitted in the last second."""
        now = self.clock() if now is None else now
        with self._lock:
            before = [r for t, r in self._recent if t <= now - 1.0]
            return float(self.rows - (before[-1] if before else 0))


_METRICS = [
    ("rows_total", "counter", "Rows emitted.", lambda m: m.rows),
    (
        "batches_total",
        "counter",
        "Batches emitted (slices of generated batches, as paced).",
        lambda m: m.batches,
    ),
    ("bytes_total", "counter", "Bytes of the Arrow data emitted.", lambda m: m.bytes),
    ("errors_total", "counter", "Errors while generating or writing.", lambda m: m.errors),
    ("drift_events_total", "counter", "Drift events that have started.", lambda m: m.drift_events),
    ("rows_per_second", "gauge", "Rows emitted per second over the last second.", lambda m: m.rate()),
    ("target_rows_per_second", "gauge", "The rate the schedule asks for now.", lambda m: m.target_rate),
    ("lag_seconds", "gauge", "How far emission is behind schedule.", lambda m: m.lag_seconds),
    ("queue_depth", "gauge", "Generated batches waiting to be written.", lambda m: m.queue_depth),
]
_SINK_METRICS = [
    ("sink_rows_total", "counter", "Rows a sink has taken.", lambda s: s.rows),
    ("sink_batches_total", "counter", "Batches a sink has taken.", lambda s: s.batches),
    ("sink_bytes_total", "counter", "Bytes a sink has written (when it counts them).", lambda s: s.bytes),
    ("sink_errors_total", "counter", "Errors a sink has raised.", lambda s: s.errors),
    (
        "sink_delivery_failures_total",
        "counter",
        "Messages a broker did not acknowledge.",
        lambda s: s.delivery_failures,
    ),
    ("sink_in_flight", "gauge", "Messages sent and not yet acknowledged.", lambda s: s.in_flight),
]


def column_totals(part: pa.RecordBatch) -> dict[str, tuple[float, int]]:
    """(sum, count) of the non-null values of each numeric (int, float) or boolean column of ``part``,
    a kernel call per column: differencing two readings of running totals gives the mean of the rows
    emitted between them. NaN and infinities are left out like nulls, so that one of them does not
    spoil a total for good."""
    found: dict[str, tuple[float, int]] = {}
    for name, column in zip(part.schema.names, part.columns, strict=True):
        kind = column.type
        if not (pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            continue
        column = column.cast(pa.float64())  # no int64 overflow; true counts 1
        total = pc.sum(column).as_py()
        if total is not None and not math.isfinite(total):
            column = column.filter(pc.is_finite(column))
            total = pc.sum(column).as_py()
        found[name] = (total or 0.0, len(column) - column.null_count)
    return found


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(streams: dict[str, StreamMetrics]) -> str:
    """The metrics of every stream and sink in Prometheus' text exposition format."""
    lines: list[str] = []
    for name, kind, help_text, read in _METRICS:
        lines += [f"# HELP fastsynth_{name} {help_text}", f"# TYPE fastsynth_{name} {kind}"]
        lines += [f'fastsynth_{name}{{stream="{_label(s)}"}} {read(m):g}' for s, m in streams.items()]
    for name, kind, help_text, read in _SINK_METRICS:
        lines += [f"# HELP fastsynth_{name} {help_text}", f"# TYPE fastsynth_{name} {kind}"]
        for s, m in streams.items():
            for sink, sm in m.sinks.items():
                lines.append(f'fastsynth_{name}{{stream="{_label(s)}",sink="{_label(sink)}"}} {read(sm):g}')
    return "\n".join(lines) + "\n"
