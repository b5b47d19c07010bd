"""Plain-numpy (and plain-Python) reference implementations of the kernels, for comparison."""

from __future__ import annotations

import math

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


def libm(function, values: np.ndarray) -> np.ndarray:
    """``function`` (``math.log``, ``math.exp``) value by value, as the C library computes it, which is
    what compiled kernels call: numpy's own vectorised versions (AVX-512 on some CPUs) may differ from it
    in the last bit."""
    return np.array([function(v) for v in np.asarray(values, dtype=np.float64)], dtype=np.float64)


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


# -- scalar draws, for the samplers that reject (plain Python integers and floats) -------------------


def _u64(rows: np.ndarray) -> np.ndarray:
    """Rows as unsigned 64-bit counters; negative rows wrap around, as in the kernels."""
    rows = np.asarray(rows)
    if rows.dtype.kind in "iu":
        return rows.astype(np.uint64)
    return np.array([int(r) % 2**64 for r in rows.ravel()], dtype=np.uint64).reshape(rows.shape)


def mix1(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def at1(stream_key: int, row: int) -> int:
    """The 64 bits of one row of a stream, as a Python integer (rows may be negative: they wrap)."""
    return mix1((stream_key + (row + 1) * GOLDEN) & MASK)


def stream1(key: int, k: int) -> int:
    return mix1(key ^ ((k * 0xD1B54A32D192ED03) & MASK))


def draw1(key: int, row: int, k: int) -> int:
    return at1(stream1(key, k), row)


def unit1(u: int) -> float:
    return (u >> 11) * 2.0**-53


def open_unit1(u: int) -> float:
    return ((u >> 12) + 0.5) * 2.0**-52


def bounded1(u: int, n: int) -> int:
    return u if n % 2**64 == 0 else (u * n) >> 64


def normal1(key: int, first: int, row: int) -> float:
    """One standard normal by the ziggurat: ``first`` is its first 64 bits, further draws are draws
    ``1, 2, ...`` of ``row`` under ``key``."""
    from fastsynth.kernels.rng import _ZIG_R, _ZIG_RATIO, _ZIG_X

    bits, k = first, 1
    while True:
        layer = bits & 127
        u = 2.0 * unit1(bits) - 1.0
        if abs(u) < _ZIG_RATIO[layer]:
            return u * _ZIG_X[layer]
        if layer == 0:
            while True:
                x = math.log(open_unit1(draw1(key, row, k))) / _ZIG_R
                y = math.log(open_unit1(draw1(key, row, k + 1)))
                k += 2
                if -2.0 * y >= x * x:
                    return x - _ZIG_R if u < 0 else _ZIG_R - x
        x = u * _ZIG_X[layer]
        f0 = math.exp(-0.5 * (_ZIG_X[layer] * _ZIG_X[layer] - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[layer + 1] * _ZIG_X[layer + 1] - x * x))
        if f1 + unit1(draw1(key, row, k)) * (f0 - f1) < 1.0:
            return x
        bits, k = draw1(key, row, k + 1), k + 2


def normal_at(key: int, row: int) -> float:
    """The standard normal of ``row`` under ``key`` (stream 0), as generation draws it."""
    return normal1(key, draw1(key, row, 0), row)


def gamma1(key: int, row: int, k: int, shape: float) -> float:
    """Marsaglia and Tsang's Gamma(shape, 1), with the boost for shapes below one."""
    boost = 1.0
    if shape < 1.0:
        boost = open_unit1(draw1(key, row, k)) ** (1.0 / shape)
        k += 1
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        s = stream1(key, k)
        x = normal1(s, at1(s, row), row)
        v = 1.0 + c * x
        if v > 0.0:
            v = v * v * v
            u = open_unit1(draw1(key, row, k + 1))
            if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
                return d * v * boost
        k += 2


POISSON_LARGEST = 2**63 - 1024
"""The count a Poisson draw saturates at: the largest int64 that a float64 holds exactly."""


def poisson1(key: int, first: int, row: int, lam: float) -> int:
    """A Poisson(lam) count: inversion below 10, Hörmann's PTRS above; 0 for a NaN mean, saturated for
    means past what int64 holds."""
    if lam != lam:
        return 0
    if lam >= 9.2e18:
        return POISSON_LARGEST
    if lam < 10.0:
        u = unit1(first)
        p = math.exp(-lam)
        cdf, n = p, 0
        while u > cdf and n < 1000:
            n += 1
            p *= lam / n
            cdf += p
        return n
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    k = 0
    while True:
        u = unit1(draw1(key, row, k)) - 0.5
        v = open_unit1(draw1(key, row, k + 1))
        k += 2
        us = 0.5 - abs(u)
        if us == 0.0:
            continue  # n would be infinite; the kernel's overflowed integer is negative and rejected
        n = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return n
        if n < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= (
            -lam + n * loglam - math.lgamma(n + 1.0)
        ):
            return n


# -- series kernels ---------------------------------------------------------------------------------

HORIZON = 1 << 40
_ENTITY = 0xA0761D6478BD642F
_SECOND_GAMMA = 0xE7037ED1A0B428DB


def entity_key(key: int, entity: int) -> int:
    return key if entity == 0 else mix1(key ^ ((entity * _ENTITY) & MASK))


def locate(start: int, size: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, entities) of rows ``start ..`` in time order with ``count`` entities."""
    rows = np.arange(start, start + size, dtype=np.int64)
    return rows // count, rows % count


def shape_series(
    base, steps, entities, trend, trend_params, changepoints, level, periods, amplitudes, phases, profiles,
    offsets, lo, hi,
):  # fmt: skip
    """The deterministic shape of each row, from the definitions: the trend as the integral of a
    piecewise constant slope, seasons as sines of the phase or as periodic linear interpolation."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf and inf * 0 = NaN, as in numba
        return _shape_series(
            base, steps, entities, trend, trend_params, changepoints, level, periods, amplitudes, phases,
            profiles, offsets, lo, hi,
        )  # fmt: skip


def _shape_series(
    base, steps, entities, trend, trend_params, changepoints, level, periods, amplitudes, phases, profiles,
    offsets, lo, hi,
):  # fmt: skip
    i = steps.astype(np.float64)
    e = entities
    added = np.zeros(len(i))
    if trend == 0:
        # The integral of the slope from 0 to i: each piece [start, end) with its own slope.
        starts = np.concatenate([[0.0], changepoints[:, 0]])
        slopes = np.column_stack([trend_params[e, 0], *(np.full(len(i), s) for s in changepoints[:, 1])])
        for k in range(len(starts)):
            end = starts[k + 1] if k + 1 < len(starts) else np.inf
            added += slopes[:, k] * np.clip(np.minimum(i, end) - starts[k], 0.0, None)
    elif trend == 1:
        added = trend_params[e, 0] / (1.0 + np.exp(-trend_params[e, 1] * (i - trend_params[e, 2])))
    season = np.ones(len(i))
    for k, period in enumerate(periods):
        phase = np.mod(np.fmod(i, period) / period + phases[e, k], 1.0)
        profile = profiles[offsets[k] : offsets[k + 1]]
        if len(profile) == 0:
            shape = np.sin(2.0 * np.pi * phase)
        else:  # one period of the profile, closed by its first value again
            shape = np.interp(
                phase * len(profile), np.arange(len(profile) + 1), np.append(profile, profile[0])
            )
        season += amplitudes[e, k] * shape
    value = (base + level[e] + added) * season
    if trend == 2:
        value = value * np.exp(trend_params[e, 0] * i)
    return np.clip(value, lo, hi)


def poisson_counts(key: int, start: int, rates: np.ndarray) -> np.ndarray:
    s0 = stream1(key, 0)
    rows = range(start, start + len(rates))
    return np.array(
        [poisson1(key, at1(s0, i), i, max(r, 0.0)) for i, r in zip(rows, rates, strict=True)],
        dtype=np.int64,
    )


def ar(key: int, entity: int, first: int, count: int, phi: np.ndarray, psi: np.ndarray, block: int):
    """Steps ``first ..`` of an entity's AR(p) noise, from the definition: each absolute block of steps
    starts from the moving-average values of its p previous steps and runs the recursion."""
    ekey = entity_key(key, entity)
    noise: dict[int, float] = {}

    def e(m: int) -> float:
        if m not in noise:
            noise[m] = normal_at(ekey, m)
        return noise[m]

    p = len(phi)
    end = first + count
    values: dict[int, float] = {}
    for origin in range((first // block) * block, end, block):
        # history[lag] is x at origin - 1 - lag, in its moving-average form
        history = [sum(psi[k] * e(origin - 1 - lag - k) for k in range(len(psi))) for lag in range(p)]
        for step in range(origin, min(origin + block, end)):
            x = e(step)
            for lag in range(p):
                x += phi[lag] * history[lag]
            history = [x, *history[:-1]] if p else []
            values[step] = x
    return np.array([values[m] for m in range(first, end)])


def _heap_node(left: int, width: int) -> int:
    """The heap number of the dyadic interval of ``width`` steps from ``left`` (the horizon is 1)."""
    depth = 40 - (width.bit_length() - 1)
    return (1 << depth) + left // width


def bridge(key: int, entity: int, first: int, count: int, gamma: bool) -> np.ndarray:
    """Steps of a random walk (or arrival times, ``gamma``) drawn top-down over the horizon, one root to
    leaf path per step: the value at the middle of an interval given its ends."""
    ekey = entity_key(key, entity)
    other = mix1(ekey ^ _SECOND_GAMMA)
    middle: dict[int, float] = {}

    def split(left: int, width: int, low: float, high: float) -> float:
        node = _heap_node(left, width)
        if node not in middle:
            if gamma:
                g1, g2 = gamma1(ekey, node, 0, 0.5 * width), gamma1(other, node, 0, 0.5 * width)
                middle[node] = low + (high - low) * (g1 / (g1 + g2))
            else:
                middle[node] = 0.5 * (low + high) + 0.5 * math.sqrt(width) * normal_at(ekey, node)
        return middle[node]

    top = gamma1(ekey, 0, 0, float(HORIZON)) if gamma else math.sqrt(HORIZON) * normal_at(ekey, 0)
    out = []
    for step in range(first + gamma, first + gamma + count):
        left, right, low, high = 0, HORIZON, 0.0, top
        while right - left > 1:
            mid = (left + right) // 2
            value = split(left, right - left, low, high)
            if step < mid:
                right, high = mid, value
            else:
                left, low = mid, value
        out.append(low)
    return np.array(out)


def regimes(key, entity, first, count, length, mean_count, cumulative) -> np.ndarray:
    """The regime of each step: drawn at the last switch at or before it (step 0 if none); switches are
    a Poisson number of uniform steps in each absolute block of ``length`` steps."""
    ekey = entity_key(key, entity)
    capacity = max(64, int(mean_count + 12.0 * math.sqrt(mean_count) + 12.0))
    blocks: dict[int, list[int]] = {}

    def switches(block: int) -> list[int]:
        if block not in blocks:
            n = min(poisson1(ekey, draw1(ekey, block, 1), block, mean_count), capacity)
            s2 = stream1(ekey, 2)
            blocks[block] = [
                block * length + bounded1(at1(s2, block * capacity + q), length) for q in range(n)
            ]
        return blocks[block]

    pick = stream1(ekey, 3)
    out = []
    for step in range(first, first + count):
        start = 0
        for block in range(step // length, -1, -1):
            before = [s for s in switches(block) if s <= step]
            if before:
                start = max(before)
                break
        u = unit1(at1(pick, start))
        out.append(min(int(np.searchsorted(cumulative, u, side="right")), len(cumulative) - 1))
    return np.array(out, dtype=np.int64)


def episodes(key, entity, first, count, rate, duration, sign) -> np.ndarray:
    """The sign of the latest anomaly episode in force at each step (episodes start at each step with
    probability ``rate`` and last ``duration`` steps), else 0."""
    ekey = entity_key(key, entity)
    low = max(first - duration + 1, 0)
    steps = np.arange(low, first + count)
    started = unit(at(stream(ekey, 0), steps)) < rate
    latest = np.maximum.accumulate(np.where(started, steps, -1))[first - low :]
    steps = steps[first - low :]
    inside = (latest >= 0) & (steps - latest < duration)
    signs = np.where(unit(at(stream(ekey, 1), np.maximum(latest, 0))) < 0.5, 1, -1) if sign == 0 else sign
    return np.where(inside, signs, 0).astype(np.int64)


# -- drift kernels ----------------------------------------------------------------------------------


def drift_numeric(x, weights, op, a, b, c, key, start, lo, hi, integer) -> np.ndarray:
    """Each operation's formula on every row with a weight; integer results rounded and clipped. Rows
    of weight 0 are copied bit for bit."""
    x = np.asarray(x)
    w = np.asarray(weights, np.float64)
    rows = np.arange(start, start + len(x))
    xf = x.astype(np.float64)
    with np.errstate(all="ignore"):
        if op == 0:
            value, hit = xf + w * a, w != 0.0
        elif op == 1:
            value, hit = b + (xf - b) * (1.0 + w * (a - 1.0)), w != 0.0
        elif op == 2:
            value, hit = xf + w * a * normal(key, start, len(x)), w != 0.0
        elif op == 3:
            value, hit = xf + w * a * (2.0 * unit(at(stream(key, 0), rows)) - 1.0), w != 0.0
        elif op == 4:
            value, hit = xf * (1.0 + w * (a - 1.0)), w != 0.0
        else:
            hit = (w != 0.0) & (unit(at(stream(key, 0), rows)) < c * w)
            value = np.where(unit(at(stream(key, 1), rows)) < 0.5, b + a, b - a)
        if integer:
            value = np.clip(np.rint(value), lo, hi)
    out = x.copy()
    out[hit] = value[hit]
    return out


def drift_codes(codes, weights, change, targets, key, start, fixed) -> np.ndarray:
    """A category code moves with probability ``change[code] * w``: to ``fixed``, or drawn from the
    cumulative ``targets``; nulls (negative codes) stay."""
    codes = np.asarray(codes)
    rows = np.arange(start, start + len(codes))
    probability = np.where(codes >= 0, np.asarray(change)[np.maximum(codes, 0)], 0.0) * weights
    moves = (codes >= 0) & (np.asarray(weights) != 0.0) & (unit(at(stream(key, 0), rows)) < probability)
    drawn = np.minimum(
        np.searchsorted(targets, unit(at(stream(key, 1), rows)), side="right"), len(targets) - 1
    )
    return np.where(moves, fixed if fixed >= 0 else drawn, codes).astype(codes.dtype)


def flip_bits(values, weights, rate, key, start) -> np.ndarray:
    rows = np.arange(start, start + len(values))
    w = np.asarray(weights)
    flip = (w != 0.0) & (unit(at(stream(key, 0), rows)) < rate * w)
    return (np.asarray(values) ^ flip).astype(np.uint8)


_KEYBOARD = b"qwertyuiopasdfghjklzxcvbnm"


def typos(data: bytes, offsets, weights, rate, key, start) -> bytes:
    """One typo in each string chosen with probability ``rate * w``, at a uniform byte of the string: an
    ASCII character swaps with the next one (bit 0 of the draw clear, the next byte ASCII and different),
    or else an ASCII letter becomes one of the 25 other letters, keeping its case; non-ASCII bytes are
    never touched."""
    out = bytearray(data)
    s0, s1 = stream1(key, 0), stream1(key, 1)
    for i in range(len(offsets) - 1):
        row = start + i
        first, end = int(offsets[i]), int(offsets[i + 1])
        if weights[i] == 0.0 or unit1(at1(s0, row)) >= rate * weights[i] or end <= first:
            continue
        bits = at1(s1, row)
        where = first + bounded1(bits, end - first)
        here = out[where]
        if here >= 128:
            continue
        if bits & 1 == 0 and where + 1 < end and out[where + 1] < 128 and out[where + 1] != here:
            out[where], out[where + 1] = out[where + 1], here
        elif chr(here).isalpha():
            letter = _KEYBOARD[(bits >> 8) % 25]
            if letter == here | 32:
                letter = _KEYBOARD[25]
            out[where] = letter if here >= 97 else letter - 32
    return bytes(out)


TYPO_MODES = {"swap": 0, "change": 1, "delete": 2, "duplicate": 3}


def typo_edits(data: bytes, offsets, weights, rate, key, start, modes) -> tuple[bytes, list[int]]:
    """(bytes, offsets) after one typo in each string chosen as by ``typos``, of a mode drawn uniformly
    from the codes ``modes`` (sorted) with draw 2: swap (else change), change, delete or duplicate the
    ASCII character at the chosen byte."""
    s0, s1, s2 = stream1(key, 0), stream1(key, 1), stream1(key, 2)
    pieces = []
    for i in range(len(offsets) - 1):
        row = start + i
        first, end = int(offsets[i]), int(offsets[i + 1])
        text = bytearray(data[first:end])
        pieces.append(text)
        if weights[i] == 0.0 or unit1(at1(s0, row)) >= rate * weights[i] or end <= first:
            continue
        bits = at1(s1, row)
        where = bounded1(bits, end - first)
        here = text[where]
        if here >= 128:
            continue
        mode = modes[bounded1(at1(s2, row), len(modes))]
        if mode == 0:
            if where + 1 < len(text) and text[where + 1] < 128 and text[where + 1] != here:
                text[where], text[where + 1] = text[where + 1], here
                continue
            mode = 1
        if mode == 1 and chr(here).isalpha():
            letter = _KEYBOARD[(bits >> 8) % 25]
            if letter == here | 32:
                letter = _KEYBOARD[25]
            text[where] = letter if here >= 97 else letter - 32
        elif mode == 2:
            del text[where]
        elif mode == 3:
            text.insert(where, here)
    return b"".join(pieces), [0, *np.cumsum([len(p) for p in pieces]).tolist()]


def moments(x, valid) -> tuple[float, float, float]:
    """(count, mean, population standard deviation) of the valid values (all when ``valid`` is empty)."""
    chosen = np.asarray(x, np.float64) if len(valid) == 0 else np.asarray(x, np.float64)[valid]
    if len(chosen) == 0:
        return 0.0, 0.0, 0.0
    return float(len(chosen)), float(np.mean(chosen)), float(np.std(chosen))


def window_moments(x, valid, starts, ends) -> tuple[np.ndarray, np.ndarray]:
    """Per run: mean of the valid values, and the std (ddof 1) of their second differences over sqrt 6
    (first differences over sqrt 2 with 3 values; 0 with fewer)."""
    x = np.asarray(x, np.float64)
    means, spreads = np.zeros(len(starts)), np.zeros(len(starts))
    for j, (first, end) in enumerate(zip(starts, ends, strict=True)):
        v = x[first:end] if len(valid) == 0 else x[first:end][np.asarray(valid)[first:end]]
        means[j] = v.mean() if len(v) else 0.0
        if len(v) >= 4:
            spreads[j] = np.std(np.diff(v, 2), ddof=1) / np.sqrt(6)
        elif len(v) == 3:
            spreads[j] = np.std(np.diff(v), ddof=1) / np.sqrt(2)
    return means, spreads


def count_changed(before, after) -> int:
    """Positions that differ, NaN equal to NaN."""
    before, after = np.asarray(before), np.asarray(after)
    same = (before == after) | (np.isnan(before) & np.isnan(after))
    return int((~same).sum())


def moving_average_weights(phi: list[float], terms: int) -> np.ndarray | None:
    """The weights psi of an AR(p) as a moving average, truncated once the last p + 1 are below 1e-17,
    as plain Python."""
    psi = [1.0]
    while len(psi) < terms:
        k = len(psi)
        psi.append(sum(phi[j] * psi[k - 1 - j] for j in range(min(len(phi), k))))
        if k > len(phi) and max(abs(v) for v in psi[-len(phi) - 1 :]) < 1e-17:
            return np.array(psi)
    return None
