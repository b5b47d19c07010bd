"""SMOTE's rows (Chawla et al. 2002): for each output row, a sample of its class, one of that sample's
nearest same-class neighbours and a gap ``u`` in [0, 1); each number is ``sample + u * (neighbour -
sample)``, the same ``u`` for every column, so that the row lies on the segment between the two."""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import parallel_kernel

__all__ = ["interpolate_float", "interpolate_int", "pick"]


@parallel_kernel
def pick(sample, neighbour, gap, classes, start, first, count, known, neighbours, key):
    """For output row ``start + j`` of class ``classes[j]``: ``sample[j]``, uniform among that class's
    ``count`` rows from ``first``; ``neighbour[j]``, uniform among the sample's ``known`` neighbours of
    its class (the row ``neighbours[sample]`` lists; itself when the class has none); ``gap[j]``."""
    samples = rng.stream(key, 0)
    others = rng.stream(key, 1)
    gaps = rng.stream(key, 2)
    for j in prange(sample.shape[0]):
        i = start + j
        c = classes[j]
        s = first[c] + np.int64(rng.bounded(rng.at(samples, i), np.uint64(count[c])))
        sample[j] = s
        if known[c] == 0:
            neighbour[j] = s
        else:
            neighbour[j] = neighbours[s, np.int64(rng.bounded(rng.at(others, i), np.uint64(known[c])))]
        gap[j] = rng.unit(rng.at(gaps, i))


@parallel_kernel
def interpolate_float(out, values, valid, sample, neighbour, gap):
    """``out[j]``: between the sample's value and the neighbour's; the sample's when the neighbour's
    is null (the caller nulls the rows whose sample's is)."""
    for j in prange(out.shape[0]):
        a = values[sample[j]]
        b = neighbour[j]
        out[j] = a + gap[j] * (values[b] - a) if valid[b] else a


_BELOW_2_64 = np.float64(18446744073709549568.0)  # the largest float64 below 2**64


@parallel_kernel
def interpolate_int(out, values, valid, sample, neighbour, gap):
    """As ``interpolate_float``, rounded to the nearest integer. The step is rounded, not the sum, so a
    copy (``u = 0`` or equal ends) is exact and the result never leaves the segment's range. The step is
    taken in uint64 from the lower end: two int64 values may lie up to 2**64 - 1 apart, which an int64
    step would wrap round (the same values as a signed step wherever the span is under 2**53)."""
    for j in prange(out.shape[0]):
        a = values[sample[j]]
        b = neighbour[j]
        if valid[b] and values[b] != a:
            c = values[b]
            low, high = (a, c) if c > a else (c, a)
            span = np.uint64(high) - np.uint64(low)  # exact: uint64 arithmetic wraps modulo 2**64
            step = np.uint64(min(np.rint(gap[j] * np.float64(span)), _BELOW_2_64))
            step = min(step, span)
            out[j] = np.int64(np.uint64(a) + step) if c > a else np.int64(np.uint64(a) - step)
        else:
            out[j] = a
