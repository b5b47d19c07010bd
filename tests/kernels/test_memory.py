"""Byte copies between arrays."""

from __future__ import annotations

import numpy as np
import pytest

from fastsynth.kernels.memory import copy_range


@pytest.mark.parametrize(("o", "start", "end"), [(3, 0, 13), (0, 5, 6), (10, 2, 2), (17, 0, 40), (0, 30, 45)])
def test_copy_range_copies_what_both_arrays_reach_and_nothing_after(o, start, end):
    """Words are copied eight bytes at a time, yet no byte after the range changes (another thread may
    own it), and a range past either array's end is cut at that end."""
    data = np.arange(40, dtype=np.uint8)
    out = np.full(24, 0xAA, np.uint8)
    expected = out.copy()
    n = max(0, min(end - start, len(out) - o, len(data) - start))
    expected[o : o + n] = data[start : start + n]
    copy_range(out, o, data, start, end)
    np.testing.assert_array_equal(out, expected)
