"""Plain-numpy (and plain-Python) reference implementations of the kernels, for comparison."""

from __future__ import annotations

import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def mix64(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def stream(key: int, k: int) -> int:
    return int(mix64(np.uint64(key ^ ((k * 0xD1B54A32D192ED03) & MASK))))


def at(stream_key: int, rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return mix64(np.uint64(stream_key) + (rows + np.uint64(1)) * np.uint64(GOLDEN))


def unit(u: np.ndarray) -> np.ndarray:
    return (u >> np.uint64(11)).astype(np.float64) / 2.0**53


def bounded(u: np.ndarray, n: int) -> np.ndarray:
    """floor(u * n / 2**64) with exact Python integers."""
    if n % 2**64 == 0:
        return u.copy()
    return np.array([(int(x) * n) >> 64 for x in u], dtype=np.uint64)


def uniform_int(key: int, start: int, size: int, lo: int, hi: int) -> np.ndarray:
    u = at(stream(key, 0), np.arange(start, start + size))
    return np.array([lo + v for v in bounded(u, hi - lo + 1).tolist()], dtype=np.int64)


def bits(key: int, start: int, size: int, p: float) -> np.ndarray:
    """Arrow-packed bits, set with probability p."""
    u = at(stream(key, 0), np.arange(start, start + size))
    flags = np.ones(size, dtype=bool) if p >= 1.0 else u < np.uint64(int(p * 2.0**64))
    return np.packbits(flags, bitorder="little")


def alias(key: int, start: int, size: int, threshold: np.ndarray, aliases: np.ndarray) -> np.ndarray:
    """Walker's alias draw with exact integer arithmetic: bucket = high part of u * k, fraction = low."""
    k = len(threshold)
    out = []
    for u in at(stream(key, 0), np.arange(start, start + size)).tolist():
        product = u * k
        bucket, fraction = product >> 64, product & MASK
        out.append(bucket if fraction < int(threshold[bucket]) else int(aliases[bucket]))
    return np.array(out, dtype=np.int64)


def alias_probabilities(threshold: np.ndarray, aliases: np.ndarray) -> np.ndarray:
    """The category probabilities that alias tables imply."""
    k = len(threshold)
    keep = threshold.astype(np.float64) / 2.0**64
    p = np.zeros(k)
    np.add.at(p, np.arange(k), keep / k)
    np.add.at(p, aliases.astype(np.int64), (1.0 - keep) / k)
    return p


def open_unit(u: np.ndarray) -> np.ndarray:
    return ((u >> np.uint64(12)).astype(np.float64) + 0.5) / 2.0**52


def draw(key: int, row: int, k: int) -> int:
    return int(at(stream(key, k), np.array([row]))[0])


def normal(key: int, start: int, size: int) -> np.ndarray:
    """The ziggurat, row by row in plain Python, using the kernel module's tables."""
    from fastsynth.kernels.rng import _ZIG_R, _ZIG_RATIO, _ZIG_X

    out = np.empty(size)
    for j in range(size):
        i = start + j
        bits, k = draw(key, i, 0), 1
        while True:
            layer = bits & 127
            u = 2.0 * ((bits >> 11) / 2.0**53) - 1.0
            if abs(u) < _ZIG_RATIO[layer]:
                out[j] = u * _ZIG_X[layer]
                break
            if layer == 0:
                while True:
                    x = np.log(open_unit(np.uint64(draw(key, i, k)))) / _ZIG_R
                    y = np.log(open_unit(np.uint64(draw(key, i, k + 1))))
                    k += 2
                    if -2.0 * y >= x * x:
                        out[j] = x - _ZIG_R if u < 0 else _ZIG_R - x
                        break
                break
            x = u * _ZIG_X[layer]
            f0 = np.exp(-0.5 * (_ZIG_X[layer] ** 2 - x * x))
            f1 = np.exp(-0.5 * (_ZIG_X[layer + 1] ** 2 - x * x))
            if f1 + ((draw(key, i, k) >> 11) / 2.0**53) * (f0 - f1) < 1.0:
                out[j] = x
                break
            bits, k = draw(key, i, k + 1), k + 2
    return out


def permute(i: int, span: int, half_bits: int, key: int, rounds: int = 6) -> int:
    """The Feistel permutation with cycle walking, in plain Python."""
    mask = (1 << half_bits) - 1
    x = i
    while True:
        left, right = x >> half_bits, x & mask
        for r in range(rounds):
            f = int(mix64(np.uint64(right ^ stream(key, r)))) & mask
            left, right = right, left ^ f
        x = (left << half_bits) | right
        if span == 0 or x < span:
            return x


def uuid4(key: int, row: int) -> str:
    unique = permute(row, 2**60, 30, key)
    noise = draw(key, row, 0)
    hi = ((unique >> 12) << 16) | 0x4000 | (unique & 0xFFF)
    lo = (noise >> 2) | (1 << 63)
    text = f"{hi:016x}{lo:016x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
