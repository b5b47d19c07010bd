"""The ``time_sequence`` field type: the time axis of a series, regular or with Poisson arrivals."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array
from fastsynth.entities import STEP_BLOCK
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels import series as ks

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["TimeSequenceField"]

_UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


@FIELDS.register("time_sequence")
@dataclass(frozen=True, kw_only=True)
class TimeSequenceField(Field):
    """The time axis of a series: step ``i`` at ``start + i * interval_seconds`` (every entity of the
    schema on the same grid), or at Poisson arrival times."""

    start: str = "2024-01-01T00:00:00"
    """The first timestamp (ISO date or datetime, UTC unless it says otherwise), or ``now``: the time
    the schema is built, to the second (the data then differ from run to run)."""
    interval_seconds: float = 60.0
    """Seconds between consecutive steps (> 0); with Poisson arrivals, the mean gap."""
    arrivals: Literal["regular", "poisson"] = "regular"
    """``regular`` steps, or ``poisson``: each entity's steps are the events of a Poisson process with
    mean gap ``interval_seconds`` (exponential gaps), the first one gap after ``start``."""
    unit: Literal["s", "ms", "us", "ns"] = "s"
    """Resolution of the Arrow timestamps."""
    jitter_seconds: float = 0.0
    """Each regular timestamp moves by a uniform amount in [-jitter, +jitter]; 0 for none."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.jitter_seconds) and self.jitter_seconds >= 0):
            raise self.error(f"jitter_seconds={self.jitter_seconds!r} is not a number >= 0")
        if self.jitter_seconds * _UNITS_PER_SECOND[self.unit] > 2**52:  # as for interval_seconds below
            limit = 2**52 / _UNITS_PER_SECOND[self.unit]
            raise self.error(
                f"jitter_seconds={self.jitter_seconds!r} is more than {limit:.4g} in unit {self.unit}"
            )
        if self.jitter_seconds and self.arrivals == "poisson":
            raise self.error(
                "jitter_seconds applies to regular arrivals; Poisson arrivals are already random"
            )
        if not (math.isfinite(self.interval_seconds) and self.interval_seconds > 0):
            raise self.error(f"interval_seconds={self.interval_seconds!r} is not a positive number")
        self.origin  # noqa: B018 (validates start, and fixes `now`)
        ticks = self.interval_seconds * _UNITS_PER_SECOND[self.unit]
        if ticks > 2**52:  # far past any calendar, and past what int64 timestamps hold after a few steps
            limit = 2**52 / _UNITS_PER_SECOND[self.unit]
            raise self.error(
                f"interval_seconds={self.interval_seconds!r} is more than {limit:.4g} in unit {self.unit}"
            )
        if round(ticks) < 1:
            raise self.error(
                f"interval_seconds={self.interval_seconds!r} is less than one {self.unit}; allowed: at least "
                f"one (or a finer unit)"
            )
        if self.arrivals == "regular" and abs(ticks - round(ticks)) > 1e-9:
            raise self.error(f"interval_seconds={self.interval_seconds} is not a whole number of {self.unit}")

    @cached_property
    def origin(self) -> int:
        """The first timestamp, in ticks of ``unit`` since the Unix epoch."""
        if self.start == "now":
            start = dt.datetime.now(dt.UTC).replace(microsecond=0)
        else:
            try:
                start = dt.datetime.fromisoformat(self.start)
            except ValueError:
                raise self.error(f"start={self.start!r} is not an ISO date or datetime, or now") from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        delta = start - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        per_second = _UNITS_PER_SECOND[self.unit]
        ticks = (
            delta.days * 86_400 + delta.seconds
        ) * per_second + delta.microseconds * per_second // 1_000_000
        if not -(2**63) <= ticks < 2**63:
            raise self.error(f"start={self.start!r} is outside what {self._range_words()}")
        return ticks

    def _range_words(self) -> str:
        per_second = _UNITS_PER_SECOND[self.unit]
        epoch = dt.datetime(1970, 1, 1)
        first = max(epoch + dt.timedelta(seconds=-(2**63) // per_second + 1), dt.datetime(1, 1, 1))
        last = min(epoch + dt.timedelta(seconds=(2**63 - 1) // per_second - 1), dt.datetime(9999, 12, 31))
        return f"unit={self.unit!r} can hold; allowed: {first:%Y-%m-%d} to {last:%Y-%m-%d}" + (
            " (a coarser unit such as 'us' holds years 1 to 9999)" if self.unit == "ns" else ""
        )

    def _steps_room(self) -> int:
        """Regular steps before a timestamp leaves int64 (jitter included)."""
        ticks = round(self.interval_seconds * _UNITS_PER_SECOND[self.unit])
        jitter = round(self.jitter_seconds * _UNITS_PER_SECOND[self.unit])
        return max(0, (2**63 - 1 - jitter - self.origin) // ticks + 1)

    def capacity(self, schema: Schema | None = None) -> int | None:
        """Rows of one series before its timestamps leave what ``unit`` holds (entities: checked as
        rows are made)."""
        if self.arrivals != "regular" or (schema is not None and schema.entities is not None):
            return None
        room = self._steps_room()
        return room if room < 2**62 else None

    def capacity_exceeded(self, rows: int, capacity: int) -> str:
        return (
            f"start={self.start!r}, interval_seconds={self.interval_seconds:g} pass what "
            f"{self._range_words().split('; allowed')[0]} after {capacity} steps; allowed: at most "
            f"{capacity} steps of a series (rows without entities)"
        )

    def arrow_type(self) -> pa.DataType:
        return pa.timestamp(self.unit)

    def generate(self, block: Block) -> pa.Array:
        ticks = self.interval_seconds * _UNITS_PER_SECOND[self.unit]
        if self.arrivals == "poisson":
            gaps = empty(block.size, np.float64)
            ks.fill_bridge(gaps, block.key, *block.segments(STEP_BLOCK), True)
            if block.size and float(gaps.max()) * ticks + self.origin >= 2**63:
                raise self.error(f"arrivals pass what {self._range_words()}")
            times = np.rint(gaps * ticks).astype(np.int64) + self.origin
        else:
            steps, _ = block.timeline()
            if block.size and int(steps.max()) >= self._steps_room():
                room = self._steps_room()
                raise self.error(self.capacity_exceeded(int(steps.max()) + 1, room))
            times = steps * round(ticks) + self.origin
            if self.jitter_seconds:
                jitter = round(self.jitter_seconds * _UNITS_PER_SECOND[self.unit])
                times += block.integers(-jitter, jitter, salt="jitter")
        return numpy_buffer_array(self.arrow_type(), times)
