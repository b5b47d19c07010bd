from __future__ import annotations

import numba
import pytest

from fastsynth.testing import load_profile

load_profile()


@pytest.fixture
def threads():
    """Run a block with a given numba thread count, restoring the previous one afterwards."""
    previous = numba.get_num_threads()
    yield numba.set_num_threads
    numba.set_num_threads(previous)
