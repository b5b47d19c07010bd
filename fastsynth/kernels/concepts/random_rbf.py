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

__all__ = ["bounce_plan", "bounced", "centres_at", "pick", "picks", "random_rbf"]

_CHUNK = 2048  # rows per thread task (one direction scratch per task)
_EXACT = 2.0**53  # past it floats no longer hold every integer: a turn that far is never reached


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


@kernel
def bounce_plan(centres, velocities):
    """What ``bounced`` needs of each moving coordinate (moving centroids x features x 4): where it
    starts and its speed, seen rising (a falling coordinate is mirrored, ``1 - c``); the move that
    first passes 1; and the moves from one bound to the other (infinite when it never gets there)."""
    plan = np.empty((velocities.shape[0], velocities.shape[1], 4))
    for c in range(velocities.shape[0]):
        for f in range(velocities.shape[1]):
            v = velocities[c, f]
            start = centres[c, f] if v >= 0.0 else 1.0 - centres[c, f]
            step = abs(v)
            first = math.inf
            leg = math.inf
            if step > 0.0:
                first = math.floor((1.0 - start) / step) + 1.0
                leg = math.floor(1.0 / step) + 1.0
            plan[c, f, 0] = start
            plan[c, f, 1] = step
            plan[c, f, 2] = first if first < _EXACT else math.inf
            plan[c, f, 3] = leg if leg < _EXACT else math.inf
    return plan


@inline_kernel
def bounced(plan, c, f, falling, k):
    """Coordinate ``f`` of moving centroid ``c`` after ``k`` moves, river's way: the move that passes 1
    lands on 1 and turns, the one that passes 0 lands on 0 and turns (a discrete triangle wave). All
    in floats holding integers below 2**53, so exact."""
    start, step, first, leg = plan[c, f, 0], plan[c, f, 1], plan[c, f, 2], plan[c, f, 3]
    if k < first:
        p = start + k * step
    else:
        t = k - first  # moves since landing on 1
        if t < leg:
            p = 1.0 - t * step
        elif leg == math.inf:
            p = 0.0
        else:
            period = 2.0 * leg
            r = t - math.floor(t / period) * period
            if r < 0.0:
                r += period
            elif r >= period:
                r -= period
            p = 1.0 - r * step if r < leg else (r - leg) * step
    return 1.0 - p if falling else p


@kernel
def centres_at(centres, velocities, moves):
    """The centres after ``moves`` moves (centroids x features): the first ``len(velocities)`` move."""
    plan = bounce_plan(centres, velocities)
    out = centres.copy()
    for c in range(velocities.shape[0]):
        for f in range(centres.shape[1]):
            out[c, f] = bounced(plan, c, f, velocities[c, f] < 0.0, float(moves))
    return out


@parallel_kernel
def random_rbf(
    rows, key, centres, labels, deviations, cumulative, velocities, plan, desired, max_attempts, cols, y
):
    """Row ``rows[j]`` into ``cols[f][j], y[j]``: draws ``0 .. d-1`` the direction, ``d`` the normal
    magnitude, ``d + 1 + attempt`` the centroid. Only the centroid is redrawn to reach ``desired[j]``
    (the class is the centroid's, so this is the row given its class). ``plan`` is ``bounce_plan``'s
    for the moving centroids. Returns how many rows ran out of attempts."""
    n = rows.shape[0]
    d = centres.shape[1]
    n_drift = velocities.shape[0]
    streams = np.empty(d + 2, np.uint64)
    for k in range(d + 2):
        streams[k] = rng.stream(key, k)
    tasks = (n + _CHUNK - 1) // _CHUNK
    missed = 0
    for task in prange(tasks):
        direction = np.empty(d)
        for j in range(task * _CHUNK, min(n, (task + 1) * _CHUNK)):
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
                direction[f] = a
                length += a * a
            length = math.sqrt(length)
            magnitude = rng.normal(streams[d], rng.at(streams[d], i), i) * deviations[c]
            scale = magnitude / length if length > 0.0 else 0.0
            moves = float(i + 1)
            moving = c < n_drift
            for f in range(d):
                centre = bounced(plan, c, f, velocities[c, f] < 0.0, moves) if moving else centres[c, f]
                cols[f][j] = centre + direction[f] * scale
            y[j] = labels[c]
    return missed
