"""Mixed concepts (Gama et al., 2004), as river's ``Mixed``: two booleans, each true with probability
one half, and two floats uniform in [0, 1); class 1 under function 1 when at least two of the
booleans and ``y < 0.5 + 0.3 sin(3 pi x)`` hold, function 0 the reverse."""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, parallel_kernel

__all__ = ["mixed", "mixed_label", "mixed_labels"]

_DRAWS = 3  # the booleans' bits and two floats, per attempt
_S63, _S62, _ONE = np.uint64(63), np.uint64(62), np.uint64(1)


@inline_kernel
def mixed_label(function, v, w, x, y):
    """The label of booleans ``v, w`` (any truthy values) and floats ``x, y`` under ``function``."""
    z = y < 0.5 + 0.3 * math.sin(3.0 * math.pi * x)
    majority = (v and w) or (v and z) or (w and z)
    return (0 if majority else 1) if function == 0 else (1 if majority else 0)


@parallel_kernel
def mixed_labels(function, v, w, x, y, out):
    """``out[j]`` = the label of row ``j``'s features under ``function``."""
    for j in prange(out.shape[0]):
        out[j] = mixed_label(function, v[j] != 0, w[j] != 0, x[j], y[j])


@parallel_kernel
def mixed(rows, key, function, desired, max_attempts, v, w, x, y, label):
    """Row ``rows[j]`` into ``v[j], w[j]`` (0 or 1), ``x[j], y[j]`` and ``label[j]``; returns how many
    rows ran out of attempts to reach ``desired[j]``."""
    first = rng.streams(key, _DRAWS)
    missed = 0
    for j in prange(rows.shape[0]):
        i = rows[j]
        for attempt in range(max_attempts):
            base = attempt * _DRAWS
            # The two fair booleans are two bits of one draw (river: two floats compared with 0.5).
            bits = rng.hoisted(first, key, i, base)
            a = (bits >> _S63) != 0
            b = ((bits >> _S62) & _ONE) != 0
            c = rng.unit(rng.hoisted(first, key, i, base + 1))
            d = rng.unit(rng.hoisted(first, key, i, base + 2))
            result = mixed_label(function, a, b, c, d)
            v[j], w[j], x[j], y[j], label[j] = a, b, c, d, result
            if desired[j] < 0 or result == desired[j]:
                break
            if attempt == max_attempts - 1:
                missed += 1
    return missed
