"""The typed specs of scenario dynamics: one frozen spec per evolution shape, and the time axis.

Specs are data only; ``fastsynth.scenarios.evolve`` turns them into values. A document picks its spec
by ``type`` (aliases, the seed's names, map to one canonical name first), and unknown keys are refused
with the keys the type takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastsynth.errors import UsageError
from fastsynth.specs import Bounds, Spec, Tagged, from_document

__all__ = [
    "ALIASES",
    "EVOLUTIONS",
    "Cyclic",
    "DrivenBy",
    "Evolution",
    "ExponentialDecay",
    "ExponentialGrowth",
    "Linear",
    "Noise",
    "RandomWalk",
    "Sigmoid",
    "Step",
    "TimeAxis",
    "evolution_from_spec",
]

Mode = Literal["add", "multiply"]
Positive = Annotated[float, Bounds(0, low_open=True)]


@dataclass(frozen=True)
class Linear(Spec):
    """``slope * t + intercept``: a steady trend."""

    type: Literal["linear"] = "linear"
    slope: float = 0.0
    """Change per unit of ``t`` (per row, or per time unit)."""
    intercept: float = 0.0
    """Change at ``t = 0``."""
    mode: Mode = "add"
    """``add``: ``x + change``; ``multiply``: ``x * (1 + change)``."""


@dataclass(frozen=True)
class Cyclic(Spec):
    """``amplitude * sin(2 pi t / period + phase)``: seasonality."""

    type: Literal["cyclic"] = "cyclic"
    amplitude: float = 1.0
    period: Positive = 100.0
    """Length of one cycle in units of ``t``: > 0."""
    phase: float = 0.0
    """Phase in radians (the seed's formula): ``pi / 2`` starts the cycle at its peak."""
    mode: Mode = "add"


@dataclass(frozen=True)
class Sigmoid(Spec):
    """``amplitude / (1 + exp(-(t - center) / width))``: a smooth change from 0 to ``amplitude``."""

    type: Literal["sigmoid"] = "sigmoid"
    amplitude: float = 1.0
    """Height of the S-curve: the change once it is complete."""
    center: float | None = None
    """Where the change is half done; None: the middle of the axis."""
    width: Positive | None = None
    """How long the change takes (the logistic's scale); None: a tenth of the axis's span."""
    mode: Mode = "add"


@dataclass(frozen=True)
class ExponentialGrowth(Spec):
    """``x * (1 + rate) ** t``: compound growth (always multiplicative)."""

    type: Literal["exponential_growth"] = "exponential_growth"
    rate: Annotated[float, Bounds(-1, low_open=True)] = 0.01
    """Growth per unit of ``t``: > -1."""


@dataclass(frozen=True)
class ExponentialDecay(Spec):
    """``x * (1 - rate) ** t``: compound decay (always multiplicative)."""

    type: Literal["exponential_decay"] = "exponential_decay"
    rate: Annotated[float, Bounds(0, 1, high_open=True)] = 0.01
    """Loss per unit of ``t``: in [0, 1)."""


@dataclass(frozen=True)
class Step(Spec):
    """``amplitude`` from ``t >= at`` on, nothing before: a sudden jump."""

    type: Literal["step"] = "step"
    amplitude: float = 1.0
    at: float | None = None
    """Where the step happens; None: the middle of the axis."""
    mode: Mode = "add"


@dataclass(frozen=True)
class Noise(Spec):
    """Independent Gaussian noise, ``N(0, std)`` per row, keyed by (seed, evolution index, column, row)."""

    type: Literal["noise"] = "noise"
    std: Annotated[float, Bounds(0)] = 1.0
    mode: Mode = "add"


@dataclass(frozen=True)
class RandomWalk(Spec):
    """The running sum of ``N(0, step_std)`` steps, in the order of ``t`` (row order without a time
    column): a drifting level."""

    type: Literal["random_walk"] = "random_walk"
    step_std: Annotated[float, Bounds(0)] = 0.1
    mode: Mode = "add"


@dataclass(frozen=True)
class DrivenBy(Spec):
    """A change computed from another column's value in the same row, by ``function``:
    ``linear`` (``slope * d + intercept``), ``exponential`` (``scale * exp(rate * d)``), ``power``
    (``scale * |d| ** exponent``) or ``polynomial`` (``coefficients``, highest power first)."""

    type: Literal["driven_by"] = "driven_by"
    driver: str = ""
    """The column whose value drives the change."""
    function: Literal["linear", "exponential", "power", "polynomial"] = "linear"
    slope: float = 1.0
    intercept: float = 0.0
    scale: float = 1.0
    rate: float = 1.0
    exponent: float = 2.0
    coefficients: tuple[float, ...] = (1.0, 0.0)
    mode: Mode = "add"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.driver:
            raise UsageError("driven_by needs 'driver', the column whose value drives the change")
        if self.function == "polynomial" and not self.coefficients:
            raise UsageError(
                "driven_by: coefficients=[] has no terms; a polynomial needs at least one coefficient "
                "(highest power first)"
            )


Evolution = Annotated[
    Linear | Cyclic | Sigmoid | ExponentialGrowth | ExponentialDecay | Step | Noise | RandomWalk | DrivenBy,
    Tagged("type", "linear"),
]
"""Any one evolution spec, picked by its ``type``."""

EVOLUTIONS: dict[str, type] = {
    "linear": Linear,
    "cyclic": Cyclic,
    "sigmoid": Sigmoid,
    "exponential_growth": ExponentialGrowth,
    "exponential_decay": ExponentialDecay,
    "step": Step,
    "noise": Noise,
    "random_walk": RandomWalk,
    "driven_by": DrivenBy,
}

ALIASES = {
    "trend": "linear",
    "cycle": "cyclic",
    "sinusoidal": "cyclic",
    "seasonal": "cyclic",
    "decay": "exponential_decay",
    "growth": "exponential_growth",
}
"""Other names of the types (the seed's among them)."""


def evolution_from_spec(spec: Any, where: str) -> Any:
    """One evolution spec from a document such as ``{"type": "cyclic", "period": 7}`` (or a spec)."""
    if isinstance(spec, tuple(EVOLUTIONS.values())):
        return spec
    if not isinstance(spec, dict):
        raise UsageError(f"{where}: {spec!r} is not an object with a 'type'")
    kind = spec.get("type", "linear")
    kind = ALIASES.get(kind, kind) if isinstance(kind, str) else kind
    if kind not in EVOLUTIONS:
        allowed = ", ".join([*EVOLUTIONS, *ALIASES])
        raise UsageError(f"{where}: type={spec.get('type')!r} is not an evolution type; allowed: {allowed}")
    document = {k: v for k, v in spec.items() if k not in ("type", "column", "columns")}
    return from_document(EVOLUTIONS[kind], document, where=f"{where} ({kind})", error=UsageError)


TimeUnit = Literal["ns", "us", "ms", "s", "minutes", "hours", "days", "weeks"]

UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "minutes": 60.0,
    "hours": 3600.0,
    "days": 86400.0,
    "weeks": 604800.0,
}


@dataclass(frozen=True)
class TimeAxis(Spec):
    """What ``t`` is: the row's position (no ``column``), or a numeric, date or timestamp column."""

    column: str | None = None
    """The time column; None: ``t`` is the row's position, 0 to rows - 1."""
    unit: TimeUnit = "days"
    """For a date or timestamp column: ``t`` counts these units."""
    origin: Literal["start", "zero"] = "start"
    """``start``: ``t = 0`` at the column's earliest value; ``zero``: at 0 (the Unix epoch for times),
    as the seed measures it."""

    @classmethod
    def from_spec(cls, spec: Any) -> TimeAxis:
        """From None (rows), a column name, or ``{"column": ..., "unit": ..., "origin": ...}``."""
        if spec is None:
            return cls()
        if isinstance(spec, TimeAxis):
            return spec
        if isinstance(spec, str):
            return cls(column=spec)
        return from_document(cls, spec, where="time", error=UsageError)
