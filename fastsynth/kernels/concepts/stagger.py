"""STAGGER concepts (Schlimmer and Granger, 1986), as river's ``STAGGER``: size, colour and shape,
each uniform over three values coded 0, 1, 2 (small/medium/large, red/blue/green,
circle/square/triangle), labelled by ``stagger_label``."""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.concept import stagger_label
from fastsynth.kernels.jit import parallel_kernel

__all__ = ["stagger", "stagger_labels"]

_COMBINATIONS = np.uint64(27)  # one draw per attempt


@parallel_kernel
def stagger_labels(function, size, color, shape, out):
    """``out[j]`` = the label of row ``j``'s features under ``function``."""
    for j in prange(out.shape[0]):
        out[j] = stagger_label(function, size[j], color[j], shape[j])


@parallel_kernel
def stagger(rows, key, function, desired, max_attempts, size, color, shape, label):
    """Row ``rows[j]`` into ``size[j], color[j], shape[j]`` and ``label[j]``; returns how many rows ran
    out of attempts to reach ``desired[j]``."""
    missed = 0
    for j in prange(rows.shape[0]):
        i = rows[j]
        for attempt in range(max_attempts):
            # One draw: a uniform index into the 27 combinations, in base 3.
            r = np.int64(rng.bounded(rng.draw(key, i, attempt), _COMBINATIONS))
            a, b, c = r % 3, (r // 3) % 3, r // 9
            result = stagger_label(function, a, b, c)
            size[j], color[j], shape[j], label[j] = a, b, c, result
            if desired[j] < 0 or result == desired[j]:
                break
            if attempt == max_attempts - 1:
                missed += 1
    return missed
