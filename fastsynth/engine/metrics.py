"""Counters of a running engine, per stream and per sink, as Prometheus text and as a log line."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["SinkMetrics", "StreamMetrics", "prometheus_text"]


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
    _recent: deque[tuple[float, int]] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    """The time line of ``emitted`` and ``rate`` (the stream's clock)."""

    def emitted(self, rows: int, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        with self._lock:
            self.rows += rows
            self._recent.append((now, self.rows))
            # Keep one entry older than the window, so that rate() knows the count a second ago.
            while len(self._recent) > 1 and self._recent[1][0] < now - 5.0:
                self._recent.popleft()

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
