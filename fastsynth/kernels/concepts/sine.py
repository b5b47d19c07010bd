"""Sine concepts (Gama et al., 2004), as river's ``Sine``: two features uniform in [0, 1) labelled by
``sine_label`` and, with ``has_noise``, two more uniform in [0, 1) that the label ignores, drawn after
the labelled pair has its class (river draws them once per row, after its rejection loop)."""

from __future__ import annotations

from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.concept import sine_label
from fastsynth.kernels.jit import parallel_kernel

__all__ = ["sine", "sine_labels"]

_DRAWS = 4  # two labelled features and two irrelevant ones, per attempt


@parallel_kernel
def sine_labels(function, a, b, out):
    """``out[j]`` = the label of row ``j``'s features under ``function``."""
    for j in prange(out.shape[0]):
        out[j] = sine_label(function, a[j], b[j])


@parallel_kernel
def sine(rows, key, function, has_noise, desired, max_attempts, x0, x1, x2, x3, y):
    """Row ``rows[j]`` into ``x0[j], x1[j]``, the irrelevant ``x2[j], x3[j]`` when ``has_noise`` (else
    they are not touched: pass empty arrays), and ``y[j]``; returns how many rows ran out of attempts
    to reach ``desired[j]``."""
    first = rng.streams(key, _DRAWS)
    missed = 0
    for j in prange(rows.shape[0]):
        i = rows[j]
        base = 0
        for attempt in range(max_attempts):
            base = attempt * _DRAWS
            a = rng.unit(rng.hoisted(first, key, i, base))
            b = rng.unit(rng.hoisted(first, key, i, base + 1))
            label = sine_label(function, a, b)
            x0[j], x1[j], y[j] = a, b, label
            if desired[j] < 0 or label == desired[j]:
                break
            if attempt == max_attempts - 1:
                missed += 1
        if has_noise:
            x2[j] = rng.unit(rng.hoisted(first, key, i, base + 2))
            x3[j] = rng.unit(rng.hoisted(first, key, i, base + 3))
    return missed
