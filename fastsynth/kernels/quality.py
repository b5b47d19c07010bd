"""Kernels of the quality report: the Kolmogorov-Smirnov distance of two sorted samples, contingency
tables of many column pairs at once, and pairwise-complete Pearson correlations of many pairs at once.

Pairs are spread over threads with ``prange``; each pair writes its own slice of the output, so the
result does not depend on the thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = ["ks_distance", "pair_correlations", "pair_counts"]


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
    """Contingency counts of column pairs: pair ``p`` counts rows of ``codes[first[p]]`` (values in
    ``[0, levels[first[p]])``) against ``codes[second[p]]`` into ``out[offsets[p]:]``, row-major."""
    rows = codes.shape[1]
    for p in prange(first.shape[0]):
        x = codes[first[p]]
        y = codes[second[p]]
        width = levels[second[p]]
        base = offsets[p]
        for r in range(rows):
            out[base + x[r] * width + y[r]] += 1


@parallel_kernel
def pair_correlations(values: np.ndarray, first: np.ndarray, second: np.ndarray, out: np.ndarray) -> None:
    """Pearson's r of column pairs of ``values`` (columns x rows) over the rows where both are not
    NaN, as pandas' ``dropna`` then ``scipy.stats.pearsonr`` take it; NaN when fewer than two such rows
    or either side is constant there. Two passes (means, then centred sums) for accuracy."""
    rows = values.shape[1]
    for p in prange(first.shape[0]):
        x = values[first[p]]
        y = values[second[p]]
        n = 0
        sx = 0.0
        sy = 0.0
        for r in range(rows):
            if not (math.isnan(x[r]) or math.isnan(y[r])):
                n += 1
                sx += x[r]
                sy += y[r]
        if n < 2:
            out[p] = np.nan
            continue
        mx = sx / n
        my = sy / n
        sxx = 0.0
        syy = 0.0
        sxy = 0.0
        for r in range(rows):
            if not (math.isnan(x[r]) or math.isnan(y[r])):
                dx = x[r] - mx
                dy = y[r] - my
                sxx += dx * dx
                syy += dy * dy
                sxy += dx * dy
        if sxx == 0.0 or syy == 0.0:
            out[p] = np.nan
        else:
            out[p] = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
