"""fastsynth.scenarios.construct_target: formula, noise, threshold and quantile labels."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from fastsynth.errors import UsageError
from fastsynth.fields.base import Block
from fastsynth.scenarios import construct_target

N = 10_000


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rng = np.random.default_rng(8)
    return pa.table(
        {
            "age": rng.integers(18, 90, N),
            "income": rng.normal(40_000, 9_000, N),
            "debt": pa.array([None if i % 100 == 0 else float(i % 7) for i in range(N)]),
            "city": pa.array(["a", "b"] * (N // 2)),
        }
    )


def score(table: pa.Table) -> np.ndarray:
    return 0.3 * table.column("age").to_numpy() + table.column("income").to_numpy() / 10_000


def test_regression_is_the_formula_plus_seeded_noise(table: pa.Table) -> None:
    exact, log = construct_target(table, "risk", "0.3 * age + income / 10000")
    np.testing.assert_allclose(exact.column("risk").to_numpy(), score(table), rtol=1e-12)
    assert exact.schema.field("risk").type == pa.float64()
    assert log.entries[0]["reads"] == ["age", "income"] and log.entries[0]["noise_std"] == 0.0
    noisy, _ = construct_target(table, "risk", "0.3 * age + income / 10000", noise_std=0.5, seed=9)
    again, _ = construct_target(table, "risk", "0.3 * age + income / 10000", noise_std=0.5, seed=9)
    other, _ = construct_target(table, "risk", "0.3 * age + income / 10000", noise_std=0.5, seed=10)
    assert noisy.equals(again) and not noisy.equals(other)
    noise = noisy.column("risk").to_numpy() - score(table)
    # the noise is the documented counter-based stream: N(0, 0.5) keyed by (seed, column, row)
    np.testing.assert_allclose(
        noise, Block("risk", 9, 0, N).normal(0, 0.5, salt="scenario\x00target"), atol=1e-9
    )
    assert noise.std() == pytest.approx(0.5, rel=0.05)


def test_classification_by_threshold_and_by_quantile(table: pa.Table) -> None:
    labelled, log = construct_target(
        table, "high", "0.3 * age + income / 10000", task="classification", threshold=20.0
    )
    labels = labelled.column("high").to_numpy()
    assert labelled.schema.field("high").type == pa.int64()
    np.testing.assert_array_equal(labels, (score(table) > 20.0).astype(np.int64))
    entry = log.entries[0]
    assert entry["positives"] == int((score(table) > 20).sum()) and entry["share"] == pytest.approx(
        labels.mean()
    )
    top, log = construct_target(
        table, "top", "0.3 * age + income / 10000", task="classification", quantile=0.8, noise_std=1.0
    )
    assert top.column("top").to_numpy().mean() == pytest.approx(0.2, abs=1e-3)
    assert log.entries[0]["share"] == pytest.approx(0.2, abs=1e-3) and log.entries[0]["quantile"] == 0.8
    json.loads(log.to_json())


def test_null_inputs_give_null_targets_and_columns_are_replaced(table: pa.Table) -> None:
    out, log = construct_target(table, "debt2", "debt * 2", task="classification", threshold=5)
    assert out.column("debt2").null_count == N // 100 and log.entries[0]["null"] == N // 100
    replaced, log = construct_target(table, "age", "age + 1")
    assert replaced.column_names == table.column_names and log.entries[0]["replaced"] is True
    np.testing.assert_array_equal(replaced.column("age").to_numpy(), table.column("age").to_numpy() + 1)


def test_sql_conditions_and_functions(table: pa.Table) -> None:
    out, _ = construct_target(table, "old", "CASE WHEN age > 60 THEN 1.5 ELSE 0 END + abs(income) / 1e9")
    expected = (
        np.where(table.column("age").to_numpy() > 60, 1.5, 0)
        + np.abs(table.column("income").to_numpy()) / 1e9
    )
    np.testing.assert_allclose(out.column("old").to_numpy(), expected)
    by_function, log = construct_target(table, "f", lambda t: score(t) * 2)
    np.testing.assert_allclose(by_function.column("f").to_numpy(), score(table) * 2)
    assert log.entries[0]["formula"] == "<lambda>"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"formula": "age + salary"},
            r"formula='age \+ salary' reads 'salary', which is not a column \(age, income",
        ),
        ({"formula": "age +* ("}, r"formula='age \+\* \(' is not a valid SQL expression"),
        ({"formula": "city"}, r"formula='city' gives String; allowed: a number per row"),
        ({"formula": 3}, r"formula=3 is not an SQL expression or a function"),
        ({"formula": "age", "noise_std": -1}, r"noise_std=-1 is not a number >= 0"),
        (
            {"formula": "age", "task": "ranking"},
            r"task='ranking' is not allowed; allowed: regression, classification",
        ),
        ({"formula": "age", "task": "classification"}, r"needs one of threshold .* or quantile"),
        (
            {"formula": "age", "task": "classification", "quantile": 1.0},
            r"quantile=1.0 is not a share in \(0, 1\)",
        ),
        ({"formula": "age", "threshold": 3}, r"threshold and quantile apply to task='classification'"),
    ],
)
def test_bad_parameters_name_field_value_and_allowed(table: pa.Table, kwargs, message) -> None:
    formula = kwargs.pop("formula")
    with pytest.raises(UsageError, match=message):
        construct_target(table, "y", formula, **kwargs)


def test_noise_past_float64_s_range_is_refused_by_name(table: pa.Table) -> None:
    with pytest.raises(
        UsageError,
        match=r"^noise_std=1e\+308 takes row \d+'s score from .* to -?inf, past a 64-bit float's range; "
        r"allowed: a noise_std that keeps every score finite",
    ):
        construct_target(table, "y", "age", noise_std=1e308)


def test_noise_past_float64_s_range_on_large_scores_is_refused_without_a_warning() -> None:
    """Scores near 1e308 plus such noise overflowed in numpy's sum, a RuntimeWarning (an error under
    pytest's filterwarnings) before the refusal; large scores with small noise stay finite."""
    big = pa.table({"a": [1.0, 1e308, 1.5e308, -1.7e308] * 5})
    with pytest.raises(UsageError, match=r"^noise_std=1e\+308 takes row \d+'s score from .* to -?inf, past"):
        construct_target(big, "y", "a", noise_std=1e308)
    out, _ = construct_target(big, "y", "a", noise_std=1.0)
    assert np.isfinite(out.column("y").to_numpy()).all()


def test_the_log_of_large_or_infinite_scores_needs_no_overflow() -> None:
    """The mean of scores near 1e308 overflowed in numpy's sum (a RuntimeWarning, an error under
    pytest's filterwarnings); an infinite score (1 / 0) gave a warning for its standard deviation."""
    big = pa.table({"a": [1e308, 1.5e308, 1.7e308]})
    _, log = construct_target(big, "y", "a")
    assert log.entries[0]["score"]["mean"] == pytest.approx(1.4e308)
    assert log.entries[0]["score"]["std"] == pytest.approx(np.std([1.0, 1.5, 1.7]) * 1e308)
    _, log = construct_target(pa.table({"a": [1.0, 0.0]}), "y", "1 / a")
    assert log.entries[0]["score"]["mean"] == np.inf and np.isnan(log.entries[0]["score"]["std"])
    ordinary = np.array([3.0, 1.25, -7.5, 1e-3])
    _, log = construct_target(pa.table({"a": ordinary}), "y", "a")
    assert log.entries[0]["score"] == {"mean": float(ordinary.mean()), "std": float(ordinary.std())}  # exact
