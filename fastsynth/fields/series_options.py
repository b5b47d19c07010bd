"""The options of a ``series`` field as typed data: trends, seasonalities, noise, regimes, anomalies.

Each is a frozen spec built by ``fastsynth.specs`` (unknown keys refused, every number checked), so the
series field only turns them into the arrays its kernels take. Numbers marked *per entity* are a
``PerEntity``: a number, or a draw made once per entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastsynth.entities import STEP_BLOCK
from fastsynth.specs import Bounds, Invalid, Size, Spec, Tagged

__all__ = [
    "Anomalies",
    "Draw",
    "Exponential",
    "Linear",
    "Logistic",
    "Noise",
    "PerEntity",
    "Piecewise",
    "Regimes",
    "Season",
    "State",
    "Trend",
]

Positive = Annotated[float, Bounds(0, low_open=True)]


@dataclass(frozen=True)
class Draw(Spec):
    """A value drawn once per entity: ``{"uniform": [low, high]}``, ``{"normal": [mean, std]}`` or
    ``{"choice": [v, ...]}`` (one of the three)."""

    uniform: tuple[float, ...] | None = None
    normal: tuple[float, ...] | None = None
    choice: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        given = [
            (k, v)
            for k, v in (("uniform", self.uniform), ("normal", self.normal), ("choice", self.choice))
            if v is not None
        ]
        if len(given) != 1:
            raise Invalid("give one of {uniform: [low, high]}, {normal: [mean, std]}, {choice: [values]}")
        kind, numbers = given[0]
        if not numbers:
            raise Invalid(f"{kind}=[] is not a list of numbers")
        if kind != "choice" and (len(numbers) != 2 or (kind == "uniform" and numbers[0] > numbers[1])):
            raise Invalid(f"{kind}={list(numbers)!r} is not a pair [low, high] / [mean, std]")
        if kind == "normal" and numbers[1] < 0:
            raise Invalid(f"normal std={numbers[1]!r} is negative")

    @property
    def kind(self) -> str:
        return "uniform" if self.uniform is not None else "normal" if self.normal is not None else "choice"

    @property
    def numbers(self) -> tuple[float, ...]:
        return self.uniform or self.normal or self.choice or ()

    def positive(self) -> bool:
        """Whether every value it can draw is > 0."""
        return self.kind != "normal" and min(self.numbers) > 0


PerEntity = float | Draw
"""A number, or a ``Draw`` made once per entity."""


@dataclass(frozen=True)
class Linear(Spec):
    """Adds ``strength`` per step."""

    type: Literal["linear"] = "linear"
    strength: PerEntity = 0.0


@dataclass(frozen=True)
class Piecewise(Spec):
    """Adds ``strength`` per step, then from each ``[step, slope]`` changepoint on that slope."""

    type: Literal["piecewise"] = "piecewise"
    strength: PerEntity = 0.0
    changepoints: Annotated[tuple[tuple[float, ...], ...], Size("series", "length")] = ()
    """Every row adds up the slopes of the changepoints before it: 40,000 took 8 s for 65,536 rows."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for point in self.changepoints:
            if len(point) != 2 or not float(point[0]).is_integer() or point[0] < 0:
                points = [list(p) for p in self.changepoints]
                raise Invalid(f"changepoints={points!r} is not a list of [step, slope] pairs")


@dataclass(frozen=True)
class Logistic(Spec):
    """Adds ``capacity / (1 + exp(-rate (i - midpoint)))``."""

    capacity: PerEntity
    rate: PerEntity
    type: Literal["logistic"] = "logistic"
    midpoint: PerEntity = 0.0


@dataclass(frozen=True)
class Exponential(Spec):
    """Multiplies by ``exp(rate i)``."""

    rate: PerEntity
    type: Literal["exponential"] = "exponential"


Trend = Annotated[Linear | Piecewise | Logistic | Exponential, Tagged("type", "linear")]


@dataclass(frozen=True)
class Season(Spec):
    """Multiplies by ``1 + amplitude * s(i / period + phase)``: ``s`` a sine of period 1, or ``profile``
    (values over one period, repeated and linearly interpolated)."""

    period: Positive
    """Steps per cycle."""
    amplitude: PerEntity = 0.0
    phase: PerEntity = 0.0
    """A fraction of the period."""
    profile: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.profile is not None and len(self.profile) < 2:
            raise Invalid(f"profile={list(self.profile)!r} is not a list of at least two numbers")


@dataclass(frozen=True)
class Gaussian(Spec):
    type: Literal["gaussian"] = "gaussian"
    scale: PerEntity = 1.0


@dataclass(frozen=True)
class StudentT(Spec):
    type: Literal["student_t"] = "student_t"
    scale: PerEntity = 1.0
    df: Positive = 5.0
    """Degrees of freedom."""


@dataclass(frozen=True)
class AutoRegressive(Spec):
    """A stationary AR(p) process with innovations of standard deviation ``scale`` (or, with
    ``explosive``, any AR process, run from step 0)."""

    coefficients: tuple[float, ...]
    type: Literal["ar"] = "ar"
    scale: PerEntity = 1.0
    explosive: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= len(self.coefficients) <= 16:
            raise Invalid(f"coefficients={list(self.coefficients)!r} is not a list of 1 to 16 numbers")


@dataclass(frozen=True)
class RandomWalk(Spec):
    """Steps of standard deviation ``scale``, from 0 at step 0."""

    type: Literal["random_walk"] = "random_walk"
    scale: PerEntity = 1.0


Noise = Annotated[Gaussian | StudentT | AutoRegressive | RandomWalk, Tagged("type", "gaussian")]


@dataclass(frozen=True)
class State(Spec):
    """One regime: it adds ``level`` and multiplies the noise by ``noise_scale``."""

    name: str | None = None
    weight: Positive = 1.0
    """How often it is chosen, relative to the others."""
    level: float = 0.0
    noise_scale: float = 1.0


@dataclass(frozen=True)
class Regimes(Spec):
    """States the series switches between, on average every ``mean_duration`` steps."""

    mean_duration: Annotated[float, Bounds(1)]
    """At least one step: each switch expected is drawn, so a mean of 0.001 steps drew 4,096,000 a
    block of steps (12 s for 65,536 rows) only to redraw the regime at nearly every step (a mean of 1
    already switches at 63% of steps)."""
    states: tuple[State, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 2 <= len(self.states) <= 100:
            raise Invalid(f"states has {len(self.states)} states; allowed: a list of 2 to 100 objects")
        names = self.names
        if not all(names) or len(set(names)) < len(names):
            raise Invalid(f"state names {names!r} are not distinct non-empty strings")

    @property
    def names(self) -> list[str]:
        return [s.name if s.name is not None else f"regime{k}" for k, s in enumerate(self.states)]


@dataclass(frozen=True)
class Anomalies(Spec):
    """Episodes starting at a fraction ``rate`` of steps that add ``+magnitude`` (spike), ``-magnitude``
    (dip) or either for ``duration`` steps."""

    rate: Annotated[float, Bounds(0, 1)] = 0.001
    magnitude: float = 1.0
    kind: Literal["spike", "dip", "both"] = "both"
    duration: Annotated[int, Bounds(1, STEP_BLOCK)] = 1
