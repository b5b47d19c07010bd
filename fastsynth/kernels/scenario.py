"""Scenario evolutions: a column's new values from a closed-form change over ``t``, in one pass.

numpy spends most of an evolution on temporaries (the change, then the sum, then the comparisons for the
log: 60-100 ms per million rows on the 2-core machine); one fused loop writes the values and the change
and a second counts what changed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = ["SHAPES", "evolve_values", "summarise_change"]

SHAPES = {"linear": 0, "cyclic": 1, "sigmoid": 2, "power": 3, "step": 4, "given": 5}
"""Codes of the change ``evolve_values`` computes: ``a t + b``, ``a sin(2 pi t / b + c)``,
``a / (1 + exp(-(t - b) / c))``, ``a ** t - 1``, ``a`` where ``t >= b`` else 0, or ``given[i]``."""


@parallel_kernel
def evolve_values(out, change, x, t, shape, multiply, a, b, c, given):
    """``out[i] = x[i] + change[i]`` (or ``x[i] * (1 + change[i])`` when ``multiply``), with the change
    of ``shape`` (``SHAPES``) at ``t[i]`` written to ``change``."""
    for i in prange(x.shape[0]):
        ti = t[i]
        if shape == 0:
            ch = a * ti + b
        elif shape == 1:
            ch = a * math.sin(2 * math.pi * ti / b + c)
        elif shape == 2:
            # the logistic as 0.5 * (1 + tanh(z / 2)): equal to 1 / (1 + exp(-z)), without exp overflowing
            ch = a * 0.5 * (1 + math.tanh((ti - b) / c / 2))
        elif shape == 3:
            ch = a**ti - 1
        elif shape == 4:
            ch = a if ti >= b else 0.0
        else:
            ch = given[i]
        change[i] = ch
        out[i] = x[i] * (1 + ch) if multiply else x[i] + ch


@kernel
def summarise_change(x, y, change, valid, has_nulls):
    """(rows whose value changed, smallest change, largest change) over the valid rows (``valid`` is
    read only when ``has_nulls``); NaN equals NaN, and NaN changes are left out of the extremes."""
    changed = 0
    seen = 0
    low = np.inf
    high = -np.inf
    for i in range(x.shape[0]):
        if has_nulls and not valid[i]:
            continue
        a = x[i]
        b = y[i]
        if a != b and not (a != a and b != b):
            changed += 1
        ch = change[i]
        if ch == ch:
            seen += 1
            low = min(low, ch)
            high = max(high, ch)
    return changed, seen, low, high
