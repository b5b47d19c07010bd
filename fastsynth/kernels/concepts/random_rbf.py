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

__all__ = ["bounce_plan", "bounced", "centres_at", "guide_table", "pick", "picks", "random_rbf"]

_CHUNK = 2048  # rows per thread task (one direction scratch per task)
_EXACT = 2.0**53  # past it floats no longer hold every integer: a turn that far is never reached


@inline_kernel
def _search(cumulative, u):
    """River's weighted choice: the first centroid whose cumulative weight exceeds ``u`` times the
    total (the last one when rounding leaves none), by bisection."""
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
def guide_table(cumulative):
    """Chen and Asau's guide table for ``pick``: entry ``k`` of ``size`` (the power of two from four
    times the centroids, so that ``u * size`` and ``k / size`` are exact) is the choice at
    ``u = k / size``, where the choice at any ``u`` in that bucket starts its search."""
    size = 1
    while size < 4 * cumulative.shape[0]:
        size *= 2
    guide = np.empty(size, np.int64)
    for k in range(size):
        guide[k] = _search(cumulative, k / size)
    return guide


@inline_kernel
def pick(cumulative, guide, u):
    """River's weighted choice (``_search``), from the guide table's entry for ``u`` forward: the same
    centroid (the choice grows with ``u``), in about 1.25 steps rather than a bisection's mispredicted
    branches (37 of 116 ns a row with 50 centroids)."""
    last = cumulative.shape[0] - 1
    target = u * cumulative[last]
    c = guide[min(np.int64(u * guide.shape[0]), guide.shape[0] - 1)]
    while c < last and cumulative[c] <= target:
        c += 1
    return c


@kernel
def picks(cumulative, guide, u, out):
    """``out[j]`` = ``pick(cumulative, guide, u[j])`` (for tests)."""
    for j in range(u.shape[0]):
        out[j] = pick(cumulative, guide, u[j])


@kernel
def bounce_plan(centres, velocities):
    """What ``bounced`` needs of each moving coordinate (moving centroids x features x 6): where it
    starts and its speed, seen rising (a falling coordinate is mirrored, ``1 - c``); the move that
    first passes 1; the moves from one bound to the other (infinite when it never gets there); one
    over twice that, the period's inverse; and 1 for a mirrored coordinate, 0 for a rising one."""
    plan = np.empty((velocities.shape[0], velocities.shape[1], 6))
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
            plan[c, f, 4] = 0.5 / plan[c, f, 3]
            plan[c, f, 5] = 1.0 if v < 0.0 else 0.0
    return plan


@inline_kernel
def bounced(plan, c, f, k):
    """Coordinate ``f`` of moving centroid ``c`` after ``k`` moves, river's way: the move that passes 1
    lands on 1 and turns, the one that passes 0 lands on 0 and turns (a discrete triangle wave). All
    in floats holding integers below 2**53, so exact. The coin-flip choices (which half of the
    period, rising or mirrored) are a ``max`` and an ``abs`` rather than mispredicted branches."""
    start, step, first, leg = plan[c, f, 0], plan[c, f, 1], plan[c, f, 2], plan[c, f, 3]
    if k < first:
        p = start + k * step
    else:
        t = k - first  # moves since landing on 1
        if t < leg:  # always, when it never gets to 0
            p = 1.0 - t * step
        else:
            period = 2.0 * leg
            r = t - math.floor(t * plan[c, f, 4]) * period  # off by at most a period: set right below
            if r < 0.0:
                r += period
            elif r >= period:
                r -= period
            # falling from 1 while r < leg (then (r - leg) * step < 0), rising from 0 after (then
            # 1 - r * step < 0, as leg * step > 1)
            p = max(1.0 - r * step, (r - leg) * step)
    return abs(plan[c, f, 5] - p)  # p itself, or 1 - p for a mirrored coordinate


@kernel
def centres_at(centres, velocities, moves):
    """The centres after ``moves`` moves (centroids x features): the first ``len(velocities)`` move."""
    plan = bounce_plan(centres, velocities)
    out = centres.copy()
    for c in range(velocities.shape[0]):
        for f in range(centres.shape[1]):
            out[c, f] = bounced(plan, c, f, float(moves))
    return out


@parallel_kernel
def random_rbf(
    rows,
    key,
    centres,
    labels,
    deviations,
    cumulative,
    guide,
    velocities,
    plan,
    desired,
    max_attempts,
    cols,
    y,
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
            c = pick(cumulative, guide, rng.unit(rng.at(streams[d + 1], i)))
            if desired[j] >= 0 and labels[c] != desired[j]:
                for attempt in range(1, max_attempts):
                    c = pick(cumulative, guide, rng.unit(rng.draw(key, i, d + 1 + attempt)))
                    if labels[c] == desired[j]:
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
            if c < n_drift:
                moves = float(i + 1)
                for f in range(d):
                    centre = bounced(plan, c, f, moves)
                    cols[f][j] = centre + direction[f] * scale
            else:
                for f in range(d):
                    cols[f][j] = centres[c, f] + direction[f] * scale
            y[j] = labels[c]
    return missed
