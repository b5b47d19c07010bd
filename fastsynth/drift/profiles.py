"""How a drift unfolds over its window: the weight of each selected row, from 0 (as it was) to 1 (fully
drifted).

- ``abrupt``: every row of the window fully drifted;
- ``gradual``: old and new concepts mixed; a row is fully drifted with a probability that follows the
  ``transition`` (sigmoid, linear or cosine) from 0 at the window's start through 0.5 at its centre to 1
  at its end; each row is drifted or not (weights 0 or 1);
- ``incremental``: every row drifts by the transition's value, so the magnitude ramps across the window;
- ``recurrent``: ``episodes`` episodes of full drift, each the first ``duty`` fraction of an equal part
  of the window, with the original data in between;
- ``fading``: drift that goes away again: every row drifts by one minus the transition's value, so the
  magnitude falls from full at the window's start to nothing at its end (an ``incremental`` drift run
  backwards).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np

from fastsynth.errors import UsageError
from fastsynth.specs import Bounds, Spec, from_document

__all__ = ["PROFILES", "Profile"]

PROFILES = ("abrupt", "gradual", "incremental", "recurrent", "fading")


@dataclass(frozen=True)
class Profile(Spec):
    """A drift's shape over its window."""

    type: Literal["abrupt", "gradual", "incremental", "recurrent", "fading"] = "abrupt"
    """abrupt, gradual, incremental, recurrent or fading."""
    transition: Literal["sigmoid", "linear", "cosine"] = "sigmoid"
    """How gradual and incremental drifts move from 0 to 1, and fading ones from 1 to 0: sigmoid, linear
    or cosine."""
    steepness: Annotated[float, Bounds(0, 100, low_open=True)] = 10.0
    """Slope of the sigmoid at the centre (larger: a sharper change)."""
    episodes: Annotated[int, Bounds(1)] = 3
    """Episodes of a recurrent drift."""
    duty: Annotated[float, Bounds(0, 1, low_open=True, high_open=True)] = 0.5
    """Fraction of each recurrent period spent drifted."""

    @classmethod
    def from_spec(cls, spec: Any, where: str) -> Profile:
        """From ``"gradual"`` or ``{"type": "gradual", "transition": "cosine", ...}``."""
        if spec is None:
            return cls()
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            raise UsageError(f"{where}: profile={spec!r} is not a profile name or object")
        return from_document(cls, spec, where=f"{where}: profile", error=UsageError)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"type": self.type}
        if self.type in ("gradual", "incremental", "fading"):
            document["transition"] = self.transition
            if self.transition == "sigmoid":
                document["steepness"] = self.steepness
        if self.type == "recurrent":
            document.update(episodes=self.episodes, duty=self.duty)
        return document

    def curve(self, positions: np.ndarray) -> np.ndarray:
        """The transition's value at each position in [0, 1] of the window: 0 at 0, 0.5 at 0.5, 1 at 1."""
        if self.transition == "linear":
            return positions.copy()
        if self.transition == "cosine":
            return 0.5 - 0.5 * np.cos(math.pi * positions)
        k = self.steepness
        low, high = 1 / (1 + math.exp(k / 2)), 1 / (1 + math.exp(-k / 2))
        return (1 / (1 + np.exp(-k * (positions - 0.5))) - low) / (high - low)

    def weights(self, positions: np.ndarray, draws: np.ndarray | None) -> np.ndarray:
        """Each selected row's weight, given its position in the window and (for gradual drift, which
        mixes rows) a uniform draw in [0, 1)."""
        if self.type == "abrupt":
            return np.ones(len(positions))
        if self.type == "incremental":
            return self.curve(positions)
        if self.type == "fading":
            return 1.0 - self.curve(positions)
        if self.type == "gradual":
            assert draws is not None
            return (draws < self.curve(positions)).astype(np.float64)
        phase = np.minimum(positions * self.episodes, self.episodes - 1e-12) % 1.0
        return (phase < self.duty).astype(np.float64)
