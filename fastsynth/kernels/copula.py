"""Normal quantiles for a Gaussian copula: the thresholds that turn its normals into categories, and the
normal scores a fit measures its correlations on.

A column's values, sorted (numbers) or listed (categories), cut the probabilities [0, 1] into intervals,
one per distinct value, as wide as its share of the rows. A value's normal score is the mean of a
standard normal ``Z`` over the interval its ``Phi(Z)`` falls in: ``(phi(a) - phi(b)) / (B - A)`` with
``a = Phi^-1(A)``, ``b = Phi^-1(B)``. For a column of distinct numbers that is the familiar
``Phi^-1`` of the mid-rank, finite at the ends; for a category it is one point, the mean of its interval.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = ["interval_means", "normal_quantile", "normal_quantiles"]

_SQRT_2PI = 2.5066282746310002

# Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988): Phi^-1 to about 1e-16.
_A = (
    3.387132872796366608,
    133.14166789178437745,
    1971.5909503065514427,
    13731.693765509461125,
    45921.953931549871457,
    67265.770927008700853,
    33430.575583588128105,
    2509.0809287301226727,
)
_B = (
    1.0,
    42.313330701600911252,
    687.1870074920579083,
    5394.1960214247511077,
    21213.794301586595867,
    39307.89580009271061,
    28729.085735721942674,
    5226.495278852545925,
)
_C = (
    1.42343711074968357734,
    4.6303378461565452959,
    5.7694972214606914055,
    3.64784832476320460504,
    1.27045825245236838258,
    0.24178072517745061177,
    0.0227238449892691845833,
    7.7454501427834140764e-4,
)
_D = (
    1.0,
    2.05319162663775882187,
    1.6763848301838038494,
    0.68976733498510000455,
    0.14810397642748007459,
    0.0151986665636164571966,
    5.475938084995344946e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.6579046435011037772,
    5.4637849111641143699,
    1.7848265399172913358,
    0.29656057182850489123,
    0.026532189526576123093,
    0.0012426609473880784386,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    0.59983220655588793769,
    0.13692988092273580531,
    0.0148753612908506148525,
    7.868691311456132591e-4,
    1.8463183175100546818e-5,
    1.4215117583164458887e-7,
    2.04426310338993978564e-15,
)


@kernel
def _ratio(numerator, denominator, x: float) -> float:
    top = 0.0
    bottom = 0.0
    for k in range(7, -1, -1):  # Horner, highest power first
        top = top * x + numerator[k]
        bottom = bottom * x + denominator[k]
    return top / bottom


@kernel
def normal_quantile(p: float) -> float:
    """``Phi^-1(p)``: -inf at 0, inf at 1."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    q = p - 0.5
    if abs(q) <= 0.425:
        return q * _ratio(_A, _B, 0.180625 - q * q)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    x = _ratio(_C, _D, r - 1.6) if r <= 5.0 else _ratio(_E, _F, r - 5.0)
    return -x if q < 0.0 else x


@kernel
def normal_quantiles(p):
    """``Phi^-1`` of each of ``p``, as a new array."""
    out = np.empty(p.shape[0])
    for j in range(p.shape[0]):
        out[j] = normal_quantile(p[j])
    return out


@kernel
def _density(z: float) -> float:
    return 0.0 if math.isinf(z) else math.exp(-0.5 * z * z) / _SQRT_2PI


@parallel_kernel
def interval_means(out, lower, upper):
    """``out[j]`` = the mean of a standard normal over the probabilities ``[lower[j], upper[j]]``
    (its midpoint's quantile when the interval is too narrow to tell the densities apart)."""
    for j in prange(out.shape[0]):
        a, b = lower[j], upper[j]
        if b <= a:
            out[j] = normal_quantile(a)
            continue
        mean = (_density(normal_quantile(a)) - _density(normal_quantile(b))) / (b - a)
        out[j] = mean if math.isfinite(mean) else normal_quantile(0.5 * (a + b))
