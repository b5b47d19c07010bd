"""Kernels that fill numeric, boolean and category buffers for rows ``[start, start + len(out))``."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel, parallel_kernel
from fastsynth.kernels.permutation import permute

__all__ = [
    "FLOAT_DISTRIBUTIONS",
    "INT_DISTRIBUTIONS",
    "fill_bits",
    "fill_choice",
    "fill_float",
    "fill_int",
    "fill_uniform_int",
    "fill_unique_int",
]

# Distribution codes shared with the field layer; the branch on them is loop-invariant.
FLOAT_DISTRIBUTIONS = {"normal": 0, "uniform": 1, "lognormal": 2, "exponential": 3, "beta": 4, "gamma": 5}
INT_DISTRIBUTIONS = {"normal": 1, "poisson": 2, "geometric": 3, "zipf": 4}


@kernel
def _float_value(dist: int, p0: float, p1: float, key: np.uint64, s0: np.uint64, i: int) -> float:
    first = rng.at(s0, i)
    if dist == 0:
        return p0 + p1 * rng.normal(key, first, i)
    if dist == 1:
        return p0 + (p1 - p0) * rng.unit(first)
    if dist == 2:
        return math.exp(p0 + p1 * rng.normal(key, first, i))
    if dist == 3:
        return p0 * rng.exponential(first)
    if dist == 4:
        x = rng.gamma(key, i, 1, p0)
        y = rng.gamma(rng.stream(key, 2), i, 1, p1)
        return x / (x + y)
    return p1 * rng.gamma(key, i, 1, p0)


@parallel_kernel
def fill_float(out, key, start, dist, p0, p1, lo, hi, scale):
    """``out[j]`` = a value of distribution ``dist`` (params p0, p1) for row ``start + j``, clipped to
    [lo, hi] and, when ``scale > 0``, rounded to a multiple of ``1 / scale``."""
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        x = _float_value(dist, p0, p1, key, s0, start + j)
        x = min(max(x, lo), hi)
        if scale > 0.0:
            x = np.rint(x * scale) / scale
        out[j] = x


@kernel
def _int_value(dist: int, p0: float, p1: float, key: np.uint64, s0: np.uint64, i: int) -> float:
    first = rng.at(s0, i)
    if dist == 1:
        return np.rint(p0 + p1 * rng.normal(key, first, i))
    if dist == 2:
        return float(rng.poisson(key, first, i, p0))
    if dist == 3:
        return float(rng.geometric(first, p0))
    return float(rng.zipf(key, i, p0))


@parallel_kernel
def fill_int(out, key, start, dist, p0, p1, lo, hi):
    """``out[j]`` = an integer of distribution ``dist`` for row ``start + j``, clipped to [lo, hi]."""
    s0 = rng.stream(key, 0)
    flo = float(lo)
    fhi = float(hi)
    for j in prange(out.shape[0]):
        x = _int_value(dist, p0, p1, key, s0, start + j)
        if x <= flo:
            out[j] = lo
        elif x >= fhi:
            out[j] = hi
        else:
            out[j] = np.int64(x)


@parallel_kernel
def fill_uniform_int(out, key, start, lo, span):
    """``out[j]`` uniform on ``[lo, lo + span)`` for row ``start + j`` (``span`` = 0 means 2**64)."""
    s0 = rng.stream(key, 0)
    base = np.uint64(lo)
    for j in prange(out.shape[0]):
        out[j] = np.int64(base + rng.bounded(rng.at(s0, start + j), span))


@parallel_kernel
def fill_unique_int(out, key, start, lo, span, half_bits):
    """``out[j] = lo + permute(start + j)``: distinct values for distinct rows below ``span``."""
    base = np.uint64(lo)
    for j in prange(out.shape[0]):
        out[j] = np.int64(base + permute(np.uint64(start + j), span, half_bits, key))


@parallel_kernel
def fill_bits(out, key, start, n, p):
    """Bit ``j`` of ``out`` (LSB first, as Arrow packs booleans and validity) is set with probability
    ``p`` for row ``start + j``, ``j < n``. Each thread owns whole bytes."""
    s0 = rng.stream(key, 0)
    threshold = p * 18446744073709551616.0
    full = threshold >= 18446744073709551615.0
    limit = np.uint64(0) if full else np.uint64(threshold)
    for b in prange(out.shape[0]):
        byte = 0
        for bit in range(8):
            j = b * 8 + bit
            if j < n and (full or rng.at(s0, start + j) < limit):
                byte |= 1 << bit
        out[b] = byte


@parallel_kernel
def fill_choice(out, key, start, cumulative):
    """``out[j]`` = the index of the category whose cumulative-probability interval holds a uniform
    draw for row ``start + j`` (binary search; ``cumulative[-1]`` is 1)."""
    s0 = rng.stream(key, 0)
    last = cumulative.shape[0] - 1
    for j in prange(out.shape[0]):
        u = rng.unit(rng.at(s0, start + j))
        lo = 0
        hi = last
        while lo < hi:
            mid = (lo + hi) >> 1
            if u < cumulative[mid]:
                hi = mid
            else:
                lo = mid + 1
        out[j] = lo
