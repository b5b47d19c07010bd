"""LED digits, with river's ``LED`` parameters (``noise_percentage``, ``irrelevant_features``) and
``LEDDrift``'s ``n_drift_features``: the seven segments of a digit, the digit the class."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, Feature, Generator, Rows
from fastsynth.kernels.concepts.led import led_column, led_target
from fastsynth.specs import Bounds

__all__ = ["Led", "LedDrift"]


@GENERATORS.register("led")
@dataclass(frozen=True, kw_only=True)
class Led(Generator):
    """Columns ``0`` to ``6`` are the segments (0 or 1, as river's integers) of a digit drawn uniformly
    from 0-9, the class; with ``irrelevant_features``, columns ``7`` to ``23`` are uniform bits."""

    noise_percentage: Annotated[float, Bounds(0, 1)] = 0.0
    """How often a segment is inverted, by river's rule: when ``0.01 + u <= noise_percentage`` for a
    uniform ``u``, so about ``noise_percentage - 0.01`` of segments (none at 0.01 or below)."""
    irrelevant_features: bool = False
    """Whether 17 irrelevant uniform bits follow the seven segments."""

    def features(self) -> tuple[Feature, ...]:
        return tuple(Feature(str(k), pa.int64()) for k in range(24 if self.irrelevant_features else 7))

    def classes(self) -> int:
        return 10

    def state(self, seed: int) -> tuple[np.ndarray, ...]:
        """The source attribute each column holds: its own."""
        return (np.arange(len(self.features()), dtype=np.int64),)

    def fill(self, out: Rows) -> int:
        (sources,) = out.state
        noise = float(self.noise_percentage)
        led_target(out.rows, out.key, out.desired, out.target)
        for column, source in zip(out.columns, sources, strict=True):
            led_column(out.rows, out.key, out.target, int(source), noise, column)
        return 0


@GENERATORS.register("led_drift")
@dataclass(frozen=True, kw_only=True)
class LedDrift(Led):
    """LED whose concept has drifted: ``n_drift_features`` segments swap columns with irrelevant
    attributes, chosen from the seed as river's ``LEDDrift`` chooses them. As in river, the swaps need
    the irrelevant attributes: without ``irrelevant_features`` there is nothing to swap with and the
    stream is LED's."""

    n_drift_features: Annotated[int, Bounds(0, 7)] = 0
    """How many segments swap columns with irrelevant attributes (river leaves it unbounded, but past
    seven its swaps overlap and leave columns unset, at -1; MOA bounds it to 0-7)."""

    def state(self, seed: int) -> tuple[np.ndarray, ...]:
        """The source attribute each column holds, swapped as river's ``LEDDrift(seed=seed)`` swaps."""
        if not self.irrelevant_features or self.n_drift_features == 0:
            return super().state(seed)
        return (drift_sources(int(seed), self.n_drift_features),)


def drift_sources(seed: int, n_drift_features: int) -> np.ndarray:
    """The source attribute of each of the 24 columns in river's ``LEDDrift`` with ``seed``: segment
    ``(k + r) % 7`` swaps places with irrelevant attribute ``7 + (k + o) % 17`` for ``k`` below
    ``n_drift_features``, ``r`` and ``o`` the first two draws of ``random.Random(seed)``, as river
    draws them before its first row."""
    draw = random.Random(seed)
    shift = draw.randint(0, 6)
    offset = draw.randint(0, 16)
    sources = np.arange(24, dtype=np.int64)
    for k in range(n_drift_features):
        segment, irrelevant = (k + shift) % 7, 7 + (k + offset) % 17
        sources[segment], sources[irrelevant] = irrelevant, segment
    return sources
