"""Kernels that inject drift into a copy of a column.

``weights[i]`` is how far row ``i`` has drifted (0 leaves it bit-identical, 1 is the full drift; the
window's profile made it). Random choices are drawn from the row index and a key, like generation, so a
drift is the same whatever the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, kernel, parallel_kernel
from fastsynth.kernels.memory import copy_range

__all__ = [
    "NUMERIC_OPS",
    "TYPO_MODES",
    "count_changed",
    "drift_codes",
    "drift_numeric",
    "flip_bits",
    "moments",
    "typo_apply",
    "typo_plan",
    "typos",
    "window_moments",
]

NUMERIC_OPS = {
    "shift": 0,
    "scale": 1,
    "gaussian_noise": 2,
    "uniform_noise": 3,
    "add": 0,
    "multiply": 4,
    "outliers": 5,
}
"""Operation codes of ``drift_numeric``: ``add`` is a shift by an absolute amount."""


@kernel
def _finish(v: float, lo: float, hi: float, integer: bool) -> float:
    """Integer columns round to the nearest integer and clip to their type's range (``lo`` and ``hi``
    are values that both float64 and the type hold: 64-bit maxima are not)."""
    if integer:
        return min(max(np.rint(v), lo), hi)
    return v


def drift_numeric(out, x, weights, op, a, b, c, key, start, lo, hi, integer):
    """``out[i]`` = row ``i`` of ``x`` after the operation, for rows with a weight ``w`` (others are
    copied as they are); draws are those of row ``start + i``. ``a`` and ``b`` are arrays of one value
    for every row, or of one value for all rows (a window's statistics differ from window to window):

    0 shift: ``x + w a``; 1 scale around ``b``: ``b + (x - b)(1 + w (a - 1))``; 2 gaussian noise of
    standard deviation ``w a``; 3 uniform noise in ``+-w a``; 4 multiply: ``x (1 + w (a - 1))``;
    5 outliers: with probability ``c w`` the row becomes ``b + a`` or ``b - a``.
    Each operation is a kernel of its own so that its body stays small enough to vectorise, and so that
    a drift compiles only its own operation's parallel loop (most of a second each, for each type)."""
    _NUMERIC_DRIFTS[op](out, x, weights, a, b, c, key, start, lo, hi, integer)


@parallel_kernel
def _shift(out, x, weights, a, b, c, key, start, lo, hi, integer):
    ia = 1 if a.shape[0] > 1 else 0
    for i in prange(x.shape[0]):
        w = weights[i]
        out[i] = _finish(x[i] + w * a[i * ia], lo, hi, integer) if w != 0.0 else x[i]


@parallel_kernel
def _scale(out, x, weights, a, b, c, key, start, lo, hi, integer):
    ia = 1 if a.shape[0] > 1 else 0
    ib = 1 if b.shape[0] > 1 else 0
    for i in prange(x.shape[0]):
        w = weights[i]
        if w != 0.0:
            m = b[i * ib]
            out[i] = _finish(m + (x[i] - m) * (1.0 + w * (a[i * ia] - 1.0)), lo, hi, integer)
        else:
            out[i] = x[i]


@parallel_kernel
def _gaussian_noise(out, x, weights, a, b, c, key, start, lo, hi, integer):
    s0 = rng.stream(key, 0)
    ia = 1 if a.shape[0] > 1 else 0
    for i in prange(x.shape[0]):
        w = weights[i]
        if w != 0.0:
            out[i] = _finish(
                x[i] + w * a[i * ia] * rng.normal(key, rng.at(s0, start + i), start + i), lo, hi, integer
            )
        else:
            out[i] = x[i]


@parallel_kernel
def _uniform_noise(out, x, weights, a, b, c, key, start, lo, hi, integer):
    s0 = rng.stream(key, 0)
    ia = 1 if a.shape[0] > 1 else 0
    for i in prange(x.shape[0]):
        w = weights[i]
        if w != 0.0:
            out[i] = _finish(
                x[i] + w * a[i * ia] * (2.0 * rng.unit(rng.at(s0, start + i)) - 1.0), lo, hi, integer
            )
        else:
            out[i] = x[i]


@parallel_kernel
def _multiply(out, x, weights, a, b, c, key, start, lo, hi, integer):
    ia = 1 if a.shape[0] > 1 else 0
    for i in prange(x.shape[0]):
        w = weights[i]
        out[i] = _finish(x[i] * (1.0 + w * (a[i * ia] - 1.0)), lo, hi, integer) if w != 0.0 else x[i]


@parallel_kernel
def _outliers(out, x, weights, a, b, c, key, start, lo, hi, integer):
    s0 = rng.stream(key, 0)
    s1 = rng.stream(key, 1)
    ia = 1 if a.shape[0] > 1 else 0
    ib = 1 if b.shape[0] > 1 else 0
    for i in prange(x.shape[0]):
        w = weights[i]
        if w != 0.0 and rng.unit(rng.at(s0, start + i)) < c * w:
            m, d = b[i * ib], a[i * ia]
            out[i] = _finish(m + d if rng.unit(rng.at(s1, start + i)) < 0.5 else m - d, lo, hi, integer)
        else:
            out[i] = x[i]


_NUMERIC_DRIFTS = (_shift, _scale, _gaussian_noise, _uniform_noise, _multiply, _outliers)
"""``drift_numeric``'s kernel for each operation code (``NUMERIC_OPS``); all take the same arguments
(those of ``drift_numeric`` but the code), used or not."""


@parallel_kernel
def drift_codes(out, codes, weights, change, targets, key, start, fixed):
    """Category codes after a move between categories: a row of code ``k`` changes with probability
    ``change[k] * w``, to ``fixed`` when it is >= 0, else to a code drawn from the cumulative
    ``targets`` weights. ``codes < 0`` are nulls and stay."""
    s0 = rng.stream(key, 0)
    s1 = rng.stream(key, 1)
    for i in prange(codes.shape[0]):
        k = codes[i]
        out[i] = k
        if k < 0 or weights[i] == 0.0 or change[k] == 0.0:
            continue
        if rng.unit(rng.at(s0, start + i)) < change[k] * weights[i]:
            if fixed >= 0:
                out[i] = fixed
            else:
                u = rng.unit(rng.at(s1, start + i))
                pick = targets.shape[0] - 1
                for t in range(targets.shape[0]):
                    if u < targets[t]:
                        pick = t
                        break
                out[i] = pick


@parallel_kernel
def flip_bits(out, values, weights, rate, key, start):
    """Booleans (one byte each) flipped with probability ``rate * w``."""
    s0 = rng.stream(key, 0)
    for i in prange(values.shape[0]):
        flip = weights[i] != 0.0 and rng.unit(rng.at(s0, start + i)) < rate * weights[i]
        out[i] = values[i] ^ flip


_KEYBOARD = np.frombuffer(b"qwertyuiopasdfghjklzxcvbnm", dtype=np.uint8)


@inline_kernel
def _typo_site(data, offsets, weights, rate, s0, s1, start, i):
    """(the byte a typo of string ``i`` edits, the draw that placed it): with probability ``rate * w``
    a uniform byte of the string; -1 for no typo, an empty string or a non-ASCII byte."""
    if weights[i] == 0.0 or rng.unit(rng.at(s0, start + i)) >= rate * weights[i]:
        return -1, np.uint64(0)
    first, end = offsets[i], offsets[i + 1]
    if end - first < 1:
        return -1, np.uint64(0)
    bits = rng.at(s1, start + i)
    where = first + int(rng.bounded(bits, np.uint64(end - first)))
    return (where if data[where] < 128 else -1), bits


@inline_kernel
def _other_letter(here, bits):
    """Another letter than the ASCII letter ``here``, in its case, drawn from ``bits``."""
    chosen = _KEYBOARD[int((bits >> np.uint64(8)) % np.uint64(25))]
    if chosen == (here | 32):  # the 26th letter differs from the 25 drawn from
        chosen = _KEYBOARD[25]
    return chosen if here >= 97 else chosen - 32


@parallel_kernel
def typos(data, offsets, weights, rate, key, start):
    """One typo in each string chosen with probability ``rate * w``, in place and length-preserving so
    the offsets stay: two adjacent ASCII characters swap, or an ASCII letter becomes another. Non-ASCII
    bytes are never touched, so text stays valid UTF-8."""
    s0 = rng.stream(key, 0)
    s1 = rng.stream(key, 1)
    for i in prange(offsets.shape[0] - 1):
        where, bits = _typo_site(data, offsets, weights, rate, s0, s1, start, i)
        if where < 0:
            continue
        if (
            (bits & np.uint64(1)) == 0
            and where + 1 < offsets[i + 1]
            and data[where + 1] < 128
            and data[where] != data[where + 1]
        ):
            data[where], data[where + 1] = data[where + 1], data[where]
        elif (data[where] | 32) >= 97 and (data[where] | 32) <= 122:
            data[where] = _other_letter(data[where], bits)


TYPO_MODES = {"swap": 0, "change": 1, "delete": 2, "duplicate": 3}
"""Codes of the typo modes of ``typo_plan``; -1 in its ``edit`` means no typo."""


@parallel_kernel
def typo_plan(data, offsets, weights, rate, key, start, modes, edit, at, letter):
    """Which typo each string gets, for modes that may change its length: with probability
    ``rate * w`` a string gets one, at a uniform byte (as ``typos``), of a mode drawn uniformly from
    ``modes``. ``edit[i]`` is the mode (-1: none), ``at[i]`` the byte, ``letter[i]`` a changed letter.
    A swap that cannot be made (the next byte is the same, non-ASCII or past the end) changes the
    letter instead; only ASCII bytes are edited, so the text stays valid UTF-8."""
    s0 = rng.stream(key, 0)
    s1 = rng.stream(key, 1)
    s2 = rng.stream(key, 2)
    for i in prange(offsets.shape[0] - 1):
        edit[i] = -1
        where, bits = _typo_site(data, offsets, weights, rate, s0, s1, start, i)
        if where < 0:
            continue
        here = data[where]
        mode = modes[int(rng.bounded(rng.at(s2, start + i), np.uint64(modes.shape[0])))]
        if mode == 0:
            if where + 1 < offsets[i + 1] and data[where + 1] < 128 and data[where + 1] != here:
                edit[i] = 0
            else:
                mode = 1
        if mode == 1 and (here | 32) >= 97 and (here | 32) <= 122:
            letter[i] = _other_letter(here, bits)
            edit[i] = 1
        elif mode >= 2:
            edit[i] = mode
        at[i] = where


@parallel_kernel
def typo_apply(out, data, offsets, new_offsets, edit, at, letter):
    """Each string of ``data`` into ``out`` at ``new_offsets``, with the edit ``typo_plan`` chose:
    strings write disjoint slices, so threads never share one."""
    for i in prange(offsets.shape[0] - 1):
        first, end, o = offsets[i], offsets[i + 1], new_offsets[i]
        e = edit[i]
        if e == 2:  # delete the byte at ``at``
            cut = at[i] - first
            copy_range(out, o, data, first, at[i])
            copy_range(out, o + cut, data, at[i] + 1, end)
            continue
        if e == 3:  # write the byte at ``at`` twice
            cut = at[i] - first + 1
            copy_range(out, o, data, first, at[i] + 1)
            copy_range(out, o + cut, data, at[i], end)
            continue
        copy_range(out, o, data, first, end)
        if e == 0:
            k = o + at[i] - first
            out[k], out[k + 1] = data[at[i] + 1], data[at[i]]
        elif e == 1:
            out[o + at[i] - first] = letter[i]


_CHUNK = 1 << 16


@parallel_kernel
def window_moments(x, valid, starts, ends, means, spreads):
    """For each run ``j`` of rows ``[starts[j], ends[j])``, over its valid values (all when ``valid``
    is empty): ``means[j]`` and ``spreads[j]``, the standard deviation row to row: that (ddof 1) of
    second differences ``v[i+1] - 2 v[i] + v[i-1]`` over sqrt 6; with 3 values, of first differences
    over sqrt 2; 0 with fewer. Each run is summed in order by one thread, so a run's numbers are the
    same whatever else is in the call (a window measured alone or among others)."""
    for j in prange(starts.shape[0]):
        count = 0
        total = 0.0
        for i in range(starts[j], ends[j]):
            if valid.shape[0] == 0 or valid[i]:
                count += 1
                total += x[i]
        means[j] = total / count if count > 0 else 0.0
        spreads[j] = 0.0
        if count < 3:
            continue
        order = 2 if count >= 4 else 1
        m = count - order
        centre = 0.0
        for rep in range(2):  # the mean of the differences, then their squared deviations from it
            seen = 0
            a = 0.0
            b = 0.0
            total = 0.0
            for i in range(starts[j], ends[j]):
                if valid.shape[0] == 0 or valid[i]:
                    v = float(x[i])
                    if seen >= order:
                        d = v - 2.0 * b + a if order == 2 else v - b
                        total += d if rep == 0 else (d - centre) * (d - centre)
                    a = b
                    b = v
                    seen += 1
            centre = total / m
        spreads[j] = np.sqrt(total / (m - 1)) / (np.sqrt(6.0) if order == 2 else np.sqrt(2.0))


@kernel
def _grouped_spread(values, groups, order):
    """The (ddof 1) standard deviation of the ``order``-th differences of ``values`` taken within a
    group (rows sorted by group), and how many differences there were."""
    count = 0
    total = 0.0
    centre = 0.0
    for rep in range(2):  # the mean of the differences, then their squared deviations from it
        count = 0
        total = 0.0
        for i in range(order, values.shape[0]):
            if groups[i] != groups[i - order] or (order == 2 and groups[i - 1] != groups[i - 2]):
                continue
            d = values[i] - 2.0 * values[i - 1] + values[i - 2] if order == 2 else values[i] - values[i - 1]
            total += d if rep == 0 else (d - centre) * (d - centre)
            count += 1
        if count < 2:
            return 0.0, count
        centre = total / count
    return np.sqrt(total / (count - 1)), count


@parallel_kernel
def window_moments_grouped(x, valid, groups, starts, ends, means, spreads):
    """``window_moments`` when rows belong to entities (``groups``, each row's): each run's valid
    values are put in order of entity (a stable sort, so each entity's rows stay in time order) and
    only differences within one entity count. One kernel call for all the runs of a batch: a Python
    loop over runs cost 200 us a run, so recurring drift of 1 row took 8 s for 65,536 rows."""
    for j in prange(starts.shape[0]):
        rows = np.arange(starts[j], ends[j])
        if valid.shape[0] != 0:
            rows = rows[valid[starts[j] : ends[j]]]
        means[j] = 0.0
        spreads[j] = 0.0
        if rows.shape[0] == 0:
            continue
        total = 0.0
        for i in rows:
            total += x[i]
        means[j] = total / rows.shape[0]
        order = np.argsort(groups[rows], kind="mergesort")
        values = np.empty(rows.shape[0])
        owners = np.empty(rows.shape[0], groups.dtype)
        for k in range(rows.shape[0]):
            values[k] = x[rows[order[k]]]
            owners[k] = groups[rows[order[k]]]
        spread, count = _grouped_spread(values, owners, 2)
        if count >= 2:
            spreads[j] = spread / np.sqrt(6.0)
        else:
            spread, count = _grouped_spread(values, owners, 1)
            spreads[j] = spread / np.sqrt(2.0) if count >= 2 else 0.0


@parallel_kernel
def moments(x, valid):
    """(count, mean, standard deviation) of ``x`` where ``valid`` (all rows when it is empty), in one
    pass over memory: each fixed chunk's mean and squared deviations are computed while it is in
    cache, then chunks are merged in order (Chan et al.), so the result does not depend on the thread
    count and keeps its precision for large means."""
    n = x.shape[0]
    chunks = (n + _CHUNK - 1) // _CHUNK
    counts = np.zeros(chunks)
    means = np.zeros(chunks)
    squares = np.zeros(chunks)
    for c in prange(chunks):
        first, end = c * _CHUNK, min(n, (c + 1) * _CHUNK)
        count = 0.0
        total = 0.0
        for i in range(first, end):
            if valid.shape[0] == 0 or valid[i]:
                count += 1.0
                total += x[i]
        if count == 0.0:
            continue
        mean = total / count
        square = 0.0
        for i in range(first, end):
            if valid.shape[0] == 0 or valid[i]:
                d = x[i] - mean
                square += d * d
        counts[c], means[c], squares[c] = count, mean, square
    count = 0.0
    mean = 0.0
    square = 0.0
    for c in range(chunks):
        if counts[c] == 0.0:
            continue
        merged = count + counts[c]
        delta = means[c] - mean
        mean += delta * counts[c] / merged
        square += squares[c] + delta * delta * count * counts[c] / merged
        count = merged
    if count == 0.0:
        return 0.0, 0.0, 0.0
    return count, mean, np.sqrt(square / count)


@parallel_kernel
def count_changed(before, after):
    """How many positions differ, NaN counting as equal to NaN."""
    changed = 0
    for i in prange(before.shape[0]):
        a = before[i]
        b = after[i]
        if a != b and not (a != a and b != b):
            changed += 1
    return changed
