"""Waveforms, with river's ``Waveform`` parameter ``has_noise``: three classes, each a random mix of
two of three base waves over 21 features, with normal noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, Feature, Generator, Rows
from fastsynth.kernels.concepts.waveform import waveform_column, waveform_rows

__all__ = ["Waveform"]


@GENERATORS.register("waveform")
@dataclass(frozen=True, kw_only=True)
class Waveform(Generator):
    """Features ``0`` to ``20``: ``u * a + (1 - u) * b`` plus a standard normal, where ``a`` and ``b``
    are the class's two base waves and ``u`` is uniform in [0, 1) per row; with ``has_noise``, features
    ``21`` to ``39`` are standard normals."""

    has_noise: bool = False
    """Whether 19 irrelevant standard normal features follow the 21 wave features."""

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.float64()) for k in range(40 if self.has_noise else 21))

    def classes(self) -> int:
        return 3

    def fill(self, out: Rows) -> int:
        weight = np.empty(out.rows.shape[0], np.float64)
        waveform_rows(out.rows, out.key, out.desired, out.target, weight)
        for c, column in enumerate(out.columns):
            waveform_column(out.rows, out.key, out.target, weight, c, column)
        return 0
