"""Kernels that write Arrow string buffers (int32 offsets and UTF-8 bytes) directly.

A composed string is a sequence of parts; part ``p`` picks one entry out of ``sizes[p]`` consecutive
entries of a shared pool, starting at ``bases[p]``, with its own key (a one-entry part is a literal).
Two parts that share a key pick the same entry on the same row, which is how fields stay consistent with
each other (an email built from the row's name). Each row is drawn twice, once to size it and once to
write it: recomputing a draw is cheaper than storing it.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel, parallel_kernel
from fastsynth.kernels.permutation import permute

__all__ = ["compose_lengths", "compose_write", "fill_uuid", "prefix_offsets"]

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@kernel
def _entry(i, p, bases, sizes, streams):
    if sizes[p] == 1:
        return bases[p]
    return bases[p] + np.int64(rng.bounded(rng.at(streams[p], i), np.uint64(sizes[p])))


@parallel_kernel
def compose_lengths(offsets, start, pool_offsets, bases, sizes, streams):
    """``offsets[j + 1]`` = the byte length of row ``start + j``'s string (``prefix_offsets`` then
    turns lengths into offsets in place)."""
    for j in prange(offsets.shape[0] - 1):
        total = 0
        for p in range(bases.shape[0]):
            e = _entry(start + j, p, bases, sizes, streams)
            total += pool_offsets[e + 1] - pool_offsets[e]
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


@parallel_kernel
def compose_write(data, offsets, start, pool_offsets, pool_data, bases, sizes, streams):
    """Write each row's parts into ``data`` at ``offsets[j]``."""
    for j in prange(offsets.shape[0] - 1):
        pos = offsets[j]
        for p in range(bases.shape[0]):
            e = _entry(start + j, p, bases, sizes, streams)
            for b in range(pool_offsets[e], pool_offsets[e + 1]):
                data[pos] = pool_data[b]
                pos += 1


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
