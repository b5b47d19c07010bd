"""Rotating hyperplane, with river's parameters: ``n_features`` uniform features, the first
``n_drift_features`` of whose weights move by ``mag_change`` a row, each reversing its direction with
probability ``sigma - 0.01`` after every row; ``noise_percentage - 0.01`` of the labels flipped.

River's tests are ``0.01 + random() <= sigma`` and ``0.01 + random() <= noise_percentage``, so its
rates are 0.01 below the parameters (none at all up to 0.01): kept, so that a stream here has river's
label balance and drift for the same parameters.

The weights start as river's do, ``random.Random(seed).random()`` per feature, with the stream's key as
the seed. Row ``i``'s weights are a function of ``i`` (see ``fastsynth.kernels.concepts.hyperplane``):
without reversals they are closed form; with them a block of rows' effect on the path is computed in
parallel and the entry state of blocks already reached is cached in the generator's state, every
``MARK_EVERY`` blocks and at the last block of each batch, so a stream's next batch walks only its own
rows and a batch far down the stream (row 10**8) costs one parallel pass over the rows before it, once.
"""

from __future__ import annotations

import random
import threading
from collections import deque
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
from fastsynth.kernels.concepts.hyperplane import (
    BLOCK,
    block_entries,
    block_summaries,
    hyperplane_closed,
    hyperplane_walk,
    hyperplane_weights,
)
from fastsynth.specs import Bounds, Invalid, Size

__all__ = ["MARK_EVERY", "Hyperplane", "WeightPath"]

MARK_EVERY = 256
"""Blocks between cached entry states of the weight path (256 blocks of 4096 rows: about 1M rows), so
that a batch anywhere already passed costs at most that many blocks' reversal draws."""

_SPAN = 1 << 16  # blocks summarised at a time on the way to a far row: bounds the scratch memory
_RECENT = 16  # entry states of batches' last blocks kept, apart from the regular marks


class WeightPath:
    """A hyperplane's initial weights and the entry states of the weight path's blocks reached so far,
    shared by the threads filling batches of one stream."""

    def __init__(self, weights: np.ndarray, n_drift: int) -> None:
        self.weights = weights
        self.n_drift = n_drift
        self._marks: dict[int, tuple[np.ndarray, np.ndarray]] = {
            0: (np.ones(n_drift, np.int64), np.zeros(n_drift, np.int64))
        }
        self._furthest = 0  # marks at every multiple of MARK_EVERY up to this block are known
        self._recent: deque[int] = deque()  # other marks: the last blocks of recent batches
        self._lock = threading.Lock()

    def entries(
        self, key: np.uint64, threshold: np.uint64, blocks: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The directions and net steps of the drift weights on entering each of ``blocks`` (sorted,
        distinct block indices): two arrays of (blocks, drift features)."""
        n_drift = self.n_drift
        with self._lock:
            start = min(int(blocks[0]) // MARK_EVERY * MARK_EVERY, self._furthest)
            start = max([start, *(b for b in self._recent if b <= blocks[0])])
            direction, steps = self._marks[start]
        directions = np.empty((blocks.shape[0], n_drift), np.int64)
        net = np.empty((blocks.shape[0], n_drift), np.int64)
        last = int(blocks[-1])
        marks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        while True:
            end = min(last, start + _SPAN)
            sums = np.empty((end - start, n_drift), np.int64)
            signs = np.empty((end - start, n_drift), np.int64)
            block_summaries(key, n_drift, threshold, start, sums, signs)
            path_directions = np.empty((end - start + 1, n_drift), np.int64)
            path_steps = np.empty((end - start + 1, n_drift), np.int64)
            block_entries(direction, steps, sums, signs, path_directions, path_steps)
            inside = (blocks >= start) & (blocks <= end)
            directions[inside] = path_directions[blocks[inside] - start]
            net[inside] = path_steps[blocks[inside] - start]
            for b in range(-(-(start + 1) // MARK_EVERY) * MARK_EVERY, end + 1, MARK_EVERY):
                marks[b] = (path_directions[b - start].copy(), path_steps[b - start].copy())
            direction, steps = path_directions[-1].copy(), path_steps[-1].copy()
            start = end
            if start == last:
                break
        with self._lock:
            self._marks.update(marks)
            self._furthest = max(self._furthest, *marks) if marks else self._furthest
            if last % MARK_EVERY and last not in self._marks:
                self._marks[last] = (direction, steps)
                self._recent.append(last)
                if len(self._recent) > _RECENT:
                    self._marks.pop(self._recent.popleft(), None)
        return directions, net


@GENERATORS.register("hyperplane")
@dataclass(frozen=True, kw_only=True)
class Hyperplane(Generator):
    """Features uniform in [0, 1); class 1 when ``sum(w * x) >= sum(w) / 2`` for weights that drift."""

    n_features: Annotated[int, Bounds(1, 1000), Size("fields")] = 10
    """How many features (and weights)."""
    n_drift_features: Annotated[int, Bounds(0, 1000)] = 2
    """How many of the weights, the first ones, drift; at most ``n_features``."""
    mag_change: Annotated[float, Bounds(0, 1)] = 0.0
    """How far each drifting weight moves per row."""
    noise_percentage: Annotated[float, Bounds(0, 1)] = 0.05
    """River's label noise: labels are flipped with probability ``noise_percentage - 0.01``."""
    sigma: Annotated[float, Bounds(0, 1)] = 0.1
    """River's reversal rate: after each row, each drifting weight's direction reverses with
    probability ``sigma - 0.01``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_drift_features > self.n_features:
            raise Invalid(
                f"n_drift_features={self.n_drift_features} is more than n_features={self.n_features}; "
                f"allowed: an integer in [0, {self.n_features}]"
            )

    @property
    def flip(self) -> float:
        """The probability that a drifting weight's direction reverses after a row."""
        return max(0.0, self.sigma - 0.01)

    @property
    def threshold(self) -> np.uint64:
        """``flip`` in units of 2**-32: a reversal is a 32-bit draw below it."""
        return np.uint64(round(self.flip * 2**32))

    @property
    def noise(self) -> float:
        """The probability that a label is flipped."""
        return max(0.0, self.noise_percentage - 0.01)

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.float64()) for k in range(self.n_features))

    def state(self, seed: int) -> WeightPath:
        draws = random.Random(int(seed))
        weights = np.array([draws.random() for _ in range(self.n_features)])
        return WeightPath(weights, self.n_drift_features)

    def weights(self, rows: np.ndarray, key: int = 1, state: WeightPath | None = None) -> np.ndarray:
        """The weights that label rows ``rows`` (rows x features), as ``fill`` computes them."""
        path = self.state(key) if state is None else state
        rows = np.asarray(rows, np.int64)
        if self._closed_form() or rows.shape[0] == 0:
            out = np.tile(path.weights, (rows.shape[0], 1))
            out[:, : self.n_drift_features] += self.mag_change * rows[:, None]
            return out
        order, groups, blocks = _groups(rows)
        directions, steps = path.entries(np.uint64(key), self.threshold, blocks)
        out = np.empty((rows.shape[0], self.n_features))
        hyperplane_weights(
            rows, order, groups, np.uint64(key), path.weights, float(self.mag_change), self.threshold,
            directions, steps, out,
        )  # fmt: skip
        return out

    def sequential(self) -> bool:
        return not self._closed_form()  # reversals: the weights at row i sum every row's step before it

    def _closed_form(self) -> bool:
        """Whether the weights move without reversals (or not at all): ``w0 + mag_change * row``."""
        return self.threshold == 0 or self.mag_change == 0.0 or self.n_drift_features == 0

    def fill(self, out: Rows) -> int:
        if out.rows.shape[0] == 0:
            return 0
        path: WeightPath = out.state
        cols = kernel_columns(out.columns, out.rows.shape[0], self.n_features)
        if self._closed_form():
            missed = hyperplane_closed(
                out.rows, out.key, path.weights, self.n_drift_features, float(self.mag_change),
                self.noise, out.desired, MAX_ATTEMPTS, cols, out.target,
            )  # fmt: skip
        else:
            order, groups, blocks = _groups(out.rows)
            directions, steps = path.entries(out.key, self.threshold, blocks)
            missed = hyperplane_walk(
                out.rows, order, groups, out.key, path.weights, float(self.mag_change), self.threshold,
                directions, steps, self.noise, out.desired, MAX_ATTEMPTS, cols, out.target,
            )  # fmt: skip
        copy_back(cols, out.columns)
        return int(missed)


def _groups(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``order`` sorting ``rows``, the bounds of its runs of rows in one block, and those blocks."""
    if rows.shape[0] < 2 or bool(np.all(rows[1:] >= rows[:-1])):
        order = np.arange(rows.shape[0], dtype=np.int64)
    else:
        order = np.argsort(rows, kind="stable").astype(np.int64)
    blocks_of = rows[order] // BLOCK
    cuts = np.flatnonzero(blocks_of[1:] != blocks_of[:-1]) + 1
    groups = np.concatenate(([0], cuts, [rows.shape[0]])).astype(np.int64)
    return order, groups, blocks_of[groups[:-1]]
