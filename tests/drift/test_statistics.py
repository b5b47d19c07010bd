"""What drift magnitudes are measured against: a window's own mean and row-to-row spread by default
(``reference: window``), the whole column on request (``reference: column``), the same whatever the
batches."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.seed_drift import drift_from_flags


def _bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sink.getvalue().to_pybytes()


def _spread(values: np.ndarray) -> float:
    """Row-to-row standard deviation: that of second differences over sqrt 6."""
    return float(np.std(np.diff(values, 2), ddof=1) / np.sqrt(6))


# -- A: magnitudes in standard deviations ----------------------------------------------------------------


def test_seed_time_series_shifts_by_magnitude_standard_deviations():
    """`--drift --drift-interval 3600 --drift-magnitude 0.2` on configs/timeseries.json shifts each hour
    by 0.2 of its own row-to-row spread (on main: about 20, 1.4 sigma of what the user sees, from a
    sigma measured over 65,536 rows where the trend and the multiplicative season had grown)."""
    schema = fastsynth.Schema.load("configs/timeseries.json")
    seed, magnitude, hour = 42, 0.2, 12  # readings every 300 s
    drifted = replace(schema, drift=drift_from_flags(schema, 3600, magnitude, seed=seed))
    rows = 24 * hour  # one day
    before = fastsynth.generate(schema, rows, seed=seed)["value"].to_numpy()
    after = fastsynth.generate(drifted, rows, seed=seed)["value"].to_numpy()
    shift = (after - before).reshape(-1, hour)
    assert (np.ptp(shift, axis=1) < 1e-9).all()  # one shift per hour
    windows = before.reshape(-1, hour)
    own = np.array([_spread(w) for w in windows])
    np.testing.assert_allclose(np.abs(shift[:, 0]), magnitude * own, rtol=1e-9)
    # Against the spread the user sees over the day (about 15, the base's std): the median hour moves
    # by 0.2 sigma within 15%, every hour within [0.4, 1.8] x 0.2 sigma (11 differences make a rough sigma).
    ratio = np.abs(shift[:, 0]) / (magnitude * _spread(before))
    assert 0.85 <= np.median(ratio) <= 1.15, ratio
    assert ((ratio > 0.4) & (ratio < 1.8)).all(), np.sort(ratio)
    assert np.abs(shift[0, 0]) < 6  # the 12-row run: 0.2 x ~15, not ~20


def test_window_spread_is_row_to_row_and_local():
    """A window late in a trending, seasonal series is shifted by its noise, not by the swing that the
    season of a grown level makes over 65,536 rows."""
    fields = {
        "t": {"type": "time_sequence", "interval_seconds": 300},
        "v": {
            "type": "series",
            "base": {"type": "float", "mean": 100, "std": 15},
            "trend": {"type": "linear", "strength": 0.01},
            "seasonality": {"period": 288, "amplitude": 0.2},
        },
    }
    event = {"type": "shift", "columns": ["v"], "magnitude": 1, "start_row": 40_000, "end_row": 41_000}
    plain = fastsynth.generate({"seed": 1, "fields": fields}, 41_000)["v"].to_numpy()
    drifted = fastsynth.generate({"seed": 1, "fields": fields, "drift": [event]}, 41_000)["v"].to_numpy()
    shift = drifted[40_000:] - plain[40_000:]
    assert shift == pytest.approx(np.full(1000, _spread(plain[40_000:])), rel=1e-9)
    assert 14 < shift[0] < 20  # the base's 15, give or take the season's multiplier


# -- B: window statistics ---------------------------------------------------------------------------------


def _blocks() -> pa.Table:
    rng = np.random.default_rng(5)
    x = rng.normal(0.0, 1.0, 10_000)
    x[4000:5000] = rng.normal(10.0, 2.0, 1000)  # a block around 10 in a column around 1
    return pa.table({"x": x})


def test_scale_spreads_a_block_around_its_own_mean():
    table = _blocks()
    block = table["x"].to_numpy()[4000:5000]
    spec = {"type": "scale", "columns": ["x"], "magnitude": 1.5, "rows": {"start": 4000, "end": 5000}}
    data, log = fastsynth.inject_drift(table, [spec])
    after = data["x"].to_numpy()[4000:5000]
    assert after.mean() == pytest.approx(block.mean(), rel=1e-12)  # on main: 10 became ~15
    assert after.std() == pytest.approx(1.5 * block.std(), rel=1e-12)
    entry = log.entries[0]
    assert entry["reference"] == "window"
    assert entry["statistics"]["x"]["rows"] == 1000
    assert entry["statistics"]["x"]["mean"] == pytest.approx(block.mean())
    # The whole column's mean, asked for by name.
    column = fastsynth.inject_drift(table, [{**spec, "reference": "column"}])
    moved = column.data["x"].to_numpy()[4000:5000]
    whole = table["x"].to_numpy().mean()
    assert moved.mean() == pytest.approx(whole + 1.5 * (block.mean() - whole), rel=1e-9)
    assert column.log.entries[0]["reference"] == "column"
    assert column.log.entries[0]["statistics"]["x"]["rows"] == 10_000


@pytest.mark.parametrize(
    ("spec", "check"),
    [
        ({"type": "shift", "unit": "relative", "magnitude": 0.1}, "relative"),
        ({"type": "gaussian_noise", "magnitude": 1.0}, "noise"),
        ({"type": "outliers", "magnitude": 3.0, "rate": 1.0}, "outliers"),
    ],
)
def test_drifts_around_the_mean_use_the_window(spec, check):
    table = _blocks()
    block = table["x"].to_numpy()[4000:5000]
    full = {**spec, "columns": ["x"], "rows": {"start": 4000, "end": 5000}}
    data, log = fastsynth.inject_drift(table, [full], seed=1)
    after = data["x"].to_numpy()[4000:5000]
    if check == "relative":  # 10% of the block's mean (~1), not of the column's (~0.9 / 10)
        np.testing.assert_allclose(after - block, 0.1 * block.mean(), rtol=1e-9)
    elif check == "noise":  # noise of the block's std (2), not the column's (~3)
        assert np.std(after - block) == pytest.approx(block.std(), rel=0.1)
    else:  # outliers at the block's mean +- 3 of its std
        np.testing.assert_allclose(np.abs(after - block.mean()), 3 * block.std(), rtol=1e-9)
    assert log.entries[0]["reference"] == "window"


def _trending(event: dict) -> dict:
    fields = {
        "t": {"type": "time_sequence", "interval_seconds": 60},
        "v": {"type": "series", "base": {"type": "float", "mean": 10, "std": 2}, "trend": {"strength": 0.01}},
    }
    return {"seed": 7, "fields": fields, "drift": [event]}


def test_scale_in_a_schema_keeps_the_window_mean_and_logs_its_reference(caplog):
    event = {"type": "scale", "columns": ["v"], "magnitude": 1.5, "start_row": 20_000, "end_row": 21_000}
    plain = fastsynth.generate({**_trending(event), "drift": None}, 21_000)["v"].to_numpy()[20_000:]
    with caplog.at_level(logging.INFO, logger="fastsynth.drift"):
        after = fastsynth.generate(_trending(event), 21_000)["v"].to_numpy()[20_000:]
    assert after.mean() == pytest.approx(plain.mean(), rel=1e-12)  # on main: moved by ~half of 200
    assert after.std() == pytest.approx(1.5 * plain.std(), rel=1e-12)
    assert "reference: window" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="fastsynth.drift"):
        column = fastsynth.generate(_trending({**event, "reference": "column"}), 21_000)["v"].to_numpy()
    assert abs(column[20_000:].mean() - plain.mean()) > 50  # around the first 65,536 rows' mean
    assert "reference: column" in caplog.text


def test_a_bad_reference_is_refused():
    with pytest.raises(
        fastsynth.UsageError, match="reference='nope' is not allowed; allowed: window, column"
    ):
        fastsynth.inject_drift(
            _blocks(), [{"type": "scale", "columns": ["x"], "magnitude": 2, "reference": "nope"}]
        )


@pytest.mark.slow
def test_window_statistics_give_the_same_bytes_whatever_the_batches():
    """Windows that span batches, recurring windows, a window without an end, and windows in time."""
    events = [
        {"type": "scale", "columns": ["v"], "magnitude": 2, "start_row": 333, "end_row": 2500},
        {"type": "gaussian_noise", "columns": ["v"], "magnitude": 0.5, "start_row": 100, "every_rows": 77},
        {"type": "outliers", "columns": ["v"], "rate": 0.1, "start_row": 2900},
        {
            "type": "shift",
            "columns": ["v"],
            "magnitude": 1,
            "start_time": "2024-01-01T00:10:30",
            "every_seconds": 1800,
            "direction": "alternate",
        },
    ]
    schema = fastsynth.Schema.from_dict({**_trending(events[0]), "drift": events})
    whole = _bytes(fastsynth.generate(schema, 4000))
    for batch_size in (1, 7, 100, 1024):
        assert _bytes(fastsynth.generate(schema, 4000, batch_size=batch_size)) == whole, batch_size
    tail = fastsynth.generate(schema, 1500, start=2500, batch_size=13)
    assert tail.equals(fastsynth.generate(schema, 4000).slice(2500, 1500))


@pytest.mark.slow
def test_window_statistics_of_entities_follow_each_series_and_any_batches():
    """With entities, the spread is measured along each entity's own series (their levels differ)."""
    fields = {
        "t": {"type": "time_sequence", "interval_seconds": 60},
        "v": {
            "type": "series",
            "base": {"type": "float", "mean": 0, "std": 1},
            "level": {"choice": [0, 1000]},
        },
    }
    events = [
        {
            "type": "shift",
            "columns": ["v"],
            "magnitude": 1,
            "start_time": "2024-01-01T01:00",
            "every_seconds": 600,
        },
        {"type": "scale", "columns": ["v"], "magnitude": 3, "start_row": 50, "end_row": 700},
    ]
    schema = fastsynth.Schema.from_dict({"seed": 2, "entities": 4, "fields": fields, "drift": events})
    whole = fastsynth.generate(schema, 2000)
    for batch_size in (3, 64, 999):
        assert _bytes(fastsynth.generate(schema, 2000, batch_size=batch_size)) == _bytes(whole)
    plain = fastsynth.generate({"seed": 2, "entities": 4, "fields": fields}, 2000)["v"].to_numpy()
    shift = whole["v"].to_numpy()[1000:] - plain[1000:]
    assert 0.7 < np.median(np.abs(shift)) < 1.3  # one of each series' own std, not ~500 across levels
