"""SEA concepts (Street and Kim, 2001), as river's ``SEA``: three features uniform in [0, 10), the
label whether the first two sum above the variant's threshold, flipped with probability ``noise``."""

from __future__ import annotations

from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.concept import sea_label
from fastsynth.kernels.jit import parallel_kernel

__all__ = ["sea"]

_DRAWS = 4  # three features and the noise draw, per attempt


@parallel_kernel
def sea(rows, key, variant, noise, desired, max_attempts, x0, x1, x2, y):
    """Row ``rows[j]`` into ``x0[j], x1[j], x2[j], y[j]``; returns how many rows ran out of attempts
    to reach ``desired[j]``."""
    missed = 0
    for j in prange(rows.shape[0]):
        i = rows[j]
        for attempt in range(max_attempts):
            base = attempt * _DRAWS
            a = 10.0 * rng.unit(rng.draw(key, i, base))
            b = 10.0 * rng.unit(rng.draw(key, i, base + 1))
            c = 10.0 * rng.unit(rng.draw(key, i, base + 2))
            label = sea_label(variant, a, b)
            if noise > 0.0 and rng.unit(rng.draw(key, i, base + 3)) < noise:
                label = 1 - label
            x0[j], x1[j], x2[j], y[j] = a, b, c, label
            if desired[j] < 0 or label == desired[j]:
                break
            if attempt == max_attempts - 1:
                missed += 1
    return missed
