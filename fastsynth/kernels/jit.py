"""The one place numba flags are set.

``kernel`` compiles a serial function (also the per-value helpers other kernels call, which LLVM
inlines); ``inline_kernel`` a helper that numba inlines itself; ``parallel_kernel`` a function that
splits its rows over threads with ``prange``. Parallel kernels write disjoint slices and draw their
randomness from the row index, so results never depend on the thread count.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import numba
from numba.core import event as numba_events

from fastsynth.errors import UsageError
from fastsynth.logs import NOTICES

__all__ = ["inline_kernel", "kernel", "parallel_kernel", "set_threads", "threads"]


def _cache_dir() -> Path:
    """A numba cache directory keyed by the kernels' source.

    numba invalidates a cached kernel when its own file changes, not when a helper it calls from another
    module does; keying the directory by every kernel file's content makes a stale cache impossible."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for source in sorted(root.rglob("*.py")):
        digest.update(str(source.relative_to(root)).encode() + source.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "fastsynth" / f"numba-{numba.__version__}-{digest.hexdigest()[:16]}"


# OpenMP's worker threads spin for a while after each parallel kernel by default; with a sink writing
# on another thread (Parquet encoding, Kafka) they steal its core: 3.0M against 3.7M rows/s for
# `fastsynth gen` to Parquet on two cores. Sleeping workers cost nothing measurable per batch. Read by
# libgomp when it loads, at the first parallel kernel; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if "NUMBA_CACHE_DIR" not in os.environ:
    numba.config.CACHE_DIR = str(_cache_dir())  # type: ignore[attr-defined]  # numba.config is dynamic


class _FirstCompile(numba_events.Listener):
    """Says once per process that kernels are compiling. numba reports ``numba:compile`` only for what
    its cache does not hold; a first run on a machine waits 10 to 30 s for it, which would otherwise look
    like a hang."""

    def __init__(self) -> None:
        self.said = False

    def on_start(self, event: numba_events.Event) -> None:
        if not self.said:
            self.said = True
            logging.getLogger(NOTICES).info(
                "compiling kernels on their first use on this machine; later runs load them from %s",
                numba.config.CACHE_DIR,  # type: ignore[attr-defined]  # numba.config is dynamic
            )

    def on_end(self, event: numba_events.Event) -> None:
        pass


_FIRST_COMPILE = _FirstCompile()
numba_events.register("numba:compile", _FIRST_COMPILE)

# fastmath stays off: it lets LLVM reorder float arithmetic, which could make output depend on the CPU.
_COMMON: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}

kernel = numba.njit(**_COMMON)
parallel_kernel = numba.njit(parallel=True, **_COMMON)
# Inlined by numba itself, before LLVM: for helpers that take large structures (a namedtuple of arrays)
# which would otherwise be copied on every call in a row loop.
inline_kernel = numba.njit(inline="always", **_COMMON)


def threads() -> int:
    """How many threads parallel kernels use now."""
    return int(numba.get_num_threads())


def set_threads(n: int) -> None:
    """Use ``n`` threads in parallel kernels (at most the number numba started with)."""
    available = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # numba.config is dynamic
    if not 1 <= n <= available:
        raise UsageError(f"threads={n} is outside [1, {available}] (this machine's cores)")
    numba.set_num_threads(n)
