"""The ``series`` field type: a numeric field shaped by a trend, seasonalities, noise, regimes and
anomalies (its time axis is a ``time_sequence`` column, its labels ``anomaly_label`` and ``regime``).

The seed format's ``trends`` (``{"type": "linear", "strength": s}``: ``s`` added per step) and
``seasonality`` (``{"period": p, "amplitude": a}``: a multiplier ``1 + a sin(2 pi i / p)``, so 0.2
swings the value by +-20% over every ``p`` steps) become ``series`` options.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array
from fastsynth.entities import STEP_BLOCK
from fastsynth.errors import SchemaError
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels import numeric as kn
from fastsynth.kernels import series as ks

if TYPE_CHECKING:
    pass

__all__ = ["SeriesField"]


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


Parameter = float | tuple[str, tuple[float, ...]]
"""A number, or a draw per entity: ("uniform", (low, high)), ("normal", (mean, std)), ("choice", values)."""


def _parameter(field: Field, where: str, value: Any, *, positive: bool = False) -> Parameter:
    """A number, or ``{"uniform": [low, high]}``, ``{"normal": [mean, std]}`` or ``{"choice": [...]}``
    drawn once per entity."""
    if not isinstance(value, dict):
        return _number(field, where, value, positive=positive)
    if len(value) != 1 or next(iter(value)) not in ("uniform", "normal", "choice"):
        raise field.error(
            f"{where}={value!r} is not allowed; allowed: a number, {{uniform: [low, high]}}, "
            "{normal: [mean, std]}, {choice: [values]}"
        )
    kind, arguments = next(iter(value.items()))
    if not isinstance(arguments, list) or not arguments:
        raise field.error(f"{where} {kind}={arguments!r} is not a list of numbers")
    numbers = tuple(_number(field, f"{where} {kind}", v) for v in arguments)
    if kind != "choice" and (len(numbers) != 2 or (numbers[0] > numbers[1] and kind == "uniform")):
        raise field.error(f"{where} {kind}={arguments!r} is not a pair [low, high] / [mean, std]")
    if kind == "normal" and numbers[1] < 0:
        raise field.error(f"{where} normal std={numbers[1]!r} is negative")
    if positive and (kind == "normal" or min(numbers) <= 0):
        raise field.error(f"{where}={value!r} may be <= 0; allowed: uniform or choice over positive numbers")
    return kind, numbers


def _per_entity(block: Block, where: str, parameter: Parameter) -> np.ndarray:
    """The parameter's value for every entity (entity ``e`` at index ``e``)."""
    count = block.entities.count
    if isinstance(parameter, float):
        return np.full(count, parameter)
    kind, numbers = parameter
    draws = Block(block.name, block.seed, 0, count)
    if kind == "uniform":
        return draws.uniform(*numbers, salt=where)
    if kind == "normal":
        return draws.normal(*numbers, salt=where)
    return np.array(numbers)[draws.integers(0, len(numbers) - 1, salt=where)]


_TREND_KEYS = {
    "linear": ("strength",),
    "exponential": ("rate",),
    "logistic": ("capacity", "rate", "midpoint"),
    "piecewise": ("strength",),
}
_TREND_CODES = {"linear": 0, "piecewise": 0, "logistic": 1, "exponential": 2}
_NOISE_KEYS = {
    "gaussian": {"scale"},
    "student_t": {"scale", "df"},
    "ar": {"scale", "coefficients", "explosive"},
    "random_walk": {"scale"},
}
_AR_MAX_TERMS = 200_000


@dataclass(frozen=True)
class _Regimes:
    mean_duration: float
    names: list[str]
    cumulative: np.ndarray
    levels: np.ndarray
    noise_scales: np.ndarray


@FIELDS.register("series")
@dataclass(frozen=True, kw_only=True)
class SeriesField(Field):
    """A numeric field's values shaped over time: ``(base + level + trend + regime level) * (1 +
    seasonality) * growth + noise + anomalies``, clipped to the base's ``min``/``max``. With a Poisson
    ``int`` base, the shaping applies to the rate ``lam`` and each row is a count drawn at its own rate.

    Numbers marked *per entity* may instead be ``{"uniform": [low, high]}``, ``{"normal": [mean, std]}``
    or ``{"choice": [v, ...]}``: each entity of the schema draws its own value once. Every part depends
    on the entity and step alone, so any split into batches gives the same rows."""

    base: dict[str, Any]
    """The spec of the underlying ``int`` or ``float`` field, e.g. ``{"type": "float", "mean": 100}``."""
    level: float | dict[str, Any] = 0.0
    """Added to every value (per entity): where each entity's series sits."""
    trend: dict[str, Any] | None = None
    """``linear`` (``strength``: added per step), ``piecewise`` (``strength`` then ``changepoints``: a
    list of ``[step, slope]``), ``logistic`` (adds ``capacity / (1 + exp(-rate (i - midpoint)))``) or
    ``exponential`` (multiplies by ``exp(rate i)``), chosen by ``type`` (default linear); the numbers
    are per entity."""
    seasonality: dict[str, Any] | list[Any] | None = None
    """One or a list of ``{"period": p, "amplitude": a, "phase": f}``, each multiplying by ``1 + a *
    s(i / p + f)`` with ``s`` a sine of period 1 or the optional ``profile`` (values over one period,
    repeated and linearly interpolated); ``amplitude`` and ``phase`` (a fraction of the period) are per
    entity."""
    noise: dict[str, Any] | None = None
    """Added noise, ``scale`` per entity: ``{"type": "gaussian", "scale": s}``, ``{"type": "student_t",
    "scale": s, "df": d}``, ``{"type": "ar", "coefficients": [phi_1, ...], "scale": s}`` (a stationary
    AR(p) process with innovations of standard deviation ``s``) or ``{"type": "random_walk", "scale":
    s}`` (steps of standard deviation ``s``, from 0 at step 0)."""
    regimes: dict[str, Any] | None = None
    """``{"mean_duration": d, "states": [{"name": ..., "weight": w, "level": x, "noise_scale": k}]}``:
    the series switches between states at random (on average every ``d`` steps, to a state drawn by
    weight); each state adds its ``level`` and multiplies the noise by its ``noise_scale``. A
    ``regime`` column names the state of each row."""
    anomalies: dict[str, Any] | None = None
    """``{"rate": r, "magnitude": m, "kind": "spike" | "dip" | "both", "duration": d}``: anomalies
    start at a fraction ``r`` of steps and add ``+m`` or ``-m`` for ``d`` steps (1, the default, for
    spikes and dips; more for level shifts); an ``anomaly_label`` column marks them."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.base.get("type") not in ("int", "float"):
            raise self.error(f"base type={self.base.get('type')!r} is not allowed; allowed: int, float")
        try:
            self._base  # noqa: B018 (validates the base spec)
        except SchemaError as exc:
            raise self.error(f"base: {str(exc).split(': ', 1)[-1]}") from None
        self._level  # noqa: B018
        self._trend  # noqa: B018
        self._seasons  # noqa: B018
        self._noise  # noqa: B018
        self._regimes  # noqa: B018
        self.anomaly_spec()

    @cached_property
    def _base(self) -> Field:
        spec = {k: v for k, v in self.base.items() if k != "type"}
        return FIELDS.get(self.base["type"]).from_spec(self.name, spec)

    @cached_property
    def _level(self) -> Parameter:
        return _parameter(self, "level", self.level)

    @cached_property
    def _trend(self) -> tuple[str, tuple[Parameter, ...], np.ndarray]:
        """(type, its parameters in ``_TREND_KEYS`` order, changepoints as rows [step, slope])."""
        trend = self.trend or {}
        kind = trend.get("type", "linear")
        if kind not in _TREND_KEYS:
            raise self.error(f"trend={trend!r} is not allowed; type: {', '.join(_TREND_KEYS)}")
        allowed = {*_TREND_KEYS[kind], "type"} | ({"changepoints"} if kind == "piecewise" else set())
        _keys(self, "trend", trend, allowed)
        params = []
        for key in _TREND_KEYS[kind]:
            value = trend.get(key, 0.0 if key in ("strength", "midpoint") else None)
            if value is None:
                raise self.error(f"trend type {kind!r} needs {key!r}")
            params.append(_parameter(self, f"trend {key}", value))
        points = trend.get("changepoints", [])
        if not isinstance(points, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) and p[0] >= 0 for p in points
        ):
            raise self.error(f"trend changepoints={points!r} is not a list of [step, slope] pairs")
        rows = sorted((step, _number(self, "changepoint slope", slope)) for step, slope in points)
        return kind, tuple(params), np.array(rows, np.float64).reshape(-1, 2)

    @cached_property
    def _seasons(self) -> list[tuple[float, Parameter, Parameter, np.ndarray]]:
        """(period, amplitude, phase, profile or an empty array) of each seasonality."""
        if self.seasonality is None:
            return []
        specs = self.seasonality if isinstance(self.seasonality, list) else [self.seasonality]
        seasons = []
        for spec in specs:
            if not isinstance(spec, dict):
                raise self.error(f"seasonality {spec!r} is not an object with period and amplitude")
            _keys(self, "seasonality", spec, {"period", "amplitude", "phase", "profile"})
            period = spec.get("period")
            if not isinstance(period, int | float) or isinstance(period, bool) or not period > 0:
                raise self.error(f"seasonality period={period!r} is not a positive number of steps")
            amplitude = _parameter(self, "seasonality amplitude", spec.get("amplitude", 0.0))
            phase = _parameter(self, "seasonality phase", spec.get("phase", 0.0))
            profile = spec.get("profile")
            if profile is None:
                profile = np.zeros(0)
            elif not isinstance(profile, list) or len(profile) < 2:
                raise self.error(f"seasonality profile={profile!r} is not a list of at least two numbers")
            else:
                profile = np.array([_number(self, "seasonality profile value", v) for v in profile])
            seasons.append((float(period), amplitude, phase, profile))
        return seasons

    @cached_property
    def _ar_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(coefficients, moving-average weights truncated where they have died out)."""
        assert self.noise is not None
        coefficients = self.noise.get("coefficients")
        if not isinstance(coefficients, list) or not 1 <= len(coefficients) <= 16:
            raise self.error(f"noise coefficients={coefficients!r} is not a list of 1 to 16 numbers")
        phi = np.array([_number(self, "noise coefficient", c) for c in coefficients])
        explosive = self.noise.get("explosive", False)
        if not isinstance(explosive, bool):
            raise self.error(f"noise explosive={explosive!r} is not true or false")
        # Stationary when every root of 1 - phi_1 z - ... - phi_p z^p lies outside the unit circle.
        roots = np.roots(np.concatenate([-phi[::-1], [1.0]]))
        if len(roots) and np.abs(roots).min() <= 1.0 + 1e-9:
            if explosive:  # one recursion from step 0 (x before it is 0): no moving-average form
                return phi, np.zeros(0)
            raise self.error(
                f"noise coefficients={coefficients!r} make the AR process explode; allowed: a stationary "
                "process (every root of 1 - phi_1 z - ... - phi_p z^p outside the unit circle), "
                "type random_walk for a unit root, or explosive: true to have it anyway"
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
    def _noise(self) -> tuple[str, Parameter, float] | None:
        """(type, scale, degrees of freedom) of the noise, or None."""
        if self.noise is None:
            return None
        kind = self.noise.get("type", "gaussian")
        if kind not in _NOISE_KEYS:
            raise self.error(f"noise type={kind!r} is not allowed; allowed: {', '.join(_NOISE_KEYS)}")
        _keys(self, "noise", self.noise, _NOISE_KEYS[kind] | {"type"})
        scale = _parameter(self, "noise scale", self.noise.get("scale", 1.0), positive=True)
        df = _number(self, "noise df", self.noise.get("df", 5.0), positive=True)
        if kind == "ar":
            self._ar_weights  # noqa: B018 (validates the coefficients)
        return kind, scale, df

    @cached_property
    def _regimes(self) -> _Regimes | None:
        if self.regimes is None:
            return None
        _keys(self, "regimes", self.regimes, {"mean_duration", "states"})
        duration = _number(self, "regimes mean_duration", self.regimes.get("mean_duration"), positive=True)
        states = self.regimes.get("states")
        if (
            not isinstance(states, list)
            or not 2 <= len(states) <= 100
            or not all(isinstance(s, dict) for s in states)
        ):
            raise self.error(f"regimes states={states!r} is not a list of 2 to 100 objects")
        for state in states:
            _keys(self, "regimes state", state, {"name", "weight", "level", "noise_scale"})
        names = [state.get("name", f"regime{k}") for k, state in enumerate(states)]
        if not all(isinstance(n, str) and n for n in names) or len(set(names)) < len(names):
            raise self.error(f"regimes state names {names!r} are not distinct non-empty strings")
        weights = np.array(
            [_number(self, "regimes weight", s.get("weight", 1.0), positive=True) for s in states]
        )
        return _Regimes(
            duration,
            names,
            np.cumsum(weights) / weights.sum(),
            np.array([_number(self, "regimes level", s.get("level", 0.0)) for s in states]),
            np.array([_number(self, "regimes noise_scale", s.get("noise_scale", 1.0)) for s in states]),
        )

    def regime_names(self) -> list[str] | None:
        """The names of the regimes, or None when the series has none."""
        return None if self._regimes is None else self._regimes.names

    def regime_indices(self, block: Block) -> np.ndarray:
        """The regime of each row (an index into ``regime_names``), made once per batch."""
        regimes = self._regimes
        assert regimes is not None
        cache = f"\x00regime\x00{self.name}"
        if cache not in block.made:
            out = empty(block.size, np.int8)
            segments = block.segments(STEP_BLOCK)
            key = block.key_of(self.name, "regime")
            mean_count = STEP_BLOCK / regimes.mean_duration
            ks.fill_regimes(out, key, *segments, STEP_BLOCK, mean_count, regimes.cumulative)
            block.made[cache] = out
        return block.made[cache]

    def anomaly_spec(self) -> tuple[float, float, str, int] | None:
        """(rate, magnitude, kind, duration) of the anomalies, or None."""
        if self.anomalies is None:
            return None
        _keys(self, "anomalies", self.anomalies, {"rate", "magnitude", "kind", "duration"})
        rate = _number(self, "anomalies rate", self.anomalies.get("rate", 0.001))
        if not 0 <= rate <= 1:
            raise self.error(f"anomalies rate={rate!r} is outside [0, 1]")
        magnitude = _number(self, "anomalies magnitude", self.anomalies.get("magnitude", 1.0))
        kind = self.anomalies.get("kind", "both")
        if kind not in ("spike", "dip", "both"):
            raise self.error(f"anomalies kind={kind!r} is not allowed; allowed: spike, dip, both")
        duration = self.anomalies.get("duration", 1)
        if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= STEP_BLOCK:
            raise self.error(
                f"anomalies duration={duration!r} is not a whole number of steps in [1, {STEP_BLOCK}]"
            )
        return rate, magnitude, kind, duration

    def anomaly_signs(self, block: Block) -> np.ndarray:
        """+1 or -1 where row ``i`` is inside an anomaly, else 0 (what ``anomaly_label`` reads)."""
        spec = self.anomaly_spec()
        if spec is None:
            return np.zeros(block.size, np.int8)
        rate, _, kind, duration = spec
        cache = f"\x00anomaly\x00{self.name}"
        if cache not in block.made:
            out = empty(block.size, np.int8)
            sign = {"spike": 1, "dip": -1, "both": 0}[kind]
            key = block.key_of(self.name, "anomaly")
            ks.fill_episodes(out, key, *block.segments(STEP_BLOCK), rate, duration, sign)
            block.made[cache] = out
        return block.made[cache]

    def _shape_arguments(self, block: Block) -> tuple[Any, ...]:
        """The level, trend and seasons as the per-entity arrays ``shape_series`` takes."""
        kind, params, changepoints = self._trend
        count = block.entities.count
        trend_params = np.zeros((count, 3))
        for column, parameter in enumerate(params):
            trend_params[:, column] = _per_entity(block, f"trend{column}", parameter)
        seasons = self._seasons
        amplitudes = np.zeros((count, len(seasons)))
        phases = np.zeros((count, len(seasons)))
        for k, (_, amplitude, phase, _) in enumerate(seasons):
            amplitudes[:, k] = _per_entity(block, f"amplitude{k}", amplitude)
            phases[:, k] = _per_entity(block, f"phase{k}", phase) % 1.0
        profiles = [profile for *_, profile in seasons]
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in profiles])]).astype(np.int64)
        return (
            _TREND_CODES[kind],
            trend_params,
            changepoints,
            _per_entity(block, "level", self._level),
            np.array([period for period, *_ in seasons], np.float64),
            amplitudes,
            phases,
            np.concatenate([np.zeros(0), *profiles]).astype(np.float64),
            offsets,
        )

    def _noise_values(self, block: Block, entities: np.ndarray) -> np.ndarray:
        kind, scale, df = self._noise  # type: ignore[misc]
        if kind in ("ar", "random_walk"):
            noise = empty(block.size, np.float64)
            segments = block.segments(STEP_BLOCK)
            if kind == "ar":
                key = block.subkey("noise")
                phi, psi = self._ar_weights
                count = block.entities.count

                def start_carry() -> tuple[np.ndarray, np.ndarray]:
                    return np.full(count, -1, np.int64), np.zeros((count, len(phi)))

                # Where each entity's recursion stopped and its last values, kept by the run from batch
                # to batch (see ``kernels.series.fill_ar``): an optimisation only, values never depend on it.
                with block.run.hold(("ar carry", key, count), start_carry) as carry:
                    # An explosive process has no restart blocks: one recursion from step 0, resumed
                    # from batch to batch (a batch that starts elsewhere replays from step 0).
                    restart = STEP_BLOCK if len(psi) else 1 << 62
                    ks.fill_ar(noise, key, *block.segments(restart), phi, psi, restart, *carry)
            else:
                ks.fill_bridge(noise, block.subkey("noise"), *segments, False)
        else:
            noise = block.normal(salt="noise")
        if kind == "student_t":
            chi = empty(block.size, np.float64)
            code = kn.FLOAT_DISTRIBUTIONS["gamma"]
            kn.fill_float(
                chi, block.subkey("noise-df"), block.start, code, df / 2.0, 2.0, -np.inf, np.inf, 0.0
            )
            noise = noise / np.sqrt(chi / df)
        scales = _per_entity(block, "noise", scale)
        return noise * (scales[0] if len(scales) == 1 else scales[entities])

    def arrow_type(self) -> pa.DataType:
        return self._base.arrow_type()

    def generate(self, block: Block) -> pa.Array:
        base = self._base
        lo = -np.inf if base.min is None else float(base.min)  # type: ignore[attr-defined]
        hi = np.inf if base.max is None else float(base.max)  # type: ignore[attr-defined]
        steps, entities = block.timeline()
        counts = getattr(base, "distribution", None) == "poisson"
        if counts:  # the trend and seasons shape the Poisson rate, and counts are drawn at that rate
            values = np.full(block.size, float(base.lam))  # type: ignore[attr-defined]
        else:
            values = base.generate(block).to_numpy().astype(np.float64, copy=False)
        regimes = self._regimes
        if regimes is not None:
            regime = self.regime_indices(block)
            values = values + regimes.levels[regime]
        shaped = empty(block.size, np.float64)
        arguments = self._shape_arguments(block)
        ks.shape_series(shaped, values, steps, entities, *arguments, -np.inf if counts else lo, hi)
        values = shaped
        if counts:
            drawn = empty(block.size, np.int64)
            ks.fill_poisson(drawn, block.key, block.start, values)
            values = np.clip(drawn, lo, hi).astype(np.float64)
        if self._noise is not None:
            noise = self._noise_values(block, entities)
            if regimes is not None:
                noise *= regimes.noise_scales[regime]
            values += noise
        anomaly = self.anomaly_spec()
        if anomaly is not None:
            values += anomaly[1] * self.anomaly_signs(block)
        if self._noise is not None or anomaly is not None:
            np.clip(values, lo, hi, out=values)
        dtype = np.dtype(base.dtype)  # type: ignore[attr-defined]
        out = empty(block.size, dtype)
        if dtype.kind == "f":
            decimals = base.decimals  # type: ignore[attr-defined]
            out[:] = values if decimals is None else np.round(values, decimals)
        else:
            info = np.iinfo(dtype)  # type: ignore[type-var]  # dtype.kind says it is an integer
            out[:] = np.clip(np.rint(values), info.min, info.max)
        return numpy_buffer_array(self.arrow_type(), out)
