"""Mixed concepts, with river's parameter ``classification_function`` 0 or 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator, Rows
from fastsynth.kernels.concepts.mixed import mixed

__all__ = ["Mixed"]

_FEATURES = (
    Feature("0", pa.bool_()),
    Feature("1", pa.bool_()),
    Feature("2", pa.float64()),
    Feature("3", pa.float64()),
)


@GENERATORS.register("mixed")
@dataclass(frozen=True, kw_only=True)
class Mixed(Generator):
    """Two fair booleans and two floats uniform in [0, 1); the label is whether at most one of the
    booleans and ``"3" < 0.5 + 0.3 sin(3 pi "2")`` holds (function 0) or at least two do (1)."""

    classification_function: Literal[0, 1] = 0
    """Which labelling function: 0, or 1, its reverse."""

    def features(self) -> tuple[Feature, ...]:
        return _FEATURES

    def fill(self, out: Rows) -> int:
        return int(
            mixed(
                out.rows,
                out.key,
                self.classification_function,
                out.desired,
                MAX_ATTEMPTS,
                *out.columns,
                out.target,
            )
        )
