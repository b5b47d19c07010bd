"""The discriminator: near 1 for tables from one distribution, near 0 for disjoint ones (as SDMetrics'
LogisticDetection says too), the same numbers for the same seed, text left out, edge cases."""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pytest

from fastsynth.errors import MissingDependencyError, UsageError
from fastsynth.reporting import discriminator
from fastsynth.reporting.columns import column_kinds
from fastsynth.reporting.discriminator import discriminate

ROWS = 400


def _table(n: int, seed: int, shift: float = 0.0) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    x[rng.random(n) < 0.05] = np.nan
    return pa.table(
        {
            "x": x,
            "y": rng.gamma(2.0, 1.0 + shift, n),
            "city": pa.array(rng.choice(["oslo", "lima", "pune"], n, p=[0.5, 0.3, 0.2])).dictionary_encode(),
            "flag": pa.array(rng.random(n) < 0.3),
            "at": pa.array((rng.integers(0, 10**6, n) + int(shift * 10**6)).astype("datetime64[s]")),
            "id": pa.array([f"row {seed}-{i}" for i in range(n)]),
        }
    )


def _kinds(table: pa.Table) -> dict[str, str]:
    return column_kinds(table, {"id": "text"})


def _logistic_detection(real: pa.Table, synthetic: pa.Table) -> float:
    from sdmetrics.single_table import LogisticDetection

    real, synthetic = real.drop_columns(["id"]), synthetic.drop_columns(["id"])
    metadata = {
        "columns": {
            "x": {"sdtype": "numerical"},
            "y": {"sdtype": "numerical"},
            "city": {"sdtype": "categorical"},
            "flag": {"sdtype": "boolean"},
            "at": {"sdtype": "datetime"},
        }
    }
    np.random.seed(0)  # LogisticDetection's folds are not seeded
    return LogisticDetection.compute(real.to_pandas(), synthetic.to_pandas(), metadata)


@pytest.mark.slow
def test_one_distribution_scores_near_1():
    real, synthetic = _table(ROWS, 0), _table(ROWS, 1)
    got = discriminate(real, synthetic, _kinds(real), seed=0)
    assert got["score"] > 0.8 and 0.4 < got["auc"] < 0.6
    assert got["model"] == "HistGradientBoostingClassifier"
    assert got["rows"] == ROWS and got["folds"] == 3
    assert got["score"] == pytest.approx(1 - 2 * (max(got["auc"], 0.5) - 0.5))


@pytest.mark.slow
def test_disjoint_tables_score_near_0():
    real, synthetic = _table(ROWS, 0), _table(ROWS, 1, shift=20.0)
    got = discriminate(real, synthetic, _kinds(real), seed=0)
    assert got["auc"] > 0.98 and got["score"] < 0.05


@pytest.mark.slow  # importing SDMetrics and its transformers
def test_it_agrees_with_sdmetrics_logistic_detection_where_both_should():
    real = _table(ROWS, 0)
    for synthetic, high in ((_table(ROWS, 1), True), (_table(ROWS, 1, shift=20.0), False)):
        ours = discriminate(real, synthetic, _kinds(real), seed=0)["score"]
        theirs = _logistic_detection(real, synthetic)
        if high:
            assert ours > 0.8 and theirs > 0.8
        else:
            assert ours < 0.1 and theirs < 0.1


@pytest.mark.slow
def test_a_difference_of_shape_that_a_linear_model_misses_is_seen():
    rng = np.random.default_rng(2)
    real = pa.table({"x": rng.normal(0, 1, ROWS)})
    bimodal = pa.table({"x": rng.choice([-1.0, 1.0], ROWS) + rng.normal(0, 0.1, ROWS)})
    got = discriminate(real, bimodal, {"x": "numerical"}, seed=0)
    assert got["score"] < 0.7


@pytest.mark.slow  # three fits
def test_the_same_seed_gives_the_same_numbers():
    real, synthetic = _table(ROWS, 3), _table(ROWS, 4, shift=0.3)
    kinds = _kinds(real)
    first = discriminate(real, synthetic, kinds, seed=5)
    assert discriminate(real, synthetic, kinds, seed=5) == first
    assert discriminate(real, synthetic, kinds, seed=6)["auc"] != first["auc"]


@pytest.mark.slow
def test_a_balanced_sample_is_stated(monkeypatch):
    monkeypatch.setattr(discriminator, "MAX_ROWS", 150)
    real, synthetic = _table(ROWS, 5), _table(200, 6)
    assert discriminate(real, synthetic, _kinds(real), seed=0)["rows"] == 150
    assert discriminate(real, synthetic.slice(0, 90), _kinds(real), seed=0)["rows"] == 90


def test_text_columns_are_left_out():
    # The id column alone would separate the tables perfectly ("row 0-..." against "row 1-...").
    real, synthetic = _table(ROWS, 7), _table(ROWS, 8)
    assert discriminate(real, synthetic, _kinds(real), seed=0)["score"] > 0.8
    got = discriminate(real.select(["id"]), synthetic.select(["id"]), {"id": "text"}, seed=0)
    assert got["auc"] is None and got["score"] is None


def test_categories_past_the_top_ones_share_a_code():
    codes = discriminator._codes(pa.chunked_array([pa.array(["b", "a", "b", None, "c", "a", "b"])]))
    np.testing.assert_array_equal(codes, [0, 1, 0, np.nan, 2, 1, 0])
    many = pa.chunked_array([pa.array([f"v{i}" for i in range(300)] + ["v7"])])
    codes = discriminator._codes(many)
    assert codes[7] == 0 and codes.max() == discriminator.TOP_CATEGORIES


def test_too_few_rows_give_null_and_no_rows_an_error():
    real = _table(2, 9)
    got = discriminate(real, _table(5, 10), _kinds(real), seed=0)
    assert got == {"auc": None, "score": None, "model": discriminator.MODEL, "rows": 2, "folds": 3}
    with pytest.raises(UsageError, match="at least one row on each side"):
        discriminate(real.slice(0, 0), real, _kinds(real), seed=0)


def test_without_scikit_learn_the_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)
    real = _table(30, 11)
    with pytest.raises(MissingDependencyError, match=r"scikit-learn.*fastsynth\[report\]"):
        discriminate(real, _table(30, 12), _kinds(real), seed=0)


def test_infinities_are_taken_without_warnings():
    # warnings are errors here: the classifier's binning warned on infinities (inf - inf)
    import fastsynth

    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, 400)
    x[:5], x[5:10] = np.inf, -np.inf
    real = pa.table({"x": x, "c": rng.choice(["a", "b"], 400)})
    document = fastsynth.report(real, real)
    assert 0.0 <= document.document["discriminator"]["auc"] <= 1.0


def test_discriminator_and_privacy_sample_rows_with_one_function():
    from fastsynth.reporting import columns, privacy

    assert discriminator.sample_rows is privacy.sample_rows is columns.sample_rows
    rows = columns.sample_rows(100, 10, np.random.default_rng(0))
    assert len(set(rows.tolist())) == 10 and np.all(np.diff(rows) > 0)
    assert columns.sample_rows(5, 10, np.random.default_rng(0)).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("rows", [3, 5, 8, 20])
def test_a_few_rows_per_side_are_scored_not_a_crash(rows):
    # early stopping held out a tenth of a fold: one row, fewer than the two classes it must hold
    real, synthetic = _table(rows, 0), _table(rows, 1)
    got = discriminate(real, synthetic, _kinds(real), seed=0)
    assert got["rows"] == rows and 0.0 <= got["score"] <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("rows", [3, 5, 8])
def test_a_quality_report_of_a_few_rows_has_a_discriminator(rows):
    from fastsynth.reporting import report

    made = report(_table(rows, 0), _table(rows, 1))
    assert made.document["discriminator"]["score"] is not None
