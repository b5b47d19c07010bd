"""Privacy distances: DCR and NNDR against a brute-force numpy computation and SDMetrics' own DCR,
exact copies planted and counted, the baseline, determinism, text columns and the edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fastsynth.errors import UsageError
from fastsynth.kernels.privacy import nearest_two
from fastsynth.reporting import privacy
from fastsynth.reporting.columns import column_kinds
from fastsynth.reporting.privacy import distances, exact_copies


def _table(n: int, seed: int) -> pa.Table:
    """Mixed columns with nulls and NaN, a constant column, a dictionary, a time and a text column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    x[rng.random(n) < 0.1] = np.nan
    k = rng.integers(0, 5, n).astype(float)
    city = rng.choice(["oslo", "lima", "pune", None], n, p=[0.4, 0.3, 0.2, 0.1])
    return pa.table(
        {
            "x": x,
            "k": pa.array(k, mask=rng.random(n) < 0.1),
            "flat": np.full(n, 7.0),
            "city": pa.array(city).dictionary_encode(),
            "flag": pa.array(rng.random(n) < 0.3),
            "at": pa.array(rng.integers(0, 10**6, n).astype("datetime64[s]")),
            "note": pa.array([f"free text {seed}-{i}" for i in range(n)]),
        }
    )


def _kinds(table: pa.Table) -> dict[str, str]:
    return column_kinds(table, {"note": "text"} if "note" in table.column_names else None)


def _gower(synthetic: pa.Table, real: pa.Table, kinds: dict[str, str]) -> np.ndarray:
    """The synthetic x real distance matrix, column by column in plain numpy (the module's docstring)."""
    terms = []
    for name, kind in kinds.items():
        if kind == "text":
            continue
        a, b = synthetic.column(name).to_pandas(), real.column(name).to_pandas()
        if kind in ("categorical", "boolean"):
            a, b = a.astype(object).to_numpy(), b.astype(object).to_numpy()
            same = (a[:, None] == b[None, :]) | (pd.isna(a)[:, None] & pd.isna(b)[None, :])
            terms.append(np.where(same, 0.0, 1.0))
            continue
        a = a.astype("int64").where(a.notna()) if kind == "datetime" else a
        b = b.astype("int64").where(b.notna()) if kind == "datetime" else b
        a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        span = np.nanmax(b) - np.nanmin(b)
        gap = np.abs(a[:, None] - b[None, :])
        term = np.minimum(gap / span, 1.0) if span > 0 else (gap > 0).astype(float)
        missing_a, missing_b = np.isnan(a)[:, None], np.isnan(b)[None, :]
        term = np.where(missing_a & missing_b, 0.0, np.where(missing_a | missing_b, 1.0, term))
        terms.append(term)
    return np.mean(terms, axis=0)


def test_dcr_and_nndr_equal_a_brute_force_computation():
    real, synthetic = _table(300, 0), _table(200, 1)
    # A few copies of real rows (on the compared columns), so that some distances are 0.
    planted = real.slice(10, 5)
    planted = planted.set_column(6, "note", pa.array([f"other text {i}" for i in range(5)]))
    synthetic = pa.concat_tables([synthetic.slice(0, 195), planted])
    kinds = _kinds(real)
    assert kinds["note"] == "text" and kinds["city"] == "categorical" and kinds["at"] == "datetime"
    got = distances(real, synthetic, kinds, seed=0)

    matrix = np.sort(_gower(synthetic, real, kinds), axis=1)
    dcr, second = matrix[:, 0], matrix[:, 1]
    nndr = np.divide(dcr, second, out=np.zeros_like(dcr), where=second > 0)
    assert got["rows"] == 200 and got["real_rows"] == 300
    assert got["dcr"]["median"] == pytest.approx(np.median(dcr), abs=1e-12)
    assert got["dcr"]["p05"] == pytest.approx(np.quantile(dcr, 0.05), abs=1e-12)
    assert got["dcr"]["share_zero"] == pytest.approx(5 / 200)
    edges = got["dcr"]["histogram"]["edges"]
    assert list(got["dcr"]["histogram"]["counts"]) == list(np.histogram(dcr, edges)[0])
    assert got["dcr"]["histogram"]["counts"].sum() == 200
    assert got["nndr"]["median"] == pytest.approx(np.median(nndr), abs=1e-12)
    assert got["nndr"]["p05"] == pytest.approx(np.quantile(nndr, 0.05), abs=1e-12)
    assert got["nndr"]["histogram"]["counts"].sum() == 200
    # the text column differs on every row, so these are no exact copies
    assert got["exact_copies"] == {"count": 0, "share": 0.0}


@pytest.mark.slow  # importing SDMetrics, and its pandas cross joins
def test_dcr_equals_sdmetrics_calculate_dcr():
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    real, synthetic = _table(120, 2).drop_columns(["note"]), _table(80, 3).drop_columns(["note"])
    real = real.set_column(3, "city", real.column("city").cast(pa.string()))
    synthetic = synthetic.set_column(3, "city", synthetic.column("city").cast(pa.string()))
    kinds = _kinds(real)
    metadata = {"columns": {name: {"sdtype": kind} for name, kind in kinds.items()}}
    metadata["columns"]["at"]["datetime_format"] = "%Y-%m-%d %H:%M:%S"
    theirs = calculate_dcr(synthetic.to_pandas(), real.to_pandas(), metadata).to_numpy()
    ours = distances(real, synthetic, kinds, seed=0)["dcr"]
    assert ours["median"] == pytest.approx(np.median(theirs), abs=1e-9)
    assert ours["p05"] == pytest.approx(np.quantile(theirs, 0.05), abs=1e-9)


@pytest.mark.parametrize(
    ("queries", "shape"), [(37, (0, 3)), (37, (1, 3)), (37, (70, 1)), (37, (130, 4)), (150, (2500, 3))]
)
def test_the_kernel_equals_numpy(queries, shape):
    """Against numpy on every pair, across the kernel's query chunks and reference tiles too."""
    rng = np.random.default_rng(shape[0])
    q = rng.integers(0, 4, (queries, shape[1])).astype(float) / 2  # ties, and gaps above 1
    reference = rng.integers(0, 4, shape).astype(float) / 2
    if len(reference) and shape[1] == q.shape[1]:
        reference[-1] = q[0] + 1 / 3  # off the grid, in the last tile: sums that are not multiples of 1/2
    best, second = np.empty(queries), np.empty(queries)
    nearest_two(q, np.ascontiguousarray(reference.T), best, second)
    matrix = np.minimum(np.abs(q[:, None, :] - reference[None, :, :]), 1.0).sum(axis=2)
    matrix = np.sort(np.hstack([matrix, np.full((queries, 2), np.inf)]), axis=1)
    np.testing.assert_array_equal(best, matrix[:, 0])
    np.testing.assert_array_equal(second, matrix[:, 1])


@pytest.mark.parametrize("k", [0, 1, 7])
def test_exact_copies_are_counted_over_all_rows(k):
    real, synthetic = _table(500, 4), _table(300, 5)
    planted = real.take(pa.array([3, 3, 40, 41, 42, 100, 499][:k], type=pa.int64()))
    synthetic = pa.concat_tables([synthetic.slice(0, 300 - k), planted.cast(synthetic.schema)])
    got = distances(real, synthetic, _kinds(real), seed=0)
    assert got["exact_copies"] == {"count": k, "share": k / 300}


def test_exact_copies_take_null_and_nan_as_equal_to_themselves_only():
    real = pa.table({"x": [1.0, np.nan, None, 2.0], "s": ["a", "b", None, "c"]})
    synthetic = pa.table({"x": [np.nan, None, None, 2.0, 2.0], "s": ["b", None, "b", "c", "d"]})
    # NaN-b and null-null copy real rows 1 and 2; null-b does not (null is not NaN); 2-c copies row 3.
    assert exact_copies(real, synthetic) == 3


def test_exact_copies_count_every_duplicate_of_a_real_row_once_each():
    real = pa.table({"x": [1, 1, 2]})
    synthetic = pa.table({"x": [1, 1, 1, 3]})
    assert exact_copies(real, synthetic) == 3


def test_a_copy_of_the_real_data_is_flagged_and_distant_data_is_not():
    real = _table(400, 6)
    kinds = _kinds(real)
    same = distances(real, real, kinds, seed=0)
    assert same["exact_copies"] == {"count": 400, "share": 1.0}
    assert same["dcr"]["median"] == 0.0 and same["dcr"]["share_zero"] == 1.0
    assert same["baseline"]["dcr_median"] > 0.0
    fresh = distances(real, _table(400, 7), kinds, seed=0)
    # Fresh rows from the same distribution are about as close as held-out real rows.
    assert fresh["dcr"]["share_zero"] == 0.0
    assert 0.5 < fresh["dcr"]["median"] / fresh["baseline"]["dcr_median"] < 1.5


def test_the_same_seed_gives_the_same_numbers_and_samples_are_stated(monkeypatch):
    monkeypatch.setattr(privacy, "SYNTHETIC_ROWS", 50)
    monkeypatch.setattr(privacy, "REAL_ROWS", 120)
    real, synthetic = _table(300, 8), _table(200, 9)
    kinds = _kinds(real)
    first = distances(real, synthetic, kinds, seed=3)
    again = distances(real, synthetic, kinds, seed=3)
    other = distances(real, synthetic, kinds, seed=4)
    assert first["rows"] == 50 and first["real_rows"] == 120
    assert first["dcr"]["median"] == again["dcr"]["median"]
    assert first["nndr"]["p05"] == again["nndr"]["p05"]
    assert first["baseline"] == again["baseline"]
    assert first["dcr"]["median"] != other["dcr"]["median"]


def test_text_columns_are_left_out_of_the_distances():
    real, synthetic = _table(200, 10), _table(150, 11)
    kinds = _kinds(real)
    got = distances(real, synthetic, kinds, seed=0)
    without = distances(real.drop_columns(["note"]), synthetic.drop_columns(["note"]), kinds, seed=0)
    assert got["dcr"]["median"] == without["dcr"]["median"]
    assert got["nndr"]["median"] == without["nndr"]["median"]


def test_only_text_columns_leave_distances_null_but_count_copies():
    real = pa.table({"note": ["a", "b", "c"]})
    got = distances(real, pa.table({"note": ["c", "d"]}), {"note": "text"}, seed=0)
    assert got["dcr"]["median"] is None and got["nndr"]["median"] is None
    assert got["baseline"]["dcr_median"] is None
    assert got["exact_copies"] == {"count": 1, "share": 0.5}


def test_one_real_row_has_no_nndr_nor_baseline():
    real, synthetic = _table(1, 12), _table(5, 13)
    got = distances(real, synthetic, _kinds(real), seed=0)
    assert got["nndr"] == {"median": None, "p05": None, "histogram": None}
    assert got["baseline"] == {"dcr_median": None}
    assert got["dcr"]["median"] is not None and got["real_rows"] == 1


def test_one_synthetic_row_is_measured():
    real = _table(50, 14)
    got = distances(real, real.slice(7, 1), _kinds(real), seed=0)
    assert got["dcr"]["median"] == 0.0 and got["exact_copies"] == {"count": 1, "share": 1.0}


@pytest.mark.parametrize("empty", ["real", "synthetic"])
def test_an_empty_side_is_refused(empty):
    table = _table(10, 15)
    real = table.slice(0, 0) if empty == "real" else table
    synthetic = table.slice(0, 0) if empty == "synthetic" else table
    with pytest.raises(UsageError, match="at least one row on each side"):
        distances(real, synthetic, _kinds(table), seed=0)


def test_the_section_is_json_as_the_document_holds_it():
    import json

    from fastsynth.reporting.document import plain

    real = _table(60, 16)
    got = plain(distances(real, _table(40, 17), _kinds(real), seed=0))
    assert set(got) >= {"dcr", "nndr", "exact_copies", "baseline", "rows"}
    json.dumps(got, allow_nan=False)
    histogram = got["dcr"]["histogram"]
    assert len(histogram["edges"]) == len(histogram["counts"]) + 1 == len(histogram["baseline"]) + 1


@pytest.mark.parametrize(
    ("real_column", "synthetic_column"),
    [
        (pa.array([1, 2, 3], pa.int64()), pa.array([1.0, 2.0, 9.5], pa.float64())),
        (
            pa.array([0, 3_600_000_000, 7_200_000_000], pa.timestamp("us", "UTC")),
            # the same instants, written in another zone
            pa.array([0, 3_600_000_000, 1], pa.timestamp("us", "Europe/Oslo")),
        ),
        (pa.array([None, None, None], pa.null()), pa.array([None, None, 1.5], pa.float64())),
        (pa.array(["a", "b", "c"]).dictionary_encode(), pa.array(["a", "b", "z"])),
    ],
    ids=["int-float", "time-zones", "all-null", "dictionary-string"],
)
def test_exact_copies_compare_columns_typed_differently_by_value(real_column, synthetic_column):
    real = pa.table({"v": real_column, "k": ["p", "q", "r"]})
    synthetic = pa.table({"v": synthetic_column, "k": ["p", "q", "r"]})
    assert exact_copies(real, synthetic) == 2


def test_infinities_are_beyond_the_range_without_warnings():
    # warnings are errors here: inf - inf in the range and inf / inf in the scaling warned
    real = pa.table({"x": [0.0, 1.0, 2.0, np.inf, -np.inf, 4.0]})
    synthetic = pa.table({"x": [np.inf, 3.0, -np.inf, 10.0]})
    got = distances(real, synthetic, {"x": "numerical"}, seed=0)
    # inf and -inf meet themselves (0); 3.0 is 1/4 of the finite range (0..4) from 2.0 and 4.0; 10.0
    # is 1.5 ranges from 4.0, held at 1
    assert sorted(got["dcr"]["histogram"]["counts"].nonzero()[0].tolist()) == [0, 5, 20 - 1]
    assert got["dcr"]["median"] == pytest.approx((0.25 + 0.0) / 2)
    assert got["exact_copies"]["count"] == 2
