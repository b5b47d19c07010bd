"""Sine concepts, with river's parameters ``classification_function`` 0-3 and ``has_noise``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator, Rows
from fastsynth.kernels.concepts.sine import sine

__all__ = ["Sine"]

_NO_NOISE = np.empty(0)


@GENERATORS.register("sine")
@dataclass(frozen=True, kw_only=True)
class Sine(Generator):
    """Two features uniform in [0, 1), "0" and "1"; class 1 when "0" is below a sine curve of "1"."""

    classification_function: Literal[0, 1, 2, 3] = 0
    """Which curve: SINE1 ``sin(x)`` (0), SINE2 ``0.5 + 0.3 sin(3 pi x)`` (2), or either reversed
    (1, 3: class 1 above the curve)."""
    has_noise: bool = False
    """Add two features, "2" and "3", uniform in [0, 1), that the label ignores."""

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.float64()) for k in range(4 if self.has_noise else 2))

    def fill(self, out: Rows) -> int:
        x2, x3 = out.columns[2:] if self.has_noise else (_NO_NOISE, _NO_NOISE)
        return int(
            sine(
                out.rows,
                out.key,
                self.classification_function,
                self.has_noise,
                out.desired,
                MAX_ATTEMPTS,
                out.columns[0],
                out.columns[1],
                x2,
                x3,
                out.target,
            )
        )
