"""Time-series field types: ``time_sequence`` (regular timestamps) and ``series`` (a numeric field
with a trend and seasonality).

Row ``i`` of a series is ``(base_i + trend_i) * (1 + seasonal_i)``, clipped to the base field's
``min``/``max`` and rounded for integers, where ``base_i`` is the base field's own value for row ``i``:

- ``trend``: ``{"type": "linear", "strength": s}`` adds ``s * i`` (``s`` units per step);
- ``seasonality``: ``{"period": p, "amplitude": a}`` multiplies by ``1 + a * sin(2 pi i / p)``, so an
  amplitude of 0.2 swings the value by +-20% over every ``p`` steps.

Every component depends on the row index alone, so any split into batches gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from fastsynth.errors import SchemaError
from fastsynth.fields.base import FIELDS, Block, Field, empty, numpy_buffer_array

__all__ = ["SeriesField", "TimeSequenceField"]

_UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


@FIELDS.register("time_sequence")
@dataclass(frozen=True, kw_only=True)
class TimeSequenceField(Field):
    """Timestamps ``start + i * interval_seconds``: the time axis of a series."""

    type_name = "time_sequence"

    start: str = "2024-01-01T00:00:00"
    """The first timestamp (ISO date or datetime, UTC unless it says otherwise)."""
    interval_seconds: float = 60.0
    """Seconds between consecutive rows (> 0)."""
    unit: Literal["s", "ms", "us", "ns"] = "s"
    """Resolution of the Arrow timestamps."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.interval_seconds) and self.interval_seconds > 0):
            raise self.error(f"interval_seconds={self.interval_seconds!r} is not a positive number")
        self._origin  # noqa: B018 (validates start)
        ticks = self.interval_seconds * _UNITS_PER_SECOND[self.unit]
        if abs(ticks - round(ticks)) > 1e-9:
            raise self.error(f"interval_seconds={self.interval_seconds} is not a whole number of {self.unit}")

    @cached_property
    def _origin(self) -> int:
        try:
            start = dt.datetime.fromisoformat(self.start)
        except ValueError:
            raise self.error(f"start={self.start!r} is not an ISO date or datetime") from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        delta = start - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        per_second = _UNITS_PER_SECOND[self.unit]
        return (
            delta.days * 86_400 + delta.seconds
        ) * per_second + delta.microseconds * per_second // 1_000_000

    def arrow_type(self) -> pa.DataType:
        return pa.timestamp(self.unit)

    def generate(self, block: Block) -> pa.Array:
        step = round(self.interval_seconds * _UNITS_PER_SECOND[self.unit])
        rows = np.arange(block.start, block.start + block.size, dtype=np.int64)
        return numpy_buffer_array(self.arrow_type(), rows * step + self._origin)


@FIELDS.register("series")
@dataclass(frozen=True, kw_only=True)
class SeriesField(Field):
    """A numeric field's values with a trend and seasonality applied (see the module's docstring)."""

    type_name = "series"

    base: dict[str, Any]
    """The spec of the underlying ``int`` or ``float`` field, e.g. ``{"type": "float", "mean": 100}``."""
    trend: dict[str, Any] | None = None
    """``{"type": "linear", "strength": s}``: adds ``s`` per step."""
    seasonality: dict[str, Any] | None = None
    """``{"period": p, "amplitude": a}``: multiplies by ``1 + a * sin(2 pi i / p)``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.base.get("type") not in ("int", "float"):
            raise self.error(f"base type={self.base.get('type')!r} is not allowed; allowed: int, float")
        try:
            self._base  # noqa: B018 (validates the base spec)
        except SchemaError as exc:
            raise self.error(f"base: {str(exc).split(': ', 1)[-1]}") from None
        self._trend_strength  # noqa: B018
        self._season  # noqa: B018

    @cached_property
    def _base(self) -> Field:
        spec = {k: v for k, v in self.base.items() if k != "type"}
        return FIELDS.get(self.base["type"]).from_spec(self.name, spec)

    @cached_property
    def _trend_strength(self) -> float:
        if self.trend is None:
            return 0.0
        if set(self.trend) - {"type", "strength"} or self.trend.get("type", "linear") != "linear":
            raise self.error(
                f"trend={self.trend!r} is not allowed; allowed: {{type: linear, strength: number}}"
            )
        strength = self.trend.get("strength")
        if not isinstance(strength, int | float) or isinstance(strength, bool) or not math.isfinite(strength):
            raise self.error(f"trend strength={strength!r} is not a finite number")
        return float(strength)

    @cached_property
    def _season(self) -> tuple[float, float]:
        if self.seasonality is None:
            return 1.0, 0.0
        unknown = set(self.seasonality) - {"period", "amplitude"}
        if unknown:
            raise self.error(
                f"seasonality has unknown key {sorted(unknown)[0]!r}; allowed: period, amplitude"
            )
        period, amplitude = self.seasonality.get("period"), self.seasonality.get("amplitude", 0.0)
        if not isinstance(period, int | float) or isinstance(period, bool) or not period > 0:
            raise self.error(f"seasonality period={period!r} is not a positive number of steps")
        if (
            not isinstance(amplitude, int | float)
            or isinstance(amplitude, bool)
            or not math.isfinite(amplitude)
        ):
            raise self.error(f"seasonality amplitude={amplitude!r} is not a finite number")
        return float(period), float(amplitude)

    def arrow_type(self) -> pa.DataType:
        return self._base.arrow_type()

    def generate(self, block: Block) -> pa.Array:
        base = self._base
        values = base.generate(block).to_numpy().astype(np.float64)
        rows = np.arange(block.start, block.start + block.size, dtype=np.float64)
        period, amplitude = self._season
        values = (values + self._trend_strength * rows) * (
            1.0 + amplitude * np.sin(2.0 * np.pi * rows / period)
        )
        lo = -np.inf if base.min is None else base.min  # type: ignore[attr-defined]
        hi = np.inf if base.max is None else base.max  # type: ignore[attr-defined]
        np.clip(values, lo, hi, out=values)
        dtype = np.dtype(base.dtype)  # type: ignore[attr-defined]
        out = empty(block.size, dtype)
        if dtype.kind == "f":
            decimals = base.decimals  # type: ignore[attr-defined]
            out[:] = values if decimals is None else np.round(values, decimals)
        else:
            info = np.iinfo(dtype)
            out[:] = np.clip(np.rint(values), info.min, info.max)
        return numpy_buffer_array(self.arrow_type(), out)
