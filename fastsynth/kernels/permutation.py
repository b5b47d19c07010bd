"""A keyed bijection of [0, span), used wherever values must be distinct within a dataset."""

from __future__ import annotations

import numpy as np

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel

__all__ = ["feistel_half_bits", "permute"]


def feistel_half_bits(span: int) -> int:
    """Half the width of the smallest even-width bit domain holding ``span`` values (at least 1)."""
    bits = max(2, (span - 1).bit_length())
    return (bits + 1) // 2


_FEISTEL_ROUNDS = 6


@kernel
def permute(i: np.uint64, span: np.uint64, half_bits: np.uint64, key: np.uint64) -> np.uint64:
    """A keyed bijection of [0, span): a balanced Feistel network over 2 * half_bits bits, walked
    until it lands inside the span (at most four steps on average, since span > 2**(2*half_bits) / 4)."""
    mask = (np.uint64(1) << half_bits) - np.uint64(1)
    x = i
    while True:
        left = x >> half_bits
        right = x & mask
        for r in range(_FEISTEL_ROUNDS):
            f = rng.mix64(right ^ rng.stream(key, r)) & mask
            left, right = right, left ^ f
        x = (left << half_bits) | right
        if span == 0 or x < span:  # span 0 stands for the full 2**64
            return x
