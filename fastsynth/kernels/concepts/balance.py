"""Balanced classes: the class each row is to take, so that every ``classes`` consecutive rows of a
block take each class once, in an order drawn per group (strict turns, as river's ``balance_classes``
takes them, would let a model learn the class from the row's parity)."""

from __future__ import annotations

from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import parallel_kernel

__all__ = ["balanced_classes"]


@parallel_kernel
def balanced_classes(out, rows, positions, classes, key):
    """``out[j]``: the class of row ``rows[j]``, at ``positions[j]`` in its block: its draw's rank among
    the draws of its group (the ``classes`` rows from ``rows[j] - positions[j] % classes``)."""
    for j in prange(out.shape[0]):
        offset = positions[j] % classes
        first = rows[j] - offset
        mine = rng.at(key, rows[j])
        rank = 0
        for m in range(classes):
            if m != offset:
                other = rng.at(key, first + m)
                if other < mine or (other == mine and m < offset):
                    rank += 1
        out[j] = rank
