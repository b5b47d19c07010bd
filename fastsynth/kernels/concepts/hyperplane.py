"""Rotating hyperplane (Hulten, Spencer and Domingos, 2001), as river's ``Hyperplane``: features
uniform in [0, 1), class 1 when ``sum(w * x) >= sum(w) / 2``, the label flipped with river's noise, and
the first ``n_drift`` weights moving by ``mag`` a row in a direction each reverses now and then.

River walks the weights row after row: after row ``t`` each drift weight takes one step of ``mag`` in
its direction, then reverses that direction with probability ``flip``. So the weight of drift feature
``f`` at row ``i`` is ``w0[f] + mag * steps[f]``, where ``steps[f]``, an integer, is the sum of the
directions (+1 or -1) of rows ``0 .. i-1``. Here whether feature ``f`` reverses after row ``t`` is a
counter-based draw of (key, f, t): one 64-bit draw per pair of rows, each half a 32-bit uniform
compared with ``flip * 2**32`` (the rate exact to 2**-32), so the path is a function of the row index:

- with no reversals (``flip == 0``, river's ``sigma <= 0.01``) ``steps = i``: closed form;
- otherwise rows fall into blocks of ``BLOCK`` rows; a block's effect on a direction that enters it
  as +1 is two integers, the sum of its directions and its final sign (``block_summaries``, blocks
  spread over the threads), and a block's entry state is the sequential fold of those
  (``block_entries``). Reaching row ``i`` from a known entry state costs one pass of draws over the
  rows between, about 1.25 ns of CPU per row and drift feature (10**8 rows with 2 drift features:
  0.25 s of CPU, 0.13 s on two cores); the generator caches entry states
  (``fastsynth.concepts.hyperplane``) so that consecutive batches cost only their own rows. Integer
  steps make the weights the same bytes whatever the batches.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, kernel, parallel_kernel

__all__ = [
    "BLOCK",
    "block_entries",
    "block_summaries",
    "flip_key",
    "hyperplane_closed",
    "hyperplane_label",
    "hyperplane_labels",
    "hyperplane_walk",
    "hyperplane_weights",
    "reversals",
]

BLOCK = 4096
"""Rows per block of the weight path: a thread's unit of work when walking it."""

_CHUNK = 2048  # rows per thread task in the closed-form kernel (one weights scratch per task)
_FLIP_SALT = np.uint64(0x6A09E667F3BCC909)
_LO32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


@kernel
def flip_key(key):
    """The key of the reversal draws, apart from the rows' feature and noise draws."""
    return rng.mix64(key ^ _FLIP_SALT)


@inline_kernel
def hyperplane_label(weighted, total):
    """River's rule: class 1 when the weighted sum of the features reaches half the weights' sum."""
    return 1 if weighted >= total * 0.5 else 0


@parallel_kernel
def hyperplane_labels(x, w, out):
    """``out[j]`` = the label of features ``x[j]`` under weights ``w[j]`` (both rows x features),
    summed in the fill kernels' order."""
    for j in prange(x.shape[0]):
        weighted = 0.0
        total = 0.0
        for f in range(x.shape[1]):
            weighted += w[j, f] * x[j, f]
            total += w[j, f]
        out[j] = hyperplane_label(weighted, total)


@kernel
def _first_streams(key, draws):
    """The streams of the first attempt's draws, hoisted out of the row loops."""
    out = np.empty(draws, np.uint64)
    for k in range(draws):
        out[k] = rng.stream(key, k)
    return out


@inline_kernel
def _row(j, i, key, w, total, noise, desired, max_attempts, cols, y):
    """Row ``i`` redrawn into ``cols[f][j], y[j]`` under weights ``w`` from attempt 1 on, until its label
    is ``desired[j]``; 1 when it ran out of attempts. Draws ``attempt * (d + 1) + f`` are the features,
    ``+ d`` the noise."""
    d = w.shape[0]
    draws = d + 1
    for attempt in range(1, max_attempts):
        base = attempt * draws
        weighted = 0.0
        for f in range(d):
            v = rng.unit(rng.draw(key, i, base + f))
            cols[f][j] = v
            weighted += w[f] * v
        label = hyperplane_label(weighted, total)
        if noise > 0.0 and rng.unit(rng.draw(key, i, base + d)) < noise:
            label = 1 - label
        y[j] = label
        if label == desired[j]:
            return 0
    return 1


@inline_kernel
def _run(rows, at_rows, steps, m, key, first, w0, mag, noise, desired, max_attempts, cols, y):
    """Rows ``rows[at_rows[q]]`` for ``q < m``, whose drift weights have taken ``steps[q]``: attempt 0
    feature by feature over the run (each row's sums still in feature order, so labels are those of
    ``hyperplane_labels``), then the rows whose label is not ``desired`` redrawn one by one. Returns
    how many ran out of attempts."""
    d = w0.shape[0]
    n_drift = steps.shape[1]
    weighted = np.zeros(m)
    total = np.zeros(m)
    for f in range(d):
        stream = first[f]
        column = cols[f]
        for q in range(m):
            j = at_rows[q]
            v = rng.unit(rng.at(stream, rows[j]))
            column[j] = v
            w = w0[f] + mag * steps[q, f] if f < n_drift else w0[f]
            weighted[q] += w * v
            total[q] += w
    missed = 0
    for q in range(m):
        j = at_rows[q]
        i = rows[j]
        label = hyperplane_label(weighted[q], total[q])
        if noise > 0.0 and rng.unit(rng.at(first[d], i)) < noise:
            label = 1 - label
        y[j] = label
        if desired[j] >= 0 and label != desired[j]:
            w = w0.copy()
            for f in range(n_drift):
                w[f] = w0[f] + mag * steps[q, f]
            missed += _row(j, i, key, w, total[q], noise, desired, max_attempts, cols, y)
    return missed


@parallel_kernel
def hyperplane_closed(rows, key, w0, n_drift, mag, noise, desired, max_attempts, cols, y):
    """Rows ``rows[j]`` when no direction ever reverses: drift weights ``w0 + mag * row``. Returns how
    many rows ran out of attempts to reach ``desired[j]``."""
    n = rows.shape[0]
    tasks = (n + _CHUNK - 1) // _CHUNK
    first = _first_streams(key, w0.shape[0] + 1)
    missed = 0
    for task in prange(tasks):
        lo = task * _CHUNK
        m = min(n, lo + _CHUNK) - lo
        at_rows = np.arange(lo, lo + m)
        steps = np.empty((m, n_drift), np.int64)
        for q in range(m):
            steps[q, :] = rows[lo + q]
        missed += _run(rows, at_rows, steps, m, key, first, w0, mag, noise, desired, max_attempts, cols, y)
    return missed


@inline_kernel
def _reverses(streams, f, t, threshold):
    """Whether feature ``f``'s direction reverses after row ``t``: one half of the 64 bits its stream
    gives rows ``t`` and ``t + 1`` (``t`` even), below ``threshold = flip * 2**32``."""
    bits = rng.at(streams[f], t >> 1)
    half = bits >> _S32 if t & 1 else bits & _LO32
    return half < threshold


@kernel
def _streams(key, n_drift):
    fkey = flip_key(key)
    streams = np.empty(n_drift, np.uint64)
    for f in range(n_drift):
        streams[f] = rng.stream(fkey, f)
    return streams


@kernel
def reversals(key, n_drift, threshold, first, count):
    """Whether the direction of drift feature ``f`` reverses after row ``first + t``: ``out[t, f]``
    (for tests, and the definition the walking kernels follow)."""
    streams = _streams(key, n_drift)
    out = np.zeros((count, n_drift), np.bool_)
    for t in range(count):
        for f in range(n_drift):
            out[t, f] = _reverses(streams, f, first + t, threshold)
    return out


@parallel_kernel
def block_summaries(key, n_drift, threshold, first, sums, signs):
    """For blocks ``first + b``: ``sums[b, f]``, the sum of feature ``f``'s directions over the block's
    rows when it enters as +1, and ``signs[b, f]``, its direction on leaving (+1 or -1). The hot loop
    of a far batch: one draw decides two rows, and signs are multiplied rather than branched on."""
    streams = _streams(key, n_drift)
    for b in prange(sums.shape[0]):
        pair0 = (first + b) * (BLOCK // 2)
        for f in range(n_drift):
            stream = streams[f]
            direction = 1
            total = 0
            for pair in range(pair0, pair0 + BLOCK // 2):
                bits = rng.at(stream, pair)
                total += direction
                direction *= 1 - 2 * np.int64((bits & _LO32) < threshold)
                total += direction
                direction *= 1 - 2 * np.int64((bits >> _S32) < threshold)
            sums[b, f] = total
            signs[b, f] = direction


@kernel
def block_entries(entry_directions, entry_steps, sums, signs, directions, steps):
    """Entry states of consecutive blocks: block 0 enters with ``entry_*``; block ``b + 1`` with block
    ``b``'s direction times its sign and its steps plus its direction times its sum. Fills
    ``directions[b], steps[b]`` for ``b`` in ``0 .. len(sums)`` (one more row than ``sums``)."""
    for f in range(entry_directions.shape[0]):
        directions[0, f], steps[0, f] = entry_directions[f], entry_steps[f]
    for b in range(sums.shape[0]):
        for f in range(sums.shape[1]):
            directions[b + 1, f] = directions[b, f] * signs[b, f]
            steps[b + 1, f] = steps[b, f] + directions[b, f] * sums[b, f]


@inline_kernel
def _advance(streams, threshold, direction, step, t, i):
    """Walk the drift directions and net steps from row ``t`` to row ``i``; returns ``i``."""
    while t < i:
        for f in range(direction.shape[0]):
            step[f] += direction[f]
            if _reverses(streams, f, t, threshold):
                direction[f] = -direction[f]
        t += 1
    return t


@parallel_kernel
def hyperplane_weights(rows, order, groups, key, w0, mag, threshold, directions, steps, out):
    """``out[j]`` = the weights of row ``rows[j]``, walked as ``hyperplane_walk`` walks them."""
    n_drift = directions.shape[1]
    streams = _streams(key, n_drift)
    for g in prange(groups.shape[0] - 1):
        direction = directions[g].copy()
        step = steps[g].copy()
        t = rows[order[groups[g]]] // BLOCK * BLOCK
        for p in range(groups[g], groups[g + 1]):
            j = order[p]
            t = _advance(streams, threshold, direction, step, t, rows[j])
            for f in range(w0.shape[0]):
                out[j, f] = w0[f] + mag * step[f] if f < n_drift else w0[f]


@parallel_kernel
def hyperplane_walk(
    rows, order, groups, key, w0, mag, threshold, directions, steps, noise, desired, max_attempts, cols, y
):
    """Rows with reversing directions. ``order`` sorts ``rows``; ``groups[g] .. groups[g + 1]`` are the
    positions in ``order`` of the rows in one block, which enters with ``directions[g], steps[g]``
    (blocks x drift features). Each group is walked by one thread from its block's first row, then
    filled as a run. Returns how many rows ran out of attempts to reach ``desired[j]``."""
    n_drift = directions.shape[1]
    streams = _streams(key, n_drift)
    first = _first_streams(key, w0.shape[0] + 1)
    missed = 0
    for g in prange(groups.shape[0] - 1):
        direction = directions[g].copy()
        step = steps[g].copy()
        m = groups[g + 1] - groups[g]
        at_rows = order[groups[g] : groups[g + 1]]
        run_steps = np.empty((m, n_drift), np.int64)
        t = rows[at_rows[0]] // BLOCK * BLOCK
        for q in range(m):
            t = _advance(streams, threshold, direction, step, t, rows[at_rows[q]])
            for f in range(n_drift):
                run_steps[q, f] = step[f]
        missed += _run(
            rows, at_rows, run_steps, m, key, first, w0, mag, noise, desired, max_attempts, cols, y
        )
    return missed
