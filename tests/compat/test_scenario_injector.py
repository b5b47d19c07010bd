"""The seed's ScenarioInjector (fastsynth.compat.calmops), called as the seed calls it."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from fastsynth.compat.calmops import EvolutionFeatureConfig, ScenarioConfig, ScenarioInjector
from fastsynth.errors import UsageError
from tests.compat.peer import run_peer

N = 400


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "revenue": rng.normal(1_000.0, 100.0, N),
            "interest": rng.uniform(0.01, 0.1, N),
            "temperature": rng.normal(20.0, 5.0, N),
            "visits": rng.integers(0, 50, N),
            "month": np.repeat(np.arange(1, 9), N // 8),
            "block": np.repeat([1, 2, 3, 4], N // 4),
            "ts": pd.date_range("2024-01-01", periods=N, freq="h"),
            "city": rng.choice(["Paris", "Lyon"], N),
        },
        index=pd.RangeIndex(50, 50 + N),
    )


T = np.arange(N, dtype=np.float64)


def test_the_seed_s_quick_start(frame: pd.DataFrame) -> None:
    """SCENARIO_INJECTOR_REFERENCE.md's quick start, with the import changed."""
    scenario_conf = ScenarioConfig(
        evolve_features={
            "revenue": EvolutionFeatureConfig(type="trend", slope=100.0),
            "interest": EvolutionFeatureConfig(type="exponential_decay", rate=0.01),
        },
        construct_target={
            "target_col": "high_value_customer",
            "formula": "0.4 * revenue - 100 * interest",
            "threshold": 0.8,
        },
    )
    injector = ScenarioInjector()
    df_evolved = injector.evolve_features(frame, scenario_config=scenario_conf)
    assert isinstance(df_evolved, pd.DataFrame) and df_evolved.index.equals(frame.index)
    np.testing.assert_allclose(df_evolved["revenue"], frame["revenue"] + 100.0 * T)
    np.testing.assert_allclose(df_evolved["interest"], frame["interest"] * 0.99**T)
    assert injector.log is not None and [e["column"] for e in injector.log.entries] == ["revenue", "interest"]
    pd.testing.assert_frame_equal(
        df_evolved.drop(columns=["revenue", "interest"]), frame.drop(columns=["revenue", "interest"])
    )


def test_evolution_config_over_a_time_column(frame: pd.DataFrame) -> None:
    evolved_df = ScenarioInjector(seed=1).evolve_features(
        df=frame,
        evolution_config={
            "revenue": {"type": "trend", "slope": 0.01},
            "temperature": {"type": "seasonal", "amplitude": 10, "period": 86_400},
        },
        time_col="ts",
    )
    seconds = frame["ts"].to_numpy().astype("datetime64[s]").astype(np.int64)  # the seed's t
    np.testing.assert_allclose(evolved_df["revenue"], frame["revenue"] + 0.01 * seconds)
    np.testing.assert_allclose(
        evolved_df["temperature"], frame["temperature"] + 10 * np.sin(2 * np.pi * seconds / 86_400), atol=1e-9
    )


def test_integer_columns_become_floats_and_noise_repeats(frame: pd.DataFrame) -> None:
    config = {
        "visits": {"type": "noise", "noise_std": 3.0},
        "revenue": {"type": "random_walk", "step_std": 2.0},
    }
    one = ScenarioInjector(seed=5).evolve_features(frame, config)
    again = ScenarioInjector(seed=5).evolve_features(frame, config)
    pd.testing.assert_frame_equal(one, again)
    assert one["visits"].dtype == np.float64  # pandas adds the seed's float change
    assert (one["visits"] - frame["visits"]).std() == pytest.approx(3.0, rel=0.15)
    injector = ScenarioInjector(seed=5)
    first, second = injector.evolve_features(frame, config), injector.evolve_features(frame, config)
    assert not first.equals(second)  # each call draws anew, as the seed's generator does


def test_construct_target_as_the_seed_calls_it(frame: pd.DataFrame) -> None:
    injector = ScenarioInjector(seed=2)
    df = injector.construct_target(
        df=frame,
        target_col="risk_score",
        formula="0.3 * revenue + 0.5 * temperature - 0.2 * visits",
        noise_std=0.1,
    )
    exact = 0.3 * frame["revenue"] + 0.5 * frame["temperature"] - 0.2 * frame["visits"]
    assert (df["risk_score"] - exact).std() == pytest.approx(0.1, rel=0.2)
    labels = injector.construct_target(frame, "big", "revenue - 1000", task_type="classification")
    assert labels["big"].dtype == np.int64
    np.testing.assert_array_equal(labels["big"], (frame["revenue"] > 1000).astype(int))  # threshold 0

    def complex_logic(df: pd.DataFrame) -> pd.Series:
        return ((df["temperature"] > 20) & (df["visits"] > 25)).astype(int)

    vip = injector.construct_target(df=frame, target_col="is_vip", formula=complex_logic)
    np.testing.assert_array_equal(vip["is_vip"], complex_logic(frame))
    shares = injector.construct_target(frame, "hot", "temperature", task_type="classification", threshold=25)
    assert shares["hot"].mean() == pytest.approx((frame["temperature"] > 25).mean())


def test_project_to_future_period(frame: pd.DataFrame) -> None:
    injector = ScenarioInjector(seed=3)
    future_df = injector.project_to_future_period(
        df=frame,
        periods=3,
        time_col="ts",
        block_col="block",
        trend_config={"revenue": {"type": "linear", "slope": 50.0}},
        n_samples_per_period=40,
    )
    assert len(future_df) == N + 120 and isinstance(future_df.index, pd.RangeIndex)
    assert future_df["block"].iloc[N:].tolist() == [5] * 40 + [6] * 40 + [7] * 40
    last = frame[frame["block"] == 4]
    for k in (1, 2, 3):
        part = future_df[future_df["block"] == 4 + k]
        # drawn from the last block, moved k block-spans on in time, with k times the slope added
        assert set((part["revenue"] - 50.0 * k).round(6)) <= set(last["revenue"].round(6))
        assert part["ts"].min() >= last["ts"].min() + pd.Timedelta(hours=100 * k)
    assert injector.log is not None and injector.log.to_dict()["periods"] == 3
    by_time = ScenarioInjector().project_to_future_period(frame, periods=2, time_col="ts")
    assert len(by_time) == N + 2 * 40  # the last tenth of the rows, as the seed takes it


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda i, f: i.evolve_features(f, {"nope": {"type": "trend"}}),
            r"column 'nope' is not in the table",
        ),
        (lambda i, f: i.evolve_features(f, {"city": {"type": "trend"}}), r"column 'city' is string; allowed"),
        (
            lambda i, f: i.evolve_features(f, {"revenue": {"type": "wave"}}),
            r"type='wave' is not an evolution type; allowed: linear",
        ),
        (
            lambda i, f: i.evolve_features(f, {"revenue": {"type": "cycle", "period": 0}}),
            r"period=0 is not a number > 0",
        ),
        (
            lambda i, f: i.evolve_features(f, {"revenue": {"type": "cycle", "periods": 3}}),
            r"unknown key 'periods'; allowed: type, slope",
        ),
        (
            lambda i, f: i.evolve_features(f, {"revenue": {"type": "trend"}}, time_col="when"),
            r"time_col='when' is not a column",
        ),
        (
            lambda i, f: i.evolve_features(f, {"revenue": {"type": "trend"}}, correlations=True),
            r"correlations is not supported",
        ),
        (
            lambda i, f: i.evolve_features(f, {"revenue": {"type": "driven_by", "driver_col": "x"}}),
            r"driver: column 'x' is not in the table",
        ),
        (
            lambda i, f: i.construct_target(f, "y", "revenue + salary"),
            r"formula='revenue \+ salary' reads 'salary', which is not a column",
        ),
        (
            lambda i, f: i.construct_target(f, "y", "revenue", task_type="multi"),
            r"task_type='multi' is not allowed",
        ),
        (lambda i, f: i.project_to_future_period(f, periods=0), r"periods=0 is not an integer >= 1"),
        (lambda i, f: i.project_to_future_period(f, generator=object()), r"generator is not supported"),
        (
            lambda i, f: i.project_to_future_period(f, base_strategy="first"),
            r"base_strategy='first' is not allowed; allowed: last_period",
        ),
        (
            lambda i, f: i.evolve_features(f.to_numpy(), {}),
            r"evolve_features: df is a ndarray; allowed: a pandas DataFrame",
        ),
    ],
)
def test_what_is_wrong_or_refused_is_named(frame: pd.DataFrame, call, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call(ScenarioInjector(seed=0), frame)


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        ("when", [f"2024-01-{d:02d}" for d in range(1, 9)] * (N // 8), r"object \(string\)"),
        ("flag", [True, False] * (N // 2), r"bool \(bool\)"),
        ("mixed", [1, "a"] * (N // 2), r"object \(mixed values\)"),
    ],
)
def test_a_time_column_of_anything_but_numbers_dates_or_times_is_refused(
    frame: pd.DataFrame, column: str, values: list, shown: str
) -> None:
    """The seed, and fastsynth until now, evolved over the row positions instead, silently; dates read
    from a CSV as text are the common case (pd.to_datetime reads them)."""
    data = frame.assign(**{column: values})
    evolution = {"revenue": {"type": "trend", "slope": 1.0}}
    allowed = rf"time_col='{column}' is a column of {shown}; allowed: a column of numbers, dates or times"
    with pytest.raises(UsageError, match=rf"^evolve_features: {allowed}"):
        ScenarioInjector(seed=0).evolve_features(data, evolution, time_col=column)
    with pytest.raises(UsageError, match=rf"^project_to_future_period: {allowed}"):
        ScenarioInjector(seed=0).project_to_future_period(data, 1, time_col=column)


def test_a_time_column_of_python_dates_is_measured_as_dates(frame: pd.DataFrame) -> None:
    """Python date objects (pandas' object dtype) are dates, as Arrow reads them: the same t as the
    timestamps of the same days."""
    days = pd.date_range("2024-01-01", periods=N, freq="D")
    evolution = {"revenue": {"type": "trend", "slope": 1e-6}}
    by_objects = ScenarioInjector(seed=0).evolve_features(frame.assign(d=days.date), evolution, time_col="d")
    by_times = ScenarioInjector(seed=0).evolve_features(frame.assign(d=days), evolution, time_col="d")
    np.testing.assert_array_equal(by_objects["revenue"], by_times["revenue"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_col": "when"}, r"time_col='when' is not a column \(revenue, interest"),
        ({"block_col": "period"}, r"block_col='period' is not a column \(revenue, interest"),
        (
            {"base_strategy": "window_n", "block_col": "block", "window_size": "2"},
            r"window_size='2' is not an",
        ),
        ({"periods": 10**12}, r"periods=1000000000000 is over the limit; allowed: at most 100000 periods"),
        (
            {"n_samples_per_period": 10**12},
            r"periods=1 of 1000000000000 rows each \(n_samples_per_period\) make 1000000000400 rows, about "
            r"[\d,.]+ GiB in memory, more than this machine's [\d,.]+ GiB; allowed: at most \d+ rows in all",
        ),
        ({"periods": 10**6, "block_col": "block"}, r"periods=1000000 is over the limit"),
        (  # its last block NaN selected no base rows, whose size per row then divided by zero
            {"block_col": "gappy"},
            r"^project_to_future_period: block_col='gappy' is missing at row 399 \(1 of 400 rows\), so its "
            r"last block is unknown; allowed: a block column with a block in every row",
        ),
        (
            {"block_col": "gappy", "base_strategy": "window_n", "window_size": 2},
            r"block_col='gappy' is missing at row 399",
        ),
    ],
)
def test_a_projection_s_columns_and_sizes_are_checked_first(
    frame: pd.DataFrame, kwargs, message: str
) -> None:
    """A time or block column the frame lacks was ignored, silently; a projection of 10**12 periods ran
    until the machine's memory was gone, and 10**12 rows a period ended in an ArrowMemoryError."""
    gappy = frame.assign(gappy=frame["block"].where(np.arange(N) < N - 1))  # the last row has no block
    with pytest.raises(UsageError, match=message):
        ScenarioInjector(seed=0).project_to_future_period(gappy, **kwargs)


_EVOLUTIONS = {
    "trend": {"revenue": {"type": "trend", "slope": 0.5, "intercept": 3.0}},
    "cycle": {"revenue": {"type": "cycle", "amplitude": 7.0, "period": 48.0, "phase": 1.0}},
    "sigmoid": {"temperature": {"type": "sigmoid", "amplitude": 4.0}},
    "sigmoid_placed": {"temperature": {"type": "sigmoid", "amplitude": 4.0, "center": 100.0, "width": 8.0}},
    "growth": {"revenue": {"type": "exponential_growth", "rate": 0.002}},
    "step": {"revenue": {"type": "step", "step": 250, "amplitude": -30.0}},
    "driven": {
        "revenue": {
            "type": "driven_by",
            "driver_col": "temperature",
            "func": "power",
            "func_params": {"scale": 0.5, "exponent": 1.5},
        }
    },
    "polynomial": {
        "revenue": {
            "type": "driven_by",
            "driver_col": "temperature",
            "func": "polynomial",
            "func_params": {"coeffs": [0.1, -2.0, 5.0]},
        }
    },
    "integers": {"visits": {"type": "trend", "slope": 0.25}},
}
"""Evolutions that draw nothing: both sides compute the same formula."""

_PEER = textwrap.dedent(
    """
    import json, sys
    import pandas as pd
    from calm_data_generator.generators.dynamics import ScenarioInjector
    given = json.load(sys.stdin)
    frame = pd.DataFrame(given["frame"])
    si = ScenarioInjector(seed=0)
    out = {name: si.evolve_features(frame, config, auto_report=False)
           for name, config in given["evolutions"].items()}
    trend = {"revenue": {"type": "trend", "slope": 2.0}}
    out["by_month"] = si.evolve_features(frame, trend, time_col="month", auto_report=False)
    formula = "0.4 * revenue - 100 * interest"
    out["target"] = si.construct_target(frame, "y", formula)
    out["labels"] = si.construct_target(frame, "y", formula, task_type="classification", threshold=400)
    base = frame.assign(level=[10.0] * len(frame))
    out["projected"] = si.project_to_future_period(
        base, periods=3, block_col="block", auto_report=False, n_samples_per_period=30,
        trend_config={"level": {"type": "linear", "slope": 2.5}},
    )
    out = {name: result.to_dict(orient="list") for name, result in out.items()}
    print(json.dumps(out))
    """
)


@pytest.mark.subprocess
@pytest.mark.slow
def test_the_same_calls_give_the_peer_s_results(frame: pd.DataFrame) -> None:
    """Side by side with calm-data-generator 2.3.2 (in its own virtual environment): evolutions, targets
    and a projection's trend and periods equal the peer's where neither draws."""
    data = frame.drop(columns=["ts", "city"]).reset_index(drop=True)
    peer = run_peer(_PEER, {"frame": data.to_dict(orient="list"), "evolutions": _EVOLUTIONS})
    si = ScenarioInjector(seed=0)
    for name, config in _EVOLUTIONS.items():
        mine = si.evolve_features(data, config)
        theirs = pd.DataFrame(peer[name])
        # the seed's sigmoid adds 1e-9 to its width; everything else is the same arithmetic
        np.testing.assert_allclose(mine.to_numpy(float), theirs.to_numpy(float), rtol=1e-9, err_msg=name)
    assert si.evolve_features(data, _EVOLUTIONS["integers"])["visits"].dtype == np.float64
    by_month = si.evolve_features(data, {"revenue": {"type": "trend", "slope": 2.0}}, time_col="month")
    np.testing.assert_allclose(by_month["revenue"], peer["by_month"]["revenue"], rtol=1e-12)
    target = si.construct_target(data, "y", "0.4 * revenue - 100 * interest")
    np.testing.assert_allclose(target["y"], peer["target"]["y"], rtol=1e-12)
    labels = si.construct_target(
        data, "y", "0.4 * revenue - 100 * interest", task_type="classification", threshold=400
    )
    assert labels["y"].tolist() == peer["labels"]["y"]
    base = data.assign(level=10.0)
    projected = si.project_to_future_period(
        base,
        periods=3,
        block_col="block",
        trend_config={"level": {"type": "linear", "slope": 2.5}},
        n_samples_per_period=30,
    )
    theirs = pd.DataFrame(peer["projected"])
    assert len(projected) == len(theirs) == N + 90
    for column in ("block", "level"):
        assert projected[column].tolist() == theirs[column].tolist()  # 5, 6, 7 and 12.5, 15, 17.5
    assert set(theirs["revenue"].iloc[N:]) <= set(data.loc[data["block"] == 4, "revenue"])
    assert set(projected["revenue"].iloc[N:]) <= set(data.loc[data["block"] == 4, "revenue"])


def test_columns_not_read_are_left_as_they_are_and_nan_scores_give_missing_labels() -> None:
    df = pd.DataFrame(
        {
            "x": [1.0, np.nan, 3.0],
            "when": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
            7: ["a", "b", "c"],
        }
    )
    out = ScenarioInjector(seed=1).construct_target(df, "y", "x * 2", task_type="classification", threshold=3)
    assert out["y"].isna().tolist() == [False, True, False] and out["y"].iloc[2] == 1
    pd.testing.assert_frame_equal(out.drop(columns="y"), df)
    evolved = ScenarioInjector().evolve_features(df, {"x": {"type": "trend", "slope": 1.0}})
    assert evolved["x"].isna().tolist() == [False, True, False] and evolved[7].tolist() == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("trend", "expected"),
    [  # over periods 1 to 3: the middle is period 2, a tenth of the span 0.2
        ({"type": "sigmoid", "amplitude": 10}, [10 / (1 + np.exp(-(k - 2) / 0.2)) for k in (1, 2, 3)]),
        ({"type": "step", "amplitude": 10}, [0.0, 10.0, 10.0]),
    ],
)
def test_projected_sigmoid_and_step_trends_move_across_the_periods(
    trend: dict, expected: list[float]
) -> None:
    frame = pd.DataFrame({"a": np.ones(100), "block": np.repeat([1, 2, 3, 4], 25)})
    out = ScenarioInjector(seed=1).project_to_future_period(
        frame, periods=3, trend_config={"a": trend}, block_col="block", auto_report=False
    )
    means = out.groupby("block")["a"].mean()
    np.testing.assert_allclose(means.loc[[5, 6, 7]].to_numpy(), 1 + np.array(expected))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"a": {"type": "cyclic", "period": "7"}}, r"evolution of 'a': period='7' is not a number > 0"),
        ({"a": {"type": ["x"]}}, r"evolution of 'a': type=\['x'\] is not an evolution type; allowed: linear"),
        (
            {"a": {"type": "driven_by", "driver_col": "a", "func_params": [1]}},
            r"evolution of 'a': func_params=\[1\] is not a mapping of parameters; allowed keys: slope",
        ),
        ([1, 2], r"evolution_config=\[1, 2\] is not a mapping of columns to configs"),
    ],
)
def test_a_malformed_config_is_named_not_a_traceback(config, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ScenarioInjector(seed=1).evolve_features(pd.DataFrame({"a": [1.0, 2.0]}), config)


def test_columns_labelled_by_numbers_evolve_and_project() -> None:
    frame = pd.DataFrame({0: [1.0, 2.0], 1: [5, 6]})
    out = ScenarioInjector(seed=1).evolve_features(frame, {0: {"type": "linear", "slope": 1}})
    assert list(out.columns) == [0, 1] and out[0].tolist() == [1.0, 3.0] and out[1].tolist() == [5, 6]
    projected = ScenarioInjector(seed=1).project_to_future_period(
        frame, periods=1, trend_config={0: {"type": "linear", "slope": 10}}, auto_report=False
    )
    assert list(projected.columns) == [0, 1] and len(projected) == 4


@pytest.mark.parametrize(
    ("frame", "arguments", "message"),
    [
        (
            pd.DataFrame({"a": [1.0]}),
            {"n_samples_per_period": 0},
            r"n_samples_per_period=0 is not an integer >= 1",
        ),
        (pd.DataFrame({"a": []}), {}, r"project_to_future_period: df has no rows to project"),
    ],
)
def test_a_projection_without_rows_is_refused(frame: pd.DataFrame, arguments: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ScenarioInjector(seed=1).project_to_future_period(frame, periods=1, **arguments)
