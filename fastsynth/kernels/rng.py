"""Counter-based randomness: every random number is a pure function of (key, row, draw).

A column's ``key`` is a 64-bit hash of (seed, column name). Draw ``k`` of row ``i`` is
``mix64(stream(key, k) + (i + 1) * GOLDEN)``: for a fixed stream this is exactly the SplitMix64 sequence,
which passes BigCrush, and because it is indexed by the row rather than advanced sequentially, row ``i``
gets the same numbers whatever the batch size, the ``start`` offset or the thread that computes it.

Samplers that reject (ziggurat, gamma, Poisson, Zipf) take further draws ``k = 1, 2, ...`` of the same row.
"""

from __future__ import annotations

import math

import numpy as np

from fastsynth.kernels.branchless import pick
from fastsynth.kernels.jit import inline_kernel, kernel

__all__ = [
    "alias",
    "at",
    "bounded",
    "draw",
    "exponential",
    "first_try",
    "gamma",
    "geometric",
    "hoisted",
    "mix64",
    "normal",
    "normal_at",
    "normals_at",
    "open_unit",
    "poisson",
    "stream",
    "streams",
    "unit",
    "zipf",
]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_STREAM = np.uint64(0xD1B54A32D192ED03)
_LO32 = np.uint64(0xFFFFFFFF)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
_S12 = np.uint64(12)
_TWO_M53 = 2.0**-53
_TWO_M52 = 2.0**-52
_LOG_ZIPF_MAX = math.log(9.2e18)


@kernel
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijection on 64-bit integers with full avalanche."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@kernel
def stream(key: np.uint64, k: int) -> np.uint64:
    """The key of draw number ``k`` of a column; hoist it out of row loops when ``k`` is fixed."""
    return mix64(key ^ (np.uint64(k) * _STREAM))


@kernel
def at(stream_key: np.uint64, i: int) -> np.uint64:
    """The 64 random bits of row ``i`` in one stream."""
    return mix64(stream_key + np.uint64(i + 1) * GOLDEN)


@kernel
def draw(key: np.uint64, i: int, k: int) -> np.uint64:
    """Draw ``k`` of row ``i`` for a column key."""
    return at(stream(key, k), i)


@inline_kernel
def alias(u, size, thresholds, aliases, base):
    """An index in [0, size) by Walker's alias method from 64 random bits, with the tables of ``size``
    entries from ``base``: the high part of ``u * size`` is a bucket, kept if the low part is below its
    threshold, else replaced by its alias. Inlined by numba (arrays passed to a compiled helper are
    reference-counted on every call); the choice is a ``pick``, as it is a coin flip."""
    n = np.uint64(size)
    bucket = np.int64(bounded(u, n))
    keep = u * n < thresholds[base + bucket]
    return pick(keep, bucket, np.int64(aliases[base + bucket]))


@kernel
def unit(u: np.uint64) -> float:
    """A float in [0, 1) from the top 53 bits."""
    return float(u >> _S11) * _TWO_M53


@kernel
def open_unit(u: np.uint64) -> float:
    """A float in (0, 1), safe for logarithms and inverse CDFs. 52 bits, so that adding one half
    stays exact and the largest value is below 1."""
    return (float(u >> _S12) + 0.5) * _TWO_M52


@kernel
def bounded(u: np.uint64, n: np.uint64) -> np.uint64:
    """floor(u * n / 2**64): a value in [0, n) with bias below n / 2**64 (Lemire), n = 0 meaning 2**64."""
    if n == 0:
        return u
    a_lo = u & _LO32
    a_hi = u >> _S32
    b_lo = n & _LO32
    b_hi = n >> _S32
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    lo_hi = a_lo * b_hi
    cross = (lo_lo >> _S32) + (hi_lo & _LO32) + lo_hi
    return (hi_lo >> _S32) + (cross >> _S32) + a_hi * b_hi


# Ziggurat tables for the standard normal (Marsaglia and Tsang 2000, with Doornik's 2005 refinement),
# computed here rather than pasted so that their origin is plain.
_ZIG_LAYERS = 128
_ZIG_R = 3.442619855899
_ZIG_V = 9.91256303526217e-3


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray]:
    x = np.zeros(_ZIG_LAYERS + 1)
    f = math.exp(-0.5 * _ZIG_R * _ZIG_R)
    x[0] = _ZIG_V / f
    x[1] = _ZIG_R
    for i in range(2, _ZIG_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(_ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    ratio = x[1:] / x[:-1]
    return x, ratio


_ZIG_X, _ZIG_RATIO = _ziggurat_tables()


@kernel
def _normal_tail(key: np.uint64, i: int, k: int, negative: bool) -> float:
    while True:
        x = math.log(open_unit(draw(key, i, k))) / _ZIG_R
        y = math.log(open_unit(draw(key, i, k + 1)))
        k += 2
        if -2.0 * y >= x * x:
            return x - _ZIG_R if negative else _ZIG_R - x


@kernel
def normal(key: np.uint64, first: np.uint64, i: int) -> float:
    """A standard normal value for row ``i``; ``first`` is ``at(stream(key, 0), i)``, passed in because
    callers already hoist stream 0. About 97% of rows take the fast path with no transcendental call
    (the rest: 1 - mean(_ZIG_RATIO), 2.76%)."""
    bits = first
    k = 1
    while True:
        layer = int(bits & np.uint64(_ZIG_LAYERS - 1))
        u = 2.0 * unit(bits) - 1.0
        if abs(u) < _ZIG_RATIO[layer]:
            return u * _ZIG_X[layer]
        if layer == 0:
            return _normal_tail(key, i, k, u < 0.0)
        x = u * _ZIG_X[layer]
        f0 = math.exp(-0.5 * (_ZIG_X[layer] * _ZIG_X[layer] - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[layer + 1] * _ZIG_X[layer + 1] - x * x))
        if f1 + unit(draw(key, i, k)) * (f0 - f1) < 1.0:
            return x
        bits = draw(key, i, k + 1)
        k += 2


@kernel
def first_try(bits: np.uint64) -> float:
    """The ziggurat's first try at a standard normal from 64 random bits: its value, or NaN where it is
    turned down (about 3 in 100), and ``normal`` must go on."""
    layer = bits & np.uint64(_ZIG_LAYERS - 1)
    x = 2.0 * unit(bits) - 1.0
    return pick(abs(x) < _ZIG_RATIO[layer], x * _ZIG_X[layer], np.nan)


@inline_kernel
def normal_at(stream_key: np.uint64, i: int) -> float:
    """``normal(stream_key, at(stream_key, i), i)`` with its fast path (97% of values) inlined where it is
    called: as a call, with the rejection loop, a value costs 6.7 ns; inlined, 4.0 ns. The same values."""
    bits = at(stream_key, i)
    # first_try's test as a branch (taken 97 times in 100): a select and a NaN test cost 5-10% more here.
    layer = bits & np.uint64(_ZIG_LAYERS - 1)
    x = 2.0 * unit(bits) - 1.0
    if abs(x) < _ZIG_RATIO[layer]:
        return x * _ZIG_X[layer]
    return normal(stream_key, bits, i)


@inline_kernel
def normals_at(out: np.ndarray, stream_key: np.uint64, first: int) -> None:
    """``out[j] = normal_at(stream_key, first + j)`` for every ``j``: first tries for all of them, in a
    loop without branches that LLVM vectorizes (2.8 ns a value where the scalar path took 4.7, measured
    side by side), then the rejection loop for those turned down."""
    for j in range(out.shape[0]):
        out[j] = first_try(at(stream_key, first + j))
    for j in range(out.shape[0]):
        if out[j] != out[j]:
            i = first + j
            out[j] = normal(stream_key, at(stream_key, i), i)


@kernel
def streams(key: np.uint64, n: int) -> np.ndarray:
    """The keys of draws ``0 .. n - 1``, made once before a row loop (see ``hoisted``)."""
    out = np.empty(n, np.uint64)
    for k in range(n):
        out[k] = stream(key, k)
    return out


@kernel
def hoisted(keys: np.ndarray, key: np.uint64, i: int, k: int) -> np.uint64:
    """Draw ``k`` of row ``i``: from ``keys = streams(key, n)`` when ``k < n`` (a row's first attempt),
    else made here (the redraws of rejection sampling)."""
    return at(keys[k], i) if k < keys.shape[0] else draw(key, i, k)


@kernel
def exponential(u: np.uint64) -> float:
    """A standard exponential value by inversion."""
    return -math.log(open_unit(u))


@kernel
def gamma(key: np.uint64, i: int, k: int, shape: float) -> float:
    """A Gamma(shape, 1) value (Marsaglia and Tsang 2000), using draws ``k, k+1, ...`` of row ``i``.

    Shapes below one use the boost ``G(a) = G(a + 1) * U**(1/a)``."""
    value, u, power = _gamma_parts(key, i, k, shape)
    return value if power == 1.0 else value * u**power  # no pow() a value for shapes of one and more


@kernel
def log_gamma(key: np.uint64, i: int, k: int, shape: float) -> float:
    """The logarithm of ``gamma``'s value from the same draws: finite where the value itself underflows
    to zero, as it does for shapes far below one (the boost ``U**(1/a)`` of a = 0.001)."""
    value, u, power = _gamma_parts(key, i, k, shape)
    return math.log(value) + math.log(u) * power


@kernel
def _gamma_parts(key: np.uint64, i: int, k: int, shape: float) -> tuple[float, float, float]:
    """``gamma``'s value as ``G * U**power``: (G, U, power), with U = power = 1 for shapes of one and
    more (whose value is G itself)."""
    u_boost, power = 1.0, 1.0
    if shape < 1.0:
        u_boost, power = open_unit(draw(key, i, k)), 1.0 / shape
        k += 1
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        s = stream(key, k)
        x = normal(s, at(s, i), i)
        v = 1.0 + c * x
        if v > 0.0:
            v = v * v * v
            u = open_unit(draw(key, i, k + 1))
            if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
                return d * v, u_boost, power
        k += 2


_POISSON_LARGEST = 2**63 - 1024
"""The largest int64 that a float64 holds exactly: where counts of means past int64's range saturate."""


@kernel
def poisson(key: np.uint64, first: np.uint64, i: int, lam: float) -> int:
    """A Poisson(lam) count: inversion for small means, Hörmann's PTRS (1993) for lam >= 10.

    A NaN mean (a series rate of 0 x an overflowed trend) gives 0, where PTRS would never accept; a
    mean past int64's range (up to inf) saturates, where the count's conversion would wrap to -2**63.
    9.2e18 leaves room for ten standard deviations below 2**63."""
    if lam != lam:
        return 0
    if lam >= 9.2e18:
        return _POISSON_LARGEST
    if lam < 10.0:
        u = unit(first)
        p = math.exp(-lam)
        cdf = p
        n = 0
        while u > cdf and n < 1000:
            n += 1
            p *= lam / n
            cdf += p
        return n
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    k = 0
    while True:
        u = unit(draw(key, i, k)) - 0.5
        v = open_unit(draw(key, i, k + 1))
        k += 2
        us = 0.5 - abs(u)
        n = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(n)
        if n < 0.0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= (
            -lam + n * loglam - math.lgamma(n + 1.0)
        ):
            return int(n)


@kernel
def geometric(u: np.uint64, p: float) -> float:
    """The number of Bernoulli(p) trials up to and including the first success (support 1, 2, ...), as
    a float: for tiny ``p`` it passes int64 (1e50 for p = 1e-50), where an integer would wrap around."""
    if p >= 1.0:
        return 1.0
    return np.ceil(math.log(open_unit(u)) / math.log1p(-p))


@kernel
def zipf(key: np.uint64, i: int, a: float) -> int:
    """A Zipf(a) value on 1, 2, ... for a > 1, by Devroye's rejection method (1986, p. 551).

    Values past int64 (``x > 9.2e18``) are not drawn at all rather than rejected: ``u`` comes uniform
    from ``[9.2e18 ** -(a - 1), 1)``, the very draws rejection would keep. Rejecting them cost
    ``1 / (1 - 9.2e18 ** -(a - 1))`` tries a value: 2,300 for a = 1.00001, a hang as a nears 1."""
    am1 = a - 1.0
    b = 2.0**am1
    if b == math.inf:  # a > 1025: P(1) = 1 / zeta(a) rounds to 1, and the test below would be NaN forever
        return 1
    lowest = math.exp(-am1 * _LOG_ZIPF_MAX)
    k = 0
    while True:
        u = lowest + (1.0 - lowest) * open_unit(draw(key, i, k))
        v = unit(draw(key, i, k + 1))
        k += 2
        x = math.floor(u ** (-1.0 / am1))
        if x > 9.2e18 or x < 1.0:
            continue
        t = (1.0 + 1.0 / x) ** am1
        if v * x * (t - 1.0) / (b - 1.0) <= t / b:
            return int(x)
