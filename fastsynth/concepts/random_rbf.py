"""Random radial basis functions, with river's parameters: ``RandomRBF`` (``n_classes``,
``n_features``, ``n_centroids``) and ``RandomRBFDrift`` (also ``change_speed`` and
``n_drift_centroids``), registered as ``random_rbf`` and ``random_rbf_drift``.

The centroids are river's: its build, run once with Python's ``random.Random`` seeded by the option
``seed_model`` (or, not given, the generator's key), gives the very centroids (centres, classes,
standard deviations, weights and, drifting, velocities) river makes with that ``seed_model``. Rows are
drawn per row from the key (see ``fastsynth.kernels.concepts.random_rbf``), and the moving centroids'
positions at row ``i`` are closed form, so any row is computed directly.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import (
    GENERATORS,
    MAX_ATTEMPTS,
    Feature,
    Generator,
    Rows,
    copy_back,
    kernel_columns,
)
from fastsynth.kernels.concepts.random_rbf import bounce_plan, centres_at, guide_table, random_rbf
from fastsynth.specs import Bounds, Invalid, Size

__all__ = ["Centroids", "RandomRBF", "RandomRBFDrift"]


@dataclass(frozen=True, eq=False)
class Centroids:
    """River's centroids: ``centres`` (centroids x features), ``labels``, ``deviations``, ``weights``
    and the velocities of the moving ones (moving centroids x features; none without drift)."""

    centres: np.ndarray
    labels: np.ndarray
    deviations: np.ndarray
    weights: np.ndarray
    velocities: np.ndarray

    @functools.cached_property
    def cumulative(self) -> np.ndarray:
        """The running sums of the weights that river's weighted choice walks."""
        return np.cumsum(self.weights)

    @functools.cached_property
    def guide(self) -> np.ndarray:
        """Where the weighted choice starts its search (``guide_table``)."""
        return guide_table(self.cumulative)

    @functools.cached_property
    def plan(self) -> np.ndarray:
        """Where each moving coordinate turns (``bounce_plan``)."""
        return bounce_plan(self.centres, self.velocities)


_MOST_COORDINATES = 2_000_000
"""Centroid coordinates river's algorithm draws before the first row (about a second's work)."""


@GENERATORS.register("random_rbf")
@dataclass(frozen=True, kw_only=True)
class RandomRBF(Generator):
    """``n_centroids`` centroids with a class, a weight and a spread; each row a point near one of
    them, picked by weight, and labelled with its class."""

    n_classes: Annotated[int, Bounds(2, 127)] = 2
    """How many classes the centroids are given."""
    n_features: Annotated[int, Bounds(1, 1000), Size("fields")] = 10
    """How many numeric features."""
    n_centroids: Annotated[int, Bounds(1, 100_000), Size("pool")] = 50
    """How many centroids."""
    seed_model: int | None = None
    """River's seed of the centroids; by default the generator's key (from ``seed`` and the options)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_centroids * self.n_features > _MOST_COORDINATES:  # built one by one in Python, as river's
            raise Invalid(
                f"n_centroids={self.n_centroids} times n_features={self.n_features} is "
                f"{self.n_centroids * self.n_features:,} coordinates; allowed: at most {_MOST_COORDINATES:,}"
            )

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.float64()) for k in range(self.n_features))

    def classes(self) -> int:
        return self.n_classes

    def setup_seconds(self) -> float:
        return (self.n_centroids + self._moving()) * self.n_features / _MOST_COORDINATES

    def _moving(self) -> int:
        """How many centroids move (the first ones): none here, see ``RandomRBFDrift``."""
        return 0

    def _velocity(self) -> float:
        """How far a moving centroid goes per row."""
        return 0.0

    def state(self, seed: int) -> Centroids:
        """River's ``_generate_centroids`` with its ``seed_model`` (or, not given, ``seed``: the
        generator's key): per centroid its centre's coordinates, its class, its standard deviation and
        its weight, in that order from one generator; the drifting variant then restarts a generator on
        the same seed for the velocities, each a random direction (normalised draws) times
        ``change_speed``."""
        seed = int(seed) if self.seed_model is None else self.seed_model
        draws = random.Random(seed)
        centres, labels, deviations, weights = [], [], [], []
        for _ in range(self.n_centroids):
            centres.append([draws.random() for _ in range(self.n_features)])
            labels.append(draws.randint(0, self.n_classes - 1))
            deviations.append(draws.random())
            weights.append(draws.random())
        draws = random.Random(seed)
        velocities = []
        for _ in range(self._moving()):
            speed = [draws.random() for _ in range(self.n_features)]
            norm = sum(s * s for s in speed) ** 0.5
            velocities.append([s / norm * self._velocity() for s in speed])
        return Centroids(
            centres=np.array(centres, np.float64).reshape(self.n_centroids, self.n_features),
            labels=np.array(labels, np.int64),
            deviations=np.array(deviations, np.float64),
            weights=np.array(weights, np.float64),
            velocities=np.array(velocities, np.float64).reshape(self._moving(), self.n_features),
        )

    def centres(self, row: int, key: int = 1, state: Centroids | None = None) -> np.ndarray:
        """The centroids' centres when row ``row`` is drawn (centroids x features)."""
        centroids = self.state(key) if state is None else state
        return centres_at(centroids.centres, centroids.velocities, row + 1)

    def fill(self, out: Rows) -> int:
        c: Centroids = out.state
        cols = kernel_columns(out.columns, out.rows.shape[0], self.n_features)
        missed = random_rbf(
            out.rows, out.key, c.centres, c.labels, c.deviations, c.cumulative, c.guide, c.velocities, c.plan,
            out.desired, MAX_ATTEMPTS, cols, out.target,
        )  # fmt: skip
        copy_back(cols, out.columns)
        return int(missed)


@GENERATORS.register("random_rbf_drift")
@dataclass(frozen=True, kw_only=True)
class RandomRBFDrift(RandomRBF):
    """``RandomRBF`` whose first ``n_drift_centroids`` centroids move by ``change_speed`` per row in a
    random direction each, bouncing off the bounds of [0, 1]."""

    change_speed: float = 0.0
    """How far a moving centroid goes per row (its direction has length one)."""
    n_drift_centroids: Annotated[int, Bounds(0)] = 50
    """How many centroids move; more than ``n_centroids`` means all of them, as river (which warns)."""

    def _moving(self) -> int:
        return min(self.n_drift_centroids, self.n_centroids)

    def _velocity(self) -> float:
        return self.change_speed
