"""Temporal field types: ``datetime`` (Arrow timestamps) and ``date`` (Arrow date32)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels import numeric as kn

__all__ = ["DateField", "DatetimeField"]

_UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MIN_INSTANT = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_MAX_INSTANT = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
_ISO_HINT = "an ISO date or datetime such as 2020-01-31 or 2020-01-31T12:00:00"


def _parse(field: Field, option: str, text: str) -> dt.datetime | dt.date:
    try:
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise field.error(f"{option}={text!r} is not {_ISO_HINT}") from None


@dataclass(frozen=True, kw_only=True)
class _UniformRange(Field):
    """Shared by the temporal types: values uniform over [start_date, end_date] in whole ticks."""

    start_date: str
    """First value, ISO format."""
    end_date: str
    """Last value, ISO format."""

    _dtype: ClassVar[type] = np.int64

    def __post_init__(self) -> None:
        super().__post_init__()
        lo, hi = self._bounds()
        if lo > hi:
            raise self.error(f"start_date={self.start_date!r} is after end_date={self.end_date!r}")
        info = np.iinfo(self._dtype)
        for option, tick in (("start_date", lo), ("end_date", hi)):
            if not info.min <= tick <= info.max:
                raise self.error(f"{option}={getattr(self, option)!r} is outside what {self._range_words()}")

    def _range_words(self) -> str:
        """What the column's type can hold, for messages."""
        return "the column's type can hold"

    def _bounds(self) -> tuple[int, int]:
        """The first and last tick, both included."""
        raise NotImplementedError

    def generate(self, block: Block) -> pa.Array:
        lo, hi = self._bounds()
        out = empty(block.size, self._dtype)
        kn.fill_uniform_int(out, block.key, block.start, lo, np.uint64(hi - lo + 1))
        return numpy_buffer_array(self.arrow_type(), out)


@FIELDS.register("datetime")
@dataclass(frozen=True, kw_only=True)
class DatetimeField(_UniformRange):
    """Timestamps uniform over [start_date, end_date]: ISO dates or datetimes, and a date-only
    ``end_date`` includes that whole day."""

    unit: Literal["s", "ms", "us", "ns"] = "s"
    """Resolution of the values and of the Arrow timestamp type."""
    timezone: str | None = None
    """IANA time zone (e.g. Europe/Paris): naive bounds are read in it and the column carries it."""

    def __post_init__(self) -> None:
        if self.timezone is not None:  # before the bounds, which are read in it
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
                raise self.error(f"timezone={self.timezone!r} is not an IANA time zone name") from None
        super().__post_init__()

    def _instant(self, option: str, text: str, *, end: bool) -> int:
        value = _parse(self, option, text)
        next_day = 0
        if not isinstance(value, dt.datetime):
            next_day = 86_400 if end else 0  # added in ticks: the day after 9999-12-31 is no date
            value = dt.datetime.combine(value, dt.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=zoneinfo.ZoneInfo(self.timezone) if self.timezone else dt.UTC)
        per_second = _UNITS_PER_SECOND[self.unit]
        delta = value - _EPOCH
        seconds = delta.days * 86_400 + delta.seconds + next_day
        ticks = seconds * per_second + delta.microseconds * per_second // 1_000_000
        date_only = len(text) <= 10
        return ticks - 1 if end and date_only else ticks

    def _bounds(self) -> tuple[int, int]:
        return (
            self._instant("start_date", self.start_date, end=False),
            self._instant("end_date", self.end_date, end=True),
        )

    def _range_words(self) -> str:
        per_second = _UNITS_PER_SECOND[self.unit]
        first = _EPOCH + dt.timedelta(seconds=-(2**63) // per_second + 1)
        last = _EPOCH + dt.timedelta(seconds=(2**63 - 1) // per_second - 1)
        first, last = max(first, _MIN_INSTANT), min(last, _MAX_INSTANT)
        return f"unit={self.unit!r} can hold; allowed: {first:%Y-%m-%d} to {last:%Y-%m-%d}" + (
            " (a coarser unit such as 'us' holds years 1 to 9999)" if self.unit == "ns" else ""
        )

    def arrow_type(self) -> pa.DataType:
        return pa.timestamp(self.unit, tz=self.timezone)


@FIELDS.register("date")
@dataclass(frozen=True, kw_only=True)
class DateField(_UniformRange):
    """Calendar dates uniform over [start_date, end_date] (ISO dates), both included."""

    _dtype = np.int32

    def _day(self, option: str, text: str) -> int:
        value = _parse(self, option, text)
        if isinstance(value, dt.datetime):
            raise self.error(
                f"{option}={text!r} has a time of day; a date field takes dates such as 2020-01-31"
            )
        return (value - dt.date(1970, 1, 1)).days

    def _bounds(self) -> tuple[int, int]:
        return self._day("start_date", self.start_date), self._day("end_date", self.end_date)

    def arrow_type(self) -> pa.DataType:
        return pa.date32()
