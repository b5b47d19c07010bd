"""What the benchmark scripts share: timing by median, and the machine line of every report."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

import fastsynth.kernels.jit

__all__ = ["machine", "median_rate"]


def median_rate(make: Callable[[int], object], rows: int, repeats: int) -> float:
    """Median rows/s of ``make(rows)`` over ``repeats`` runs, after one small warm-up run."""
    make(min(rows, 1000))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        make(rows)
        times.append(time.perf_counter() - started)
    return rows / statistics.median(times)


def machine() -> str:
    """One line saying what the numbers were measured on."""
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numba threads {fastsynth.kernels.jit.threads()}"
    )
