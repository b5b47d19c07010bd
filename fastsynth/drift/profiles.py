"""How a drift unfolds over its window: the weight of each selected row, from 0 (as it was) to 1 (fully
drifted).

- ``abrupt``: every row of the window fully drifted;
- ``gradual``: old and new concepts mixed; a row is fully drifted with a probability that follows the
  ``transition`` (sigmoid, linear or cosine) from 0 at the window's start through 0.5 at its centre to 1
  at its end; each row is drifted or not (weights 0 or 1);
- ``incremental``: every row drifts by the transition's value, so the magnitude ramps across the window;
- ``recurrent``: ``episodes`` episodes of full drift, each the first ``duty`` fraction of an equal part
  of the window, with the original data in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fastsynth.errors import UsageError

__all__ = ["PROFILES", "Profile"]

PROFILES = ("abrupt", "gradual", "incremental", "recurrent")
_TRANSITIONS = ("sigmoid", "linear", "cosine")
_KEYS = {"type", "transition", "steepness", "episodes", "duty"}


@dataclass(frozen=True)
class Profile:
    """A drift's shape over its window."""

    type: str = "abrupt"
    """abrupt, gradual, incremental or recurrent."""
    transition: str = "sigmoid"
    """How gradual and incremental drifts move from 0 to 1: sigmoid, linear or cosine."""
    steepness: float = 10.0
    """Slope of the sigmoid at the centre (larger: a sharper change)."""
    episodes: int = 3
    """Episodes of a recurrent drift."""
    duty: float = 0.5
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
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise UsageError(
                f"{where}: profile has unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}"
            )
        kind = spec.get("type", "abrupt")
        if kind not in PROFILES:
            raise UsageError(f"{where}: profile type={kind!r} is not allowed; allowed: {', '.join(PROFILES)}")
        transition = spec.get("transition", "sigmoid")
        if transition not in _TRANSITIONS:
            raise UsageError(
                f"{where}: profile transition={transition!r} is not allowed; "
                f"allowed: {', '.join(_TRANSITIONS)}"
            )
        steepness = spec.get("steepness", 10.0)
        if isinstance(steepness, bool) or not isinstance(steepness, int | float) or not 0 < steepness <= 100:
            raise UsageError(f"{where}: profile steepness={steepness!r} is not a number in (0, 100]")
        episodes = spec.get("episodes", 3)
        if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
            raise UsageError(f"{where}: profile episodes={episodes!r} is not a positive integer")
        duty = spec.get("duty", 0.5)
        if isinstance(duty, bool) or not isinstance(duty, int | float) or not 0 < duty < 1:
            raise UsageError(f"{where}: profile duty={duty!r} is not a fraction in (0, 1)")
        return cls(kind, transition, float(steepness), episodes, float(duty))

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"type": self.type}
        if self.type in ("gradual", "incremental"):
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
        if self.type == "gradual":
            assert draws is not None
            return (draws < self.curve(positions)).astype(np.float64)
        phase = np.minimum(positions * self.episodes, self.episodes - 1e-12) % 1.0
        return (phase < self.duty).astype(np.float64)
