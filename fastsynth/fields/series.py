"""The ``series`` field type: a numeric field shaped by a trend, seasonalities, noise, regimes and
anomalies (its time axis is a ``time_sequence`` column, its labels ``anomaly_label`` and ``regime``).

The seed format's ``trends`` (``{"type": "linear", "strength": s}``: ``s`` added per step) and
``seasonality`` (``{"period": p, "amplitude": a}``: a multiplier ``1 + a sin(2 pi i / p)``, so 0.2
swings the value by +-20% over every ``p`` steps) become ``series`` options.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array, read_only
from fastsynth.entities import STEP_BLOCK
from fastsynth.errors import SchemaError
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.fields.series_options import (
    Anomalies,
    AutoRegressive,
    Draw,
    Linear,
    Noise,
    PerEntity,
    Piecewise,
    RandomWalk,
    Regimes,
    Season,
    StudentT,
    Trend,
)
from fastsynth.kernels import numeric as kn
from fastsynth.kernels import series as ks
from fastsynth.specs import Size, spend, to_document, work_left

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["SeriesField"]


_AR_MAX_TERMS = 200_000
# Draws a trial of AR restarts takes to time them (tens of milliseconds), and the draws below which a
# schema's restarts are cheap enough not to time at all.
_AR_TRIAL_DRAWS = 2_000_000
_AR_CHEAP_DRAWS = 10_000_000
_REGIME_TRIAL_SWITCHES = 250_000  # a switch is drawn and sorted: about 0.1 s


def moving_average_weights(phi: np.ndarray, terms: int = _AR_MAX_TERMS) -> np.ndarray | None:
    """The weights psi of a stationary AR(p) as a moving average of its innovations, truncated where
    they have died out (below 1e-17), or None if they have not within ``terms``. A kernel: near a unit
    root they take 200,000 terms, 2 s of Python."""
    psi = np.empty(terms, np.float64)
    count = ks.moving_average(np.ascontiguousarray(phi, np.float64), psi)
    return None if count < 0 else psi[:count].copy()


def _per_entity(block: Block, where: str, parameter: PerEntity) -> np.ndarray:
    """The parameter's value for every entity (entity ``e`` at index ``e``)."""
    count = block.entities.count
    if not isinstance(parameter, Draw):
        return np.full(count, float(parameter))
    numbers = parameter.numbers
    draws = Block(block.name, block.seed, 0, count)
    if parameter.kind == "uniform":
        return draws.uniform(*numbers, salt=where)
    if parameter.kind == "normal":
        return draws.normal(*numbers, salt=where)
    return np.array(numbers)[draws.integers(0, len(numbers) - 1, salt=where)]


# Each trend's parameters in the order shape_series takes them, and its code there.
_TREND_PARAMETERS = {
    "linear": ("strength",),
    "piecewise": ("strength",),
    "logistic": ("capacity", "rate", "midpoint"),
    "exponential": ("rate",),
}
_TREND_CODES = {"linear": 0, "piecewise": 0, "logistic": 1, "exponential": 2}


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
    level: PerEntity = 0.0
    """Added to every value (per entity): where each entity's series sits."""
    trend: Trend | None = None
    """``linear`` (``strength``: added per step), ``piecewise`` (``strength`` then ``changepoints``: a
    list of ``[step, slope]``), ``logistic`` (adds ``capacity / (1 + exp(-rate (i - midpoint)))``) or
    ``exponential`` (multiplies by ``exp(rate i)``), chosen by ``type`` (default linear); the numbers
    are per entity."""
    seasonality: Season | Annotated[tuple[Season, ...], Size("series", "length")] | None = None
    """One or a list of ``{"period": p, "amplitude": a, "phase": f}``, each multiplying by ``1 + a *
    s(i / p + f)`` with ``s`` a sine of period 1 or the optional ``profile`` (values over one period,
    repeated and linearly interpolated); ``amplitude`` and ``phase`` (a fraction of the period) are per
    entity."""
    noise: Noise | None = None
    """Added noise, ``scale`` per entity: ``{"type": "gaussian", "scale": s}``, ``{"type": "student_t",
    "scale": s, "df": d}``, ``{"type": "ar", "coefficients": [phi_1, ...], "scale": s}`` (a stationary
    AR(p) process with innovations of standard deviation ``s``) or ``{"type": "random_walk", "scale":
    s}`` (steps of standard deviation ``s``, from 0 at step 0)."""
    regimes: Regimes | None = None
    """``{"mean_duration": d, "states": [{"name": ..., "weight": w, "level": x, "noise_scale": k}]}``:
    the series switches between states at random (on average every ``d`` steps, to a state drawn by
    weight); each state adds its ``level`` and multiplies the noise by its ``noise_scale``. A
    ``regime`` column names the state of each row."""
    anomalies: Anomalies | None = None
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
        if self.noise is not None:
            scale = self.noise.scale
            if not (scale.positive() if isinstance(scale, Draw) else scale > 0):
                raise self.error(
                    f"noise scale={to_document(scale)!r} may be <= 0; allowed: a positive number, or uniform "
                    "or choice over positive numbers"
                )
            if isinstance(self.noise, AutoRegressive):
                self._ar_weights  # noqa: B018 (checks the process is stationary)

    def check_schema(self, schema: Schema) -> None:
        """Under limits, AR noise whose series take longer to start than the work ceiling is refused
        (and regimes that take too long to find, ``_check_regimes``).
        A series starts (at step 0, and again every ``STEP_BLOCK`` steps) from its moving-average form,
        ``len(coefficients) * len(psi)`` draws; a batch holds every entity's start, so near a unit root
        (psi of 195,000 terms) 65,536 entities took minutes before the first row."""
        budget = work_left()
        if budget is None:
            return
        entities = 1 if schema.entities is None else schema.entities.count
        if self.regimes is not None:
            self._check_regimes(entities, budget)
        if not isinstance(self.noise, AutoRegressive):
            return
        phi, psi = self._ar_weights
        per_entity = len(phi) * len(psi)
        if not len(psi) or per_entity * entities <= _AR_CHEAP_DRAWS:
            return  # an explosive process has no restarts: one recursion from step 0, carried on
        seconds = self._restart_seconds(phi, psi, max(1, min(entities, _AR_TRIAL_DRAWS // per_entity)))
        needed = seconds * entities
        if needed > budget[0]:
            raise self.error(
                f"noise coefficients={list(self.noise.coefficients)!r} make an AR process that remembers "
                f"{len(psi):,} steps: starting the series of {entities:,} entities would take about "
                f"{needed:.0f} s, over the limit; allowed: at most {budget[0]} s ({budget[1]}): "
                "coefficients further from a unit root, or fewer entities"
            )
        spend("work", needed)

    def _check_regimes(self, entities: int, budget: tuple[float, str]) -> None:
        """Under limits, regimes whose switches take longer to draw than the work ceiling are refused.
        Every entity in a batch draws its block's switches (``STEP_BLOCK / mean_duration``, and sorts
        them) to find its regime: a mean of 1 step with 65,536 entities took 29 s for 65,536 rows."""
        assert self.regimes is not None
        mean_count = STEP_BLOCK / self.regimes.mean_duration
        if mean_count * entities <= _AR_CHEAP_DRAWS:
            return
        trial = max(1, min(entities, int(_REGIME_TRIAL_SWITCHES // mean_count)))

        def find(count: int) -> None:
            ks.fill_regimes(
                np.empty(count, np.int8), np.uint64(1), np.arange(count, dtype=np.int64),
                np.zeros(count, np.int64), np.ones(count, np.int64), np.arange(count, dtype=np.int64), 1,
                STEP_BLOCK, mean_count, self._regime_tables[0],
            )  # fmt: skip

        needed = _seconds_per_entity(find, trial) * entities
        if needed > budget[0]:
            raise self.error(
                f"regimes mean_duration={self.regimes.mean_duration:g} switches {mean_count:,.0f} times a "
                f"block of {STEP_BLOCK} steps: finding the regimes of {entities:,} entities would take about "
                f"{needed:.0f} s a batch, over the limit; allowed: at most {budget[0]} s ({budget[1]}): a "
                "longer mean_duration, or fewer entities"
            )
        spend("work", needed)

    @staticmethod
    def _restart_seconds(phi: np.ndarray, psi: np.ndarray, trial: int) -> float:
        """Seconds to start one entity's AR series, timed on ``trial`` entities."""

        def start(count: int) -> None:
            ks.fill_ar(
                np.empty(count),
                np.uint64(1),
                np.arange(count, dtype=np.int64),
                np.zeros(count, np.int64),
                np.ones(count, np.int64),
                np.arange(count, dtype=np.int64),
                1,
                phi,
                psi,
                STEP_BLOCK,
                np.full(count, -1, np.int64),
                np.zeros((count, len(phi))),
            )

        return _seconds_per_entity(start, trial)

    @cached_property
    def _base(self) -> Field:
        spec = {k: v for k, v in self.base.items() if k != "type"}
        return FIELDS.get(self.base["type"]).from_spec(self.name, spec)

    @property
    def _seasons(self) -> tuple[Season, ...]:
        if self.seasonality is None or isinstance(self.seasonality, tuple):
            return self.seasonality or ()
        return (self.seasonality,)

    @cached_property
    def _ar_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(coefficients, moving-average weights truncated where they have died out)."""
        assert isinstance(self.noise, AutoRegressive)
        coefficients = list(self.noise.coefficients)
        phi = np.array(coefficients)
        # Stationary when every root of 1 - phi_1 z - ... - phi_p z^p lies outside the unit circle.
        try:
            with np.errstate(all="ignore"):
                roots = np.roots(np.concatenate([-phi[::-1], [1.0]]))
        except np.linalg.LinAlgError:  # coefficients so large the companion matrix overflows
            roots = np.zeros(1)
        if len(roots) and not (np.abs(roots).min() > 1.0 + 1e-9):  # NaN roots: explosive too
            if self.noise.explosive:  # one recursion from step 0 (x before it is 0): no moving-average form
                return phi, np.zeros(0)
            raise self.error(
                f"noise coefficients={coefficients!r} make the AR process explode; allowed: a stationary "
                "process (every root of 1 - phi_1 z - ... - phi_p z^p outside the unit circle), "
                "type random_walk for a unit root, or explosive: true to have it anyway"
            )
        psi = moving_average_weights(phi)
        if psi is None:
            raise self.error(f"noise coefficients={coefficients!r} are too close to explosive to generate")
        return phi, psi

    @cached_property
    def _regime_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cumulative weights, levels, noise scales) of the regimes."""
        assert self.regimes is not None
        states = self.regimes.states
        weights = np.array([s.weight for s in states])
        return (
            np.cumsum(weights) / weights.sum(),
            np.array([s.level for s in states]),
            np.array([s.noise_scale for s in states]),
        )

    def regime_names(self) -> list[str] | None:
        """The names of the regimes, or None when the series has none."""
        return None if self.regimes is None else self.regimes.names

    def regime_indices(self, block: Block) -> np.ndarray:
        """The regime of each row (an index into ``regime_names``), made once per batch."""
        assert self.regimes is not None
        cache = f"\x00regime\x00{self.name}"
        if cache not in block.made:
            out = empty(block.size, np.int8)
            segments = block.segments(STEP_BLOCK)
            key = block.key_of(self.name, "regime")
            mean_count = STEP_BLOCK / self.regimes.mean_duration
            ks.fill_regimes(out, key, *segments, STEP_BLOCK, mean_count, self._regime_tables[0])
            block.made[cache] = out
        return block.made[cache]

    def anomaly_signs(self, block: Block) -> np.ndarray:
        """+1 or -1 where row ``i`` is inside an anomaly, else 0 (what ``anomaly_label`` reads)."""
        anomalies = self.anomalies
        if anomalies is None:
            return np.zeros(block.size, np.int8)
        cache = f"\x00anomaly\x00{self.name}"
        if cache not in block.made:
            out = empty(block.size, np.int8)
            sign = {"spike": 1, "dip": -1, "both": 0}[anomalies.kind]
            key = block.key_of(self.name, "anomaly")
            ks.fill_episodes(out, key, *block.segments(STEP_BLOCK), anomalies.rate, anomalies.duration, sign)
            block.made[cache] = out
        return block.made[cache]

    def _shape_arguments(self, block: Block) -> tuple[Any, ...]:
        """The level, trend and seasons as the per-entity arrays ``shape_series`` takes."""
        trend = self.trend or Linear()
        count = block.entities.count
        trend_params = np.zeros((count, 3))
        for column, parameter in enumerate(_TREND_PARAMETERS[trend.type]):
            trend_params[:, column] = _per_entity(block, f"trend{column}", getattr(trend, parameter))
        points = trend.changepoints if isinstance(trend, Piecewise) else ()
        changepoints = np.array(sorted(points), np.float64).reshape(-1, 2)
        seasons = self._seasons
        amplitudes = np.zeros((count, len(seasons)))
        phases = np.zeros((count, len(seasons)))
        for k, season in enumerate(seasons):
            amplitudes[:, k] = _per_entity(block, f"amplitude{k}", season.amplitude)
            phases[:, k] = _per_entity(block, f"phase{k}", season.phase) % 1.0
        profiles = [np.array(s.profile if s.profile is not None else (), np.float64) for s in seasons]
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in profiles])]).astype(np.int64)
        return (
            _TREND_CODES[trend.type],
            trend_params,
            changepoints,
            _per_entity(block, "level", self.level),
            np.array([s.period for s in seasons], np.float64),
            amplitudes,
            phases,
            np.concatenate([np.zeros(0), *profiles]).astype(np.float64),
            offsets,
        )

    def _noise_values(self, block: Block, entities: np.ndarray) -> np.ndarray:
        noise_spec = self.noise
        assert noise_spec is not None
        if isinstance(noise_spec, AutoRegressive | RandomWalk):
            noise = empty(block.size, np.float64)
            segments = block.segments(STEP_BLOCK)
            if isinstance(noise_spec, AutoRegressive):
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
        if isinstance(noise_spec, StudentT):
            df = noise_spec.df
            chi = empty(block.size, np.float64)
            code = kn.FLOAT_DISTRIBUTIONS["gamma"]
            kn.fill_float(
                chi, block.subkey("noise-df"), block.start, code, df / 2.0, 2.0, -np.inf, np.inf, 0.0
            )
            noise = noise / np.sqrt(chi / df)
        scales = _per_entity(block, "noise", noise_spec.scale)
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
        if self.regimes is not None:
            regime = self.regime_indices(block)
            values = values + self._regime_tables[1][regime]
        shaped = empty(block.size, np.float64)
        arguments = self._shape_arguments(block)
        ks.shape_series(shaped, read_only(values), steps, entities, *arguments, -np.inf if counts else lo, hi)
        values = shaped
        if counts:
            drawn = empty(block.size, np.int64)
            ks.fill_poisson(drawn, block.key, block.start, values)
            values = np.clip(drawn, lo, hi).astype(np.float64)
        if self.noise is not None:
            noise = self._noise_values(block, entities)
            if self.regimes is not None:
                noise *= self._regime_tables[2][regime]
            values += noise
        if self.anomalies is not None:
            values += self.anomalies.magnitude * self.anomaly_signs(block)
        if self.noise is not None or self.anomalies is not None:
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


def _seconds_per_entity(run: Callable[[int], None], trial: int) -> float:
    """The best of two timings of ``run(trial)``, per entity, after ``run(1)`` (which may compile)."""
    run(1)
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        run(trial)
        best = min(best, time.perf_counter() - started)
    return best / trial
