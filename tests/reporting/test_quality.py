"""Column shapes and pair trends against SDMetrics' own QualityReport, and the kernels against plain
numpy / scipy."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import ks_2samp, pearsonr

import fastsynth
from fastsynth.kernels.quality import PARTS, digitize, ks_distance, pair_counts, pair_moments
from fastsynth.reporting.columns import column_kinds
from fastsynth.reporting.document import plain
from fastsynth.reporting.quality import cramers_v, pearson_matrix, shapes_and_trends

# -- SDMetrics, as a user runs it ------------------------------------------------------------------


def sdmetrics_report(real: pa.Table, synthetic: pa.Table, kinds: dict[str, str]):
    """SDMetrics 0.32's single-table QualityReport on the same tables: categories as strings (what a
    CSV gives, not pandas Categoricals), times as datetime64, the same sdtypes, text left out."""

    def frame(table: pa.Table) -> pd.DataFrame:
        columns = {}
        for name in table.column_names:
            if kinds[name] == "text":
                continue
            column = table.column(name)
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            columns[name] = column.to_pandas()
        return pd.DataFrame(columns)

    metadata = {"columns": {n: {"sdtype": k} for n, k in kinds.items() if k != "text"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its deprecation notes and pearsonr's on constant pairs
        from sdmetrics.reports.single_table import QualityReport

        report = QualityReport()
        report.generate(frame(real), frame(synthetic), metadata, verbose=False)
    return report


def assert_matches_sdmetrics(ours: dict, report, tolerance: float = 1e-6) -> None:
    """Overall, both properties, every column and every pair (NaN where SDMetrics has NaN) agree.
    The target is 0.01; without SDMetrics' subsampling (tables under 50,000 rows) we are exact."""
    properties = report.get_properties().set_index("Property")["Score"]
    assert ours["score"] == pytest.approx(report.get_score(), abs=tolerance)
    assert ours["column_shapes"]["score"] == pytest.approx(properties["Column Shapes"], abs=tolerance)
    trend = properties["Column Pair Trends"]
    assert _same(ours["column_pair_trends"]["score"], trend, tolerance)
    shapes = report.get_details("Column Shapes")
    assert [c["column"] for c in ours["column_shapes"]["columns"]] == shapes["Column"].tolist()
    for entry, (_, row) in zip(ours["column_shapes"]["columns"], shapes.iterrows(), strict=True):
        assert entry["metric"] == row["Metric"]
        assert _same(entry["score"], row["Score"], tolerance), (entry["column"], entry["score"], row["Score"])
    pairs = report.get_details("Column Pair Trends")
    assert len(pairs) == len(ours["column_pair_trends"]["pairs"])
    for entry, (_, row) in zip(ours["column_pair_trends"]["pairs"], pairs.iterrows(), strict=True):
        assert entry["columns"] == [row["Column 1"], row["Column 2"]]
        assert entry["metric"] == row["Metric"]
        assert _same(entry["score"], row["Score"], tolerance), (entry, row.to_dict())
        if row["Metric"] == "CorrelationSimilarity":
            assert _same(entry["real"], row["Real Correlation"], tolerance), (entry, row.to_dict())


def _same(a: float | None, b: float | None, tolerance: float) -> bool:
    a = math.nan if a is None else a
    b = math.nan if b is None else b
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tolerance


# -- three data sets --------------------------------------------------------------------------------

GENERATED = {
    "name": "people",
    "fields": {
        "age": {"type": "int", "min": 18, "max": 90},
        "income": {"type": "float", "mean": 52000, "std": 18000, "min": 0, "decimals": 2, "null_rate": 0.1},
        "spend": {"type": "float", "distribution": "lognormal", "mu": 4, "sigma": 0.7, "decimals": 2},
        "segment": {"type": "category", "categories": ["retail", "business"], "probabilities": [0.8, 0.2]},
        "plan": {
            "type": "category",
            "depends_on": "segment",
            "categories": {"retail": ["free", "plus"], "business": ["team", "enterprise"]},
        },
        "senior": {"type": "expr", "expr": "age >= 65", "dtype": "bool"},
        "signed": {"type": "datetime", "start_date": "2021-01-01", "end_date": "2024-06-30"},
        "name": {"type": "name"},
    },
    "correlations": [
        {"columns": ["age", "income", "spend"], "matrix": [[1, 0.6, 0.2], [0.6, 1, 0.7], [0.2, 0.7, 1]]}
    ],
}


def generated(rows: int = 2_000) -> tuple[pa.Table, pa.Table]:
    """Made by fastsynth; the synthetic side from another seed and a weaker income-spend relation."""
    other = json.loads(json.dumps(GENERATED))
    other["correlations"][0]["matrix"] = [[1, 0.6, 0.2], [0.6, 1, 0.4], [0.2, 0.4, 1]]
    return fastsynth.generate(GENERATED, rows, seed=1), fastsynth.generate(other, rows, seed=2)


def with_nans_and_times(seed: int, rows: int = 2_000, shift: float = 0.0) -> pa.Table:
    """Numbers with NaN and nulls, times with nulls, a category with nulls and float categories
    with NaN; x, y and when correlated, colour following x."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, rows)
    y = 0.8 * x + rng.normal(0, 0.6, rows)
    y[rng.random(rows) < 0.15] = np.nan
    when = np.datetime64("2024-01-01T00:00:00") + (x * 86_400 * 30).astype("timedelta64[s]")
    colour = np.where(x > 0.5, "red", np.where(x < -0.5, "blue", "green")).astype(object)
    colour[rng.random(rows) < 0.1] = None
    grade = rng.choice([1.0, 2.0, 3.0, np.nan], rows)
    return pa.table(
        {
            "x": x,
            "y": pa.array(y, from_pandas=False),  # NaN as a value, not a null
            "z": pa.array(
                np.where(rng.random(rows) < 0.2, np.nan, rng.exponential(2, rows)), from_pandas=True
            ),
            "when": pa.array(when, pa.timestamp("s"), mask=rng.random(rows) < 0.05),
            "colour": pa.array(colour, pa.string()),
            "grade": pa.array(grade, from_pandas=False),
        }
    )


def with_booleans_and_constants(seed: int, rows: int = 2_000) -> pa.Table:
    """Booleans (one with nulls, one following a number), a constant number, category and time, and
    an integer code taken as a category."""
    rng = np.random.default_rng(seed)
    n = rng.gamma(2, 3, rows)
    flag = rng.random(rows) < 0.3
    return pa.table(
        {
            "n": n,
            "big": n > 6,
            "flag": pa.array(flag, mask=rng.random(rows) < 0.1),
            "same": np.full(rows, 7.0),
            "kind": pa.array(["only"] * rows),
            "code": rng.integers(0, 5, rows) + (n > 8),
            "m": n * 2 + rng.normal(0, 1, rows),
            # one time: numpy cannot cut it into 10 bins (+-0.5 ns is lost at 1.7e18), nor can SDMetrics
            "stamp": pa.array(np.full(rows, np.datetime64("2024-05-01T12:00:00", "ns"))),
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", ["generated", "nans_and_times", "booleans_and_constants"])
def test_scores_equal_sdmetrics_quality_report(case):
    if case == "generated":
        real, synthetic = generated()
        kinds = column_kinds(real, {"name": "text"})  # 2,000 rows hold fewer distinct names than text needs
    elif case == "nans_and_times":
        real, synthetic = with_nans_and_times(1), with_nans_and_times(2, rows=1_500, shift=0.3)
        kinds = column_kinds(real, {"grade": "categorical"})
    else:
        real, synthetic = with_booleans_and_constants(1), with_booleans_and_constants(2)
        kinds = column_kinds(real, {"code": "categorical"})
    ours = shapes_and_trends(real, synthetic, kinds)
    assert_matches_sdmetrics(ours, sdmetrics_report(real, synthetic, kinds))
    counted = [
        p
        for p in ours["column_pair_trends"]["pairs"]
        if p["score"] is not None and not math.isnan(p["score"])
    ]
    assert {p["metric"] for p in counted} == {"CorrelationSimilarity", "ContingencySimilarity"}


# -- behaviour ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_identical_tables_score_one():
    real, _ = generated(1_000)
    result = shapes_and_trends(real, real, column_kinds(real))
    assert result["score"] == pytest.approx(1.0)
    assert all(c["score"] == pytest.approx(1.0) for c in result["column_shapes"]["columns"])
    counted = [p["score"] for p in result["column_pair_trends"]["pairs"] if not math.isnan(p["score"])]
    assert counted and all(s == pytest.approx(1.0) for s in counted)


def test_a_shifted_column_lowers_its_own_shape_score_only():
    real = with_nans_and_times(1)
    shifted = real.set_column(0, "x", pa.array(real.column("x").to_numpy() + 1.0))
    kinds = column_kinds(real)
    before = {
        c["column"]: c["score"] for c in shapes_and_trends(real, real, kinds)["column_shapes"]["columns"]
    }
    after = {
        c["column"]: c["score"] for c in shapes_and_trends(real, shifted, kinds)["column_shapes"]["columns"]
    }
    assert after["x"] < 0.7
    assert {c: s for c, s in after.items() if c != "x"} == {c: s for c, s in before.items() if c != "x"}


@pytest.mark.slow
def test_text_columns_are_left_out_and_the_document_is_plain_json():
    real, synthetic = generated(500)
    kinds = column_kinds(real, {"name": "text"})
    result = shapes_and_trends(real, synthetic, kinds)
    names = [c["column"] for c in result["column_shapes"]["columns"]]
    assert "name" not in names and len(names) == len(real.column_names) - 1
    assert len(result["column_pair_trends"]["pairs"]) == len(names) * (len(names) - 1) // 2
    json.dumps(plain(result), allow_nan=False)


def test_plots_give_shares_per_bin_and_per_category():
    real = with_nans_and_times(1)
    synthetic = with_nans_and_times(2, shift=0.5)
    columns = {
        c["column"]: c["plot"]
        for c in shapes_and_trends(real, synthetic, column_kinds(real, {"grade": "categorical"}))[
            "column_shapes"
        ]["columns"]
    }
    x = columns["x"]
    assert x["type"] == "histogram" and len(x["edges"]) == 31 and len(x["real"]) == 30
    assert sum(x["real"]) == pytest.approx(1.0) and sum(x["synthetic"]) == pytest.approx(1.0)
    both = np.concatenate([real.column("x").to_numpy(), synthetic.column("x").to_numpy()])
    assert x["edges"][0] == both.min() and x["edges"][-1] == both.max()
    expected, _ = np.histogram(real.column("x").to_numpy(), bins=np.array(x["edges"]))
    assert x["real"] == pytest.approx((expected / len(real)).tolist())
    assert columns["when"]["unit"] == "ms"
    seconds = [t.column("when").cast(pa.int64()).to_numpy(zero_copy_only=False) for t in (real, synthetic)]
    first = min(np.nanmin(np.where(pd.isna(v), np.nan, v)) for v in seconds)
    assert columns["when"]["edges"][0] == pytest.approx(first * 1000)  # ms since the epoch
    colour = columns["colour"]
    assert colour["type"] == "bars" and set(colour["categories"]) == {"red", "blue", "green"}
    assert colour["categories"][0] == "green"  # the most frequent real category first
    assert sum(colour["real"]) == pytest.approx(1.0)  # shares of the present values


def test_bars_keep_twenty_categories_and_an_other_bar():
    real = pa.table({"c": [f"k{i:02d}" for i in range(30) for _ in range(30 - i)]})
    result = shapes_and_trends(real, real, {"c": "categorical"})
    bars = result["column_shapes"]["columns"][0]["plot"]
    assert bars["categories"][:3] == ["k00", "k01", "k02"] and bars["categories"][-1] == "(other)"
    assert len(bars["categories"]) == 21 and sum(bars["real"]) == pytest.approx(1.0)
    assert bars["real"][-1] == pytest.approx(sum(range(1, 11)) / len(real))


def test_pair_matrix_is_square_and_symmetric():
    real, synthetic = generated(800)
    trends = shapes_and_trends(real, synthetic, column_kinds(real))["column_pair_trends"]
    matrix, names = trends["matrix"], trends["matrix"]["columns"]
    for key in ("real", "synthetic", "score"):
        m = matrix[key]
        assert len(m) == len(names) and all(len(row) == len(names) for row in m)
        assert all(_same(m[i][j], m[j][i], 0) for i in range(len(names)) for j in range(len(names)))
    age, income, segment = names.index("age"), names.index("income"), names.index("segment")
    pair = next(p for p in trends["pairs"] if p["columns"] == ["age", "income"])
    assert matrix["real"][age][income] == pair["real"] and matrix["score"][age][income] == pair["score"]
    assert matrix["real"][age][segment] is None and matrix["real"][age][age] == 1.0
    assert matrix["real"][segment][segment] is None and matrix["score"][segment][segment] == 1.0


# -- kernels against references ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1.0], [1.0]),
        ([1.0], [2.0]),
        ([1.0, 2.0, 2.0, 3.0], [2.0, 2.0]),
        ([0.0, 0.0, 0.0], [0.0, 1.0]),
        ([-np.inf, 0.0, np.inf], [0.0]),
    ],
)
def test_ks_distance_matches_numpy_on_edge_cases(a, b):
    a, b = np.sort(np.array(a)), np.sort(np.array(b))
    assert ks_distance(a, b) == pytest.approx(naive_ks(a, b))


def naive_ks(a: np.ndarray, b: np.ndarray) -> float:
    """The largest gap between the two empirical CDFs, at every value of either sample."""
    at = np.concatenate([a, b])
    return float(
        np.abs(np.searchsorted(a, at, "right") / len(a) - np.searchsorted(b, at, "right") / len(b)).max()
    )


def test_ks_distance_matches_scipy_on_random_samples_with_ties():
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = np.sort(rng.integers(0, rng.integers(2, 50), rng.integers(10, 400)).astype(float))
        b = np.sort(rng.normal(10, 8, rng.integers(10, 300)).round())
        assert ks_distance(a, b) == pytest.approx(ks_2samp(a, b, method="asymp").statistic, abs=1e-12)


_samples = st.lists(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 1)), min_size=1, max_size=60)


@given(_samples, _samples)
def test_ks_distance_matches_numpy_on_generated_samples(a, b):
    a, b = np.sort(np.array(a)), np.sort(np.array(b))
    assert ks_distance(a, b) == pytest.approx(naive_ks(a, b), abs=1e-12)


@given(_samples, st.lists(st.one_of(st.floats(-2e6, 2e6), st.just(math.nan)), max_size=60))
def test_digitize_matches_numpy_on_generated_values(sample, probe):
    edges = np.histogram_bin_edges(np.array(sample))
    probe = np.concatenate([np.array(probe, dtype=float), edges])
    out = np.empty(len(probe), np.int32)
    digitize(probe, edges, out)
    assert out.tolist() == np.digitize(probe, edges).tolist()


def test_digitize_matches_numpy_at_edges_and_nan():
    rng = np.random.default_rng(3)
    for values in (rng.normal(0, 1, 1000), np.array([5.0, 5.0]), rng.integers(0, 7, 500).astype(float)):
        edges = np.histogram_bin_edges(values)
        probe = np.concatenate([values, edges, np.nextafter(edges, -np.inf), [np.nan, -1e9, 1e9]])
        out = np.empty(len(probe), np.int32)
        digitize(probe, edges, out)
        assert out.tolist() == np.digitize(probe, edges).tolist()


def test_pair_counts_matches_numpy_and_not_the_thread_count(threads):
    rng = np.random.default_rng(4)
    levels = np.array([3, 5, 2, 12], np.int64)
    codes = np.stack([rng.integers(0, k, 10_001) for k in levels]).astype(np.int32)
    first, second = np.array([0, 0, 1, 3], np.int64), np.array([1, 3, 2, 2], np.int64)
    sizes = levels[first] * levels[second]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    results = []
    for n in (1, 2):
        threads(n)
        out = np.zeros((PARTS, sizes.sum()), np.int64)
        pair_counts(codes, first, second, levels, offsets, out)
        results.append(out.sum(axis=0))
    assert np.array_equal(results[0], results[1])
    for p in range(len(first)):
        expected = np.zeros((levels[first[p]], levels[second[p]]), np.int64)
        np.add.at(expected, (codes[first[p]], codes[second[p]]), 1)
        assert np.array_equal(results[0][offsets[p] : offsets[p] + sizes[p]], expected.ravel())


def test_pearson_matrix_matches_pairwise_complete_pearsonr(threads):
    rng = np.random.default_rng(6)
    rows = 5_003
    x = rng.normal(0, 1, rows)
    values = np.stack(
        [
            x,
            1.7e18 + 1e12 * (0.5 * x + rng.normal(0, 1, rows)),  # times in ns: sums must not cancel
            np.where(rng.random(rows) < 0.3, np.nan, -x + rng.normal(0, 0.1, rows)),
            np.where(np.arange(rows) < rows - 1, np.nan, 1.0),  # one value: undefined
            np.where(np.arange(rows) % 2 == 0, np.nan, 3.0),  # constant where present: undefined
        ]
    )
    results = []
    for n in (1, 2):
        threads(n)
        results.append(pearson_matrix(values))
    assert np.array_equal(results[0], results[1], equal_nan=True)
    r = results[0]
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            both = ~np.isnan(values[i]) & ~np.isnan(values[j])
            if i >= 3 or j >= 3:
                assert math.isnan(r[i, j]), (i, j)
            else:
                assert r[i, j] == pytest.approx(pearsonr(values[i][both], values[j][both])[0], abs=1e-12)
    assert np.allclose(np.diag(r), 1.0)


def test_pair_moments_sums_the_present_pairs():
    values = np.array([[1.0, 2.0, np.nan, 4.0], [2.0, np.nan, 1.0, 0.0]])
    out = np.zeros((PARTS, 1, 6))
    pair_moments(values, np.array([0.0, 0.0]), np.array([0], np.int64), np.array([1], np.int64), out)
    assert out.sum(axis=0)[0].tolist() == [2.0, 5.0, 2.0, 17.0, 4.0, 2.0]


def test_cramers_v_matches_scipy():
    from scipy.stats.contingency import association

    rng = np.random.default_rng(8)
    for _ in range(10):
        table = rng.integers(0, 40, (rng.integers(2, 6), rng.integers(2, 6)))
        table[0, 0] += 1
        padded = np.zeros((table.shape[0] + 1, table.shape[1] + 2), np.int64)
        padded[1:, 2:] = table  # empty rows and columns are left out, as pandas' unstack leaves them
        if (table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all():
            assert cramers_v(padded) == pytest.approx(association(table, method="cramer"))
    assert math.isnan(cramers_v(np.array([[3, 4]])))


def test_columns_typed_differently_in_the_two_tables_compare_by_value():
    """Two files can disagree on types (a dictionary against strings, int64 against double, seconds
    against milliseconds): values still meet."""
    rng = np.random.default_rng(9)
    city = rng.choice(["Paris", "Lyon", "Nice"], 1_000)
    code = rng.integers(0, 4, 1_000)
    when = np.datetime64("2024-01-01") + rng.integers(0, 10**6, 1_000).astype("timedelta64[s]")
    real = pa.table(
        {
            "city": pa.array(city).dictionary_encode(),
            "code": code,
            "when": pa.array(when, pa.timestamp("s")),
        }
    )
    retyped = pa.table(
        {
            "city": pa.array(city),
            "code": code.astype(float),
            "when": pa.array(when, pa.timestamp("s")).cast(pa.timestamp("ms")),
        }
    )
    kinds = {"city": "categorical", "code": "categorical", "when": "datetime"}
    result = shapes_and_trends(real, retyped, kinds)
    assert [c["score"] for c in result["column_shapes"]["columns"]] == [1.0, 1.0, 1.0]
    assert result["score"] == pytest.approx(1.0)


def test_empty_and_null_columns_give_nan_scores_not_errors():
    table = pa.table(
        {
            "x": pa.array([None, None], pa.float64()),
            "c": pa.array([None, None], pa.string()),
            "b": pa.array([True, None]),
            "t": pa.array(np.full(2, np.datetime64("2024-01-01", "ns"))),
        }
    )
    kinds = {"x": "numerical", "c": "categorical", "b": "boolean", "t": "datetime"}
    for real, synthetic in ((table, table), (table.slice(0, 0), table), (table, table.slice(0, 0))):
        result = shapes_and_trends(real, synthetic, kinds)
        json.dumps(plain(result), allow_nan=False)
        x, c = result["column_shapes"]["columns"][:2]
        assert math.isnan(x["score"]) and math.isnan(c["score"])
        assert all(math.isnan(p["score"]) for p in result["column_pair_trends"]["pairs"])
    t = shapes_and_trends(table, table, kinds)["column_shapes"]["columns"][3]
    assert t["score"] == 1.0 and sum(t["plot"]["real"]) == pytest.approx(1.0)


def _synthetic_only_categories(rows: int, distinct: int) -> tuple[pa.Table, pa.Table]:
    """Real: two associated columns of 5 categories; synthetic: half the rows alike, half made of
    ``distinct`` values per column the real table never has (a poor synthesizer)."""
    rng = np.random.default_rng(5)
    a = rng.integers(0, 5, rows)
    b = (a + (rng.random(rows) < 0.2)) % 5
    real = pa.table({"a": [f"x{i}" for i in a], "b": [f"y{i}" for i in b]})
    half = rows // 2
    fresh = rng.integers(0, distinct, rows - half)
    synthetic = pa.table(
        {
            "a": [f"x{i}" for i in a[:half]] + [f"new-a{i}" for i in fresh],
            "b": [f"y{i}" for i in b[:half]] + [f"new-b{i}" for i in fresh],
        }
    )
    return real, synthetic


@pytest.mark.slow
def test_synthetic_only_categories_merged_still_equal_sdmetrics():
    real, synthetic = _synthetic_only_categories(2_000, 300)
    kinds = column_kinds(real)
    ours = shapes_and_trends(real, synthetic, kinds)
    # merging k synthetic-only categories moves TVComplement by at most (k - 1) * 1e-6 / rows
    assert_matches_sdmetrics(ours, sdmetrics_report(real, synthetic, kinds))
    assert not math.isnan(ours["column_pair_trends"]["pairs"][0]["score"])


def test_synthetic_only_categories_are_one_level_and_one_bar():
    # 20,000 distinct synthetic values in each of two columns asked for a 47 GiB contingency table.
    from fastsynth.reporting import quality

    real, synthetic = _synthetic_only_categories(20_000, 20_000)
    kinds = column_kinds(real)
    prepared = quality._prepare_all(real, synthetic, kinds)
    assert [prepared.column[c].levels for c in "ab"] == [7, 7]  # 5 real, "not in real", null
    bars = shapes_and_trends(real, synthetic, kinds)["column_shapes"]["columns"][0]["plot"]
    assert bars["categories"][-1] == quality.NOT_IN_REAL
    assert bars["real"][-1] == 0.0
    assert bars["synthetic"][-1] == pytest.approx(0.5, abs=0.01)


def _many_categories(rows: int, distinct: int, columns: int = 3) -> pa.Table:
    rng = np.random.default_rng(11)
    base = rng.integers(0, distinct, rows)
    return pa.table(
        {f"k{j}": [f"v{(b + j * (rng.random() < 0.3)) % distinct}" for b in base] for j in range(columns)}
    )


def test_pair_tables_take_memory_bounded_by_the_level_cap_not_the_categories():
    # 8 columns of 1,000 values took 16 parts x sum(levels_a x levels_b) int64 cells: 4.3 GB
    import tracemalloc

    from fastsynth.reporting import quality

    real, synthetic = _many_categories(3_000, 900), _many_categories(3_000, 900)
    kinds = column_kinds(real)
    assert set(kinds.values()) == {"categorical"}
    tracemalloc.start()
    try:
        result = shapes_and_trends(real, synthetic, kinds)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # uncapped: 3 pairs x 16 x 901^2 x 8 bytes = 312 MB; capped: 3 x 16 x 100^2 x 8 = 3.8 MB
    cap = 2 * PARTS * 3 * quality.PAIR_LEVELS**2 * 8
    assert peak < cap + 64 * 2**20, peak  # the tables' own copies and codes: about 20 MB
    assert all(not math.isnan(p["association"]) for p in result["column_pair_trends"]["pairs"])


def test_columns_under_the_level_cap_score_as_without_it(monkeypatch):
    from fastsynth.reporting import quality

    real, synthetic = _many_categories(2_000, 30), _many_categories(2_000, 30)
    real = real.append_column("wide", pa.array([f"w{i % 300}" for i in range(2_000)]))
    synthetic = synthetic.append_column("wide", pa.array([f"w{(i * 7) % 300}" for i in range(2_000)]))
    kinds = column_kinds(real)
    capped = shapes_and_trends(real, synthetic, kinds)["column_pair_trends"]["pairs"]
    monkeypatch.setattr(quality, "PAIR_LEVELS", 10_000)
    monkeypatch.setattr(quality, "PAIR_CELLS", 50)  # and one pass per pair
    uncapped = shapes_and_trends(real, synthetic, kinds)["column_pair_trends"]["pairs"]
    for a, b in zip(capped, uncapped, strict=True):
        if "wide" not in a["columns"]:
            assert a == b


@pytest.mark.slow
def test_a_synthetic_column_with_no_value_where_real_has_some_scores_zero_and_is_flagged():
    # it had a NaN score, left out of the mean: a synthesizer that dropped a column scored higher
    from fastsynth.reporting import report

    rng = np.random.default_rng(2)
    real = pa.table({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300), "v": rng.normal(size=300)})
    synthetic = pa.table(
        {"x": pa.nulls(300, pa.float64()), "c": pa.nulls(300, pa.string()), "v": rng.normal(size=300)}
    )
    made = report(real, synthetic)
    shapes = {c["column"]: c for c in made.document["column_shapes"]["columns"]}
    for name in "xc":
        assert shapes[name]["score"] == 0.0 and "no value" in shapes[name]["warning"]
    assert shapes["v"]["warning"] is None
    assert made.document["column_shapes"]["score"] < 0.4
    assert "synthetic data has no value in column" in made.html()
