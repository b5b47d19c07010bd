"""Random radial basis functions, as river's ``RandomRBF`` and ``RandomRBFDrift``: a row picks a
centroid by weight, takes its class, and lies in a uniformly random direction from its centre at a
distance of a standard normal times the centroid's standard deviation.

In the drifting variant the first ``n_drift`` centroids move by a fixed velocity per feature before
every row and bounce off the bounds of [0, 1] as river's do: a coordinate that passes a bound is set
to it and its velocity reversed. So the path of a coordinate is a discrete triangle wave whose
position after ``k`` moves is closed form (``bounced``), and row ``i`` (which river draws after
``i + 1`` moves) needs no earlier row.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, kernel, parallel_kernel

__all__ = ["bounced", "centres_at", "pick", "picks", "random_rbf"]

_BIG = 2.0**61  # move counts past which a coordinate's path is treated as never turning again


@inline_kernel
def pick(cumulative, u):
    """River's weighted choice: the first centroid whose cumulative weight exceeds ``u`` times the
    total (the last one when rounding leaves none)."""
    target = u * cumulative[cumulative.shape[0] - 1]
    lo = 0
    hi = cumulative.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] > target:
            hi = mid
        else:
            lo = mid + 1
    return lo


@kernel
def picks(cumulative, u, out):
    """``out[j]`` = ``pick(cumulative, u[j])`` (for tests)."""
    for j in range(u.shape[0]):
        out[j] = pick(cumulative, u[j])


@inline_kernel
def _rising(c0, v, k):
    """Position after ``k`` moves of ``v > 0`` from ``c0`` in [0, 1], river's way: the move that passes 1
    lands on 1 and turns, the one that passes 0 lands on 0 and turns."""
    first = math.floor((1.0 - c0) / v) + 1.0  # the move that first passes 1
    if k < first:
        return c0 + k * v
    t = k - np.int64(first)  # moves since landing on 1
    leg = math.floor(1.0 / v) + 1.0  # moves from one bound to the other
    if t < leg:
        return 1.0 - t * v
    if leg > _BIG:  # past 2**61 moves: beyond any stream, kept finite
        return min(1.0, (t - leg) * v)
    n = np.int64(leg)
    r = t % (2 * n)
    return 1.0 - r * v if r < n else (r - n) * v


@inline_kernel
def bounced(c0, v, k):
    """A coordinate starting at ``c0`` after ``k`` moves of velocity ``v`` (either sign)."""
    if v == 0.0 or k <= 0:
        return c0
    if v > 0.0:
        return _rising(c0, v, k)
    return 1.0 - _rising(1.0 - c0, -v, k)


@kernel
def centres_at(centres, velocities, moves):
    """The centres after ``moves`` moves (centroids x features): the first ``len(velocities)`` move."""
    out = centres.copy()
    for c in range(velocities.shape[0]):
        for f in range(centres.shape[1]):
            out[c, f] = bounced(centres[c, f], velocities[c, f], moves)
    return out


@parallel_kernel
def random_rbf(
    rows, key, centres, labels, deviations, cumulative, velocities, desired, max_attempts, cols, y
):
    """Row ``rows[j]`` into ``cols[f][j], y[j]``: draws ``0 .. d-1`` the direction, ``d`` the normal
    magnitude, ``d + 1 + attempt`` the centroid. Only the centroid is redrawn to reach ``desired[j]``
    (the class is the centroid's, so this is the row given its class). Returns how many rows ran out
    of attempts."""
    d = centres.shape[1]
    n_drift = velocities.shape[0]
    streams = np.empty(d + 2, np.uint64)
    for k in range(d + 2):
        streams[k] = rng.stream(key, k)
    missed = 0
    for j in prange(rows.shape[0]):
        i = rows[j]
        c = 0
        for attempt in range(max_attempts):
            s = streams[d + 1] if attempt == 0 else rng.stream(key, d + 1 + attempt)
            c = pick(cumulative, rng.unit(rng.at(s, i)))
            if desired[j] < 0 or labels[c] == desired[j]:
                break
            if attempt == max_attempts - 1:
                missed += 1
        length = 0.0
        for f in range(d):
            a = 2.0 * rng.unit(rng.at(streams[f], i)) - 1.0
            cols[f][j] = a
            length += a * a
        length = math.sqrt(length)
        magnitude = rng.normal(streams[d], rng.at(streams[d], i), i) * deviations[c]
        scale = magnitude / length if length > 0.0 else 0.0
        for f in range(d):
            centre = bounced(centres[c, f], velocities[c, f], i + 1) if c < n_drift else centres[c, f]
            cols[f][j] = centre + cols[f][j] * scale
        y[j] = labels[c]
    return missed
