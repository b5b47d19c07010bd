"""Time-series field types: ``time_sequence`` (regular timestamps), ``series`` (a numeric field shaped
by a trend, seasonalities, noise and anomalies) and ``anomaly_label``.

The seed format's ``trends`` (``{"type": "linear", "strength": s}``: ``s`` added per step) and
``seasonality`` (``{"period": p, "amplitude": a}``: a multiplier ``1 + a sin(2 pi i / p)``, so 0.2
swings the value by +-20% over every ``p`` steps) become ``series`` options.
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
from fastsynth.kernels import numeric as kn

__all__ = ["AnomalyLabelField", "SeriesField", "TimeSequenceField"]

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
    jitter_seconds: float = 0.0
    """Each timestamp moves by a uniform amount in [-jitter, +jitter] (irregular sampling); 0 for none."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.jitter_seconds) and self.jitter_seconds >= 0):
            raise self.error(f"jitter_seconds={self.jitter_seconds!r} is not a number >= 0")
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
        times = rows * step + self._origin
        if self.jitter_seconds:
            jitter = round(self.jitter_seconds * _UNITS_PER_SECOND[self.unit])
            times += block.integers(-jitter, jitter, salt="jitter")
        return numpy_buffer_array(self.arrow_type(), times)


def _number(field: Field, where: str, value: Any, *, positive: bool = False) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise field.error(f"{where}={value!r} is not a finite number")
    if positive and value <= 0:
        raise field.error(f"{where}={value!r} is not positive")
    return float(value)


def _keys(field: Field, where: str, spec: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise field.error(f"{where} has unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")


_TREND_KEYS = {
    "linear": {"strength"},
    "exponential": {"rate"},
    "logistic": {"capacity", "rate", "midpoint"},
    "piecewise": {"strength", "changepoints"},
}
_NOISE_KEYS = {"gaussian": {"scale"}, "student_t": {"scale", "df"}, "ar": {"scale", "coefficients"}}
_AR_BLOCK = 4096
_AR_MAX_TERMS = 200_000


@FIELDS.register("series")
@dataclass(frozen=True, kw_only=True)
class SeriesField(Field):
    """A numeric field's values shaped over time: ``(base + trend) * growth * (1 + seasonality) + noise
    + anomalies``, clipped to the base's ``min``/``max`` (see the options). With a Poisson ``int`` base,
    the shaping applies to the rate ``lam`` and each row is a count drawn at its own rate. Every part
    depends on the row index alone, so any split into batches gives the same rows."""

    type_name = "series"

    base: dict[str, Any]
    """The spec of the underlying ``int`` or ``float`` field, e.g. ``{"type": "float", "mean": 100}``."""
    trend: dict[str, Any] | None = None
    """``linear`` (``strength``: added per step), ``piecewise`` (``strength`` then ``changepoints``: a
    list of ``[row, slope]``), ``logistic`` (adds ``capacity / (1 + exp(-rate (i - midpoint)))``) or
    ``exponential`` (multiplies by ``exp(rate i)``), chosen by ``type`` (default linear)."""
    seasonality: dict[str, Any] | list[Any] | None = None
    """One or a list of ``{"period": p, "amplitude": a}``, each multiplying by ``1 + a * s(i)`` with
    ``s`` a sine of period ``p`` steps, or the optional ``profile`` (values over one period, repeated
    and linearly interpolated)."""
    noise: dict[str, Any] | None = None
    """Added noise: ``{"type": "gaussian", "scale": s}``, ``{"type": "student_t", "scale": s, "df": d}``
    or ``{"type": "ar", "coefficients": [phi_1, ...], "scale": s}`` (a stationary AR(p) process with
    innovations of standard deviation ``s``)."""
    anomalies: dict[str, Any] | None = None
    """``{"rate": r, "magnitude": m, "kind": "spike" | "dip" | "both"}``: a fraction ``r`` of rows get
    ``+m`` or ``-m``; an ``anomaly_label`` column marks them."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.base.get("type") not in ("int", "float"):
            raise self.error(f"base type={self.base.get('type')!r} is not allowed; allowed: int, float")
        try:
            self._base  # noqa: B018 (validates the base spec)
        except SchemaError as exc:
            raise self.error(f"base: {str(exc).split(': ', 1)[-1]}") from None
        self._trend  # noqa: B018
        self._seasons  # noqa: B018
        self._noise  # noqa: B018
        self.anomaly_spec()

    @cached_property
    def _base(self) -> Field:
        spec = {k: v for k, v in self.base.items() if k != "type"}
        return FIELDS.get(self.base["type"]).from_spec(self.name, spec)

    @cached_property
    def _trend(self) -> tuple[str, dict[str, Any]]:
        if self.trend is None:
            return "linear", {"strength": 0.0}
        kind = self.trend.get("type", "linear")
        if kind not in _TREND_KEYS:
            raise self.error(f"trend={self.trend!r} is not allowed; type: {', '.join(_TREND_KEYS)}")
        _keys(self, "trend", self.trend, _TREND_KEYS[kind] | {"type"})
        params: dict[str, Any] = {}
        for key in sorted(_TREND_KEYS[kind] - {"changepoints"}):
            default = 0.0 if key in ("strength", "midpoint") else None
            value = self.trend.get(key, default)
            if value is None:
                raise self.error(f"trend type {kind!r} needs {key!r}")
            params[key] = _number(self, f"trend {key}", value)
        if kind == "piecewise":
            points = self.trend.get("changepoints", [])
            if not isinstance(points, list) or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) and p[0] >= 0 for p in points
            ):
                raise self.error(f"trend changepoints={points!r} is not a list of [row, slope] pairs")
            params["changepoints"] = sorted(
                (row, _number(self, "changepoint slope", slope)) for row, slope in points
            )
        return kind, params

    @cached_property
    def _seasons(self) -> list[tuple[float, float, np.ndarray | None]]:
        if self.seasonality is None:
            return []
        specs = self.seasonality if isinstance(self.seasonality, list) else [self.seasonality]
        seasons = []
        for spec in specs:
            if not isinstance(spec, dict):
                raise self.error(f"seasonality {spec!r} is not an object with period and amplitude")
            _keys(self, "seasonality", spec, {"period", "amplitude", "profile"})
            period = spec.get("period")
            if not isinstance(period, int | float) or isinstance(period, bool) or not period > 0:
                raise self.error(f"seasonality period={period!r} is not a positive number of steps")
            amplitude = _number(self, "seasonality amplitude", spec.get("amplitude", 0.0))
            profile = spec.get("profile")
            if profile is not None:
                if not isinstance(profile, list) or len(profile) < 2:
                    raise self.error(f"seasonality profile={profile!r} is not a list of at least two numbers")
                profile = np.array([_number(self, "seasonality profile value", v) for v in profile])
            seasons.append((float(period), amplitude, profile))
        return seasons

    @cached_property
    def _ar_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(coefficients, moving-average weights truncated where they have died out)."""
        assert self.noise is not None
        coefficients = self.noise.get("coefficients")
        if not isinstance(coefficients, list) or not 1 <= len(coefficients) <= 16:
            raise self.error(f"noise coefficients={coefficients!r} is not a list of 1 to 16 numbers")
        phi = np.array([_number(self, "noise coefficient", c) for c in coefficients])
        # Stationary when every root of 1 - phi_1 z - ... - phi_p z^p lies outside the unit circle.
        roots = np.roots(np.concatenate([-phi[::-1], [1.0]]))
        if len(roots) and np.abs(roots).min() <= 1.0 + 1e-9:
            raise self.error(
                f"noise coefficients={coefficients!r} make the AR process explode; allowed: a stationary "
                "process (every root of 1 - phi_1 z - ... - phi_p z^p outside the unit circle)"
            )
        psi = [1.0]
        while len(psi) < _AR_MAX_TERMS:
            k = len(psi)
            psi.append(sum(phi[j] * psi[k - 1 - j] for j in range(min(len(phi), k))))
            if k > len(phi) and max(abs(v) for v in psi[-len(phi) - 1 :]) < 1e-17:
                break
        else:
            raise self.error(f"noise coefficients={coefficients!r} are too close to explosive to generate")
        return phi, np.array(psi)

    @cached_property
    def _noise(self) -> tuple[str, float, float] | None:
        if self.noise is None:
            return None
        kind = self.noise.get("type", "gaussian")
        if kind not in _NOISE_KEYS:
            raise self.error(f"noise type={kind!r} is not allowed; allowed: {', '.join(_NOISE_KEYS)}")
        _keys(self, "noise", self.noise, _NOISE_KEYS[kind] | {"type"})
        scale = _number(self, "noise scale", self.noise.get("scale", 1.0), positive=True)
        df = _number(self, "noise df", self.noise.get("df", 5.0), positive=True)
        if kind == "ar":
            self._ar_weights  # noqa: B018 (validates the coefficients)
        return kind, scale, df

    def anomaly_spec(self) -> tuple[float, float, str] | None:
        """(rate, magnitude, kind) of the anomalies, or None."""
        if self.anomalies is None:
            return None
        _keys(self, "anomalies", self.anomalies, {"rate", "magnitude", "kind"})
        rate = _number(self, "anomalies rate", self.anomalies.get("rate", 0.001))
        if not 0 <= rate <= 1:
            raise self.error(f"anomalies rate={rate!r} is outside [0, 1]")
        magnitude = _number(self, "anomalies magnitude", self.anomalies.get("magnitude", 1.0))
        kind = self.anomalies.get("kind", "both")
        if kind not in ("spike", "dip", "both"):
            raise self.error(f"anomalies kind={kind!r} is not allowed; allowed: spike, dip, both")
        return rate, magnitude, kind

    def anomaly_flags(self, block: Block) -> np.ndarray:
        """True where row ``i`` is an anomaly (the same draws ``anomaly_label`` reads)."""
        spec = self.anomaly_spec()
        if spec is None:
            return np.zeros(block.size, bool)
        own = Block(self.name, block.seed, block.start, block.size, block.schema)
        return own.uniform(salt="anomaly") < spec[0]

    @cached_property
    def _kernel_parameters(self) -> tuple[Any, ...]:
        """The trend and seasons as the arrays ``shape_series`` takes."""
        kind, p = self._trend
        changepoints = np.zeros((0, 2))
        trend, slope, growth = 0, p.get("strength", 0.0), 0.0
        if kind == "piecewise":
            changepoints = np.array(p["changepoints"], np.float64).reshape(-1, 2)
        elif kind == "logistic":
            trend, changepoints = 1, np.array([[p["capacity"], p["rate"], p["midpoint"]]])
        elif kind == "exponential":
            growth = p["rate"]
        profiles = [np.zeros(0) if profile is None else profile for _, _, profile in self._seasons]
        offsets = np.concatenate([[0], np.cumsum([len(pr) for pr in profiles])]).astype(np.int64)
        return (
            trend,
            float(slope),
            changepoints,
            float(growth),
            np.array([period for period, _, _ in self._seasons], np.float64),
            np.array([amplitude for _, amplitude, _ in self._seasons], np.float64),
            np.concatenate([np.zeros(0), *profiles]).astype(np.float64),
            offsets,
        )

    def arrow_type(self) -> pa.DataType:
        return self._base.arrow_type()

    def generate(self, block: Block) -> pa.Array:
        base = self._base
        lo = -np.inf if base.min is None else float(base.min)  # type: ignore[attr-defined]
        hi = np.inf if base.max is None else float(base.max)  # type: ignore[attr-defined]
        counts = getattr(base, "distribution", None) == "poisson"
        if counts:  # the trend and seasons shape the Poisson rate, and counts are drawn at that rate
            values = np.full(block.size, float(base.lam))  # type: ignore[attr-defined]
        else:
            values = base.generate(block).to_numpy().astype(np.float64, copy=False)
        shaped = empty(block.size, np.float64)
        kn.shape_series(shaped, values, block.start, *self._kernel_parameters, -np.inf if counts else lo, hi)
        values = shaped
        if counts:
            drawn = empty(block.size, np.int64)
            kn.fill_poisson(drawn, block.key, block.start, values)
            values = np.clip(drawn, lo, hi).astype(np.float64)
        if self._noise is not None:
            kind, scale, df = self._noise
            if kind == "ar":
                noise = empty(block.size, np.float64)
                kn.fill_ar(noise, block.subkey("noise"), block.start, *self._ar_weights, _AR_BLOCK)
            else:
                noise = block.normal(salt="noise")
            if kind == "student_t":
                chi = empty(block.size, np.float64)
                code = kn.FLOAT_DISTRIBUTIONS["gamma"]
                kn.fill_float(
                    chi, block.subkey("noise-df"), block.start, code, df / 2.0, 2.0, -np.inf, np.inf, 0.0
                )
                noise = noise / np.sqrt(chi / df)
            values += scale * noise
        anomaly = self.anomaly_spec()
        if anomaly is not None:
            _, magnitude, kind = anomaly
            flags = self.anomaly_flags(block)
            sign = {"spike": 1.0, "dip": -1.0}.get(kind)
            signs = np.where(block.uniform(salt="anomaly-sign") < 0.5, -1.0, 1.0) if sign is None else sign
            values += np.where(flags, magnitude * signs, 0.0)
        if self._noise is not None or anomaly is not None:
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


@FIELDS.register("anomaly_label")
@dataclass(frozen=True, kw_only=True)
class AnomalyLabelField(Field):
    """True on the rows where the ``series`` column named by ``series`` has an anomaly."""

    type_name = "anomaly_label"

    series: str
    """The series column whose anomalies this column marks."""

    def dependencies(self, schema: Any) -> tuple[str, ...]:
        return (self.series,)

    def check_schema(self, schema: Any) -> None:
        target = next((f for f in schema.fields if f.name == self.series), None)
        if not isinstance(target, SeriesField) or target.anomaly_spec() is None:
            raise self.error(f"series={self.series!r} is not a series column with anomalies")

    def arrow_type(self) -> pa.DataType:
        return pa.bool_()

    def generate(self, block: Block) -> pa.Array:
        target = next(f for f in block.schema.fields if f.name == self.series)
        flags = target.anomaly_flags(block)
        return pa.Array.from_buffers(
            pa.bool_(), block.size, [None, pa.py_buffer(np.packbits(flags, bitorder="little"))]
        )
