"""SEA concepts, with river's parameters: ``variant`` 0-3 (thresholds 8, 9, 7, 9.5 on ``x0 + x1``) and
``noise``, the share of labels flipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator, Rows
from fastsynth.kernels.concepts.sea import sea
from fastsynth.specs import Bounds

__all__ = ["Sea"]


@GENERATORS.register("sea")
@dataclass(frozen=True, kw_only=True)
class Sea(Generator):
    """Three uniform features in [0, 10); class 1 when the first two sum above the threshold."""

    variant: Literal[0, 1, 2, 3] = 0
    """Which threshold: 8, 9, 7 or 9.5."""
    noise: Annotated[float, Bounds(0, 1)] = 0.0
    """Probability that a label is flipped."""

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.float64()) for k in range(3))

    def fill(self, out: Rows) -> int:
        return int(
            sea(
                out.rows,
                out.key,
                self.variant,
                float(self.noise),
                out.desired,
                MAX_ATTEMPTS,
                *out.columns,
                out.target,
            )
        )
