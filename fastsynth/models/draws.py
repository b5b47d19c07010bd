"""Counter-based draws for models: value ``j`` of a draw over rows ``[start, start + size)`` depends only
on (key, start + j), so a model's rows do not depend on how they are batched."""

from __future__ import annotations

import numpy as np

from fastsynth.kernels import numeric as kn

__all__ = ["integers", "normal", "uniform"]


def uniform(key: np.uint64, start: int, size: int) -> np.ndarray:
    """Uniform floats in [0, 1), one per row."""
    out = np.empty(size, np.float64)
    kn.fill_float(out, key, start, kn.FLOAT_DISTRIBUTIONS["uniform"], 0.0, 1.0, -np.inf, np.inf, 0.0)
    return out


def normal(key: np.uint64, start: int, size: int) -> np.ndarray:
    """Standard normal floats, one per row."""
    out = np.empty(size, np.float64)
    kn.fill_float(out, key, start, kn.FLOAT_DISTRIBUTIONS["normal"], 0.0, 1.0, -np.inf, np.inf, 0.0)
    return out


def integers(key: np.uint64, start: int, size: int, count: int) -> np.ndarray:
    """Uniform integers in [0, count), one per row."""
    out = np.empty(size, np.int64)
    kn.fill_uniform_int(out, key, start, 0, np.uint64(count % 2**64))
    return out
