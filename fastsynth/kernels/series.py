"""Kernels of time series: the deterministic shape (trend, level, seasons) of each row, and the processes
that carry state along a series (AR noise, random walks, regimes, Poisson arrival times).

A dataset may hold many series, one per *entity*. Row ``j`` of a batch is step ``steps[j]`` of entity
``entities[j]``. Stateful processes work on *segments*: a run of ``count`` consecutive steps of one
entity from ``step``, written to ``out[offset + k * stride]``. The value at a step never depends on where
a segment starts, so any split into batches, any row order and any thread count give the same values:

- AR noise restarts at absolute blocks of steps from its moving-average form;
- random walks and arrival times are built top-down by bridges over a fixed horizon of ``2**40``
  steps: the value at a step is drawn given the values at the two ends of every dyadic interval that
  holds it, so it is a function of the step alone, and a segment costs its length plus the 40 levels;
- regime switches are a Poisson process counted per absolute block of steps.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = [
    "HORIZON",
    "entity_key",
    "fill_ar",
    "fill_bridge",
    "fill_episodes",
    "fill_poisson",
    "fill_regimes",
    "locate",
    "moving_average",
    "shape_series",
]

_HORIZON_BITS = 40
HORIZON = 1 << _HORIZON_BITS
"""Steps a random walk or an arrival process can reach (about 10**12: 35,000 years of seconds)."""
_ENTITY = np.uint64(0xA0761D6478BD642F)
_SECOND_GAMMA = np.uint64(0xE7037ED1A0B428DB)
_STACK = 2 * _HORIZON_BITS + 4


@kernel
def entity_key(key: np.uint64, entity: int) -> np.uint64:
    """The key of one entity's series in a column; entity 0 keeps the column's own key, so a dataset of
    one series is the same with or without entities."""
    if entity == 0:
        return key
    return rng.mix64(key ^ (np.uint64(entity) * _ENTITY))


@parallel_kernel
def shape_series(
    out,
    base,
    steps,
    entities,
    trend,
    trend_params,
    changepoints,
    level,
    periods,
    amplitudes,
    phases,
    profiles,
    profile_offsets,
    lo,
    hi,
):
    """``out[j] = clip((base[j] + level[e] + trend(i)) * (1 + sum_k a[e, k] s_k(i)) * growth(i))`` for
    step ``i = steps[j]`` of entity ``e = entities[j]``.

    ``trend``: 0 linear (``trend_params[e, 0]`` per step, then each ``changepoints`` row ``[step, new
    slope]``), 1 logistic (``trend_params[e]`` = capacity, rate, midpoint), 2 exponential growth
    (``exp(trend_params[e, 0] * i)``). Season ``k`` is a sine of period ``periods[k]`` shifted by
    ``phases[e, k]`` periods, or when ``profile_offsets[k] < profile_offsets[k + 1]`` the profile values
    between them, repeated over the period and linearly interpolated."""
    for j in prange(out.shape[0]):
        e = entities[j]
        i = float(steps[j])
        added = 0.0
        if trend == 0:
            previous = trend_params[e, 0]
            added = previous * i
            for c in range(changepoints.shape[0]):
                if i > changepoints[c, 0]:
                    added += (changepoints[c, 1] - previous) * (i - changepoints[c, 0])
                previous = changepoints[c, 1]
        elif trend == 1:
            added = trend_params[e, 0] / (1.0 + math.exp(-trend_params[e, 1] * (i - trend_params[e, 2])))
        season = 1.0
        for k in range(periods.shape[0]):
            # phases are in [0, 1): one subtraction wraps the sum (a float modulo costs 3x more)
            phase = (i - math.floor(i / periods[k]) * periods[k]) / periods[k] + phases[e, k]
            if phase >= 1.0:
                phase -= 1.0
            first = profile_offsets[k]
            count = profile_offsets[k + 1] - first
            if count == 0:
                shape = math.sin(2.0 * math.pi * phase)
            else:
                position = phase * count
                left = int(position)
                fraction = position - left
                right = left + 1 if left + 1 < count else 0
                shape = profiles[first + left] * (1.0 - fraction) + profiles[first + right] * fraction
            season += amplitudes[e, k] * shape
        value = (base[j] + level[e] + added) * season
        if trend == 2:
            value *= math.exp(trend_params[e, 0] * i)
        out[j] = min(max(value, lo), hi)


@kernel
def locate(steps, entities, start, count):
    """Step and entity of rows ``start, start + 1, ...`` in time order with ``count`` entities: counting
    up is cheaper than dividing every row."""
    step, entity = start // count, start % count
    for j in range(steps.shape[0]):
        steps[j] = step
        entities[j] = entity
        entity += 1
        if entity == count:
            entity = 0
            step += 1


@parallel_kernel
def fill_poisson(out, key, start, rates):
    """``out[j]`` = a Poisson count with mean ``rates[j]`` for row ``start + j`` (a time-varying rate)."""
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        i = start + j
        out[j] = rng.poisson(key, rng.at(s0, i), i, max(rates[j], 0.0))


@kernel
def moving_average(phi, out) -> int:
    """The weights ``psi`` of an AR(p) as a moving average of its innovations (``psi_0 = 1``, ``psi_k =
    sum_j phi[j] psi[k - 1 - j]``), written to ``out`` until the last p + 1 have died out (below 1e-17);
    returns how many, or -1 if they have not within ``out``'s length."""
    p = phi.shape[0]
    out[0] = 1.0
    for k in range(1, out.shape[0]):
        acc = 0.0
        for j in range(min(p, k)):
            acc += phi[j] * out[k - 1 - j]
        out[k] = acc
        if k > p:
            largest = 0.0
            for v in range(k - p, k + 1):
                largest = max(largest, abs(out[v]))
            if largest < 1e-17:
                return k + 1
    return -1


@parallel_kernel
def fill_ar(
    out, key, seg_entity, seg_step, seg_count, seg_offset, stride, phi, psi, block, carry_step, carry
):
    """A stationary AR(p) process with standard normal innovations per entity: ``x_m = sum_j phi[j]
    x_{m-1-j} + e_m``. Steps are grouped in blocks aligned to absolute step numbers (segments never
    cross one); a block starts from its p previous values, each computed as the moving-average sum
    ``sum_k psi[k] e_{m-k}`` (``psi`` truncated where it has died out), then runs the recursion.

    ``carry_step[e]`` and ``carry[e]`` hold where entity ``e``'s last segment ended mid-block and its
    last p values: a segment that starts there continues the recursion instead of replaying the block
    from its start, with the very same arithmetic. Batches in time order hold a few steps of every
    entity, so without it each would replay half a block per entity."""
    p = phi.shape[0]
    segments = seg_entity.shape[0]
    resume = np.zeros(segments, np.bool_)
    resumed = np.zeros((segments, p))
    for g in range(segments):  # read every carry before any segment writes one
        e = seg_entity[g]
        if seg_step[g] % block != 0 and carry_step[e] == seg_step[g]:
            resume[g] = True
            for lag in range(p):
                resumed[g, lag] = carry[e, lag]
    for g in prange(segments):
        e = seg_entity[g]
        ekey = entity_key(key, e)
        s0 = rng.stream(ekey, 0)
        first = seg_step[g]
        end = first + seg_count[g]
        history = np.zeros(p)  # history[lag] = x_{m - 1 - lag}
        origin = first
        if resume[g]:
            for lag in range(p):
                history[lag] = resumed[g, lag]
        else:
            origin = (first // block) * block
            for lag in range(p):
                m = origin - 1 - lag
                acc = 0.0
                for k in range(psi.shape[0]):
                    acc += psi[k] * rng.normal(ekey, rng.at(s0, m - k), m - k)
                history[lag] = acc
        for m in range(origin, end):
            x = rng.normal(ekey, rng.at(s0, m), m)
            for lag in range(p):
                x += phi[lag] * history[lag]
            for lag in range(p - 1, 0, -1):
                history[lag] = history[lag - 1]
            if p > 0:
                history[0] = x
            if m >= first:
                out[seg_offset[g] + (m - first) * stride] = x
        if end % block != 0:  # at most one segment per entity ends mid-block
            for lag in range(p):
                carry[e, lag] = history[lag]
            carry_step[e] = end


@kernel
def _node(left: int, right: int) -> int:
    """The number of the dyadic interval ``[left, right)`` in heap order (the whole horizon is 1)."""
    return (HORIZON + left) // (right - left)


@kernel
def _split(
    ekey: np.uint64, other: np.uint64, node: int, width: int, low: float, high: float, gamma: bool
) -> float:
    """The value at the middle of an interval of ``width`` steps, given its ends: a Brownian bridge
    (random walk) or a gamma bridge (arrival times: the ends' gap split by a Beta(w/2, w/2) fraction)."""
    if gamma:
        g1 = rng.gamma(ekey, node, 0, 0.5 * width)
        g2 = rng.gamma(other, node, 0, 0.5 * width)
        return low + (high - low) * (g1 / (g1 + g2))
    s0 = rng.stream(ekey, 0)
    return 0.5 * (low + high) + 0.5 * math.sqrt(width) * rng.normal(ekey, rng.at(s0, node), node)


@parallel_kernel
def fill_bridge(out, key, seg_entity, seg_step, seg_count, seg_offset, stride, gamma):
    """Per entity, a process whose value at a step depends on that step alone, drawn top-down: its value
    at ``HORIZON`` first, then the middle of every interval given its ends, only down the intervals that
    hold a requested step. ``gamma`` false: a Gaussian random walk with standard normal steps, ``W_0 =
    0``. ``gamma`` true: arrival times of a Poisson process of rate 1, step ``i`` getting the sum of ``i +
    1`` standard exponential gaps (a Gamma total, split by Beta fractions)."""
    for g in prange(seg_entity.shape[0]):
        ekey = entity_key(key, seg_entity[g])
        other = rng.mix64(ekey ^ _SECOND_GAMMA)
        a = seg_step[g] + (1 if gamma else 0)
        b = a + seg_count[g] - 1
        lefts = np.empty(_STACK, np.int64)
        rights = np.empty(_STACK, np.int64)
        at_left = np.empty(_STACK)
        at_right = np.empty(_STACK)
        lefts[0], rights[0], at_left[0] = 0, HORIZON, 0.0
        if gamma:
            at_right[0] = rng.gamma(ekey, 0, 0, float(HORIZON))
        else:
            at_right[0] = math.sqrt(HORIZON) * rng.normal(ekey, rng.at(rng.stream(ekey, 0), 0), 0)
        top = 1
        while top > 0:
            top -= 1
            left, right, low, high = lefts[top], rights[top], at_left[top], at_right[top]
            if right < a or left > b:
                continue
            if right - left == 1:
                if left >= a:
                    out[seg_offset[g] + (left - a) * stride] = low
                continue
            middle = (left + right) >> 1
            value = _split(ekey, other, _node(left, right), right - left, low, high, gamma)
            lefts[top], rights[top], at_left[top], at_right[top] = middle, right, value, high
            lefts[top + 1], rights[top + 1], at_left[top + 1], at_right[top + 1] = left, middle, low, value
            top += 2


@kernel
def _pick(u: float, cumulative) -> int:
    """The first index whose cumulative weight exceeds ``u`` (weights normalised to end at 1)."""
    for r in range(cumulative.shape[0] - 1):
        if u < cumulative[r]:
            return r
    return cumulative.shape[0] - 1


@kernel
def _switches(key: np.uint64, block: int, length: int, mean_count: float, positions) -> int:
    """The switch steps of absolute block ``block`` (a Poisson number of uniform steps), written sorted
    to ``positions``; returns how many."""
    s0 = rng.stream(key, 1)
    count = min(rng.poisson(key, rng.at(s0, block), block, mean_count), positions.shape[0])
    s1 = rng.stream(key, 2)
    for q in range(count):
        positions[q] = block * length + int(rng.bounded(rng.at(s1, block * positions.shape[0] + q), length))
    positions[:count].sort()
    return count


@parallel_kernel
def fill_regimes(
    out, key, seg_entity, seg_step, seg_count, seg_offset, stride, length, mean_count, cumulative
):
    """Regime of each step: regimes switch at the points of a Poisson process (``mean_count`` per
    absolute block of ``length`` steps); the regime after a switch at step ``s`` is drawn from the
    ``cumulative`` weights by the switch's own draw. Step 0 always starts a regime."""
    capacity = max(64, int(mean_count + 12.0 * math.sqrt(mean_count) + 12.0))
    for g in prange(seg_entity.shape[0]):
        ekey = entity_key(key, seg_entity[g])
        pick = rng.stream(ekey, 3)
        positions = np.empty(capacity, np.int64)
        first = seg_step[g]
        block = first // length
        # The regime in force at the segment's first step: from the last switch at or before it.
        current = -1
        look = block
        while current < 0 and look >= 0:
            count = _switches(ekey, look, length, mean_count, positions)
            for q in range(count):
                if positions[q] <= first:
                    current = positions[q]
            look -= 1
        if current < 0:
            current = 0
        regime = _pick(rng.unit(rng.at(pick, current)), cumulative)
        step = first
        end = first + seg_count[g]
        while step < end:
            count = _switches(ekey, step // length, length, mean_count, positions)
            block_end = min(end, (step // length + 1) * length)
            q = 0
            while step < block_end:
                while q < count and positions[q] < step:
                    q += 1
                if q < count and positions[q] == step and step != first:
                    regime = _pick(rng.unit(rng.at(pick, step)), cumulative)
                out[seg_offset[g] + (step - first) * stride] = regime
                step += 1


@parallel_kernel
def fill_episodes(out, key, seg_entity, seg_step, seg_count, seg_offset, stride, rate, duration, sign):
    """Anomaly episodes per entity: one starts at each step with probability ``rate`` and lasts
    ``duration`` steps. ``out`` is the sign of the latest episode in force (+1 or -1; ``sign`` forces one,
    0 draws one per episode), or 0 outside every episode."""
    for g in prange(seg_entity.shape[0]):
        ekey = entity_key(key, seg_entity[g])
        starts = rng.stream(ekey, 0)
        signs = rng.stream(ekey, 1)
        first = seg_step[g]
        latest = -1
        for t in range(max(first - duration + 1, 0), first):
            if rng.unit(rng.at(starts, t)) < rate:
                latest = t
        for k in range(seg_count[g]):
            t = first + k
            if rng.unit(rng.at(starts, t)) < rate:
                latest = t
            value = 0
            if latest >= 0 and t - latest < duration:
                value = sign
                if sign == 0:
                    value = 1 if rng.unit(rng.at(signs, latest)) < 0.5 else -1
            out[seg_offset[g] + k * stride] = value
