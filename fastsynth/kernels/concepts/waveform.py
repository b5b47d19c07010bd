"""Waveforms (Breiman et al., 1984), as river's ``Waveform``: 21 features, each a random mix of two of
three triangular base waves plus a standard normal, the class which two; and, with noise, 19 more
standard normals.

Draw 0 of row ``i`` is its class (unless the row asks for one: the features depend on the class alone,
so giving it is drawing until it comes, without the attempts), draw 1 the mixing weight, and feature
``c``'s normal comes from a stream of its own (``rng.stream(key, 2 + c)``). The class and weight are
drawn once per row, then each column is filled by its own pass.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, parallel_kernel

__all__ = ["WAVES", "WAVE_PAIRS", "waveform_column", "waveform_mean", "waveform_rows"]

WAVES = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0],
        [0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0],
    ],
    np.float64,
)
"""The three base waves over the 21 features (river's ``_H_FUNCTION``)."""

WAVE_PAIRS = np.array([[0, 1], [0, 2], [1, 2]], np.int64)
"""The two waves each class mixes, the first weighted by the uniform ``u``, the second by ``1 - u``."""


@inline_kernel
def waveform_mean(label, u, c):
    """Feature ``c`` (< 21) of a row of class ``label`` and weight ``u`` before its noise."""
    return u * WAVES[WAVE_PAIRS[label, 0], c] + (1.0 - u) * WAVES[WAVE_PAIRS[label, 1], c]


@parallel_kernel
def waveform_rows(rows, key, desired, y, u):
    """The class ``y[j]`` of row ``rows[j]`` (``desired[j]`` when >= 0, else draw 0, uniform over
    0-2) and its weight ``u[j]`` (draw 1, uniform in [0, 1)), which every wave feature reads."""
    class_stream, weight_stream = rng.stream(key, 0), rng.stream(key, 1)
    for j in prange(rows.shape[0]):
        i = rows[j]
        y[j] = desired[j] if desired[j] >= 0 else np.int64(rng.bounded(rng.at(class_stream, i), np.uint64(3)))
        u[j] = rng.unit(rng.at(weight_stream, i))


@parallel_kernel
def waveform_column(rows, key, y, u, c, out):
    """``out[j]`` = feature ``c`` of row ``rows[j]`` of class ``y[j]`` and weight ``u[j]``: the class's
    mix of waves plus a standard normal for ``c < 21``, a standard normal alone past it."""
    noise_key = rng.stream(key, 2 + c)
    for j in prange(rows.shape[0]):
        i = rows[j]
        noise = rng.normal_at(noise_key, i)
        out[j] = waveform_mean(y[j], u[j], c) + noise if c < 21 else noise
