"""``pick``: a select that stays a select, for numbers only."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from fastsynth.kernels.branchless import pick


@numba.njit
def _picks(conditions, a, b):
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = pick(conditions[i], a[i], b[i])
    return out


def test_picks_like_a_conditional_expression():
    rng = np.random.default_rng(0)
    conditions = rng.random(1000) < 0.3
    for dtype in (np.int64, np.uint64, np.int32, np.float64):
        a, b = rng.integers(0, 100, (2, 1000)).astype(dtype)
        assert (_picks(conditions, a, b) == np.where(conditions, a, b)).all()


def test_refuses_what_is_not_a_number():
    """A select of arrays would hand back a reference nobody counted (found by review: heap corruption)."""

    @numba.njit
    def arrays(condition, a, b):
        return pick(condition, a, b)

    with pytest.raises(numba.core.errors.TypingError, match="takes two numbers of one type"):
        arrays(True, np.zeros(2), np.ones(2))
    with pytest.raises(numba.core.errors.TypingError, match="takes two numbers of one type"):
        arrays(True, 1, 2.0)
