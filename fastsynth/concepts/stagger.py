"""STAGGER concepts, with river's parameter ``classification_function`` 0-2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator
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

    def fill(
        self,
        rows: np.ndarray,
        key: np.uint64,
        state: Any,
        desired: np.ndarray,
        columns: Any,
        target: np.ndarray,
    ) -> int:
        return int(stagger(rows, key, self.classification_function, desired, MAX_ATTEMPTS, *columns, target))
