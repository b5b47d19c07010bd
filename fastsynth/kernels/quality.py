"""Kernels of the quality report: the Kolmogorov-Smirnov distance of two sorted samples, the bins of
a continuous column, and the contingency tables and correlation sums of many column pairs in one
pass over the rows.

Parallel kernels split the rows into parts, each counted by one thread into its own line of the
output; the parts are fixed in number (``PARTS``) or their sums are integers, so results do not
depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = ["PARTS", "digitize", "ks_distance", "pair_counts", "pair_moments"]

_BLOCK = 4096  # rows; 20 columns of int32 codes: 320 KiB, within L2
PARTS = 16  # fixed, not the thread count: float sums' rounding must not depend on the threads


@kernel
def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """max |F_a(x) - F_b(x)| of the empirical distributions of two sorted, non-empty samples: what
    ``scipy.stats.ks_2samp`` reports as its statistic. One merge walk over both arrays."""
    n = a.shape[0]
    m = b.shape[0]
    i = 0
    j = 0
    best = 0.0
    while i < n and j < m:
        # step past every copy of the smaller value on both sides, then compare the two CDFs there
        v = a[i] if a[i] <= b[j] else b[j]
        while i < n and a[i] <= v:
            i += 1
        while j < m and b[j] <= v:
            j += 1
        d = abs(i / n - j / m)
        if d > best:
            best = d
    # once one side is used up its CDF is 1: the other's is largest-gap at its current position
    if i < n:
        d = abs(i / n - 1.0)
        best = max(best, d)
    if j < m:
        d = abs(1.0 - j / m)
        best = max(best, d)
    return best


@parallel_kernel
def pair_counts(
    codes: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    levels: np.ndarray,
    offsets: np.ndarray,
    out: np.ndarray,
) -> None:
    """Contingency counts of column pairs: pair ``p`` adds the rows of ``codes[first[p]]`` (values in
    ``[0, levels[first[p]])``) against ``codes[second[p]]`` into ``out[:, offsets[p]:]``, row-major.

    ``out`` has one line per part of the rows (sum them after): each part is counted by one thread
    into its own line. Within a part, rows go by blocks small enough to stay in cache while every
    pair reads them, instead of streaming all rows from memory once per pair."""
    rows = codes.shape[1]
    parts = out.shape[0]
    for part in prange(parts):
        start = rows * part // parts
        stop = rows * (part + 1) // parts
        line = out[part]
        for block in range(start, stop, _BLOCK):
            end = min(block + _BLOCK, stop)
            for p in range(first.shape[0]):
                x = codes[first[p]]
                y = codes[second[p]]
                width = levels[second[p]]
                base = offsets[p]
                for r in range(block, end):
                    line[base + x[r] * width + y[r]] += 1


@kernel
def digitize(values: np.ndarray, edges: np.ndarray, out: np.ndarray) -> None:
    """``out[i]`` = how many ``edges`` are <= ``values[i]`` (``np.digitize`` with increasing,
    equally spaced edges, i.e. ``np.searchsorted(edges, values, side="right")``); NaN counts past
    every edge. The bin is guessed from the spacing, then corrected against the edges themselves, so
    rounding at a boundary gives exactly what a search would. Serial: columns are prepared on
    threads of their own, and numba's parallel pool does not nest well under them."""
    last = edges.shape[0]
    low = edges[0]
    width = (edges[last - 1] - edges[0]) / (last - 1)
    for i in range(values.shape[0]):
        x = values[i]
        if x != x:
            out[i] = last
            continue
        guess = (x - low) / width if width > 0 else 0.0
        j = int(min(max(guess, 0.0), last - 1.0)) + 1 if x >= low else 0
        while j < last and edges[j] <= x:
            j += 1
        while j > 0 and edges[j - 1] > x:
            j -= 1
        out[i] = j


@parallel_kernel
def pair_moments(
    values: np.ndarray, centre: np.ndarray, first: np.ndarray, second: np.ndarray, out: np.ndarray
) -> None:
    """Sums over the rows where both columns of a pair are present (not NaN), of the values minus
    ``centre`` (each column's mean, so that no sum cancels catastrophically: times are in ns):
    ``out[part, p]`` = (n, sx, sy, sxx, syy, sxy) of pair ``p`` over part ``part`` of the rows
    (``out.shape[0]`` parts, summed after). Rows go by cache-sized blocks, every pair per block."""
    rows = values.shape[1]
    parts = out.shape[0]
    for part in prange(parts):
        start = rows * part // parts
        stop = rows * (part + 1) // parts
        for block in range(start, stop, _BLOCK):
            end = min(block + _BLOCK, stop)
            for p in range(first.shape[0]):
                x = values[first[p]]
                y = values[second[p]]
                cx = centre[first[p]]
                cy = centre[second[p]]
                n = 0.0
                sx = 0.0
                sy = 0.0
                sxx = 0.0
                syy = 0.0
                sxy = 0.0
                for r in range(block, end):
                    a = x[r] - cx
                    b = y[r] - cy
                    if a == a and b == b:
                        n += 1.0
                        sx += a
                        sy += b
                        sxx += a * a
                        syy += b * b
                        sxy += a * b
                moments = out[part, p]
                moments[0] += n
                moments[1] += sx
                moments[2] += sy
                moments[3] += sxx
                moments[4] += syy
                moments[5] += sxy
