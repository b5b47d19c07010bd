"""Correlated columns: targets reached on 1M rows, marginals kept, chunking invariance, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import fastsynth

FIELDS = {
    "age": {"type": "int", "min": 18, "max": 90},
    "income": {"type": "float", "mean": 50000, "std": 20000, "min": 0},
    "spend": {"type": "float", "distribution": "lognormal", "mu": 3, "sigma": 0.8},
    "wait": {"type": "float", "distribution": "exponential", "scale": 5},
    "visits": {"type": "int", "distribution": "geometric", "p": 0.3},
}
COLUMNS = ["age", "income", "spend", "wait", "visits"]
TARGET = [
    [1.0, 0.6, 0.3, -0.2, 0.1],
    [0.6, 1.0, 0.5, 0.0, 0.2],
    [0.3, 0.5, 1.0, 0.1, 0.3],
    [-0.2, 0.0, 0.1, 1.0, -0.1],
    [0.1, 0.2, 0.3, -0.1, 1.0],
]
DOCUMENT = {"fields": FIELDS, "correlations": [{"columns": COLUMNS, "matrix": TARGET}]}


@pytest.fixture(scope="module")
def table():
    return fastsynth.generate(DOCUMENT, 1_000_000, seed=9)


@pytest.mark.slow
def test_pearson_correlations_within_two_hundredths(table):
    got = np.corrcoef(np.vstack([table.column(c).to_numpy().astype(float) for c in COLUMNS]))
    assert np.abs(got - np.array(TARGET)).max() <= 0.02


def test_marginals_are_kept(table):
    income = table.column("income").to_numpy()
    assert (income == 0).mean() == pytest.approx(stats.norm.cdf(0, 50000, 20000), abs=0.002)
    positive = income[income > 0][:200_000]
    truncated = stats.truncnorm(-2.5, np.inf, loc=50000, scale=20000)
    assert stats.kstest(positive, truncated.cdf).pvalue > 1e-4
    spend = table.column("spend").to_numpy()[:200_000]
    assert stats.kstest(spend, stats.lognorm(s=0.8, scale=np.exp(3)).cdf).pvalue > 1e-4
    ages = table.column("age").to_numpy()
    assert ages.min() == 18 and ages.max() == 90
    assert stats.chisquare(np.bincount(ages - 18)).pvalue > 1e-4


def test_chunking_does_not_change_rows(table):
    assert fastsynth.generate(DOCUMENT, 5000, seed=9, batch_size=333).equals(table.slice(0, 5000))
    assert fastsynth.generate(DOCUMENT, 100, seed=9, start=777).equals(table.slice(777, 100))


def test_round_trip():
    schema = fastsynth.Schema.from_dict(DOCUMENT)
    assert fastsynth.Schema.from_dict(schema.to_dict()).correlations == schema.correlations


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"columns": ["age", "nope"], "matrix": [[1, 0], [0, 1]]}, "'nope' is not a column"),
        ({"columns": ["age", "income"], "matrix": [[1, 0.5], [0.4, 1]]}, "must be symmetric"),
        ({"columns": ["age", "income"], "matrix": [[1, 0.5]]}, "matrix must be 2 rows of 2 numbers"),
        ({"columns": ["age"], "matrix": [[1]]}, "at least two column names"),
        (
            {
                "columns": ["income", "x", "y"],
                "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]],
            },
            "not positive definite",
        ),
        ({"columns": ["wait", "spend"], "matrix": [[1, -0.99], [-0.99, 1]]}, "cannot be reached"),
        ({"columns": ["age", "score"], "matrix": [[1, 0.5], [0.5, 1]]}, "'score' cannot be correlated"),
    ],
)
def test_bad_correlations(group, message):
    normal = {"type": "float", "mean": 0, "std": 1}
    fields = {
        **FIELDS,
        "x": normal,
        "y": normal,
        "score": {"type": "float", "distribution": "beta", "a": 2, "b": 3},
    }
    with pytest.raises(fastsynth.SchemaError, match="schema: correlations\\[0\\]") as caught:
        fastsynth.Schema.from_dict({"fields": fields, "correlations": [group]})
    assert message in str(caught.value)
