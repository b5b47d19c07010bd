"""inject_drift: exact where it can be, bit-identical outside its windows, with a truthful log."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import fastsynth
from fastsynth.drift import Profile

N = 20_000


@pytest.fixture(scope="module")
def table() -> pa.Table:
    base = fastsynth.generate(
        {
            "x": {"type": "float", "distribution": "normal", "mean": 10, "std": 2},
            "y": {"type": "float", "distribution": "uniform", "min": 0, "max": 1},
            "n": {"type": "int", "min": 0, "max": 100},
            "city": {"type": "category", "categories": ["a", "b", "c"], "probabilities": [0.5, 0.3, 0.2]},
            "name": {"type": "name"},
            "ok": {"type": "bool", "p": 0.5},
            "t": {"type": "time_sequence", "interval_seconds": 60},
        },
        N,
        seed=1,
    )
    return base.append_column("label", pa.array(np.arange(N) % 3))


def _outside_identical(before: pa.Table, after: pa.Table, inside: np.ndarray) -> None:
    keep = pa.array(~inside)
    assert before.filter(keep).equals(after.filter(keep))


def test_shift_and_scale_are_exact_and_only_inside_the_window(table):
    window = {"start": 5000, "end": 15000}
    shifted, log = fastsynth.inject_drift(
        table, [{"type": "shift", "columns": ["x"], "magnitude": 3, "unit": "absolute", "rows": window}]
    )
    inside = np.zeros(N, bool)
    inside[5000:15000] = True
    _outside_identical(table, shifted, inside)
    delta = shifted["x"].to_numpy() - table["x"].to_numpy()
    np.testing.assert_allclose(delta[inside], 3.0, rtol=0, atol=1e-12)
    assert log.entries[0]["rows"] == {"count": 10000, "first": 5000, "last": 14999, "drifted": 10000}
    assert log.entries[0]["changed"] == {"x": 10000}

    x = table["x"].to_numpy()
    scaled, _ = fastsynth.inject_drift(table, [{"type": "scale", "columns": ["x"], "magnitude": 2}])
    np.testing.assert_allclose(scaled["x"].to_numpy(), x.mean() + (x - x.mean()) * 2)
    in_std, _ = fastsynth.inject_drift(
        table, [{"type": "shift", "columns": ["x"], "magnitude": 0.5, "direction": "down"}]
    )
    np.testing.assert_allclose(in_std["x"].to_numpy() - x, -0.5 * x.std())


def test_integer_columns_keep_their_type(table):
    drifted, _ = fastsynth.inject_drift(
        table, [{"type": "shift", "columns": ["n"], "magnitude": 2.6, "unit": "absolute"}]
    )
    assert drifted.schema.field("n").type == pa.int64()
    np.testing.assert_array_equal(drifted["n"].to_numpy() - table["n"].to_numpy(), 3)


def test_integer_columns_drifted_past_their_range_saturate():
    # float(int64 max) is 2**63, which no int64 holds: values drifted past it used to wrap to -2**63.
    table = pa.table(
        {"n": pa.array([0, 2**62, 2**63 - 1], pa.int64()), "u": pa.array([0, 1, 2], pa.uint64())}
    )
    for magnitude, expected in [(1e30, 2**63 - 1024), (-1e30, -(2**63))]:
        drifted, _ = fastsynth.inject_drift(
            table, [{"type": "add", "columns": ["n"], "magnitude": magnitude}]
        )
        assert drifted["n"].to_pylist() == [expected] * 3
    drifted, _ = fastsynth.inject_drift(table, [{"type": "multiply", "columns": ["u"], "magnitude": 1e30}])
    assert drifted["u"].to_pylist() == [0, 2**64 - 2048, 2**64 - 2048]


def test_gradual_weight_is_half_at_the_centre_and_one_at_the_end():
    profile = Profile.from_spec({"type": "gradual", "transition": "sigmoid"}, "p")
    for transition in ("sigmoid", "linear", "cosine"):
        curve = Profile(transition=transition).curve(np.array([0.0, 0.5, 1.0]))
        np.testing.assert_allclose(curve, [0.0, 0.5, 1.0], atol=1e-12)
    draws = np.random.default_rng(0).random(100_001)
    weights = profile.weights(np.linspace(0, 1, 100_001), draws)
    assert set(np.unique(weights)) == {0.0, 1.0}  # old and new concepts mixed, row by row
    assert weights[:1000].mean() < 0.02 and weights[-1000:].mean() > 0.98
    assert weights[49_000:51_001].mean() == pytest.approx(0.5, abs=0.03)


def test_incremental_shift_ramps_through_the_window(table):
    drifted, _ = fastsynth.inject_drift(
        table,
        [
            {
                "type": "shift",
                "columns": ["x"],
                "magnitude": 4,
                "unit": "absolute",
                "rows": {"start": 1000, "end": 3001},
                "profile": {"type": "incremental", "transition": "linear"},
            }
        ],
    )
    delta = drifted["x"].to_numpy() - table["x"].to_numpy()
    assert delta[1000] == 0 and delta[2000] == pytest.approx(2.0) and delta[3000] == pytest.approx(4.0)


def test_recurrent_drift_returns_to_the_original_between_episodes(table):
    drifted, log = fastsynth.inject_drift(
        table,
        [
            {
                "type": "add",
                "columns": ["y"],
                "magnitude": 10,
                "profile": {"type": "recurrent", "episodes": 4, "duty": 0.5},
            }
        ],
    )
    moved = drifted["y"].to_numpy() != table["y"].to_numpy()
    quarter = N // 4
    for episode in range(4):
        part = moved[episode * quarter : (episode + 1) * quarter]
        assert part[: quarter // 2 - 1].all() and not part[quarter // 2 + 1 :].any()
    assert log.entries[0]["changed"]["y"] == moved.sum()


def test_label_flip_count_is_exact_and_classes_change(table):
    window = {"start": 1234, "end": 11_235}
    drifted, log = fastsynth.inject_drift(
        table, [{"type": "label_flip", "column": "label", "rate": 0.137, "rows": window}]
    )
    before, after = table["label"].to_numpy(), drifted["label"].to_numpy()
    assert (before != after).sum() == math.floor(0.137 * 10_001)
    assert log.entries[0]["changed"] == {"label": math.floor(0.137 * 10_001)}
    assert set(np.unique(after)) == {0, 1, 2}
    _outside_identical(table, drifted, np.isin(np.arange(N), np.arange(1234, 11_235)))


def test_prior_shift_reaches_the_target_counts(table):
    drifted, _ = fastsynth.inject_drift(
        table,
        [
            {
                "type": "prior_shift",
                "column": "label",
                "target": {"0": 0.6, "1": 0.3, "2": 0.1},
                "rows": {"end": 10_000},
            }
        ],
    )
    counts = np.bincount(drifted["label"].to_numpy()[:10_000], minlength=3)
    assert counts.tolist() == [6000, 3000, 1000]


def test_correlation_reaches_its_target_and_keeps_both_marginals(table):
    drifted, _ = fastsynth.inject_drift(
        table, [{"type": "correlation", "columns": ["x", "y"], "target": 0.7}]
    )
    x, y = drifted["x"].to_numpy(), drifted["y"].to_numpy()
    assert np.corrcoef(x, y)[0, 1] == pytest.approx(0.7, abs=0.02)
    np.testing.assert_array_equal(np.sort(y), np.sort(table["y"].to_numpy()))
    np.testing.assert_array_equal(x, table["x"].to_numpy())


def test_category_moves(table):
    moved, _ = fastsynth.inject_drift(
        table, [{"type": "frequencies", "columns": ["city"], "target": {"a": 0.1, "b": 0.2, "c": 0.7}}]
    )
    shares = pc.value_counts(moved["city"].combine_chunks()).to_pylist()
    share = {entry["values"]: entry["counts"] / N for entry in shares}
    assert share["c"] == pytest.approx(0.7, abs=0.02) and share["a"] == pytest.approx(0.1, abs=0.02)
    assert moved.schema.field("city").type == table.schema.field("city").type
    fresh, _ = fastsynth.inject_drift(
        table, [{"type": "new_category", "columns": ["city"], "value": "z", "rate": 0.25}]
    )
    assert (np.asarray(fresh["city"].to_pylist()) == "z").mean() == pytest.approx(0.25, abs=0.02)
    merged, _ = fastsynth.inject_drift(
        table, [{"type": "merge", "columns": ["city"], "categories": ["a", "b"], "into": "ab"}]
    )
    assert set(merged["city"].to_pylist()) == {"ab", "c"}


def test_typos_flips_and_nulls(table):
    typed, log = fastsynth.inject_drift(table, [{"type": "typos", "columns": ["name"], "rate": 0.3}])
    before, after = table["name"].to_pylist(), typed["name"].to_pylist()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert 0.2 < len(changed) / N < 0.31 and log.entries[0]["changed"]["name"] == len(changed)
    assert all(len(a) == len(b) and sum(p != q for p, q in zip(a, b, strict=True)) <= 2 for a, b in changed)
    flipped, _ = fastsynth.inject_drift(table, [{"type": "flip", "columns": ["ok"], "rate": 0.4}])
    assert (flipped["ok"].to_numpy() != table["ok"].to_numpy()).mean() == pytest.approx(0.4, abs=0.02)
    holes, log = fastsynth.inject_drift(table, [{"type": "nulls", "columns": ["x", "name"], "rate": 0.1}])
    assert holes["x"].null_count == log.entries[0]["changed"]["x"]
    assert holes["x"].null_count / N == pytest.approx(0.1, abs=0.01)


def test_noise_and_outliers_have_their_size(table):
    x = table["x"].to_numpy()
    noisy, _ = fastsynth.inject_drift(table, [{"type": "gaussian_noise", "columns": ["x"], "magnitude": 1}])
    assert np.std(noisy["x"].to_numpy() - x) == pytest.approx(x.std(), rel=0.03)
    wild, _ = fastsynth.inject_drift(
        table, [{"type": "outliers", "columns": ["x"], "rate": 0.05, "magnitude": 6}]
    )
    hit = wild["x"].to_numpy() != x
    assert hit.mean() == pytest.approx(0.05, abs=0.01)
    np.testing.assert_allclose(np.abs(wild["x"].to_numpy()[hit] - x.mean()), 6 * x.std())


def test_concept_drift_relabels_by_a_rule(table):
    drifted, _ = fastsynth.inject_drift(
        table,
        [
            {
                "type": "concept",
                "column": "label",
                "rule": "CASE WHEN y > 0.5 THEN 2 ELSE 0 END",
                "rows": {"start": 10_000},
            }
        ],
    )
    labels, y = drifted["label"].to_numpy(), table["y"].to_numpy()
    np.testing.assert_array_equal(labels[10_000:], np.where(y[10_000:] > 0.5, 2, 0))
    np.testing.assert_array_equal(labels[:10_000], table["label"].to_numpy()[:10_000])


def test_time_block_and_condition_windows(table):
    start = dt.datetime(2024, 1, 1, 2)
    timed, log = fastsynth.inject_drift(
        table,
        [
            {
                "type": "add",
                "columns": ["y"],
                "magnitude": 1,
                "time": {"column": "t", "start": start.isoformat(), "end": "2024-01-01T03:00:00"},
            }
        ],
    )
    moved = np.flatnonzero(timed["y"].to_numpy() != table["y"].to_numpy())
    assert moved.tolist() == list(range(120, 180)) and log.entries[0]["rows"]["count"] == 60
    aged, _ = fastsynth.inject_drift(
        table, [{"type": "add", "columns": ["y"], "magnitude": 1, "where": "n > 50"}]
    )
    np.testing.assert_array_equal(aged["y"].to_numpy() != table["y"].to_numpy(), table["n"].to_numpy() > 50)
    blocked, _ = fastsynth.inject_drift(
        table,
        [{"type": "add", "columns": ["y"], "magnitude": 1, "blocks": {"column": "label", "values": [2]}}],
    )
    np.testing.assert_array_equal(
        blocked["y"].to_numpy() != table["y"].to_numpy(), table["label"].to_numpy() == 2
    )


@pytest.mark.parametrize(
    ("source", "blocks", "chosen"),
    [
        ("city", {"values": ["b", "c"]}, lambda codes: np.isin(codes, ["b", "c"])),
        ("city", {"first": "b", "last": "c"}, lambda codes: (codes >= "b") & (codes <= "c")),
        ("n", {"values": [20, 30]}, lambda codes: np.isin(codes, [20, 30])),
        ("n", {"first": 20, "last": 25}, lambda codes: (codes >= 20) & (codes <= 25)),
    ],
)
def test_blocks_of_a_category_column_are_its_values(table, source, blocks, chosen):
    """A category column is dictionary-encoded; its blocks are named by its values, text or numbers."""
    column = pc.dictionary_encode(table[source])
    data = table.select(["y"]).append_column("block", column)
    drifted, log = fastsynth.inject_drift(
        data, [{"type": "add", "columns": ["y"], "magnitude": 1, "blocks": {"column": "block", **blocks}}]
    )
    expected = chosen(table[source].to_numpy(zero_copy_only=False))
    assert pa.types.is_dictionary(column.type) and expected.any() and not expected.all()
    np.testing.assert_array_equal(drifted["y"].to_numpy() != data["y"].to_numpy(), expected)
    assert log.entries[0]["rows"]["count"] == expected.sum()


def test_dataframes_in_and_out_and_a_weight_column(table):
    frame = pl.from_arrow(table)
    drifted, _ = fastsynth.inject_drift(
        frame,
        [{"type": "shift", "columns": ["x"], "magnitude": 1, "rows": {"start": 100, "end": 200}}],
        weight_column="_drift_weight",
    )
    assert isinstance(drifted, pl.DataFrame)
    weight = drifted["_drift_weight"].to_numpy()
    assert weight[100:200].tolist() == [1.0] * 100 and weight.sum() == 100
    pandas = table.select(["x", "n"]).to_pandas()
    out, _ = fastsynth.inject_drift(pandas, [{"type": "scale", "columns": ["x"], "magnitude": 3}])
    assert type(out).__name__ == "DataFrame" and list(out.columns) == ["x", "n"]


def test_same_seed_same_drift_other_seed_other_drift(table, threads):
    spec = [{"type": "gaussian_noise", "columns": ["x"], "magnitude": 1, "profile": "gradual"}]
    one, _ = fastsynth.inject_drift(table, spec, seed=5)
    threads(1)
    assert fastsynth.inject_drift(table, spec, seed=5).data.equals(one)
    assert not fastsynth.inject_drift(table, spec, seed=6).data.equals(one)


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "rows": {"start": 10, "end": N + 1}},
            "is not a window of the table's",
        ),
        ({"type": "flip", "columns": ["ok"], "rate": -0.1}, "rate=-0.1 is not a number in [0, 1]"),
        ({"type": "shift", "columns": ["nope"], "magnitude": 1}, "column 'nope' is not in the table"),
        (
            {"type": "shift", "columns": ["name"], "magnitude": 1},
            "column 'name' is string; shift needs a numeric column",
        ),
        ({"type": "wobble", "columns": ["x"]}, "type='wobble' is not a drift type"),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "profile": "sudden"},
            "drift[0] (shift): profile: type='sudden' is not allowed; "
            "allowed: abrupt, gradual, incremental, recurrent, fading",
        ),
        ({"type": "shift", "columns": ["x"], "magnitude": 1, "rows": {}, "where": "x > 1"}, "choose one of"),
        ({"type": "shift", "columns": ["x"], "magnitud": 1}, "unknown key 'magnitud'"),
        ({"type": "prior_shift", "column": "label", "target": {"0": 0.5, "1": 0.2}}, "sum to 0.7, not 1"),
        (
            {"type": "prior_shift", "column": "label", "target": {"0": 1.5, "1": -0.5}},
            "target['1']=-0.5 is not a number >= 0",
        ),
        ({"type": "add", "columns": ["x"], "magnitude": 1, "where": "x >>> 2"}, "is not a valid condition"),
        (
            {"type": "correlation", "columns": ["x", "y"], "target": 0.5, "profile": "gradual"},
            "profile 'gradual' is not supported",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "rows": {"start": 5, "stop": 9}},
            "drift[0] (shift): rows: unknown key 'stop'; allowed: end, start, step",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "rows": {"step": 0}},
            "drift[0] (shift): rows: step=0 is not an integer >= 1",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "blocks": {"column": "n"}},
            "drift[0] (shift): blocks: needs values, or first and last (both inclusive)",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "time": {"column": "t", "start": "2024"}},
            "drift[0] (shift): time: needs key 'end'",
        ),
    ],
)
def test_impossible_requests_are_refused_clearly(table, drift, message):
    with pytest.raises(fastsynth.UsageError) as caught:
        fastsynth.inject_drift(table, [drift])
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith("drift[0]")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"drifts": [], "seeds": 3}, "drift config: unknown key 'seeds'; allowed: drifts, seed"),
        ({"drifts": [], "seed": "x"}, "drift config: seed='x' is not an integer"),
        ({"seed": 3}, "drift config: needs key 'drifts'"),
        (5, "drift config: 5 is not an object"),
    ],
)
def test_bad_drift_configs_are_refused(table, config, message):
    with pytest.raises(fastsynth.UsageError) as caught:
        fastsynth.inject_drift(table, config)
    assert str(caught.value) == message


def test_selections_from_yaml_dates_and_lists_are_kept_in_the_log(table, tmp_path):
    config = tmp_path / "drifts.yaml"  # YAML reads the bare dates as dates, not text
    config.write_text(
        "seed: 3\ndrifts:\n"
        "  - {type: shift, columns: [x], magnitude: 1,\n"
        "     time: {column: t, start: 2024-01-01, end: 2024-01-02}}\n"
        "  - {type: flip, columns: [ok], rate: 1, blocks: {column: n, values: [1, 2]}}\n"
    )
    drifted = fastsynth.inject_drift(table, str(config))
    time_rows, block_rows = (e["rows"] for e in drifted.log.entries)
    assert time_rows["count"] == 1440  # a day of minutes
    assert drifted.log.entries[1]["selection"] == {"blocks": {"column": "n", "values": [1, 2]}}
    assert block_rows["count"] == sum(v in (1, 2) for v in table.column("n").to_pylist())


# -- correlation propagation (issue 13 C) ------------------------------------------------------------


@pytest.fixture(scope="module")
def correlated() -> pa.Table:
    rng = np.random.default_rng(4)
    x = rng.normal(50, 10, N)
    return pa.table(
        {
            "x": x,
            "y": 3 + 0.8 * (x - 50) / 10 * 4 + rng.normal(0, 3, N),  # sd(y) = 5, rho(x, y) = 0.64
            "n": np.rint(x * 2 + rng.normal(0, 5, N)).astype(np.int32),
            "z": rng.normal(0, 1, N),  # independent of x
            "k": pa.array(rng.integers(0, 5, N)).cast(pa.string()),
        }
    )


def _rho_factor(table: pa.Table, x: str, y: str) -> float:
    a, b = table[x].to_numpy().astype(float), table[y].to_numpy().astype(float)
    return float(np.corrcoef(a, b)[0, 1] * b.std() / a.std())


def test_propagation_is_off_by_default(correlated):
    drifted, log = fastsynth.inject_drift(
        correlated, [{"type": "shift", "columns": ["x"], "magnitude": 2, "rows": {"start": 5000}}]
    )
    for name in ("y", "n", "z", "k"):
        assert drifted[name].equals(correlated[name])
    assert "propagated" not in log.entries[0]


def test_a_shift_moves_correlated_columns_by_rho_sy_over_sx(correlated):
    spec = {
        "type": "shift",
        "columns": ["x"],
        "magnitude": 20,
        "unit": "absolute",
        "rows": {"start": 5000},
        "propagate": True,
    }
    drifted, log = fastsynth.inject_drift(correlated, [spec])
    dx = drifted["x"].to_numpy() - correlated["x"].to_numpy()
    assert not dx[:5000].any() and dx[5000:] == pytest.approx(20.0)
    dy = drifted["y"].to_numpy() - correlated["y"].to_numpy()
    factor = _rho_factor(correlated, "x", "y")
    assert factor == pytest.approx(0.32, abs=0.02)  # rho 0.64 * 5 / 10
    assert not dy[:5000].any()
    np.testing.assert_allclose(dy[5000:], factor * 20.0, rtol=1e-9)
    dn = drifted["n"].to_numpy().astype(float) - correlated["n"].to_numpy()
    assert drifted["n"].type == pa.int32()  # integers stay integers, rounded
    assert np.abs(dn[5000:] - _rho_factor(correlated, "x", "n") * 20.0).max() <= 0.5
    assert drifted["z"].equals(correlated["z"]) and drifted["k"].equals(correlated["k"])  # |rho| < 0.1
    moved = log.entries[0]["propagated"]["x"]
    assert set(moved) == {"y", "n"}
    assert moved["y"]["source"] == "measured" and moved["y"]["factor"] == pytest.approx(factor)
    assert moved["y"]["changed"] == N - 5000
    assert moved["y"]["correlation"] == pytest.approx(np.corrcoef(correlated["x"], correlated["y"])[0, 1])
    # The relation of y to x survives the shift: the slope across the drift is the table's own.
    assert np.polyfit(drifted["x"].to_numpy(), drifted["y"].to_numpy(), 1)[0] == pytest.approx(
        np.polyfit(correlated["x"].to_numpy(), correlated["y"].to_numpy(), 1)[0], rel=0.01
    )


def test_propagation_with_given_correlations_and_a_gradual_profile(correlated):
    spec = {
        "type": "shift",
        "columns": ["x"],
        "magnitude": 5,
        "unit": "absolute",
        "rows": {"start": 0, "end": 10_000},
        "profile": {"type": "incremental", "transition": "linear"},
        "propagate": {"correlations": {"z": -0.5}},
    }
    drifted, log = fastsynth.inject_drift(correlated, [spec])
    dx = drifted["x"].to_numpy() - correlated["x"].to_numpy()
    dz = drifted["z"].to_numpy() - correlated["z"].to_numpy()
    factor = -0.5 * correlated["z"].to_numpy().std() / correlated["x"].to_numpy().std()
    np.testing.assert_allclose(dz, factor * dx, atol=1e-12)
    assert drifted["y"].equals(correlated["y"])  # given correlations: only those columns move
    assert log.entries[0]["propagated"] == {
        "x": {"z": {"correlation": -0.5, "source": "given", "factor": pytest.approx(factor), "changed": 9999}}
    }


def test_propagation_to_chosen_columns_and_bad_specs(correlated):
    spec = {"type": "gaussian_noise", "columns": ["x"], "magnitude": 1, "propagate": {"columns": ["n"]}}
    drifted, log = fastsynth.inject_drift(correlated, [spec], seed=3)
    assert drifted["y"].equals(correlated["y"]) and not drifted["n"].equals(correlated["n"])
    assert set(log.entries[0]["propagated"]["x"]) == {"n"}
    bad = [
        ({"type": "flip", "columns": ["x"], "rate": 0.1, "propagate": True}, "propagate applies to numeric"),
        ({**spec, "propagate": {"columns": ["k"]}}, "column 'k' is string, not numeric"),
        ({**spec, "propagate": {"columns": ["nope"]}}, "column 'nope' is not in the table"),
        ({**spec, "propagate": {"correlations": {"y": 1.5}}}, r"correlations\['y'\]=1.5 is not"),
        ({**spec, "propagate": {"correlations": {"y": {"z": 0.5}}}}, "correlations of 'y', which the drift"),
        ({**spec, "propagate": {"colums": ["y"]}}, "unknown key 'colums'"),
    ]
    for wrong, message in bad:
        with pytest.raises(fastsynth.UsageError, match=message):
            fastsynth.inject_drift(correlated, [wrong])
    schema = {"x": {"type": "float"}, "y": {"type": "expr", "expr": "2 * x"}}
    with pytest.raises(fastsynth.SchemaError, match="'propagate' is for `inject_drift`"):
        fastsynth.Schema.from_dict({"fields": schema, "drift": [{**spec, "propagate": True}]})
