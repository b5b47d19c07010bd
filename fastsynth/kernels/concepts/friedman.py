"""Friedman #1 regression (Friedman, 1991), as river's ``Friedman`` and ``FriedmanDrift``: ten
features uniform in [0, 1), of which the first five (six under one drift) make the target, plus a
standard normal noise.

The drifts are river's (Ikonomovska, Gama and Dzeroski, 2011), functions of the row index: ``LEA``
changes the target in two regions of the feature space that grow at each of three change points;
``GRA`` swaps the features' roles between two change points, then the first concept returns; ``GSG``
moves through three concepts, and for ``window`` rows after each change point a row takes the old
concept or the new one with equal chance (a per-row draw: river's ``getrandbits(1)``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, parallel_kernel

__all__ = ["FRIEDMAN", "GRA", "GSG", "LEA", "friedman", "friedman_target", "friedman_targets"]

FRIEDMAN, LEA, GRA, GSG = 0, 1, 2, 3
"""The target functions: no drift, local expanding abrupt, global recurring abrupt, global and slow
gradual."""

_FEATURES = 10
_S63 = np.uint64(63)


@inline_kernel
def _first(x0, x1, x2, x3, x4):
    """Friedman's function: ``10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4``."""
    return 10.0 * math.sin(math.pi * x0 * x1) + 20.0 * (x2 - 0.5) ** 2 + 10.0 * x3 + 5.0 * x4


@inline_kernel
def _lea(i, p1, p2, p3, x0, x1, x2, x3, x4):
    """Friedman's function, but for two regions that appear at ``p1`` and grow at ``p2`` and ``p3``
    (each drops one of its conditions), with a target of their own."""
    if i >= p1:
        if i < p2:
            r1 = x1 < 0.3 and x2 < 0.3 and x3 > 0.7 and x4 < 0.3
            r2 = x1 > 0.7 and x2 > 0.7 and x3 < 0.3 and x4 > 0.7
        elif i < p3:
            r1 = x1 < 0.3 and x2 < 0.3 and x3 > 0.7
            r2 = x1 > 0.7 and x2 > 0.7 and x3 < 0.3
        else:
            r1 = x1 < 0.3 and x2 < 0.3
            r2 = x1 > 0.7 and x2 > 0.7
        if r1:
            return 10.0 * x0 * x1 + 20.0 * (x2 - 0.5) + 10.0 * x3 + 5.0 * x4
        if r2:
            return 10.0 * math.cos(x0 * x1) + 20.0 * (x2 - 0.5) + math.exp(x3) + 5.0 * x4**2
    return _first(x0, x1, x2, x3, x4)


@inline_kernel
def friedman_target(kind, p1, p2, p3, window, i, old, x0, x1, x2, x3, x4, x5):
    """The noise-free target of row ``i`` under drift ``kind`` with change points ``p1 < p2 < p3``;
    ``old`` (a fair coin) picks the old concept in a ``GSG`` transition window."""
    if kind == LEA:
        return _lea(i, p1, p2, p3, x0, x1, x2, x3, x4)
    if kind == GRA:
        if i < p1 or i >= p2:
            return _first(x0, x1, x2, x3, x4)
        return _first(x3, x5, x1, x0, x2)
    if kind == GSG and i >= p1:
        if i < p2:
            if i < p1 + window and old:
                return _first(x0, x1, x2, x3, x4)
            return _first(x3, x4, x1, x0, x2)
        if i < p2 + window and old:
            return _first(x3, x4, x1, x0, x2)
        return _first(x1, x4, x3, x2, x0)
    return _first(x0, x1, x2, x3, x4)


@parallel_kernel
def friedman_targets(kind, p1, p2, p3, window, rows, old, x, out):
    """``out[j]`` = ``friedman_target`` of row ``rows[j]`` with features ``x[j]`` and coin ``old[j]``
    (for tests: river's features relabelled)."""
    for j in prange(rows.shape[0]):
        out[j] = friedman_target(
            kind, p1, p2, p3, window, rows[j], old[j], x[j, 0], x[j, 1], x[j, 2], x[j, 3], x[j, 4], x[j, 5]
        )


@parallel_kernel
def friedman(rows, key, kind, p1, p2, p3, window, cols, y):
    """Row ``rows[j]`` into ``cols[f][j], y[j]``: draws 0-9 the features, 10 the noise, 11 the coin."""
    streams = np.empty(_FEATURES + 2, np.uint64)
    for k in range(_FEATURES + 2):
        streams[k] = rng.stream(key, k)
    s0, s1, s2, s3, s4, s5 = streams[0], streams[1], streams[2], streams[3], streams[4], streams[5]
    noise, coin = streams[_FEATURES], streams[_FEATURES + 1]
    for j in prange(rows.shape[0]):
        i = rows[j]
        x0 = rng.unit(rng.at(s0, i))
        x1 = rng.unit(rng.at(s1, i))
        x2 = rng.unit(rng.at(s2, i))
        x3 = rng.unit(rng.at(s3, i))
        x4 = rng.unit(rng.at(s4, i))
        x5 = rng.unit(rng.at(s5, i))
        cols[0][j], cols[1][j], cols[2][j], cols[3][j], cols[4][j], cols[5][j] = x0, x1, x2, x3, x4, x5
        for f in range(6, _FEATURES):
            cols[f][j] = rng.unit(rng.at(streams[f], i))
        old = kind == GSG and rng.at(coin, i) >> _S63 == 1
        value = friedman_target(kind, p1, p2, p3, window, i, old, x0, x1, x2, x3, x4, x5)
        y[j] = value + rng.normal(noise, rng.at(noise, i), i)
