"""Hypothesis strategies for fastsynth schemas, for this project's tests and for users' own.

``field_specs()`` draws valid field specs (as schema documents hold them), ``schemas()`` valid seed-format
schema documents. Two settings profiles are registered: ``fast`` (the default) and ``thorough``; choose
with the ``FASTSYNTH_HYPOTHESIS_PROFILE`` environment variable and ``load_profile()``.

Requires the ``dev`` extra (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["field_specs", "load_profile", "schemas"]

settings.register_profile(
    "fast", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)


def load_profile() -> None:
    """Load the profile named by FASTSYNTH_HYPOTHESIS_PROFILE (default ``fast``)."""
    settings.load_profile(os.environ.get("FASTSYNTH_HYPOTHESIS_PROFILE", "fast"))


_finite = st.floats(-1e6, 1e6, allow_nan=False)
_positive = st.floats(0.05, 50.0)
_null_rate = st.one_of(st.just(0.0), st.floats(0.0, 1.0))


@st.composite
def _int_spec(draw: st.DrawFn) -> dict[str, Any]:
    distribution = draw(st.sampled_from(["uniform", "normal", "poisson", "geometric", "zipf"]))
    spec: dict[str, Any] = {"type": "int"}
    lo = draw(st.integers(-(2**40), 2**40))
    hi = draw(st.integers(lo, lo + 2**41))
    if distribution == "uniform":
        # unique needs room for the rows a test makes
        spec.update(min=lo, max=hi, unique=hi - lo >= 10_000 and draw(st.booleans()))
    else:
        spec["distribution"] = distribution
        spec.update(
            {
                "normal": {"mean": draw(_finite), "std": draw(st.floats(0, 1e4))},
                "poisson": {"lam": draw(st.floats(0, 1e4))},
                "geometric": {"p": draw(st.floats(0.01, 1.0))},
                "zipf": {"a": draw(st.floats(1.1, 5.0))},
            }[distribution]
        )
        if draw(st.booleans()):
            spec.update(min=lo, max=hi)
    return spec


@st.composite
def _float_spec(draw: st.DrawFn) -> dict[str, Any]:
    distribution = draw(st.sampled_from(["normal", "uniform", "lognormal", "exponential", "beta", "gamma"]))
    lo = draw(_finite)
    hi = draw(st.floats(lo, lo + 1e6))
    params = {
        "normal": {"mean": draw(_finite), "std": draw(st.floats(0, 1e4))},
        "uniform": {"min": lo, "max": hi},
        "lognormal": {"mu": draw(st.floats(-3, 3)), "sigma": draw(st.floats(0, 2))},
        "exponential": {"scale": draw(_positive)},
        "beta": {"a": draw(_positive), "b": draw(_positive)},
        "gamma": {"shape": draw(_positive), "scale": draw(_positive)},
    }[distribution]
    spec: dict[str, Any] = {"type": "float", "distribution": distribution, **params}
    if distribution != "uniform" and draw(st.booleans()):
        spec.update(min=lo, max=hi)
    if draw(st.booleans()):
        spec["decimals"] = draw(st.integers(0, 6))
    return spec


@st.composite
def _category_spec(draw: st.DrawFn) -> dict[str, Any]:
    categories = draw(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=12, unique=True))
    spec: dict[str, Any] = {"type": "category", "categories": categories}
    if draw(st.booleans()):
        weights = draw(st.lists(st.floats(0.01, 1.0), min_size=len(categories), max_size=len(categories)))
        total = sum(weights)
        spec["probabilities"] = [w / total for w in weights]
    return spec


@st.composite
def _datetime_spec(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
    end = start + dt.timedelta(days=draw(st.integers(0, 20000)))
    spec: dict[str, Any] = {
        "type": draw(st.sampled_from(["datetime", "date"])),
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }
    if spec["type"] == "datetime":
        spec["unit"] = draw(st.sampled_from(["s", "ms", "us", "ns"]))
    return spec


def field_specs() -> st.SearchStrategy[dict[str, Any]]:
    """Valid field specs of every built-in type, with a random ``null_rate`` on some."""
    simple = st.sampled_from(
        [
            {"type": "name"},
            {"type": "email"},
            {"type": "uuid"},
            {"type": "bool", "p": 0.3},
            {"type": "sequence", "start": 10, "step": -2},
            {"type": "constant", "value": "x"},
        ]
    )
    base = st.one_of(_int_spec(), _float_spec(), _category_spec(), _datetime_spec(), simple)
    return st.tuples(base, _null_rate, st.booleans()).map(
        lambda t: {**t[0], "null_rate": t[1]} if t[2] else t[0]
    )


def schemas(max_fields: int = 6) -> st.SearchStrategy[dict[str, Any]]:
    """Valid schema documents in the seed's format: field name -> spec."""
    reserved = {"time_field", "time_interval_seconds", "trends", "seasonality", "fields"}
    names = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=10).filter(
        lambda n: n not in reserved
    )
    return st.dictionaries(names, field_specs(), min_size=1, max_size=max_fields)
