"""Correlated columns through a Gaussian copula, marginals kept (NORTA, or the normals' own matrix).

A group of columns gets standard normals ``Z`` (one independent stream per column, keyed by row like
everything else), mixed into ``Y = L Z`` where ``L`` is the Cholesky factor of an adjusted correlation
matrix; each column then maps its ``Y`` through its own quantile function, so its distribution is exactly
what its spec says. Because a quantile function bends the normal, the Pearson correlation of the output
differs from that of ``Y``: for each pair the correlation of ``Y`` is solved (by bisection, on a fixed
sample of 100,000 normal pairs) so that the *output* has the requested Pearson correlation ("NORTA",
Cario and Nelson 1997).

A group with ``kind: normal`` states the correlation of the normals ``Y`` themselves: no adjustment is
solved, the matrix is factored as given. That is what ``fastsynth.fit`` writes (it measures the matrix
on normal scores of the data, as SDV's GaussianCopula does) and what a group holding category or bool
columns means best: a category column takes the category whose cumulative-probability interval holds
``Phi(Y)`` (categories in the order listed), so ``Y`` orders the categories rather than measures them.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np

from fastsynth.errors import SchemaError
from fastsynth.specs import Invalid, Spec, from_document, spend, work_left

__all__ = ["Correlation", "copula_factor", "require_correlatable"]

_SAMPLE_SIZE = 100_000
_BISECTION_STEPS = 32


@dataclass(frozen=True)
class Correlation(Spec):
    """Target correlations among columns: Pearson correlations of the output (``kind: pearson``) or
    correlations of the copula's normals (``kind: normal``)."""

    columns: tuple[str, ...]
    """The columns, at least two, each in one group at most."""
    matrix: tuple[tuple[float, ...], ...]
    """Symmetric, ones on the diagonal, entries in [-1, 1], one row and column per column."""
    kind: Literal["pearson", "normal"] = "pearson"
    """What the matrix holds: ``pearson``, the Pearson correlations the columns' values should have
    (the normals' correlations are solved for them); ``normal``, the correlations of the normals that
    drive the columns, used as they are (no solving; how fitted schemas state theirs)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.columns) < 2:
            raise Invalid(f"columns={list(self.columns)!r} is not a list of at least two column names")
        k = len(self.columns)
        if len(self.matrix) != k or not all(len(row) == k for row in self.matrix):
            raise Invalid(f"matrix must be {k} rows of {k} numbers, one per column")
        m = np.array(self.matrix, dtype=float)
        if not np.allclose(np.diag(m), 1.0) or not np.allclose(m, m.T) or np.abs(m).max() > 1.0:
            raise Invalid("matrix must be symmetric with ones on the diagonal and entries in [-1, 1]")

    @classmethod
    def from_dict(cls, document: Any, index: int) -> Correlation:
        return from_document(cls, document, where=f"schema: correlations[{index}]")

    def to_dict(self) -> dict[str, Any]:
        kind = (
            {} if self.kind == "pearson" else {"kind": self.kind}
        )  # documents from before kind stay as they were
        return {"columns": list(self.columns), **kind, "matrix": [list(row) for row in self.matrix]}


def require_correlatable(field: Any, column: str, where: str) -> None:
    """Refuse a column a Gaussian copula cannot drive (its field has no closed-form quantile function)."""
    # float, int, empirical, bool and category fields have it
    correlatable = getattr(field, "correlatable", None)
    if not callable(correlatable) or not correlatable():
        raise SchemaError(
            f"{where}: {column!r} cannot be correlated; allowed: float (normal, uniform, lognormal, "
            "exponential), non-unique int (uniform, normal, geometric), empirical, bool and category "
            "(without depends_on) columns"
        )


@cache
def _normal_pairs() -> tuple[np.ndarray, np.ndarray]:
    # A fixed sample: the adjustment, hence the data, is the same on every machine and run.
    sample = np.random.default_rng(20261122).standard_normal((2, _SAMPLE_SIZE))
    return sample[0], sample[1]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    # numpy's pairwise summation, not BLAS: the same result on every machine.
    x = x.astype(np.float64) - np.sum(x) / len(x)
    y = y.astype(np.float64) - np.sum(y) / len(y)
    denominator = math.sqrt(float(np.sum(x * x)) * float(np.sum(y * y)))
    return float(np.sum(x * y)) / denominator if denominator > 0 else float("nan")


@cache
def _solve(field_a: Any, field_b: Any, target: float, where: str) -> float:
    """The correlation of the normals that gives the two fields' outputs the ``target`` correlation."""
    if target == 0.0:
        return 0.0
    z1, z2 = _normal_pairs()
    a = field_a.from_normal(z1)

    def achieved(rho: float) -> float:
        return _pearson(a, field_b.from_normal(rho * z1 + math.sqrt(max(0.0, 1.0 - rho * rho)) * z2))

    bound = math.copysign(1.0, target)
    extreme = achieved(bound)
    if not math.isfinite(extreme):
        raise SchemaError(f"{where}: a column is constant, so it cannot be correlated")
    if abs(target) > abs(extreme) + 1e-9:
        raise SchemaError(
            f"{where}: correlation {target:g} cannot be reached with these distributions; "
            f"the furthest is {extreme:.3f}"
        )
    lo, hi = (0.0, bound) if target > 0 else (bound, 0.0)
    for _ in range(_BISECTION_STEPS):
        mid = (lo + hi) / 2
        if achieved(mid) < target:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2, 9)  # rounding absorbs last-bit differences between machines


def _check_work(seconds: list[float], pairs: int, budget: tuple[float, str], index: int) -> None:
    """Under limits, refuse a group whose pairs would take longer to solve than the work ceiling,
    estimated from the median of the first few (a pair takes 0.3 s and more: a group of 20 columns,
    190 pairs, took a minute). The median, so that one pair's first-time compilation does not count."""
    if len(seconds) < 3:
        return
    per_pair = statistics.median(seconds)
    needed = per_pair * pairs
    if needed > budget[0]:
        raise SchemaError(
            f"schema: correlations[{index}]: solving {pairs:,} pairs of columns for their Pearson "
            f"correlations would take about {needed:.0f} s ({per_pair:.2f} s a pair), over the limit; "
            f"allowed: at most {budget[0]} s ({budget[1]}): fewer columns in the group, or kind: normal "
            "(the matrix of the normals, used as given)"
        )


def copula_factor(correlation: Correlation, fields: list[Any], index: int) -> np.ndarray:
    """The lower Cholesky factor of the normals' correlation matrix for ``fields`` (in order)."""
    k = len(fields)
    if correlation.kind == "normal":
        adjusted = np.array(correlation.matrix, dtype=np.float64)
        after = ""
    else:
        adjusted = np.eye(k)
        pairs = [(i, j) for i in range(k) for j in range(i + 1, k) if correlation.matrix[i][j] != 0.0]
        budget = work_left()
        seconds: list[float] = []
        for i, j in pairs:
            where = f"schema: correlations[{index}] between {fields[i].name!r} and {fields[j].name!r}"
            started = time.perf_counter()
            adjusted[i, j] = adjusted[j, i] = _solve(fields[i], fields[j], correlation.matrix[i][j], where)
            seconds.append(time.perf_counter() - started)
            if budget is not None:
                _check_work(seconds, len(pairs), budget, index)
        spend("work", sum(seconds))
        after = " (after adjusting for the columns' distributions)"
    try:
        return np.linalg.cholesky(adjusted)
    except np.linalg.LinAlgError:
        raise SchemaError(
            f"schema: correlations[{index}]: the matrix is not positive definite{after}; no set of "
            "columns can have these correlations together"
        ) from None
