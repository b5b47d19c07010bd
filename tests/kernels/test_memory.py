"""Byte copies between arrays."""

from __future__ import annotations

import numpy as np
import pytest

from fastsynth.kernels.memory import copy_range

DATA = np.arange(100, 140, dtype=np.uint8)


@pytest.mark.parametrize(
    ("o", "start", "end", "written"),
    [
        (3, 0, 13, {3: range(100, 113)}),  # a word and then some, mid-array
        (0, 5, 6, {0: [105]}),
        (10, 2, 2, {}),  # nothing
        (10, 6, 2, {}),  # end before start: nothing
        (17, 0, 40, {17: range(100, 107)}),  # cut at the end of out
        (0, 30, 45, {0: range(130, 140)}),  # cut at the end of data
        (30, 0, 4, {}),  # past the end of out
        (0, 50, 54, {}),  # past the end of data
        (-3, 0, 4, {}),  # negative positions copy nothing
        (0, -3, 4, {}),
    ],
)
def test_copy_range_copies_what_both_arrays_reach_and_nothing_else(o, start, end, written):
    """Words are copied eight bytes at a time, yet no byte outside the range changes (another thread may
    own it), not even past the end of ``out`` within its allocation."""
    backing = np.full(32, 0xAA, np.uint8)
    out = backing[:24]
    expected = backing.copy()
    for at, values in written.items():
        expected[at : at + len(values)] = list(values)
    copy_range(out, o, DATA, start, end)
    np.testing.assert_array_equal(backing, expected)
