"""STAGGER concepts, with river's parameter ``classification_function`` 0-2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator, Rows
from fastsynth.kernels.concepts.stagger import stagger

__all__ = ["Stagger"]

_FEATURES = tuple(Feature(name, pa.int64()) for name in ("size", "color", "shape"))


@GENERATORS.register("stagger")
@dataclass(frozen=True, kw_only=True)
class Stagger(Generator):
    """Size (0 small, 1 medium, 2 large), color (0 red, 1 blue, 2 green) and shape (0 circle,
    1 square, 2 triangle), each uniform, as the integer codes river yields."""

    classification_function: Literal[0, 1, 2] = 0
    """Which concept is class 1: small and red (0), green or a circle (1), medium or large (2)."""

    def features(self) -> tuple[Feature, ...]:
        return _FEATURES

    def fill(self, out: Rows) -> int:
        return int(
            stagger(
                out.rows,
                out.key,
                self.classification_function,
                out.desired,
                MAX_ATTEMPTS,
                *out.columns,
                out.target,
            )
        )
