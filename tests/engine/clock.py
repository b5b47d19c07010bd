"""A fake clock for the engine: pacing checked exactly and at once, without sleeping."""

from __future__ import annotations

import math
import threading
import time

from fastsynth.engine import Clock

__all__ = ["FakeClock"]


class FakeClock(Clock):
    """Time that moves only when a stream's writer waits on it (or a sink says its write took a while),
    up to a limit the test sets.

    ``wait(event, s)`` moves the time on by ``s`` at once. A wait that would pass the limit stops the time
    at the limit and parks the waiting thread (a real block) until the test moves the limit on with
    ``run_to`` or ``release``, or the event is set. So a test runs a stream to exactly ``t`` seconds, looks
    or changes something while the writer stands still, and goes on: the same slices at the same times on
    every run, however loaded the machine (the limit starts at 0). Waiting for a batch from the producer
    is real and takes no fake time. One stream per clock: only its writer moves the time."""

    def __init__(self, limit: float = 0.0, wall: float = 1_700_000_000.0) -> None:
        # Time stands still until the test moves the limit: a stream started before the test's first
        # ``run_to`` must not run ahead while the test thread waits for a core.
        self._now = 0.0
        self._limit = limit
        self._wall = wall
        self._parked = False
        self._changed = threading.Condition()

    def monotonic(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._wall + self._now

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return self._advance(seconds, event)

    def advance(self, seconds: float) -> None:
        """Time passing inside a call (a slow sink's write), parking at the limit like ``wait``."""
        self._advance(seconds, None)

    def _advance(self, seconds: float, event: threading.Event | None) -> bool:
        with self._changed:
            target = self._now + seconds
            while self._now < target and not (event is not None and event.is_set()):
                if self._now < self._limit:
                    self._now = min(target, self._limit)
                    continue
                self._parked = True
                self._changed.notify_all()
                # A stop sets the event without telling this condition, hence the short real timeout.
                self._changed.wait(0.005)
                self._parked = False
            return event is not None and event.is_set()

    def run_to(self, t: float, timeout: float = 60.0) -> None:
        """Let the time reach ``t`` and return once the writer is parked there (real ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._limit = t
            self._changed.notify_all()
            while not (self._parked and self._now >= t):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the stream's time did not reach {t} s (it is at {self._now} s)")
                self._changed.wait(left)

    def release(self) -> None:
        """No limit any more: the stream runs as fast as its waits allow."""
        with self._changed:
            self._limit = math.inf
            self._changed.notify_all()
