"""LED digits (Breiman et al., 1984), as river's ``LED`` and ``LEDDrift``: the seven segments of a
digit drawn uniformly from 0-9, each inverted with river's noise rule, and optionally 17 irrelevant
uniform bits.

Draw 0 of row ``i`` is its digit (unless the row asks for one: the features depend on the digit
alone, so giving the digit is drawing until it comes, without the attempts), draw ``1 + s`` is source
attribute ``s``: segment ``s``'s noise for ``s < 7``, the irrelevant bit otherwise. The digits are
drawn first (the target), then column ``c`` is filled with source attribute ``sources[c]`` (the
identity but for LEDDrift's swaps) by a pass of its own.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import parallel_kernel

__all__ = ["LED_SEGMENTS", "led_column", "led_labels", "led_target"]

LED_SEGMENTS = np.array(
    [
        [1, 1, 1, 0, 1, 1, 1],
        [0, 0, 1, 0, 0, 1, 0],
        [1, 0, 1, 1, 1, 0, 1],
        [1, 0, 1, 1, 0, 1, 1],
        [0, 1, 1, 1, 0, 1, 0],
        [1, 1, 0, 1, 0, 1, 1],
        [1, 1, 0, 1, 1, 1, 1],
        [1, 0, 1, 0, 0, 1, 0],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 0, 1, 1],
    ],
    np.int64,
)
"""The segments lit for each digit 0-9 (river's ``_ORIGINAL_INSTANCES``)."""


def _digit_of_code() -> np.ndarray:
    """The digit whose segments, read as bits (segment ``s`` the bit ``1 << s``), make each of the 128
    codes; -1 for codes no digit makes."""
    table = np.full(128, -1, np.int64)
    for digit, segments in enumerate(LED_SEGMENTS):
        table[int(segments @ (1 << np.arange(7)))] = digit
    return table


_DIGIT_OF_CODE = _digit_of_code()


@parallel_kernel
def led_target(rows, key, desired, y):
    """``y[j]`` = the digit of row ``rows[j]``: ``desired[j]`` when >= 0, else draw 0, uniform over
    0-9."""
    digit_stream = rng.stream(key, 0)
    for j in prange(rows.shape[0]):
        y[j] = (
            desired[j]
            if desired[j] >= 0
            else np.int64(rng.bounded(rng.at(digit_stream, rows[j]), np.uint64(10)))
        )


@parallel_kernel
def led_column(rows, key, y, source, noise, out):
    """``out[j]`` = source attribute ``source`` of row ``rows[j]``, whose digit is ``y[j]``: the
    digit's segment ``source``, inverted when ``0.01 + u <= noise`` for a uniform ``u`` (river's rule,
    so a noise of 0.1 inverts 9% of segments and one of 0.01 or less none), or an irrelevant uniform
    bit for ``source >= 7``."""
    source_stream = rng.stream(key, 1 + source)
    for j in prange(rows.shape[0]):
        bits = rng.at(source_stream, rows[j])
        if source < 7:
            lit = LED_SEGMENTS[y[j], source]
            out[j] = 1 - lit if 0.01 + rng.unit(bits) <= noise else lit
        else:
            out[j] = np.int64(bits >> np.uint64(63))


@parallel_kernel
def led_labels(segments, out):
    """``out[j]`` = the digit whose segments are ``segments[:, j]`` (seven rows of 0/1), or -1 when no
    digit lights exactly those: the label of a noiseless row."""
    for j in prange(out.shape[0]):
        code = 0
        for s in range(7):
            code |= segments[s, j] << s
        out[j] = _DIGIT_OF_CODE[code]
