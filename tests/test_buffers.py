"""Buffers shared by kernels and Arrow."""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa

from fastsynth.buffers import read_only


def test_read_only_gives_kernels_one_type_whatever_the_source():
    """Arrow lends read-only memory and numpy makes writable arrays; numba compiles a kernel once for
    each. A read-only view makes both one type, without a copy and without touching the caller's array."""
    lent = pa.array(np.arange(10.0)).to_numpy()
    made = np.arange(10.0)
    assert numba.typeof(lent) != numba.typeof(made)
    assert numba.typeof(read_only(lent)) == numba.typeof(read_only(made))
    assert np.shares_memory(read_only(made), made)
    assert made.flags.writeable
