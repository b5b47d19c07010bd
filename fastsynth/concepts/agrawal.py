"""Agrawal's loan-approval concepts, with river's parameters: ``classification_function`` 0-9 and
``perturbation``, the share of each feature's range by which it is moved after labelling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator, Rows
from fastsynth.kernels.concepts.agrawal import agrawal
from fastsynth.specs import Bounds

__all__ = ["Agrawal"]

_FLOAT, _INT = pa.float64(), pa.int64()
_FEATURES = (
    Feature("salary", _FLOAT),
    Feature("commission", _FLOAT),
    Feature("age", _INT),
    Feature("elevel", _INT),
    Feature("car", _INT),
    Feature("zipcode", _INT),
    Feature("hvalue", _FLOAT),
    Feature("hyears", _INT),
    Feature("loan", _FLOAT),
)


@GENERATORS.register("agrawal")
@dataclass(frozen=True, kw_only=True)
class Agrawal(Generator):
    """Nine features of a loan applicant (river's names, ranges and types; commission is a float, 0
    from a salary of 75k up) and one of ten functions for whether the loan is approved."""

    classification_function: Literal[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] = 0
    """Which of the ten labelling functions of Agrawal et al. (1993), as river numbers them."""
    perturbation: Annotated[float, Bounds(0, 1)] = 0.0
    """How far features move after labelling, as a share of their range: salary, commission, age,
    hvalue, hyears and loan each by up to ``perturbation`` times their range either way, clamped
    as river clamps them (age and hyears rounded). Labels are not recomputed, so this is feature noise.
    As in river, a perturbed hvalue becomes ``(9 - zipcode) * 100000`` or 0 (river's bounds are given
    in swapped order)."""

    def features(self) -> tuple[Feature, ...]:
        return _FEATURES

    def fill(self, out: Rows) -> int:
        return int(
            agrawal(
                out.rows,
                out.key,
                self.classification_function,
                float(self.perturbation),
                out.desired,
                MAX_ATTEMPTS,
                *out.columns,
                out.target,
            )
        )
