"""Drift declared in schemas: applied batch by batch, the same whatever the batches."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app

FIELDS = {
    "t": {"type": "time_sequence", "interval_seconds": 60},
    "x": {"type": "float", "distribution": "normal", "mean": 0, "std": 1},
    "c": {"type": "category", "categories": ["a", "b"], "probabilities": [0.5, 0.5]},
    "ok": {"type": "bool"},
}


def _schema(events, weight_column=None):
    drift = (
        {"events": events} if weight_column is None else {"events": events, "weight_column": weight_column}
    )
    return fastsynth.Schema.from_dict({"seed": 3, "fields": FIELDS, "drift": drift})


PLAIN = fastsynth.generate(fastsynth.Schema.from_dict({"seed": 3, "fields": FIELDS}), 20_000)


def test_a_row_window_drifts_only_its_rows_whatever_the_batches():
    schema = _schema(
        [
            {
                "type": "shift",
                "columns": ["x"],
                "magnitude": 2,
                "unit": "absolute",
                "start_row": 5000,
                "end_row": 15001,
                "profile": {"type": "incremental", "transition": "linear"},
            }
        ],
        weight_column="_w",
    )
    table = fastsynth.generate(schema, 20_000)
    assert table.schema.names == ["t", "x", "c", "ok", "_w"]
    delta = table["x"].to_numpy() - PLAIN["x"].to_numpy()
    assert not delta[:5000].any() and not delta[15001:].any()
    assert delta[10_000] == pytest.approx(1.0) and delta[15_000] == pytest.approx(2.0)
    np.testing.assert_allclose(table["_w"].to_numpy()[5000:15001], np.linspace(0, 1, 10_001), atol=1e-6)
    assert fastsynth.generate(schema, 20_000, batch_size=777).equals(table)
    assert fastsynth.generate(schema, 3000, start=9000).equals(table.slice(9000, 3000))


def test_a_lasting_drift_completes_its_transition_and_stays():
    schema = _schema(
        [
            {
                "type": "shift",
                "columns": ["x"],
                "magnitude": 1,
                "unit": "absolute",
                "start_row": 1000,
                "transition_rows": 2001,
                "profile": "gradual",
            }
        ]
    )
    delta = fastsynth.generate(schema, 20_000)["x"].to_numpy() - PLAIN["x"].to_numpy()
    drifted = np.isclose(delta, 1.0)
    assert not delta[:1000].any() and drifted[3001:].all()
    assert drifted[1900:2100].mean() == pytest.approx(0.5, abs=0.12)  # the sigmoid's centre


def test_a_time_window_and_a_category_target():
    schema = _schema(
        [
            {
                "type": "frequencies",
                "columns": ["c"],
                "target": {"a": 0.9, "b": 0.1},
                "start_time": "2024-01-05T00:00:00",
            }
        ]
    )
    table = fastsynth.generate(schema, 20_000)
    start = 4 * 24 * 60  # rows are a minute apart
    assert table.slice(0, start).equals(PLAIN.slice(0, start))
    shares = np.asarray(table["c"].to_pylist()[start:]) == "a"
    assert shares.mean() == pytest.approx(0.9, abs=0.02)


def test_recurring_events_alternate():
    schema = _schema(
        [
            {
                "type": "add",
                "columns": ["x"],
                "magnitude": 5,
                "start_row": 0,
                "every_rows": 1000,
                "direction": "alternate",
            },
            {"type": "flip", "columns": ["ok"], "rate": 1, "start_row": 0, "every_rows": 1000},
        ]
    )
    table = fastsynth.generate(schema, 4000)
    delta = table["x"].to_numpy() - PLAIN["x"].to_numpy()[:4000]
    np.testing.assert_allclose(delta, np.repeat([5.0, -5.0, 5.0, -5.0], 1000))
    flipped = table["ok"].to_numpy(zero_copy_only=False) != PLAIN["ok"].to_numpy(zero_copy_only=False)[:4000]
    assert flipped.tolist() == np.repeat([True, False, True, False], 1000).tolist()


def test_schema_with_drift_round_trips():
    schema = _schema(
        [{"type": "scale", "columns": ["x"], "magnitude": 2, "start_row": 10, "every_rows": 100}], "_w"
    )
    again = fastsynth.Schema.from_dict(schema.to_dict())
    assert fastsynth.generate(again, 1000).equals(fastsynth.generate(schema, 1000))


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"type": "label_flip", "column": "c", "rate": 0.1}, "type='label_flip' needs the whole table"),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "rows": {"start": 5}},
            "'rows' selects rows of a table",
        ),
        ({"type": "shift", "columns": ["x"], "magnitude": 1, "profile": "gradual"}, "needs transition_rows"),
        ({"type": "shift", "columns": ["nope"], "magnitude": 1}, "column 'nope' is not in the schema"),
        ({"type": "shift", "columns": ["c"], "magnitude": 1}, "shift needs a numeric column"),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": 9, "end_row": 9},
            "is not after the start",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "start_time": "soon"},
            "start_time='soon' is not an ISO",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "direction": "random"},
            "needs every_rows/every_seconds",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": -1},
            "schema: drift event 0: start_row=-1 is not an integer >= 0",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "every_rows": 0},
            "schema: drift event 0: every_rows=0 is not a number > 0",
        ),
        (
            {"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": 5, "end_time": "2024-01-02"},
            "schema: drift event 0: give its schedule in rows or in time, not both",
        ),
    ],
)
def test_bad_events_are_refused_when_the_schema_loads(event, message):
    with pytest.raises(fastsynth.SchemaError) as caught:
        _schema([event])
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_seed_drift_flags_drift_a_time_series_every_interval(tmp_path):
    out = tmp_path / "series.parquet"
    runner = CliRunner()
    args = [
        "run",
        "--schema",
        "configs/timeseries.json",
        "--type",
        "timeseries",
        "--rows",
        "2880",
        "-o",
        str(out),
    ]
    plain = tmp_path / "plain.parquet"
    assert runner.invoke(app, [*args[:-1], str(plain)]).exit_code == 0
    result = runner.invoke(
        app,
        [*args, "--drift-interval", "3600", "--drift-magnitude", "0.5"],
        env={"SYNTH_DRIFT_ENABLED": "true"},
    )
    assert result.exit_code == 0, result.output
    import pyarrow.parquet as pq

    drifted, before = pq.read_table(out), pq.read_table(plain)
    shift = (drifted["value"].to_numpy() - before["value"].to_numpy()).reshape(-1, 12)  # 12 rows an hour
    assert (np.ptp(shift, axis=1) < 1e-9).all()  # one shift per hour
    assert (shift[:, 0] > 0).any() and (shift[:, 0] < 0).any()
    # Each hour by 0.5 of its own row-to-row spread, about the base's std of 15 (see test_statistics.py)
    assert 0.85 * 7.5 < np.median(np.abs(shift[:, 0])) < 1.15 * 7.5
    moved = (
        np.asarray(drifted["category"].to_pylist()) != np.asarray(before["category"].to_pylist())
    ).reshape(-1, 12)
    assert not moved[1::2].any() and moved[0::2].any()  # categories move in every other hour
    refused = runner.invoke(app, ["run", "--schema", "configs/tabular.json", "--drift"])
    assert refused.exit_code == 1 and "--drift needs a time series" in refused.output


def test_a_declared_direction_holds_in_a_one_off_event():
    schema = _schema(
        [{"type": "add", "columns": ["x"], "magnitude": 3, "direction": "down", "start_row": 100}]
    )
    delta = fastsynth.generate(schema, 1000)["x"].to_numpy() - PLAIN["x"].to_numpy()[:1000]
    np.testing.assert_allclose(delta[100:], -3.0)
    assert not delta[:100].any()


def test_random_directions_are_drawn_per_event():
    fields = {**FIELDS, "y": {"type": "float", "distribution": "normal", "mean": 0, "std": 1}}
    events = [
        {
            "type": "add",
            "columns": [c],
            "magnitude": 1,
            "start_row": 0,
            "every_rows": 100,
            "direction": "random",
        }
        for c in ("x", "y")
    ]
    drifted = fastsynth.generate({"seed": 3, "fields": fields, "drift": events}, 10_000)
    plain = fastsynth.generate({"seed": 3, "fields": fields}, 10_000)
    signs = [np.sign(drifted[c].to_numpy() - plain[c].to_numpy())[::100] for c in ("x", "y")]
    assert (signs[0] != signs[1]).any()


def test_random_directions_of_short_windows_are_drawn_at_once_and_the_same_in_any_batches():
    """A window a row long: a direction per row, drawn for the whole batch at once (drawn one by one,
    200,000 rows took 29 s), each the draw of its occurrence number whatever the batches."""
    document = {
        "seed": 3,
        "fields": {"x": {"type": "float", "distribution": "normal", "mean": 0, "std": 0}},
        "drift": [{"type": "add", "columns": ["x"], "magnitude": 1, "every_rows": 1, "direction": "random"}],
    }
    fastsynth.generate(document, 10)
    started = time.perf_counter()
    made = fastsynth.generate(document, 200_000)
    assert time.perf_counter() - started < 3
    assert made.equals(fastsynth.generate(document, 200_000, batch_size=7_777))
    x = made.column("x").to_numpy()
    assert set(np.unique(x).tolist()) == {-1.0, 1.0} and abs(x.mean()) < 0.01
    later = fastsynth.generate(document, 1_000, start=150_000)
    assert later.column("x").to_numpy().tolist() == x[150_000:151_000].tolist()


def test_a_time_window_on_nanosecond_times_reads_them_to_the_microsecond():
    """A window in time is in microseconds: nanosecond times are truncated to them, not refused."""
    fields = {
        "t": {"type": "empirical", "dtype": "timestamp", "unit": "ns", "quantiles": [1.7e18, 1.71e18]},
        "x": {"type": "float", "mean": 0, "std": 0},
    }
    event = {"type": "add", "columns": ["x"], "magnitude": 1, "start_time": "2024-01-01"}
    made = fastsynth.generate({"fields": fields, "drift": [event]}, 2_000, seed=1)
    after = made.column("t").cast("int64").to_numpy() >= 1_704_067_200 * 10**9
    assert after.any() and (~after).any()
    assert (made.column("x").to_numpy() == after.astype(float)).all()


def test_a_drift_that_overflows_is_an_error_not_infinite_values():
    """Kernels raise nothing on overflow; the operation checks what it made, whatever the batch."""
    fields = {"x": {"type": "float", "mean": 0, "std": 1}}
    events = [{"type": "add", "columns": ["x"], "magnitude": 1e308, "start_row": 50}] * 2
    with pytest.raises(fastsynth.UsageError, match="the drift makes values too large for a 64-bit float"):
        fastsynth.generate({"fields": fields, "drift": events}, 100)
    assert np.isfinite(
        fastsynth.generate({"fields": fields, "drift": events}, 50).column("x").to_numpy()
    ).all()


def test_half_floats_drift_and_overflow_past_their_range_is_refused():
    halves = pa.table({"h": pa.array(np.linspace(-2, 2, 400, dtype=np.float16))})
    schema = fastsynth.fit(halves).to_dict()
    schema["drift"] = [
        {"type": "shift", "columns": ["h"], "magnitude": 3, "unit": "absolute", "start_row": 100}
    ]
    made = fastsynth.generate(schema, 200, seed=1)
    plain = fastsynth.generate({k: v for k, v in schema.items() if k != "drift"}, 200, seed=1)
    assert made.schema.field("h").type == pa.float16()
    delta = made.column("h").to_numpy().astype(np.float32) - plain.column("h").to_numpy().astype(np.float32)
    assert not delta[:100].any() and np.allclose(delta[100:], 3, atol=0.01)
    drifted, _ = fastsynth.inject_drift(halves, [{"type": "scale", "columns": ["h"], "magnitude": 2}])
    assert drifted.column("h").type == pa.float16()
    schema["drift"][0]["magnitude"] = 1e5  # past float16's 65,504
    with pytest.raises(fastsynth.UsageError, match="too large for a 16-bit float"):
        fastsynth.generate(schema, 200, seed=1)


def test_category_drift_while_generating_needs_a_category_column():
    fields = {**FIELDS, "word": {"type": "word"}}
    with pytest.raises(
        fastsynth.SchemaError, match="column 'word' is plain text; frequencies while generating"
    ):
        fastsynth.Schema.from_dict(
            {"fields": fields, "drift": [{"type": "frequencies", "columns": ["word"], "target": {"a": 1.0}}]}
        )


# -- derived columns follow their drifted inputs (issue 13 C) --------------------------------------------


def test_an_expression_follows_its_drifted_input_whatever_the_batches():
    fields = {
        "t": {"type": "time_sequence", "interval_seconds": 60},
        "x": {"type": "float", "distribution": "normal", "mean": 0, "std": 1},
        "y": {"type": "expr", "expr": "2 * x"},
        "z": {"type": "expr", "expr": "y + 1"},  # a chain: z reads y, which reads x
    }
    events = [
        {"type": "shift", "columns": ["x"], "magnitude": 3, "unit": "absolute", "start_row": 4000},
        {"type": "gaussian_noise", "columns": ["x"], "magnitude": 1, "start_time": "2020-01-01"},
        {
            "type": "scale",
            "columns": ["x"],
            "magnitude": 2,
            "start_row": 0,
            "every_rows": 3000,
            "direction": "alternate",
        },
    ]
    schema = fastsynth.Schema.from_dict({"seed": 5, "fields": fields, "drift": events})
    table = fastsynth.generate(schema, 12_000)
    x, y, z = (table[name].to_numpy() for name in ("x", "y", "z"))
    plain = fastsynth.generate(fastsynth.Schema.from_dict({"seed": 5, "fields": fields}), 12_000)
    assert (x[4000:] != plain["x"].to_numpy()[4000:]).all()  # x did drift
    np.testing.assert_array_equal(y, 2 * x)
    np.testing.assert_array_equal(z, 2 * x + 1)
    assert fastsynth.generate(schema, 12_000, batch_size=999).equals(table)
    assert fastsynth.generate(schema, 2500, start=3500, batch_size=700).equals(table.slice(3500, 2500))


def test_a_covariate_shift_of_sea_features_keeps_labels_agreeing_with_them():
    fields = {
        "x0": {"type": "float", "distribution": "uniform", "min": 0, "max": 10},
        "x1": {"type": "float", "distribution": "uniform", "min": 0, "max": 10},
        "label": {"type": "concept", "stream": "sea", "inputs": ["x0", "x1"], "concepts": [0]},
    }
    events = [
        {"type": "shift", "columns": ["x0", "x1"], "magnitude": 1.5, "start_row": 5000},
        {"type": "gaussian_noise", "columns": ["x0"], "magnitude": 0.5, "start_row": 8000},
    ]
    schema = fastsynth.Schema.from_dict({"seed": 2, "fields": fields, "drift": events})
    table = fastsynth.generate(schema, 20_000, batch_size=3000)
    x0, x1 = table["x0"].to_numpy(), table["x1"].to_numpy()
    expected = (x0 + x1 > 8.0).astype(np.int8)  # SEA concept 0, noise 0
    np.testing.assert_array_equal(table["label"].to_numpy(), expected)
    # The features did move: a covariate shift, and the labels' share moved with them.
    assert (
        x0[5000:].mean()
        > fastsynth.generate(fastsynth.Schema.from_dict({"seed": 2, "fields": fields}), 20_000)["x0"]
        .to_numpy()[5000:]
        .mean()
        + 3
    )


def test_a_concept_rule_reads_the_drifted_row_after_earlier_events():
    fields = {
        "x": {"type": "float", "distribution": "uniform", "min": 0, "max": 1},
        "label": {"type": "int", "min": 0, "max": 0},
        "copy": {"type": "expr", "expr": "label", "dtype": "int64"},
    }
    events = [
        {"type": "shift", "columns": ["x"], "magnitude": 5, "unit": "absolute", "start_row": 100},
        {"type": "concept", "column": "label", "rule": "CASE WHEN x > 3 THEN 1 ELSE 0 END", "start_row": 50},
    ]
    schema = fastsynth.Schema.from_dict({"seed": 1, "fields": fields, "drift": events})
    table = fastsynth.generate(schema, 400, batch_size=64)
    label = table["label"].to_numpy()
    assert not label[:100].any() and label[100:].all()  # the rule saw the shifted x
    assert fastsynth.generate(schema, 400).equals(table)


def test_a_time_column_made_from_a_column_its_event_drifts_is_refused():
    from dataclasses import dataclass

    import pyarrow as pa

    @dataclass(frozen=True, kw_only=True)
    class Stamp(fastsynth.Field):  # a time column computed from another column
        of: str

        def arrow_type(self):
            return pa.timestamp("us")

        def dependencies(self, schema):
            return (self.of,)

        def generate(self, block):
            return block.column(self.of).cast(pa.int64()).cast(pa.timestamp("us"))

    fastsynth.FIELDS.register("stamp")(Stamp)
    try:
        fields = {"x": {"type": "int", "min": 0, "max": 10}, "t": {"type": "stamp", "of": "x"}}
        events = [{"type": "add", "columns": ["x"], "magnitude": 1, "start_time": "1970-01-01"}]
        schema = fastsynth.Schema.from_dict({"seed": 1, "fields": fields, "drift": events})
        with pytest.raises(fastsynth.SchemaError, match="time column 't' is computed from a column"):
            fastsynth.generate(schema, 10)
        # On another time column the same event is fine.
        fields["u"] = {"type": "time_sequence", "interval_seconds": 1}
        events[0]["time_column"] = "u"
        schema = fastsynth.Schema.from_dict({"seed": 1, "fields": fields, "drift": events})
        table = fastsynth.generate(schema, 10)
        assert table["t"].cast(pa.int64()).equals(table["x"])
    finally:
        fastsynth.FIELDS._items.pop("stamp")


def test_drifted_category_columns_take_codes_wide_enough_for_what_drift_adds():
    """Typos on a three-value category make hundreds of values; its 8-bit codes would overflow."""
    doc = {
        "fields": {
            "c": {"type": "category", "categories": ["alpha", "beta", "gamma"]},
            "many": {"type": "category", "categories": [f"v{i}" for i in range(127)]},
        },
        "drift": [
            {"type": "typos", "columns": ["c"], "rate": 0.9, "start_row": 2500},
            {"type": "new_category", "columns": ["many"], "value": "fresh", "rate": 0.5, "start_row": 100},
        ],
    }
    table = fastsynth.generate(doc, 5000, batch_size=1000)
    assert table.schema.field("c").type == pa.dictionary(pa.int32(), pa.string())
    assert len(set(table.column("c").to_pylist())) > 128
    assert "fresh" in table.column("many").to_pylist()
    again = fastsynth.generate(doc, 5000, batch_size=777)
    assert again.column("c").to_pylist() == table.column("c").to_pylist()
    assert again.column("many").to_pylist() == table.column("many").to_pylist()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "shift", "magnitude": 1e308}, "magnitude=1e+308 times the standard deviation (28.8661)"),
        ({"type": "gaussian_noise", "magnitude": 1e308}, "magnitude=1e+308 times the standard deviation"),
        ({"type": "uniform_noise", "magnitude": 1e308, "unit": "relative"}, "magnitude=1e+308 times the"),
        ({"type": "outliers", "magnitude": 1e308, "rate": 0.1}, "magnitude=1e+308 times the standard"),
        ({"type": "shift", "magnitude": float("inf")}, "magnitude=inf is not a finite number"),
        ({"type": "add", "magnitude": float("nan")}, "magnitude=nan is not a finite number"),
    ],
)
def test_a_magnitude_past_a_floats_range_is_refused_by_name_without_a_warning(spec, message):
    """Measured in the window's standard deviation or mean, 1e308 overflowed while numpy warned on
    standard error; infinity was refused as 'not a number >= -inf'. (Warnings are errors in tests.)"""
    table = pa.table({"x": np.arange(100.0)})
    with pytest.raises(fastsynth.UsageError) as caught:
        fastsynth.inject_drift(table, [{**spec, "columns": ["x"]}])
    assert str(caught.value).startswith(f"drift[0] ({spec['type']}): {message}")
