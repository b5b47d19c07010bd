"""Time series: the seed's format verbatim, recoverable components, clear errors."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
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
            "field 'value': seasonality: period=0 is not a number > 0",
        ),
        (
            {"seasonality": {"value": {"period": 24, "shift": 1}}},
            "seasonality: unknown key 'shift'; allowed: amplitude, period, phase, profile",
        ),
        (
            {"trends": {"value": {"type": "cubic", "strength": 1}}},
            "trend: type='cubic' is not allowed; allowed: linear, piecewise, logistic, exponential",
        ),
        (
            {"trends": {"value": {"type": "exponential", "strength": 1}}},
            "field 'value': trend: unknown key 'strength' for type 'exponential'; allowed: rate, type",
        ),
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


def _frame(**series):
    spec = {"type": "series", "base": {"type": "float", "mean": 10, "std": 0}, **series}
    return fastsynth.generate(
        {"v": spec, "flag": {"type": "anomaly_label", "series": "v"}}
        if "anomalies" in series
        else {"v": spec},
        N,
        seed=5,
    )


def test_trend_shapes():
    rows = np.arange(N)
    exp = _frame(trend={"type": "exponential", "rate": 1e-5}).column("v").to_numpy()
    np.testing.assert_allclose(exp, 10 * np.exp(1e-5 * rows))
    logistic = (
        _frame(trend={"type": "logistic", "capacity": 50, "rate": 0.001, "midpoint": 40_000})
        .column("v")
        .to_numpy()
    )
    np.testing.assert_allclose(logistic, 10 + 50 / (1 + np.exp(-0.001 * (rows - 40_000))))
    piecewise = _frame(trend={"type": "piecewise", "strength": 0.01, "changepoints": [[50_000, -0.02]]})
    values = piecewise.column("v").to_numpy()
    assert np.polyfit(rows[:50_000], values[:50_000], 1)[0] == pytest.approx(0.01)
    assert np.polyfit(rows[50_000:], values[50_000:], 1)[0] == pytest.approx(-0.02)


def test_several_seasonalities_and_profiles():
    weekly_profile = [0.0, 1.0, 0.0, -1.0]
    values = (
        _frame(
            seasonality=[
                {"period": 24, "amplitude": 0.1},
                {"period": 168, "amplitude": 0.3, "profile": weekly_profile},
            ]
        )
        .column("v")
        .to_numpy()
    )
    rows = np.arange(N)
    daily = np.sin(2 * np.pi * rows / 24)
    weekly = np.interp((rows % 168) / 168 * 4, np.arange(5), [0.0, 1.0, 0.0, -1.0, 0.0])
    np.testing.assert_allclose(values, 10 * (1 + 0.1 * daily + 0.3 * weekly))


def test_noise_scales():
    gaussian = _frame(noise={"type": "gaussian", "scale": 2}).column("v").to_numpy()
    assert np.std(gaussian) == pytest.approx(2, rel=0.02)
    heavy = _frame(noise={"type": "student_t", "scale": 1, "df": 3}).column("v").to_numpy() - 10
    assert np.std(heavy) == pytest.approx(np.sqrt(3), rel=0.1)  # variance df / (df - 2)
    assert np.abs(heavy).max() > 10  # heavy tails


def test_anomalies_are_labelled_where_they_are():
    t = _frame(anomalies={"rate": 0.01, "magnitude": 50, "kind": "both"})
    values, flags = t.column("v").to_numpy(), t.column("flag").to_numpy(zero_copy_only=False)
    assert flags.mean() == pytest.approx(0.01, abs=0.002)
    np.testing.assert_allclose(np.abs(values[flags] - 10), 50)
    np.testing.assert_allclose(values[~flags], 10)
    assert (values[flags] > 10).any() and (values[flags] < 10).any()


def test_anomaly_label_needs_a_series_with_anomalies():
    with pytest.raises(
        fastsynth.SchemaError, match="field 'flag': series='v' is not a series column with anomalies"
    ):
        fastsynth.Schema.from_dict({"v": {"type": "float"}, "flag": {"type": "anomaly_label", "series": "v"}})


AR = {"type": "series", "base": {"type": "float", "mean": 0, "std": 0}}


def test_ar_coefficients_are_recovered():
    ar1 = fastsynth.generate({"v": {**AR, "noise": {"type": "ar", "coefficients": [0.8]}}}, N, seed=1)
    x = ar1.column("v").to_numpy()
    assert np.corrcoef(x[:-1], x[1:])[0, 1] == pytest.approx(0.8, abs=0.01)
    assert x.var() == pytest.approx(1 / (1 - 0.64), rel=0.05)
    spec = {"v": {**AR, "noise": {"type": "ar", "coefficients": [0.5, 0.3], "scale": 2}}}
    x2 = fastsynth.generate(spec, 4 * N, seed=2).column("v").to_numpy()
    fitted = np.linalg.lstsq(np.column_stack([x2[1:-1], x2[:-2]]), x2[2:], rcond=None)[0]
    np.testing.assert_allclose(fitted, [0.5, 0.3], atol=0.01)


def test_ar_state_does_not_depend_on_batches():
    spec = {"v": {**AR, "noise": {"type": "ar", "coefficients": [0.9, -0.2]}}}
    whole = fastsynth.generate(spec, 20_000, seed=6)
    assert fastsynth.generate(spec, 20_000, seed=6, batch_size=777).equals(whole)
    assert fastsynth.generate(spec, 1000, seed=6, start=9_500).equals(whole.slice(9_500, 1000))


@pytest.mark.parametrize(
    ("coefficients", "message"),
    [
        ([1.1], "make the AR process explode"),
        ([0.5, 0.6], "make the AR process explode"),
        ([], "not a list of 1 to 16"),
    ],
)
def test_explosive_ar_is_refused(coefficients, message):
    with pytest.raises(fastsynth.SchemaError, match=message):
        fastsynth.Schema.from_dict({"v": {**AR, "noise": {"type": "ar", "coefficients": coefficients}}})


def test_jittered_time_axis():
    spec = {"t": {"type": "time_sequence", "interval_seconds": 60, "jitter_seconds": 10}}
    t = fastsynth.generate(spec, 10_000, seed=2).column("t").cast(pa.int64()).to_numpy()
    offsets = t - (1_704_067_200 + 60 * np.arange(10_000))
    assert offsets.min() == -10 and offsets.max() == 10 and len(set(offsets)) == 21
    assert (
        fastsynth.generate(spec, 10_000, seed=2, batch_size=99)
        .column("t")
        .cast(pa.int64())
        .to_numpy()
        .tolist()
        == t.tolist()
    )


def test_counts_follow_a_time_varying_rate():
    spec = {
        "c": {
            "type": "series",
            "base": {"type": "int", "distribution": "poisson", "lam": 20},
            "seasonality": {"period": 100, "amplitude": 0.5},
        }
    }
    counts = fastsynth.generate(spec, N, seed=1).column("c").to_numpy()
    rate = 20 * (1 + 0.5 * np.sin(2 * np.pi * np.arange(N) / 100))
    peak, trough = (np.arange(N) % 100 == 25), (np.arange(N) % 100 == 75)
    assert counts[peak].mean() == pytest.approx(30, rel=0.03) and counts[trough].mean() == pytest.approx(
        10, rel=0.05
    )
    assert counts[peak].var() == pytest.approx(30, rel=0.15)  # Poisson: variance equals the rate
    assert np.corrcoef(counts, rate)[0, 1] > 0.6


def test_explosive_ar_when_explicitly_allowed():
    spec = {"v": {**AR, "noise": {"type": "ar", "coefficients": [1.001], "explosive": True}}}
    whole = fastsynth.generate(spec, 20_000, seed=6)
    x = whole.column("v").to_numpy()
    assert np.abs(x[-1000:]).mean() > 100 * np.abs(x[:1000]).mean()  # it grows without bound
    innovations = x[1:1000] - 1.001 * x[:999]
    assert innovations.std() == pytest.approx(1.0, rel=0.1)
    assert fastsynth.generate(spec, 20_000, seed=6, batch_size=777).equals(whole)
    assert fastsynth.generate(spec, 1000, seed=6, start=9_500).equals(whole.slice(9_500, 1000))


def test_counts_at_a_rate_that_overflows_neither_hang_nor_go_negative():
    # Growth past int64 saturates the counts (they were -2**63); a season of 0 times an overflowed
    # trend is a NaN rate, which makes no events (the sampler used to spin on it for ever).
    spec = {
        "c": {
            "type": "series",
            "base": {"type": "int", "distribution": "poisson", "lam": 20},
            "trend": {"type": "exponential", "rate": 1.0},
            "seasonality": {"period": 4, "amplitude": 1.0},
        }
    }
    counts = fastsynth.generate(spec, 1000, seed=1).column("c").to_numpy()
    assert counts.min() >= 0
    assert counts[900:].max() == 2**63 - 1024 and (counts[900:] == 0).sum() == 25  # every 4th step
