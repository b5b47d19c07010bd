"""How many rows a stream may have emitted by a given moment: a constant rate, a ramp, bursts or a
daily curve, integrated over time.

A rate is a number of rows per second, or one of::

    {"ramp": {"from": 1000, "to": 50000, "seconds": 600}}            # then stays at "to"
    {"bursts": {"base": 1000, "burst": 20000, "every": 60, "seconds": 5}}
    {"daily": [800, 600, ..., 1200]}                                 # 24 hourly rates, UTC, interpolated
    {"batches": {"rows": 1000, "every": 1}}                          # 1000 rows at 0 s, 1 s, 2 s, ...

A ``batches`` rate is the seed's continuous mode, and how a time series keeps to the wall clock: its
rows are due together, the first at the start (a reading stamped at the start is written then, not one
interval later), the next ``every`` seconds on.

>>> ramp = RateSchedule.parse({"ramp": {"from": 1000, "to": 3000, "seconds": 10}})
>>> ramp.rate(5, wall=0), ramp.rate(60, wall=0)
(2000.0, 3000.0)
>>> round(Pacer(ramp, started=0.0, wall_started=0.0).due(10.0))  # rows due after 10 s: the integral
20000
>>> every = Pacer(RateSchedule.parse({"batches": {"rows": 5, "every": 300}}), started=0.0, wall_started=0.0)
>>> every.due(0.0), every.due(299.0), every.due(300.0), every.due(600.0, end=True)  # the end is not in
(5.0, 5.0, 10.0, 10.0)
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastsynth.errors import UsageError
from fastsynth.specs import Bounds, PositiveInt, PositiveNumber, argument

__all__ = ["REAL_CLOCK", "SLICE_SECONDS", "Clock", "Pacer", "RateSchedule"]

SLICE_SECONDS = 0.05
"""Rows of a continuous rate go out in slices of about this many seconds of rows: steady within the
second, few calls."""


_RATE = Annotated[float, Bounds(0)]
"""Rows per second where a pause is allowed (a ramp's ends, the base between bursts, an hour)."""
_OPTIONS: dict[str, dict[str, Any]] = {
    "ramp": {"from": _RATE, "to": _RATE, "seconds": PositiveNumber},
    "bursts": {"base": _RATE, "burst": PositiveNumber, "every": PositiveNumber, "seconds": PositiveNumber},
    "batches": {"rows": PositiveInt, "every": PositiveNumber},
}
_STEP_TOLERANCE = 1e-9
"""Fraction of a step that still counts as reaching it: a clock that adds up 50 ms waits lands a hair
before 300 s, and the readings of 300 s are due then all the same."""


def _values(kind: str, body: dict[str, Any]) -> tuple[float, ...]:
    """The options of a ``ramp`` or ``bursts`` rate, in order, checked."""
    options = _OPTIONS[kind]
    unknown = sorted(set(body) - set(options), key=str)
    if unknown:
        raise UsageError(f"rate {kind}: unknown key {unknown[0]!r}; allowed: {', '.join(options)}")
    return tuple(float(argument(f"rate {kind} {k}", body.get(k), a)) for k, a in options.items())


@dataclass(frozen=True)
class RateSchedule:
    """Rows per second as a function of the seconds since the stream started (and the wall clock)."""

    kind: str
    params: tuple[float, ...]

    @classmethod
    def parse(cls, spec: Any) -> RateSchedule:
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            return cls("constant", (argument("rate", spec, PositiveNumber),))
        if not isinstance(spec, dict) or len(spec) != 1:
            raise UsageError(
                f"rate={spec!r} is not a number of rows per second or one of {{ramp: ...}}, {{bursts: ...}}, "
                "{daily: [24 rates]}, {batches: ...}"
            )
        kind, body = next(iter(spec.items()))
        if kind in _OPTIONS and isinstance(body, dict):
            values = _values(kind, body)
            if kind == "bursts" and values[3] >= values[2]:
                raise UsageError(f"rate bursts seconds={values[3]:g} is not shorter than every={values[2]:g}")
            return cls(kind, values)
        if kind == "daily" and isinstance(body, list) and len(body) == 24:
            return cls(kind, tuple(argument(f"rate daily[{h}]", v, _RATE) for h, v in enumerate(body)))
        raise UsageError(
            f"rate {kind}={body!r} is not allowed; see `ramp`, `bursts`, `daily` (24 hourly rates), `batches`"
        )

    def rate(self, elapsed: float, wall: float) -> float:
        """Rows per second ``elapsed`` seconds after the start, at Unix time ``wall``."""
        p = self.params
        if self.kind == "constant":
            return p[0]
        if self.kind == "ramp":
            return p[1] if elapsed >= p[2] else p[0] + (p[1] - p[0]) * elapsed / p[2]
        if self.kind == "bursts":
            return p[1] if elapsed % p[2] < p[3] else p[0]
        if self.kind == "batches":
            return p[0] / p[1]  # on average
        hours = (wall % 86_400) / 3600
        left = int(hours) % 24
        fraction = hours - int(hours)
        return p[left] * (1 - fraction) + p[(left + 1) % 24] * fraction

    def peak(self) -> float:
        """The most rows per second the schedule ever asks for (a ``batches`` rate: on average)."""
        p = self.params
        if self.kind in ("ramp", "bursts"):
            return max(p[0], p[1])
        if self.kind == "batches":
            return p[0] / p[1]
        return max(p)

    def describe(self) -> str:
        if self.kind == "constant":
            return f"{self.params[0]:,.0f} rows/s"
        if self.kind == "batches":
            return f"{self.params[0]:,.0f} rows every {self.params[1]:g} s"
        return f"{self.kind} {', '.join(f'{v:g}' for v in self.params)}"


class Pacer:
    """Integrates a schedule: ``due(now)`` is how many rows should have been emitted by ``now``."""

    _STEP = 0.01

    def __init__(self, schedule: RateSchedule, started: float, wall_started: float) -> None:
        self.schedule = schedule
        self.started = started
        self.wall_started = wall_started
        self._at = 0.0
        self._rows = 0.0

    def retarget(self, schedule: RateSchedule, now: float, emitted: float) -> None:
        """Switch schedules from ``now`` on, from the ``emitted`` rows: the new schedule's time starts
        at 0 (a ramp begins at its "from", batches with a batch). Rows owed at the old rate and not yet
        written are dropped: a rate lowered because the stream ran too fast must not then write its
        backlog at full speed."""
        self._rows = min(self.due(now), emitted)
        self.wall_started += now - self.started
        self.schedule, self.started, self._at = schedule, now, 0.0

    def due(self, now: float, *, end: bool = False) -> float:
        """Rows due by ``now``; with ``end``, the schedule ends at ``now``: rows due at that very
        moment (a batch of a ``batches`` rate) are not, so 2 s of one reading a second is 2 readings."""
        elapsed = now - self.started
        if self.schedule.kind == "batches":  # steps, not an integral: _rows holds what was due before
            rows, every = self.schedule.params
            steps = elapsed / every
            taken = math.ceil(steps - _STEP_TOLERANCE) if end else math.floor(steps + _STEP_TOLERANCE) + 1
            return self._rows + rows * max(taken, 0)
        if self.schedule.kind == "constant":
            self._rows += self.schedule.params[0] * max(elapsed - self._at, 0.0)
            self._at = max(elapsed, self._at)
            return self._rows
        while self._at < elapsed:  # trapezoids of at most 10 ms
            step = min(self._STEP, elapsed - self._at)
            wall = self.wall_started + self._at
            r0 = self.schedule.rate(self._at, wall)
            r1 = self.schedule.rate(self._at + step, wall + step)
            self._rows += 0.5 * (r0 + r1) * step
            self._at += step
        return self._rows

    def next_due(self, now: float) -> float | None:
        """Seconds from ``now`` until the next batch of a ``batches`` rate is due (None for the others,
        whose rows come due continuously)."""
        if self.schedule.kind != "batches":
            return None
        every = self.schedule.params[1]
        elapsed = now - self.started
        return (math.floor(elapsed / every + _STEP_TOLERANCE) + 1) * every - elapsed

    def slice_rows(self, now: float, owed: float) -> int:
        """Rows to write in one go: a batch of a ``batches`` rate whole (as the seed writes them),
        otherwise about 50 ms of rows (at a rate of 0, a schedule's quiet hour, the rows still owed)."""
        if self.schedule.kind == "batches":
            return int(self.schedule.params[0])
        current = self.current(now)
        return max(1, int(current * SLICE_SECONDS) if current > 0 else int(owed))

    def current(self, now: float) -> float:
        elapsed = now - self.started
        return self.schedule.rate(elapsed, self.wall_started + elapsed)


def wall_clock() -> float:
    return dt.datetime.now(dt.UTC).timestamp()


class Clock:
    """Where the engine's pacing reads the time and waits. This one is the real clock; tests give the
    engine a fake one whose time moves only when it is waited on, so pacing is checked exactly and at
    once instead of by sleeping and measuring."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (the pacing's time line)."""
        return time.monotonic()

    def wall(self) -> float:
        """Unix time (where a daily schedule is in its day)."""
        return wall_clock()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``event`` is set, whichever comes first; True if it is set."""
        return event.wait(seconds)


REAL_CLOCK = Clock()
