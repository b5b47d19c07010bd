"""Kernels that write Arrow string buffers (int32 offsets and UTF-8 bytes) directly.

A composed string is one of several *variants* (templates), each a sequence of *parts*; a part picks
one of ``sizes[p]`` consecutive entries of a shared pool starting at ``bases[p]`` (a one-entry part is a
literal). Every choice is a weighted draw by Walker's alias method from the part's own stream, so two
parts with the same stream and pool pick the same entry on the same row: that is how columns stay
consistent with each other (an email built from the row's name). In *unique* mode a keyed permutation of
the row index, read in mixed radix (``strides``), picks the entries instead, so no two rows below
``span`` get the same combination.

Each row's entries are drawn once to size it and kept for writing it (a long template, such as a
paragraph, draws them again instead, so memory stays small). Bytes are copied eight at a time with
unaligned loads and stores. A copy may run up to sixteen bytes past the end of a part; rows are
written in order within a chunk, so the next part overwrites the excess, and no word ever crosses the
end of its chunk (the last bytes of a chunk are copied one by one), so threads never touch each
other's bytes. Pools carry sixteen bytes of padding so loads stay in bounds.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, kernel, parallel_kernel
from fastsynth.kernels.memory import load_word, store_word
from fastsynth.kernels.permutation import permute

__all__ = [
    "POOL_PADDING",
    "ComposePlan",
    "compose_lengths",
    "compose_write",
    "fill_card_numbers",
    "fill_ibans",
    "fill_uuid",
    "prefix_offsets",
]

ComposePlan = namedtuple(
    "ComposePlan",
    [
        "bases",  # int64[parts]: first pool entry of each part
        "sizes",  # int64[parts]: entries of each part (1 for a literal)
        "streams",  # uint64[parts]: the stream key each part draws from
        "strides",  # uint64[parts]: mixed-radix place value of each part, in unique mode
        "thresholds",  # uint64[entries]: alias-method thresholds, per pool entry
        "aliases",  # int64[entries]: alias-method aliases (relative to the part's base)
        "variant_first",  # int64[variants]: first part of each variant
        "variant_last",  # int64[variants]: one past its last part
        "variant_thresholds",  # uint64[variants]
        "variant_aliases",  # int64[variants]
        "variant_stream",  # uint64[1]: the stream choosing the variant
        "unique",  # uint64[3]: span (0 = off), Feistel half width, permutation key
    ],
)

POOL_PADDING = 16
"""Zero bytes a pool must carry after its last entry (``_copy`` reads two words of any short part)."""
_CHUNK_ROWS = 2048
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@inline_kernel
def _variant(i, plan):
    """The variant of row ``i`` (always 0 when there is one)."""
    count = plan.variant_first.shape[0]
    if count == 1:
        return 0
    u = rng.at(plan.variant_stream[0], i)
    return rng.alias(u, count, plan.variant_thresholds, plan.variant_aliases, 0)


@inline_kernel
def _code(i, plan):
    """Row ``i``'s permuted index in unique mode (0 otherwise)."""
    span = plan.unique[0]
    if span == 0:
        return np.uint64(0)
    return permute(np.uint64(i), span, plan.unique[1], plan.unique[2])


@inline_kernel
def _entry(i, p, code, plan):
    """The pool entry part ``p`` takes on row ``i``, given the row's ``_code``."""
    base = plan.bases[p]
    size = plan.sizes[p]
    if size == 1:
        return base
    if plan.unique[0] != 0:
        return base + np.int64((code // plan.strides[p]) % np.uint64(size))
    u = rng.at(plan.streams[p], i)
    return base + rng.alias(u, size, plan.thresholds, plan.aliases, base)


@parallel_kernel
def compose_lengths(offsets, chosen, start, pool_offsets, plan):
    """``offsets[j + 1]`` = the byte length of row ``start + j``'s string (``prefix_offsets`` then
    turns lengths into offsets in place). When ``chosen`` has columns (one per part of the longest
    template), the entries are kept there for ``compose_write``, -1 after a shorter template's end."""
    keep = chosen.shape[1] > 0
    for j in prange(offsets.shape[0] - 1):
        i = start + j
        v = _variant(i, plan)
        code = _code(i, plan)
        total = 0
        first = plan.variant_first[v]
        for p in range(first, plan.variant_last[v]):
            e = _entry(i, p, code, plan)
            total += pool_offsets[e + 1] - pool_offsets[e]
            if keep:
                chosen[j, p - first] = e
        if keep:
            for k in range(plan.variant_last[v] - first, chosen.shape[1]):
                chosen[j, k] = -1
        offsets[j + 1] = total


@kernel
def prefix_offsets(offsets):
    """Arrow offsets from the lengths in ``offsets[1:]``, in place; returns the total as a 64-bit
    integer, so a caller can detect a total that overflows 32-bit offsets."""
    offsets[0] = 0
    acc = 0
    for j in range(1, offsets.shape[0]):
        acc += offsets[j]
        offsets[j] = acc
    return acc


@inline_kernel
def _copy(data, pos, end, pool_data, source, length):
    """Copy ``length`` pool bytes to ``data[pos:]``, eight at a time while that stays before ``end``.
    Parts of up to 16 bytes (names, words, domains) take two words whatever their length: a loop of
    one or two turns would be a jump mispredicted at random (an email 25 ns against 17.5 ns)."""
    if length <= 16 and pos + 16 <= end:
        store_word(data, pos, load_word(pool_data, source))
        store_word(data, pos + 8, load_word(pool_data, source + 8))
        return
    w = 0
    while w < length:
        if pos + w + 8 <= end:
            store_word(data, pos + w, load_word(pool_data, source + w))
            w += 8
        else:
            data[pos + w] = pool_data[source + w]
            w += 1


@parallel_kernel
def compose_write(data, offsets, chosen, start, pool_offsets, pool_data, plan):
    """Write each row's parts into ``data`` at ``offsets[j]`` (``pool_data`` padded by POOL_PADDING),
    reading the entries ``compose_lengths`` kept in ``chosen``, or drawing them again if it has none."""
    n = offsets.shape[0] - 1
    kept = chosen.shape[1] > 0
    for chunk in prange((n + _CHUNK_ROWS - 1) // _CHUNK_ROWS):
        first = chunk * _CHUNK_ROWS
        last = min(n, first + _CHUNK_ROWS)
        end = np.int64(offsets[last])
        for j in range(first, last):
            pos = np.int64(offsets[j])
            if kept:
                for k in range(chosen.shape[1]):
                    e = chosen[j, k]
                    if e < 0:
                        break
                    length = pool_offsets[e + 1] - pool_offsets[e]
                    _copy(data, pos, end, pool_data, pool_offsets[e], length)
                    pos += length
                continue
            i = start + j
            v = _variant(i, plan)
            code = _code(i, plan)
            for p in range(plan.variant_first[v], plan.variant_last[v]):
                e = _entry(i, p, code, plan)
                length = pool_offsets[e + 1] - pool_offsets[e]
                _copy(data, pos, end, pool_data, pool_offsets[e], length)
                pos += length


@parallel_kernel
def fill_uuid(data, key, start, span, half_bits):
    """36-byte canonical version-4 UUID strings, one per row, distinct within a dataset: 60 of the 122
    random bits are a keyed permutation of the row index (``permute`` over ``span = 2**60``)."""
    s0 = rng.stream(key, 0)
    for j in prange(data.shape[0] // 36):
        i = start + j
        unique = permute(np.uint64(i), span, half_bits, key)
        noise = rng.at(s0, i)
        # 128 bits: 48 unique | version 4 | 12 unique | variant 10 | 62 random
        hi = ((unique >> np.uint64(12)) << np.uint64(16)) | np.uint64(0x4000) | (unique & np.uint64(0xFFF))
        lo = (noise >> np.uint64(2)) | np.uint64(0x8000000000000000)
        pos = j * 36
        for nibble in range(32):
            if nibble < 16:
                v = (hi >> np.uint64(60 - 4 * nibble)) & np.uint64(15)
            else:
                v = (lo >> np.uint64(124 - 4 * nibble)) & np.uint64(15)
            if nibble == 8 or nibble == 12 or nibble == 16 or nibble == 20:
                data[pos] = 45  # '-'
                pos += 1
            data[pos] = _HEX[v]
            pos += 1


@parallel_kernel
def fill_card_numbers(data, key, start, prefixes, prefix_lengths, thresholds, aliases):
    """16-digit card numbers passing the Luhn check: an issuer prefix (row of ``prefixes``, chosen by
    alias tables), random digits, and the check digit that makes the Luhn sum a multiple of 10."""
    s0 = rng.stream(key, 0)
    s1 = rng.stream(key, 1)
    for j in prange(data.shape[0] // 16):
        i = start + j
        choice = rng.alias(rng.at(s0, i), prefixes.shape[0], thresholds, aliases, 0)
        bits = rng.at(s1, i)
        pos = j * 16
        total = 0
        for d in range(15):
            if d < prefix_lengths[choice]:
                digit = prefixes[choice, d]
            else:
                digit = np.int64(bits % np.uint64(10))
                bits //= np.uint64(10)
            data[pos + d] = 48 + digit
            # Counting from the check digit (position 15), every second digit is doubled.
            if (15 - d) % 2 == 1:
                digit *= 2
                if digit > 9:
                    digit -= 9
            total += digit
        data[pos + 15] = 48 + (10 - total % 10) % 10


@parallel_kernel
def fill_ibans(data, key, start, country, layout):
    """IBANs of one country: its two letters, two check digits and a BBAN whose characters follow
    ``layout`` (0 digit, 1 uppercase letter, 2 letter or digit). The check digits are
    ``98 - (BBAN + country + "00" as an integer, letters as 10..35) mod 97`` (ISO 13616)."""
    width = 4 + layout.shape[0]
    for j in prange(data.shape[0] // width):
        i = start + j
        pos = j * width
        remainder = 0
        for c in range(layout.shape[0]):
            u = rng.draw(key, i, c)
            kind = layout[c]
            if kind == 0:
                value = np.int64(rng.bounded(u, np.uint64(10)))
                data[pos + 4 + c] = 48 + value
                remainder = (remainder * 10 + value) % 97
            else:
                value = np.int64(rng.bounded(u, np.uint64(26 if kind == 1 else 36)))
                if kind == 1 or value >= 10:
                    letter = value if kind == 1 else value - 10
                    data[pos + 4 + c] = 65 + letter
                    remainder = (remainder * 100 + letter + 10) % 97
                else:
                    data[pos + 4 + c] = 48 + value
                    remainder = (remainder * 10 + value) % 97
        for c in range(2):
            letter = country[c] - 65
            remainder = (remainder * 100 + letter + 10) % 97
        remainder = (remainder * 100) % 97
        check = 98 - remainder
        data[pos] = country[0]
        data[pos + 1] = country[1]
        data[pos + 2] = 48 + check // 10
        data[pos + 3] = 48 + check % 10
