"""Friedman #1 regression, with river's parameters: ``friedman`` (``Friedman``, which has none but its
seed) and ``friedman_drift`` (``FriedmanDrift``: ``drift_type`` 'lea', 'gra' or 'gsg', ``position``,
``transition_window``). The target is a float64 and ``classes()`` is None."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Annotated, Literal

import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, Feature, Generator, Rows
from fastsynth.kernels.concepts.friedman import FRIEDMAN, GRA, GSG, LEA, friedman
from fastsynth.specs import Bounds, Invalid

__all__ = ["Friedman", "FriedmanDrift"]

_KINDS = {"lea": LEA, "gra": GRA, "gsg": GSG}
_NEVER = 2**62  # the third change point of 'gra' and 'gsg' (river's infinity)


@GENERATORS.register("friedman")
@dataclass(frozen=True, kw_only=True)
class Friedman(Generator):
    """Ten features uniform in [0, 1); ``y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + e``
    with ``e`` standard normal."""

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.float64()) for k in range(10))

    def target_type(self) -> pa.DataType:
        return pa.float64()

    def classes(self) -> None:
        return None

    def _drift(self) -> tuple[int, int, int, int, int]:
        """The kernel's drift: kind, three change points and the transition window."""
        return FRIEDMAN, _NEVER, _NEVER, _NEVER, 0

    def fill(self, out: Rows) -> int:
        """Regression: there are no classes to reach, so ``desired`` is not read."""
        friedman(out.rows, out.key, *self._drift(), tuple(out.columns), out.target)
        return 0


@GENERATORS.register("friedman_drift")
@dataclass(frozen=True, kw_only=True)
class FriedmanDrift(Friedman):
    """Friedman's target, changed at row numbers ``position`` in one of three ways (river's, after
    Ikonomovska et al., 2011)."""

    drift_type: Literal["lea", "gra", "gsg"] = "lea"
    """'lea' (local expanding abrupt): two regions of the feature space get another target at
    ``position[0]`` and grow at ``position[1]`` and ``position[2]``; 'gra' (global recurring abrupt):
    the features swap roles from ``position[0]`` and the first concept returns at ``position[1]``;
    'gsg' (global and slow gradual): a second concept from ``position[0]``, a third from
    ``position[1]``, each mixed half and half with the one before for ``transition_window`` rows."""
    position: tuple[Annotated[int, Bounds(0)], ...] | None = None
    """The change points, increasing: three for 'lea', two for 'gra' and 'gsg'. By default river's
    (50000, 100000, 150000), or its first two."""
    transition_window: Annotated[int, Bounds(0)] = 10_000
    """Rows after each change point in which 'gsg' mixes the old and the new concept (0: abrupt)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        points = self.points
        wanted = 3 if self.drift_type == "lea" else 2
        if len(points) != wanted:
            raise Invalid(
                f"position={list(points)} has {len(points)} change points; allowed: {wanted} increasing "
                f"row numbers for drift_type={self.drift_type!r}"
            )
        if any(b <= a for a, b in itertools.pairwise(points)):
            raise Invalid(f"position={list(points)} is not increasing; allowed: increasing row numbers")
        gap = points[1] - points[0]
        if self.drift_type == "gsg" and self.transition_window > gap:
            raise Invalid(
                f"transition_window={self.transition_window} is longer than the {gap} rows between the "
                f"change points; allowed: an integer in [0, {gap}]"
            )

    @property
    def points(self) -> tuple[int, ...]:
        """The change points: ``position``, or river's default for the drift type."""
        if self.position is not None:
            return self.position
        return (50_000, 100_000, 150_000) if self.drift_type == "lea" else (50_000, 100_000)

    def _drift(self) -> tuple[int, int, int, int, int]:
        p = self.points
        return _KINDS[self.drift_type], p[0], p[1], p[2] if len(p) > 2 else _NEVER, self.transition_window
