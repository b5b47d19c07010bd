"""Time series: the seed's format verbatim, recoverable components, clear errors."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

import fastsynth
from fastsynth.schema import EXAMPLES

N = 100_000


def test_seed_example_loads_with_a_regular_time_axis():
    schema = fastsynth.Schema.from_dict(EXAMPLES["timeseries"])
    assert schema.time_field == "timestamp"
    assert schema.names == ["timestamp", "value", "count", "category"]
    t = fastsynth.generate(schema, 1000)
    times = t.column("timestamp").to_pylist()
    assert times[0] == dt.datetime(2024, 1, 1)
    assert {b - a for a, b in itertools.pairwise(times)} == {dt.timedelta(seconds=300)}
    assert min(t.column("value").to_pylist()) >= 0
    counts = t.column("count").to_numpy()
    assert counts.min() >= 0 and counts.max() <= 1000


def _series(trend=None, seasonality=None, rows=N, **base):
    spec = {"type": "series", "base": {"type": "float", "mean": 100, "std": 5, **base}}
    if trend is not None:
        spec["trend"] = trend
    if seasonality is not None:
        spec["seasonality"] = seasonality
    return fastsynth.generate({"v": spec}, rows, seed=3).column("v").to_numpy()


def test_linear_trend_slope_is_recovered():
    values = _series(trend={"type": "linear", "strength": 0.02})
    slope, intercept = np.polyfit(np.arange(N), values, 1)
    assert slope == pytest.approx(0.02, rel=0.01)
    assert intercept == pytest.approx(100, abs=0.2)


def test_seasonal_amplitude_is_recovered():
    values = _series(seasonality={"period": 24, "amplitude": 0.2})
    phase = 2 * np.pi * np.arange(N) / 24
    design = np.column_stack([np.ones(N), np.sin(phase), np.cos(phase)])
    level, sine, cosine = np.linalg.lstsq(design, values, rcond=None)[0]
    assert level == pytest.approx(100, abs=0.1)
    assert sine / level == pytest.approx(0.2, abs=0.005)
    assert abs(cosine) < 0.2


def test_components_combine_and_respect_bounds():
    values = _series(trend={"strength": -0.01}, seasonality={"period": 100, "amplitude": 0.5}, min=0)
    assert values.min() == 0.0  # the falling trend reaches the base field's minimum
    rows = np.arange(N)
    expected = (100 - 0.01 * rows) * (1 + 0.5 * np.sin(2 * np.pi * rows / 100))
    early = slice(0, 5000)
    assert np.abs(values[early] - expected[early]).mean() < 5


def test_chunking_does_not_change_series():
    schema = fastsynth.Schema.from_dict(EXAMPLES["timeseries"])
    whole = fastsynth.generate(schema, 5000, seed=8)
    assert fastsynth.generate(schema, 5000, seed=8, batch_size=123).equals(whole)
    assert fastsynth.generate(schema, 100, seed=8, start=4000).equals(whole.slice(4000, 100))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"seasonality": {"value": {"period": 0, "amplitude": 0.2}}},
            "seasonality period=0 is not a positive",
        ),
        ({"seasonality": {"value": {"period": 24, "phase": 1}}}, "seasonality has unknown key 'phase'"),
        ({"trends": {"value": {"type": "exponential", "strength": 1}}}, "trend={'type': 'exponential'"),
        (
            {"trends": {"nope": {"type": "linear", "strength": 1}}},
            "trends names 'nope', which is not a value",
        ),
        ({"trends": {"category": {"type": "linear", "strength": 1}}}, "base type='category' is not allowed"),
        ({"time_interval_seconds": -5}, "interval_seconds=-5.0 is not a positive number"),
        ({"start_time": "yesterday"}, "start='yesterday' is not an ISO date"),
    ],
)
def test_bad_time_series_schemas(change, message):
    with pytest.raises(fastsynth.SchemaError) as caught:
        fastsynth.Schema.from_dict({**EXAMPLES["timeseries"], **change})
    assert message in str(caught.value) and "\n" not in str(caught.value)
