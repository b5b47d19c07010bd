"""The seed's demographic options, ``custom_demographic_columns`` and ``demographic_correlations``, as a
cohort's demographic fields and correlation group.

The seed draws its demographics from a Gaussian copula: Age, Sex and a hidden Propensity (whose top
patients are the Disease group), then the custom columns, each a scipy distribution (or a dict naming
one: ``norm``, ``uniform``, ``binom``, ``poisson``, ``randint``, ``truncnorm`` with scipy's parameters);
``demographic_correlations`` is the copula's matrix in that order. Here the matrix becomes a correlation
group of ``kind: normal`` with the Propensity standing for ``Group`` (fastsynth's groups follow a latent
propensity in the same way, their sizes exact), and each distribution becomes the fastsynth field with
the same quantile function: ``norm``, ``uniform`` and ``randint`` exactly; the others, and any scipy
object, as an ``empirical`` field of ``QUANTILES`` quantiles from its own ``ppf``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from fastsynth.clinical.cohort import DEFAULT_DEMOGRAPHICS
from fastsynth.errors import UsageError
from fastsynth.schema.correlation import Correlation
from fastsynth.specs import show

__all__ = ["QUANTILES", "demographics"]

QUANTILES = 1025
"""Quantiles an ``empirical`` field keeps of a distribution: every 1/1024 of probability."""
_TAIL = 1e-7
"""The probability left beyond the first and last quantiles of an unbounded distribution."""
_MAX_SUPPORT = 10_000_000
"""The most values a binomial's table may list (80 MB of logarithms)."""
_SEED_ORDER = ("Age", "Sex", "Propensity")
"""The seed's demographic columns before the custom ones, in the order of its correlation matrix."""
_PARAMETERS = {
    "norm": ("loc", "scale"),
    "uniform": ("loc", "scale"),
    "randint": ("low", "high", "loc"),
    "binom": ("n", "p", "loc"),
    "poisson": ("mu", "loc"),
    "truncnorm": ("a", "b", "loc", "scale"),
}


def demographics(
    custom: Mapping[str, Any] | None, correlations: Any
) -> tuple[dict[str, Any], tuple[Correlation, ...]]:
    """The demographic fields (fastsynth's Age, Sex and BMI, then the custom columns, a custom column
    replacing a default of its name) and the correlation group that ``correlations`` states."""
    fields = dict(DEFAULT_DEMOGRAPHICS)
    for name, spec in (custom or {}).items():
        if str(name) != "Propensity":  # the seed's own, whose order alone gives the groups here
            fields[str(name)] = _field(str(name), spec)
    if correlations is None:
        return fields, ()
    order = [*_SEED_ORDER, *(str(n) for n in (custom or {}) if n not in _SEED_ORDER)]
    matrix = np.asarray(correlations, dtype=float) if _numeric(correlations) else None
    if matrix is None or matrix.shape != (len(order), len(order)):
        shape = "not a matrix of numbers" if matrix is None else f"of shape {matrix.shape}"
        raise UsageError(
            f"demographic_correlations is {shape}; allowed: a {len(order)} x {len(order)} correlation "
            f"matrix, a row and column for each of {', '.join(order)} in that order"
        )
    columns = tuple("Group" if name == "Propensity" else name for name in order)
    try:
        group = Correlation(columns=columns, matrix=tuple(map(tuple, matrix.tolist())), kind="normal")
    except Exception as exc:  # the spec's Invalid: symmetric, ones on the diagonal, within [-1, 1]
        raise UsageError(f"demographic_correlations: {getattr(exc, 'message', exc)}") from None
    return fields, (group,)


def _numeric(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (TypeError, ValueError):
        return False


def _field(name: str, spec: Any) -> dict[str, Any]:
    where = f"custom_demographic_columns[{name!r}]"
    if callable(getattr(spec, "ppf", None)):  # a scipy distribution, frozen with its parameters
        discrete = hasattr(getattr(spec, "dist", None), "pmf")
        return _empirical(lambda p: np.asarray(spec.ppf(p), dtype=float), discrete, where)
    if not isinstance(spec, Mapping):
        raise UsageError(
            f"{where}={show(spec)} is not allowed; allowed: a scipy.stats distribution or "
            "{'distribution': NAME, ...its parameters}"
        )
    options = dict(spec)
    kind = options.pop("distribution", None)
    if kind not in _PARAMETERS:
        raise UsageError(
            f"{where}: distribution={show(kind)} is not allowed; allowed: {', '.join(_PARAMETERS)}"
        )
    unknown = sorted(set(options) - set(_PARAMETERS[kind]))
    if unknown:
        raise UsageError(
            f"{where}: {unknown[0]!r} is not a parameter of {kind}; allowed: {', '.join(_PARAMETERS[kind])}"
        )
    try:
        values = {k: float(v) for k, v in options.items()}
    except (TypeError, ValueError):
        raise UsageError(f"{where}: the parameters {show(options)} are not all numbers") from None
    return _native(kind, values, where)


def _native(kind: str, p: dict[str, float], where: str) -> dict[str, Any]:
    loc, scale = p.get("loc", 0.0), p.get("scale", 1.0)
    if kind in ("norm", "uniform", "truncnorm") and not scale > 0:
        raise UsageError(f"{where}: scale={show(scale)} is not allowed; allowed: a number > 0")
    if kind == "norm":
        return {"type": "float", "mean": loc, "std": scale}
    if kind == "uniform":
        return {"type": "float", "distribution": "uniform", "min": loc, "max": loc + scale}
    if kind == "randint":
        low, high = p.get("low"), p.get("high")
        if low is None or high is None or not (low.is_integer() and high.is_integer() and low < high):
            raise UsageError(f"{where}: randint needs whole numbers low < high; got {show(p)}")
        return {"type": "int", "min": int(low + loc), "max": int(high - 1 + loc)}
    if kind == "truncnorm":
        return _truncated_normal(p.get("a", -math.inf), p.get("b", math.inf), loc, scale, where)
    if kind == "binom":
        n, prob = p.get("n"), p.get("p")
        if n is None or prob is None or not (n.is_integer() and 0 <= n <= _MAX_SUPPORT and 0 <= prob <= 1):
            raise UsageError(
                f"{where}: binom needs a whole n in [0, {_MAX_SUPPORT}] and p in [0, 1]; got {show(p)}"
            )
        if prob in (0.0, 1.0):
            return {"type": "int", "min": int(loc + prob * n), "max": int(loc + prob * n)}
        support = np.arange(int(n) + 1)
        factorials = _log_factorials(int(n))
        log_masses = (
            factorials[-1]
            - factorials[support]
            - factorials[int(n) - support]
            + support * math.log(prob)
            + (n - support) * math.log1p(-prob)
        )
        return _discrete(support + loc, np.exp(log_masses - log_masses.max()), where)
    mu = p.get("mu")  # poisson
    if mu is None or not 0 <= mu <= 1e6:
        raise UsageError(f"{where}: poisson needs mu in [0, 1e6]; got {show(p)}")
    if mu == 0:
        return {"type": "int", "min": int(loc), "max": int(loc)}
    support = np.arange(int(mu + 12 * math.sqrt(mu)) + 13)
    log_masses = support * math.log(mu) - mu - _log_factorials(len(support) - 1)
    return _discrete(support + loc, np.exp(log_masses - log_masses.max()), where)


def _log_factorials(n: int) -> np.ndarray:
    """``log(k!)`` for ``k = 0 .. n``."""
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])


def _truncated_normal(a: float, b: float, loc: float, scale: float, where: str) -> dict[str, Any]:
    """The normal of ``loc`` and ``scale`` cut to standard scores ``[a, b]``. An interval above the mean is
    taken as the mirror image of one below it, whose probabilities a double keeps far into the tail
    (``Phi(10)`` rounds to 1, ``Phi(-10)`` is 7.6e-24)."""
    if not a < b:
        raise UsageError(f"{where}: truncnorm needs a < b; got a={show(a)}, b={show(b)}")
    unit = statistics.NormalDist()

    def cdf(x: float) -> float:  # by erfc: NormalDist.cdf, by erf, rounds Phi(-10) to 0
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    mirrored = a > 0
    low, high = (cdf(-b), cdf(-a)) if mirrored else (cdf(a), cdf(b))
    if not high > low or high - low < 1e-300:
        raise UsageError(
            f"{where}: truncnorm's [a, b] = [{show(a)}, {show(b)}] holds no probability a double can hold; "
            "allowed: an interval within about 37 standard deviations of the mean"
        )

    def quantile(q: np.ndarray) -> np.ndarray:
        share = 1.0 - q if mirrored else q
        z = np.array([unit.inv_cdf(min(max(low + s * (high - low), 5e-324), 1 - 1e-16)) for s in share])
        return loc + scale * (-z if mirrored else z)

    return _empirical(quantile, False, where)


def _discrete(values: np.ndarray, masses: np.ndarray, where: str) -> dict[str, Any]:
    cumulative = np.cumsum(masses) / masses.sum()

    def quantile(q: np.ndarray) -> np.ndarray:
        return values[np.minimum(np.searchsorted(cumulative, q), len(values) - 1)].astype(float)

    return _empirical(quantile, True, where)


def _empirical(quantile: Callable[[np.ndarray], np.ndarray], discrete: bool, where: str) -> dict[str, Any]:
    probabilities = np.linspace(0.0, 1.0, QUANTILES)
    probabilities[[0, -1]] = _TAIL, 1.0 - _TAIL
    quantiles = quantile(probabilities)
    if not np.all(np.isfinite(quantiles)) or np.any(np.diff(quantiles) < 0):
        raise UsageError(f"{where}: the distribution's quantiles are not finite and non-decreasing")
    if discrete:
        return {"type": "empirical", "quantiles": quantiles.round().tolist(), "dtype": "int64"}
    return {"type": "empirical", "quantiles": quantiles.tolist()}
