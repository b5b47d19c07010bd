"""Weighted choices in O(1): Walker's alias tables, built once per list of weights."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["alias_tables"]

_FULL = 2**64 - 1


def alias_tables(probabilities: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias tables by Vose's method: bucket ``b`` keeps itself with probability
    ``threshold[b] / 2**64`` and otherwise yields ``alias[b]``. A zero probability gives a zero
    threshold, so that category is never drawn."""
    k = len(probabilities)
    total = math.fsum(probabilities)
    scaled = [p * k / total for p in probabilities]
    threshold = np.full(k, _FULL, np.uint64)
    alias = np.arange(k, dtype=np.uint64)
    # Zero-probability buckets last, so they are paired first and can never be left over as full.
    small = sorted((b for b, q in enumerate(scaled) if q < 1.0), key=lambda b: scaled[b] == 0.0)
    large = [b for b, q in enumerate(scaled) if q >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        threshold[s] = min(int(scaled[s] * 2.0**64), _FULL)
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # Leftovers are full buckets up to rounding; they keep threshold 2**64 - 1 and alias themselves.
    return threshold, alias
