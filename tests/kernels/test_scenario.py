"""kernels.scenario against plain-numpy references: each shape, both modes, edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastsynth.kernels import scenario as ks

NONE = np.zeros(0)


def reference(x, t, shape, multiply, a, b, c, extra):
    with np.errstate(all="ignore"):
        change = {
            "linear": lambda: a * t + b,
            "cyclic": lambda: a * np.sin(2 * np.pi * t / b + c),
            "sigmoid": lambda: a / (1 + np.exp(-(t - b) / c)),
            "power": lambda: np.power(a, t) - 1,
            "step": lambda: np.where(t >= b, a, 0.0),
            "given": lambda: extra,
        }[shape]()
        return (x * (1 + change) if multiply else x + change), change


def run(x, t, shape, multiply, a, b, c, extra=NONE):
    y, change = np.empty_like(x), np.empty_like(x)
    ks.evolve_values(y, change, x, t, ks.SHAPES[shape], multiply, a, b, c, extra)
    return y, change


CASES = [
    ("linear", 0.5, -2.0, 0.0),
    ("cyclic", 3.0, 7.0, 1.0),
    ("sigmoid", 2.0, 50.0, 5.0),
    ("sigmoid", 2.0, 50.0, 1e-6),  # a near-step: exp overflows in the reference, tanh does not
    ("power", 1.01, 0.0, 0.0),
    ("power", 0.5, 0.0, 0.0),
    ("step", -4.0, 30.0, 0.0),
]


@pytest.mark.parametrize("multiply", [False, True])
@pytest.mark.parametrize(("shape", "a", "b", "c"), CASES)
@pytest.mark.parametrize("n", [0, 1, 100])
def test_shapes_match_numpy(shape, a, b, c, multiply, n) -> None:
    rng = np.random.default_rng(n)
    x = rng.normal(10, 3, n)
    x[: n // 10] = np.nan  # NaN stays NaN
    t = np.arange(n, dtype=np.float64)
    y, change = run(x, t, shape, multiply, a, b, c)
    want_y, want_change = reference(x, t, shape, multiply, a, b, c, NONE)
    np.testing.assert_allclose(change, want_change, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(y, want_y, rtol=1e-12, atol=1e-300)


def test_given_change_and_the_summary() -> None:
    x = np.array([1.0, np.nan, 3.0, 4.0, 5.0])
    extra = np.array([0.0, 1.0, -2.0, np.nan, 0.5])
    y, change = run(x, np.zeros(5), "given", False, 0.0, 0.0, 0.0, extra)
    np.testing.assert_array_equal(y, [1.0, np.nan, 1.0, np.nan, 5.5])
    assert ks.summarise_change(x, y, change, np.zeros(0, np.bool_), False) == (3, 4, -2.0, 1.0)
    valid = np.array([True, True, False, True, True])
    assert ks.summarise_change(x, y, change, valid, True) == (2, 3, 0.0, 1.0)
    assert ks.summarise_change(np.zeros(0), np.zeros(0), np.zeros(0), valid[:0], False)[:2] == (0, 0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50),
    st.floats(-100, 100),
    st.floats(0.1, 1000),
    st.floats(-10, 10),
)
def test_cyclic_on_hypothesis_inputs(values, amplitude, period, phase) -> None:
    x = np.array(values)
    t = np.linspace(-500, 500, len(x))
    y, _ = run(x, t, "cyclic", False, amplitude, period, phase)
    want_y, _ = reference(x, t, "cyclic", False, amplitude, period, phase, NONE)
    np.testing.assert_allclose(y, want_y, rtol=1e-9, atol=1e-9)
