"""The drift report: numbers against scipy / numpy on small data, what it flags, its modes, the ground
truth it reads, streaming against in-memory, and its refusals. The kernels against plain numpy."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency

import fastsynth
from fastsynth.errors import UsageError
from fastsynth.kernels import block_stats as kb
from fastsynth.reporting import drift as drift_module
from fastsynth.reporting import report


def _table(rows: int = 20_000, blocks: int = 8, shifted: tuple[int, ...] = (), seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    block = np.repeat(np.arange(blocks), rows // blocks)
    x = rng.normal(size=len(block))
    x[np.isin(block, shifted)] += 1.5
    return pa.table(
        {
            "block": block,
            "x": x,
            "y": rng.exponential(size=len(block)),
            "c": rng.choice(["a", "b", "c"], len(block), p=[0.5, 0.3, 0.2]),
            "flag": rng.random(len(block)) < 0.3,
        }
    )


def _column(document: dict, name: str) -> dict:
    return next(c for c in document["columns"] if c["column"] == name)


# --- numbers against independent computations --------------------------------------------------


def _edges(baseline: np.ndarray, bins: int = 20) -> np.ndarray:
    return np.unique(np.quantile(baseline, np.arange(bins + 1) / bins))


def _numpy_bins(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Underflow, the inner bins (the last closed), overflow, null, by numpy alone."""
    inner = np.histogram(values[(values >= edges[0]) & (values <= edges[-1])], bins=edges)[0]
    return np.array([np.sum(values < edges[0]), *inner, np.sum(values > edges[-1]), np.isnan(values).sum()])


def test_js_psi_mean_and_quantiles_match_scipy_and_numpy():
    table = _table(4_000, 4, shifted=(2,))
    document = report(table, blocks="block").document
    x = table.column("x").to_numpy()
    block = table.column("block").to_numpy()
    base = x[block == 0]
    # 1,000 rows a block: Sturges' rule on 2,000 rows gives 12 bins for JS, 6 for PSI
    assert document["metrics"]["bins"] == {"js": 12, "psi": 6}
    edges = _edges(base, 12)
    deciles = np.unique(np.quantile(base, np.arange(13) / 12)[::2])
    entry = _column(document, "x")
    for b in range(4):
        values = x[block == b]
        p, q = _numpy_bins(values, edges), _numpy_bins(base, edges)
        assert entry["js"][b] == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)
        a, e = _numpy_bins(values, deciles) / len(values), _numpy_bins(base, deciles) / len(base)
        a, e = np.where(a == 0, 1e-4, a), np.where(e == 0, 1e-4, e)
        assert entry["psi"][b] == pytest.approx(np.sum((a - e) * np.log(a / e)), abs=1e-12)
        assert entry["mean"][b] == pytest.approx(values.mean(), abs=1e-12)
        for p_ in (0.05, 0.5, 0.95):  # 1,000 rows a block: the sample is every row
            assert entry["quantiles"][str(p_)][b] == pytest.approx(np.quantile(values, p_), abs=1e-12)
    c = _column(document, "c")
    labels = table.column("c").to_numpy(zero_copy_only=False)
    shares = [np.array([np.sum(labels[block == b] == k) for k in "abc"]) for b in range(4)]
    for b in range(4):
        assert c["js"][b] == pytest.approx(jensenshannon(shares[b], shares[0], base=2), abs=1e-12)
    flag = _column(document, "flag")
    assert flag["mean"][1] == pytest.approx(
        table.column("flag").to_numpy(zero_copy_only=False)[block == 1].mean()
    )
    assert document["thresholds"] == {
        "js": drift_module.JS_THRESHOLD,
        "psi": drift_module.PSI_THRESHOLD,
        "p_value": drift_module.P_VALUE_THRESHOLD,
    }
    for b in range(4):  # the p-value: a chi-square test of the block's JS bins against the baseline's
        p, q = _numpy_bins(x[block == b], edges), _numpy_bins(base, edges)
        kept = (p + q) > 0
        table_ = np.array([p[kept], q[kept]])
        expected = 1.0 if kept.sum() < 2 else chi2_contingency(table_, correction=False)[1]
        assert entry["p_value"][b] == pytest.approx(expected, rel=1e-9, abs=1e-300)
    for b in range(4):
        kept = (shares[b] + shares[0]) > 0
        expected = chi2_contingency(np.array([shares[b][kept], shares[0][kept]]), correction=False)[1]
        assert c["p_value"][b] == pytest.approx(1.0 if b == 0 else expected, rel=1e-9, abs=1e-300)


def test_identical_blocks_show_no_drift():
    rng = np.random.default_rng(3)
    one = pa.table({"x": rng.normal(size=3000), "c": rng.choice(["a", "b"], 3000)})
    table = pa.concat_tables([one.append_column("block", pa.array(np.full(3000, b))) for b in range(4)])
    document = report(table, blocks="block").document
    assert document["drifted_columns"] == []
    for entry in document["columns"]:
        assert entry["js"] == [0.0] * 4 and entry["psi"] == [0.0] * 4


@pytest.mark.parametrize(("rows", "windows"), [(10_000, 20), (10_000, 100)])
def test_noise_in_small_windows_is_not_drift(rows, windows):
    """500 and 100 rows a window pass the JS threshold on noise alone; the test keeps them unflagged."""
    rng = np.random.default_rng(11)
    table = pa.table(
        {
            "a": rng.normal(size=rows),
            "b": rng.exponential(size=rows),
            "c": rng.choice(["p", "q", "r", "s"], rows, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
    document = report(table, windows=windows).document
    assert document["drifted_columns"] == []
    assert max(max(_column(document, "a")["js"]), max(_column(document, "b")["js"])) > 0.1


def test_a_shift_in_one_column_flags_that_column_and_those_blocks_only():
    document = report(_table(40_000, 8, shifted=(5, 6)), blocks="block").document
    assert document["drifted_columns"] == ["x"]
    assert _column(document, "x")["drifted"] == [b in (5, 6) for b in range(8)]
    assert [b["label"] for b in document["blocks"]] == list(range(8))
    assert all(b["rows"] == 5000 for b in document["blocks"])
    assert {s["column"] for s in document["skipped"]} == {"block"}


def test_string_blocks_in_order_of_first_appearance_and_windows_over_rows():
    table = _table(6_000, 3)
    names = np.array(["zeta", "alpha", "mid"])[table.column("block").to_numpy()]
    table = table.set_column(0, "block", pa.array(names))
    document = report(table, blocks="block").document
    assert [b["label"] for b in document["blocks"]] == ["zeta", "alpha", "mid"]
    document = report(table, windows=4).document
    assert [(b["start"], b["end"], b["rows"]) for b in document["blocks"]] == [
        (0, 1499, 1500), (1500, 2999, 1500), (3000, 4499, 1500), (4500, 5999, 1500),
    ]  # fmt: skip
    assert document["by"] == {"windows": 4, "time_column": None}
    assert document["series_x"] == "row" and len(document["series"][0]["x"]) == 500
    series = next(s for s in document["series"] if s["column"] == "x")
    x = table.column("x").to_numpy()
    starts = [-(-k * 6000 // 500) for k in range(501)]  # 500 windows of 12 rows
    assert series["x"][:2] == [5, 17]
    assert series["values"] == pytest.approx([x[a:b].mean() for a, b in itertools.pairwise(starts)])


def test_windows_over_time_cut_equal_spans():
    rng = np.random.default_rng(1)
    start = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
    seconds = np.sort(rng.uniform(0, 10 * 86400, 50_000)).astype(np.int64)
    seconds[0], seconds[-1] = 0, 10 * 86400  # the last instant belongs to the last window
    x = rng.normal(size=50_000)
    x[seconds >= 7 * 86400] += 3
    times = pa.array(start + seconds, pa.timestamp("s"))
    table = pa.table({"time": times, "x": x})
    document = report(table, windows=10, time_column="time").document
    expected = np.minimum(seconds // 86400, 9)
    assert [b["rows"] for b in document["blocks"]] == np.bincount(expected, minlength=10).tolist()
    assert document["blocks"][0]["label"] == "2024-01-01T00:00:00"
    assert document["blocks"][9]["end"] == "2024-01-11T00:00:00"
    assert _column(document, "x")["drifted"] == [w >= 7 for w in range(10)]
    assert document["series_x"] == "time" and document["series"][0]["x"][0].startswith("2024-01-01T")
    assert {s["column"]: s["reason"] for s in document["skipped"]} == {"time": "key"}


def test_reference_mode_compares_every_window_with_the_reference():
    reference = _table(10_000, 1, seed=5).drop_columns(["block"])
    data = _table(10_000, 5, shifted=(4,), seed=6).drop_columns(["block"])
    document = report(data, reference=reference, windows=5).document
    assert document["reference"] == "reference input"
    assert document["drifted_columns"] == ["x"]
    assert _column(document, "x")["drifted"] == [False] * 4 + [True]
    x = _column(document, "x")
    # the baseline's counts are the whole reference's: recompute window 0's JS with numpy and scipy
    base = reference.column("x").to_numpy()
    assert document["metrics"]["bins"]["js"] == 12  # windows of 2,000 rows: ceil(log2(4,000)) + 1
    edges = _edges(base, 12)
    window = data.column("x").to_numpy()[:2000]
    assert x["js"][0] == pytest.approx(
        jensenshannon(_numpy_bins(window, edges), _numpy_bins(base, edges), base=2), abs=1e-12
    )
    assert x["baseline"]["mean"] == pytest.approx(base.mean(), abs=1e-12)
    assert x["baseline"]["quantiles"]["0.5"] == pytest.approx(np.median(base), abs=1e-12)  # all 10,000 rows
    assert len(report(data, reference=reference).document["blocks"]) == drift_module.DEFAULT_WINDOWS


# --- ground truth --------------------------------------------------------------------------------


def test_ground_truth_from_a_drift_log_written_by_the_cli(tmp_path):
    from typer.testing import CliRunner

    from fastsynth.cli.app import app

    rng = np.random.default_rng(2)
    pq.write_table(
        pa.table({"x": rng.normal(size=50_000), "y": rng.normal(size=50_000)}), tmp_path / "in.parquet"
    )
    config = tmp_path / "drift.yaml"
    config.write_text(
        "drifts:\n  - {type: shift, columns: [x], magnitude: 3, rows: {start: 30000, end: 40000}}\n"
    )
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        app, ["drift", "inject", str(tmp_path / "in.parquet"), "-c", str(config), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.parquet.drift.json").is_file()
    document = report(out, windows=10).document  # the log is found beside the file
    truth = document["ground_truth"]
    assert truth["source"] == "drift log out.parquet.drift.json"
    assert truth["blocks"] == [0.0] * 6 + [1.0, 1.0] + [0.0, 0.0]
    assert truth["columns"] == ["x"]
    (event,) = truth["events"]
    assert (event["type"], event["start"], event["end"]) == ("shift", 30000, 39999)
    assert event["blocks"] == truth["blocks"]
    assert document["drifted_columns"] == ["x"]
    assert _column(document, "x")["drifted"] == [w in (6, 7) for w in range(10)]


def test_ground_truth_from_the_weight_column_and_a_given_log(tmp_path):
    rng = np.random.default_rng(4)
    table = pa.table({"x": rng.normal(size=8000), "c": rng.choice(["a", "b"], 8000)})
    drifted, log = fastsynth.inject_drift(
        table,
        [{"type": "shift", "columns": ["x"], "magnitude": 2, "rows": {"start": 4000, "end": 8000},
          "profile": {"type": "incremental"}}],
        seed=1, weight_column="_drift_weight",
    )  # fmt: skip
    weights = drifted.column("_drift_weight").to_numpy()
    document = report(drifted, windows=4).document
    truth = document["ground_truth"]
    assert truth["source"] == "column _drift_weight" and truth["events"] == []
    assert truth["blocks"] == pytest.approx([weights[i * 2000 : (i + 1) * 2000].mean() for i in range(4)])
    assert "_drift_weight" not in [c["column"] for c in document["columns"]]
    log.write(tmp_path / "log.json")
    truth = report(drifted, windows=4, drift_log=tmp_path / "log.json").document["ground_truth"]
    assert truth["source"] == "column _drift_weight and drift log log.json"
    assert truth["events"][0]["blocks"] == [0.0, 0.0, 1.0, 1.0]
    assert report(table, windows=4).document["ground_truth"] is None


# --- streaming ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_parquet_file_streamed_in_batches_gives_the_numbers_of_the_table(tmp_path, monkeypatch):
    from fastsynth.reporting import inputs

    table = _table(30_000, 6, shifted=(3,))
    rng = np.random.default_rng(9)
    table = table.append_column("t", pa.array(np.sort(rng.integers(0, 10**9, 30_000)), pa.timestamp("ms")))
    pq.write_table(table, tmp_path / "data.parquet", row_group_size=7_001)
    monkeypatch.setattr(inputs, "BATCH_ROWS", 4_096)  # many batches, cut elsewhere than the table's
    for options in ({"blocks": "block"}, {"windows": 7, "time_column": "t"}, {"windows": 5}):
        streamed = report(tmp_path / "data.parquet", **options).document
        monkeypatch.setattr(inputs, "BATCH_ROWS", 1 << 20)
        whole = report(table, **options).document
        monkeypatch.setattr(inputs, "BATCH_ROWS", 4_096)
        streamed["inputs"] = whole["inputs"]
        assert streamed == whole


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"blocks": "nope"}, "blocks='nope' is not a column of 'data'; allowed: block, x, y, c, flag"),
        ({"windows": 0}, "windows=0 is not allowed; allowed: 1 to 1000"),
        ({"windows": 3, "kinds": {"zz": "categorical"}}, "kinds='zz' is not a column of 'data'"),
        ({"windows": 1001}, "windows=1001 is not allowed; allowed: 1 to 1000"),
        ({"windows": 1}, "windows=1 leaves nothing to compare"),
        ({"windows": 3, "time_column": "x"}, "time_column='x' is double, not a timestamp or date"),
        ({"blocks": "block", "windows": 3}, "give blocks=COLUMN or windows=N, not both"),
        ({"blocks": "y"}, "blocks='y' has 2,000 distinct values; at most 1000 blocks are allowed"),
    ],
)
def test_bad_inputs_get_one_clear_usage_error(options, message):
    with pytest.raises(UsageError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        report(_table(2000, 2), **options)


def test_a_bad_drift_log_is_named(tmp_path):
    (tmp_path / "log.json").write_text(json.dumps({"not": "a log"}))
    with pytest.raises(UsageError, match="is not a fastsynth drift log"):
        report(_table(2000, 2), blocks="block", drift_log=tmp_path / "log.json")


def test_a_sorted_time_column_is_the_axis_of_windows_over_rows_not_a_drift():
    rng = np.random.default_rng(8)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    times = start + np.arange(4000).astype("timedelta64[s]") * 60
    shuffled = rng.permutation(times)
    with_nulls = pa.array(times, mask=rng.random(4000) < 0.1)
    table = pa.table({"t": times, "u": shuffled, "n": with_nulls, "x": rng.normal(size=4000)})
    document = report(table, windows=4).document
    assert [c["column"] for c in document["columns"]] == ["u", "x"]
    assert {"column": "t", "reason": "time axis"} in document["skipped"]
    assert {"column": "n", "reason": "time axis"} in document["skipped"]  # nulls are not out of order
    assert document["drifted_columns"] == []
    # windows over that time column, or blocks: the column is measured as any other
    by_time = report(table.append_column("time", pa.array(times)), windows=4, time_column="time")
    assert "t" in [c["column"] for c in by_time.document["columns"]]


def test_a_row_key_is_the_axis_of_windows_over_rows_not_a_drift():
    rng = np.random.default_rng(9)
    ids = np.arange(1, 4001)
    repeated = np.sort(rng.integers(0, 100, 4000))  # rising, but not a key: measured
    table = pa.table({"user_id": ids, "level": repeated, "x": rng.normal(size=4000)})
    document = report(table, windows=4).document
    assert {"column": "user_id", "reason": "row key"} in document["skipped"]
    assert [c["column"] for c in document["columns"]] == ["level", "x"]
    assert document["drifted_columns"] == ["level"]
    shuffled = report(table.set_column(0, "user_id", pa.array(rng.permutation(ids))), windows=4).document
    assert "user_id" in [c["column"] for c in shuffled["columns"]]


def _late_text_csv(path, rows: int = 20_000):
    lines = ["n,x", *(f"{i},{i * 0.5}" for i in range(rows)), "abc,1.0"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_a_csv_column_whose_type_changes_after_the_first_block_gets_one_usage_error(tmp_path, monkeypatch):
    from fastsynth.reporting import inputs

    monkeypatch.setattr(inputs, "CSV_BLOCK_BYTES", 1 << 16)  # the file is 300 kB: text after 4 blocks
    path = _late_text_csv(tmp_path / "late.csv")
    message = r"^input 'late.csv': column 'n' is read as int64, the type of its first 0.0625 MB, and a later"
    with pytest.raises(UsageError, match=message):
        report(path, windows=4)
    with pytest.raises(UsageError, match=message):  # the quality report loads it whole
        report(path, path)


@pytest.mark.slow
def test_a_csv_column_is_typed_from_its_first_megabytes(tmp_path):
    path = _late_text_csv(tmp_path / "late.csv", 150_000)
    assert path.stat().st_size > 2 << 20  # past pyarrow's default block of 1 MB
    document = report(path, windows=4).document
    assert [c["column"] for c in document["columns"]] == ["x"]  # n is text
    assert document["skipped"] == [{"column": "n", "reason": "text"}]


def _nested_table() -> pa.Table:
    rng = np.random.default_rng(5)
    x = rng.normal(size=600)
    return pa.table(
        {
            "x": x,
            "l": pa.array([[int(v)] for v in rng.integers(0, 3, 600)]),
            "s": pa.array([{"a": int(v)} for v in rng.integers(0, 3, 600)]),
        }
    )


def test_nested_columns_are_skipped_and_no_kind_makes_them_measured():
    document = report(_nested_table(), windows=3).document
    assert [c["column"] for c in document["columns"]] == ["x"]
    assert document["skipped"] == [{"column": "l", "reason": "nested"}, {"column": "s", "reason": "nested"}]
    with pytest.raises(UsageError, match="kinds: column 'l' is list<item: int64>, which kind 'categorical'"):
        report(_nested_table(), windows=3, kinds={"l": "categorical"})


@pytest.mark.parametrize("column", ["l", "s"])
def test_blocks_of_a_nested_column_are_refused(column):
    kind = str(_nested_table().schema.field(column).type)
    with pytest.raises(UsageError, match=f"^blocks='{column}' is {re.escape(kind)}; allowed: a column of"):
        report(_nested_table(), blocks=column)


@pytest.mark.parametrize(
    ("log", "message"),
    [
        ("{", "invalid JSON at line 1"),
        ("[1, 2]", "is not a fastsynth drift log"),
        ('{"drifts": [5, "a"]}', r"drifts\[0\] is int, not an object"),
        (
            '{"drifts": [{"start": "x", "end": null, "columns": 5}]}',
            r"drifts\[0\]: columns=5 is not allowed; allowed: a list of column names",
        ),
        ('{"drifts": [{}, {"rows": {"first": "a"}}]}', r"drifts\[1\]: rows.first='a' is not allowed"),
        ('{"drifts": [{"rows": [1]}]}', r"drifts\[0\]: rows=\[1\] is not allowed; allowed: an object"),
        ('{"drifts": [{"profile": {"type": 3}}]}', r"drifts\[0\]: profile.type=3 is not allowed"),
        ('{"drifts": [{"index": "0"}]}', r"drifts\[0\]: index='0' is not allowed; allowed: an integer"),
        ('{"drifts": [{"selection": {"rows": {"start": "x"}}}]}', r"drifts\[0\].selection"),
    ],
)
def test_a_malformed_drift_log_gets_one_usage_error_naming_the_event_and_key(tmp_path, log, message):
    (tmp_path / "log.json").write_text(log)
    with pytest.raises(UsageError, match=r"^drift_log '.*log\.json'.*" + message):
        report(_table(2000, 2), blocks="block", drift_log=tmp_path / "log.json")


def test_a_log_with_keys_the_report_does_not_read_is_read(tmp_path):
    """Keys the report does not read (here a huge integer) are left alone."""
    event = {"type": "gradual", "columns": ["x"], "start": 10, "end": 10**23}
    (tmp_path / "log.json").write_text(json.dumps({"drifts": [event]}))
    truth = report(_table(2000, 2), blocks="block", drift_log=tmp_path / "log.json").document["ground_truth"]
    assert truth["columns"] == ["x"] and [e["type"] for e in truth["events"]] == ["gradual"]


# --- kernels against plain numpy ----------------------------------------------------------------


@pytest.mark.parametrize("edges", [np.array([0.0]), np.array([-1.0, 0.0, 0.5, 2.0])])
def test_bin_counts_and_sums_match_numpy(edges):
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(size=500), [np.nan, 0.0, 2.0, -1.0, 5.0]])
    ids = rng.integers(-1, 3, len(values))
    counts = np.zeros((3, max(len(edges) - 1, 1) + 3), np.int64)
    kb.bin_counts(values, ids, edges, counts)
    sums, n = np.zeros(3), np.zeros(3, np.int64)
    kb.add_sums(values, ids, 0.25, sums, n)
    for b in range(3):
        v = values[ids == b]
        if len(edges) > 1:
            assert counts[b].tolist() == _numpy_bins(v, edges).tolist()
        else:  # one edge c: under, [c, c], over, null
            assert counts[b].tolist() == [np.sum(v < 0), np.sum(v == 0), np.sum(v > 0), np.isnan(v).sum()]
        assert sums[b] + 0.25 * n[b] == pytest.approx(np.nansum(v))
        assert n[b] == np.sum(~np.isnan(v))
    empty = np.zeros_like(counts)
    kb.bin_counts(np.empty(0), np.empty(0, np.int64), edges, empty)
    assert not empty.any()


def test_sample_slots_pick_the_same_rows_whatever_the_batches():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 3, 1000)
    positions = [np.sort(rng.choice(np.sum(ids == b), 10, replace=False)) for b in range(3)]
    offsets = np.array([0, 10, 20, 30])
    flat = np.concatenate(positions).astype(np.int64)
    picked = []
    for cut in ([1000], [1, 500, 499]):
        seen, cursor, out, start = np.zeros(3, np.int64), np.zeros(3, np.int64), [], 0
        for size in cut:
            slots = np.empty(size, np.int64)
            kb.sample_slots(ids[start : start + size], seen, cursor, offsets, flat, slots)
            out.append(slots)
            start += size
        picked.append(np.concatenate(out))
    assert np.array_equal(picked[0], picked[1])
    for b in range(3):  # the chosen ordinals of each block, in its sample's slots
        rows = np.flatnonzero(ids == b)[positions[b]]
        assert picked[0][rows].tolist() == list(range(10 * b, 10 * b + 10))
    assert (picked[0] >= 0).sum() == 30


def test_ground_truth_of_a_time_window_over_windows_of_time(tmp_path):
    rng = np.random.default_rng(8)
    start = int(dt.datetime(2024, 3, 1, tzinfo=dt.UTC).timestamp())
    table = pa.table(
        {"time": pa.array(start + np.arange(20_000) * 60, pa.timestamp("s")), "x": rng.normal(size=20_000)}
    )
    drifted, log = fastsynth.inject_drift(
        table,
        [{"type": "shift", "columns": ["x"], "magnitude": 2,
          "time": {"column": "time", "start": "2024-03-08", "end": "2024-03-10"}}],
        seed=1,
    )  # fmt: skip
    log.write(tmp_path / "log.json")
    document = report(drifted, windows=4, time_column="time", drift_log=tmp_path / "log.json").document
    # 20,000 minutes from March 1st: windows of 5,000 minutes (about 3.5 days); the event holds
    # minutes [10,080, 12,960), all in window 2
    truth = document["ground_truth"]
    assert truth["blocks"] == [0.0, 0.0, pytest.approx(2880 / 5000), 0.0]
    (event,) = truth["events"]
    assert (event["start"], event["end"]) == ("2024-03-08T00:00:00", "2024-03-09T23:59:00")
    assert document["series_x"] == "time"
    assert sum(v > 0 for v in truth["series"]["values"]) == pytest.approx(72, abs=1)  # 2 days / 500 points
    assert _column(document, "x")["drifted"] == [False, False, True, False]


def test_rows_without_a_time_are_in_no_window_and_blocks_can_face_a_reference():
    rng = np.random.default_rng(10)
    seconds = rng.integers(0, 1000, 6000)
    times = pa.array(np.where(np.arange(6000) % 10 == 0, 0, seconds + 1_700_000_000), pa.timestamp("s"))
    times = pc.if_else(pa.array(np.arange(6000) % 10 == 0), pa.scalar(None, pa.timestamp("s")), times)
    table = pa.table({"time": times, "x": rng.normal(size=6000)})
    document = report(table, windows=3, time_column="time").document
    assert sum(b["rows"] for b in document["blocks"]) == 5400
    reference = _table(3000, 1, seed=11).drop_columns(["block"])
    data = _table(6000, 3, shifted=(1,), seed=12)
    document = report(data, reference=reference, blocks="block").document
    assert [b["label"] for b in document["blocks"]] == [0, 1, 2]
    assert _column(document, "x")["drifted"] == [False, True, False]
    assert document["drifted_columns"] == ["x"]


def test_an_empty_reference_is_refused_not_reported_as_no_drift(tmp_path):
    import pyarrow.parquet as pq

    data = _table(2000, 2)
    pq.write_table(data.slice(0, 0), tmp_path / "empty.parquet")
    for empty in (data.slice(0, 0), tmp_path / "empty.parquet"):
        with pytest.raises(UsageError, match="has no rows; a reference needs rows to compare with"):
            report(data, reference=empty, windows=4)


def test_a_sorted_time_column_is_the_axis_of_blocks_that_follow_one_another_not_a_drift():
    rng = np.random.default_rng(8)
    times = np.datetime64("2024-01-01T00:00:00", "s") + np.arange(4000).astype("timedelta64[s]") * 60
    table = pa.table(
        {
            "month": np.repeat(np.arange(4), 1000),  # blocks of consecutive rows, in order
            "t": times,
            "u": rng.permutation(times),
            "x": rng.normal(size=4000),
        }
    )
    document = report(table, blocks="month").document
    assert [c["column"] for c in document["columns"]] == ["u", "x"]
    assert {"column": "t", "reason": "time axis"} in document["skipped"]
    assert document["drifted_columns"] == []
    # blocks that interleave in the rows are no axis: the column is measured
    mixed = report(table.set_column(0, "month", pa.array(np.tile(np.arange(4), 1000))), blocks="month")
    assert "t" in [c["column"] for c in mixed.document["columns"]]


def test_windows_over_a_time_column_with_one_time_are_refused():
    one = pa.table({"t": pa.array([np.datetime64("2024-01-01", "s")] * 100), "x": np.arange(100.0)})
    with pytest.raises(UsageError, match=r"^time_column='t' holds a single time \(2024-01-01T00:00:00\)"):
        report(one, windows=4, time_column="t")
