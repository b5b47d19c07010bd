"""Kernels that fill numeric, boolean and category buffers for rows ``[start, start + len(out))``.

``fill_float`` and ``fill_int`` choose the distribution once per call, outside the row loop: each
distribution is a parallel kernel of its own, so the loop body stays small enough for LLVM to keep
everything in registers, and a column compiles only its own distribution's loop (numba takes most of a
second for each parallel loop of a kernel, whether a call runs it or not).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, kernel, parallel_kernel
from fastsynth.kernels.permutation import permute

__all__ = [
    "FLOAT_DISTRIBUTIONS",
    "INT_DISTRIBUTIONS",
    "choice_from_normal",
    "empirical_from_normal",
    "fill_bits",
    "fill_empirical",
    "fill_float",
    "fill_grouped_alias",
    "fill_int",
    "fill_uniform_int",
    "fill_unique_int",
    "float_from_normal",
    "int_from_normal",
    "mix_rows",
]

FLOAT_DISTRIBUTIONS = {"normal": 0, "uniform": 1, "lognormal": 2, "exponential": 3, "beta": 4, "gamma": 5}
INT_DISTRIBUTIONS = {"normal": 0, "poisson": 1, "geometric": 2, "zipf": 3}


@kernel
def _clip_round(x: float, lo: float, hi: float, scale: float) -> float:
    x = min(max(x, lo), hi)
    if (
        scale > 0.0 and abs(x) * scale < 4.5e15
    ):  # beyond, x is a multiple already (and x * scale may overflow)
        x = np.rint(x * scale) / scale
    return x


def fill_float(out, key, start, dist, p0, p1, lo, hi, scale):
    """``out[j]`` = a value of distribution ``dist`` (parameters p0, p1) for row ``start + j``, clipped
    to [lo, hi] and, when ``scale > 0``, rounded to a multiple of ``1 / scale``. Parameters by
    distribution: normal (mean, std), uniform (low, high), lognormal (mu, sigma), exponential (scale),
    beta (a, b), gamma (shape, scale)."""
    _FLOAT_FILLS[dist](out, key, start, p0, p1, lo, hi, scale)


@parallel_kernel
def _normal_floats(out, key, start, p0, p1, lo, hi, scale):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        i = start + j
        out[j] = _clip_round(p0 + p1 * rng.normal(key, rng.at(s0, i), i), lo, hi, scale)


@parallel_kernel
def _uniform_floats(out, key, start, p0, p1, lo, hi, scale):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        out[j] = _clip_round(p0 + (p1 - p0) * rng.unit(rng.at(s0, start + j)), lo, hi, scale)


@parallel_kernel
def _lognormal_floats(out, key, start, p0, p1, lo, hi, scale):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        i = start + j
        out[j] = _clip_round(math.exp(p0 + p1 * rng.normal(key, rng.at(s0, i), i)), lo, hi, scale)


@parallel_kernel
def _exponential_floats(out, key, start, p0, p1, lo, hi, scale):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        out[j] = _clip_round(p0 * rng.exponential(rng.at(s0, start + j)), lo, hi, scale)


@parallel_kernel
def _beta_floats(out, key, start, p0, p1, lo, hi, scale):
    other = rng.stream(key, 1)
    for j in prange(out.shape[0]):
        i = start + j
        x = rng.gamma(key, i, 2, p0)
        y = rng.gamma(other, i, 2, p1)
        if x + y > 0.0:
            out[j] = _clip_round(x / (x + y), lo, hi, scale)
        else:  # both underflowed (shapes far below one): the ratio from their logarithms
            gap = rng.log_gamma(other, i, 2, p1) - rng.log_gamma(key, i, 2, p0)
            out[j] = _clip_round(1.0 / (1.0 + math.exp(gap)), lo, hi, scale)


@parallel_kernel
def _gamma_floats(out, key, start, p0, p1, lo, hi, scale):
    for j in prange(out.shape[0]):
        out[j] = _clip_round(p1 * rng.gamma(key, start + j, 0, p0), lo, hi, scale)


_FLOAT_FILLS = (
    _normal_floats,
    _uniform_floats,
    _lognormal_floats,
    _exponential_floats,
    _beta_floats,
    _gamma_floats,
)
"""``fill_float``'s kernel for each code of ``FLOAT_DISTRIBUTIONS``; all take the same arguments (those
of ``fill_float`` but the code), used or not, so that one call fits them all."""


@kernel
def _clip_int(x: float, lo: int, hi: int) -> int:
    if x <= lo:
        return lo
    if x >= hi:
        return hi
    return int(x)  # numba compiles int() of a float to a truncating int64 cast


def fill_int(out, key, start, dist, p0, p1, lo, hi):
    """``out[j]`` = an integer of distribution ``dist`` for row ``start + j``, clipped to [lo, hi].
    Parameters by distribution: normal (mean, std; rounded to nearest), poisson (lam), geometric (p),
    zipf (a)."""
    _INT_FILLS[dist](out, key, start, p0, p1, lo, hi)


@parallel_kernel
def _normal_ints(out, key, start, p0, p1, lo, hi):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        i = start + j
        out[j] = _clip_int(np.rint(p0 + p1 * rng.normal(key, rng.at(s0, i), i)), lo, hi)


@parallel_kernel
def _poisson_ints(out, key, start, p0, p1, lo, hi):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        i = start + j
        out[j] = _clip_int(float(rng.poisson(key, rng.at(s0, i), i, p0)), lo, hi)


@parallel_kernel
def _geometric_ints(out, key, start, p0, p1, lo, hi):
    s0 = rng.stream(key, 0)
    for j in prange(out.shape[0]):
        out[j] = _clip_int(rng.geometric(rng.at(s0, start + j), p0), lo, hi)


@parallel_kernel
def _zipf_ints(out, key, start, p0, p1, lo, hi):
    for j in prange(out.shape[0]):
        out[j] = _clip_int(float(rng.zipf(key, start + j, p0)), lo, hi)


_INT_FILLS = (_normal_ints, _poisson_ints, _geometric_ints, _zipf_ints)
"""``fill_int``'s kernel for each code of ``INT_DISTRIBUTIONS``; all take the same arguments (those of
``fill_int`` but the code), used or not."""


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
def fill_grouped_alias(out, key, start, groups, thresholds, aliases, firsts, sizes, values):
    """``out[j]`` = a category drawn by Walker's alias method (``rng.alias``) from the group
    ``groups[j]`` (or group 0 when ``groups`` is empty). ``values`` maps each group's entries to the
    output's category indices."""
    s0 = rng.stream(key, 0)
    grouped = groups.shape[0] > 0
    for j in prange(out.shape[0]):
        g = groups[j] if grouped else 0
        first = firsts[g]
        out[j] = values[first + rng.alias(rng.at(s0, start + j), sizes[g], thresholds, aliases, first)]


@kernel
def _normal_cdf(y: float) -> float:
    return 0.5 * math.erfc(-y * 0.7071067811865476)


@parallel_kernel
def float_from_normal(out, y, dist, p0, p1, lo, hi, scale):
    """``out[j]`` = the value of distribution ``dist`` at the quantile of the standard normal ``y[j]``
    (the inverse-CDF step of a Gaussian copula), clipped and rounded like ``fill_float``. Distributions:
    normal, uniform, lognormal, exponential (codes as in FLOAT_DISTRIBUTIONS)."""
    for j in prange(out.shape[0]):
        if dist == 0:
            x = p0 + p1 * y[j]
        elif dist == 1:
            x = p0 + (p1 - p0) * _normal_cdf(y[j])
        elif dist == 2:
            x = math.exp(p0 + p1 * y[j])
        else:
            x = -p0 * math.log(_normal_cdf(-y[j]))
        out[j] = _clip_round(x, lo, hi, scale)


@parallel_kernel
def int_from_normal(out, y, dist, p0, p1, lo, hi):
    """``out[j]`` = the integer of distribution ``dist`` at the quantile of ``y[j]``: normal (rounded),
    geometric (codes as in INT_DISTRIBUTIONS), or -1 for uniform on [lo, hi]."""
    span = float(hi) - float(lo) + 1.0
    for j in prange(out.shape[0]):
        if dist == -1:
            x = float(lo) + math.floor(_normal_cdf(y[j]) * span)
        elif dist == 0:
            x = np.rint(p0 + p1 * y[j])
        else:
            x = math.ceil(math.log(max(_normal_cdf(-y[j]), 1e-300)) / math.log1p(-p0)) if p0 < 1.0 else 1.0
        out[j] = _clip_int(x, lo, hi)


@parallel_kernel
def choice_from_normal(out, y, thresholds):
    """``out[j]`` = the first index whose threshold exceeds ``y[j]``: with ``thresholds`` the normal
    quantiles of the choices' cumulative probabilities (the last ``inf``), the choice whose interval
    holds ``Phi(y[j])``, the inverse-CDF step of a Gaussian copula for a category or a boolean. Comparing
    normals spares a ``Phi`` per row."""
    last = thresholds.shape[0] - 1
    for j in prange(out.shape[0]):
        lo, hi = 0, last
        while lo < hi:
            mid = (lo + hi) // 2
            if thresholds[mid] > y[j]:
                hi = mid
            else:
                lo = mid + 1
        out[j] = lo


@parallel_kernel
def mix_rows(out, factor, z):
    """``out[:, j] = factor @ z[:, j]`` for a lower-triangular ``factor``, summed in a fixed order."""
    k = factor.shape[0]
    n = z.shape[1]
    chunks = (n + 4095) // 4096
    # Rows of 4,096 values at a time, each value's terms added in the same order as one at a time: runs
    # along z's rows instead of down its columns: twice as fast for 12 columns, the same bits.
    for chunk in prange(chunks):
        lo = chunk * 4096
        hi = min(n, lo + 4096)
        for r in range(k):
            for j in range(lo, hi):
                out[r, j] = 0.0
            for c in range(r + 1):
                f = factor[r, c]
                for j in range(lo, hi):
                    out[r, j] += f * z[c, j]


@inline_kernel
def _at_quantile(u, knots):
    """The value at probability ``u`` of a distribution given by ``knots``, its quantiles at evenly
    spaced probabilities from 0 to 1, interpolated linearly between them."""
    position = u * (knots.shape[0] - 1)
    k = min(int(position), knots.shape[0] - 2)
    return knots[k] + (knots[k + 1] - knots[k]) * (position - k)


@parallel_kernel
def fill_empirical(out, key, start, knots, scale):
    """``out[j]`` = a draw for row ``start + j`` from the distribution of ``knots`` (rounded to
    ``1 / scale`` when ``scale`` > 0)."""
    for j in prange(out.shape[0]):
        out[j] = _clip_round(
            _at_quantile(rng.unit(rng.at(key, start + j)), knots), knots[0], knots[-1], scale
        )


@parallel_kernel
def empirical_from_normal(out, y, knots, scale):
    """``out[j]`` = the value of the distribution of ``knots`` at the quantile of the standard normal
    ``y[j]`` (the inverse-CDF step of a Gaussian copula)."""
    for j in prange(out.shape[0]):
        out[j] = _clip_round(_at_quantile(_normal_cdf(y[j]), knots), knots[0], knots[-1], scale)
