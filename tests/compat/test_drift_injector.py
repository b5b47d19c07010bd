"""The seed's DriftInjector (fastsynth.compat.calmops), called as the seed calls it."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fastsynth.compat.calmops import DriftInjector, RealBlockGenerator, RealGenerator
from fastsynth.errors import UsageError
from tests.compat.peer import run_peer

N = 1_000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "x": rng.normal(10.0, 2.0, N),
            "z": rng.normal(-5.0, 1.0, N),
            "k": rng.integers(0, 100, N),
            "city": rng.choice(["Paris", "Lyon", "Nice"], N, p=[0.6, 0.3, 0.1]),
            "y": rng.integers(0, 2, N),
            "flag": rng.random(N) < 0.5,
            "block": np.repeat([1, 2, 3, 4], N // 4),
            "ts": pd.date_range("2023-01-01", periods=N, freq="h"),
        },
        index=pd.RangeIndex(100, 100 + N),
    )


def injector(**kwargs) -> DriftInjector:
    return DriftInjector(random_state=7, time_col="ts", block_column="block", **kwargs)


def untouched(before: pd.DataFrame, after: pd.DataFrame, rows: slice, columns: list[str]) -> None:
    """Rows outside the window bit-identical, and every column not drifted."""
    pd.testing.assert_frame_equal(before.iloc[rows], after.iloc[rows])
    others = [c for c in before.columns if c not in columns]
    pd.testing.assert_frame_equal(before[others], after[others])


def test_feature_drift_shift_from_start_index(frame: pd.DataFrame) -> None:
    out = injector().inject_feature_drift(
        frame, feature_cols=["x", "z"], drift_type="shift", drift_magnitude=0.5, start_index=600
    )
    assert isinstance(out, pd.DataFrame) and out.index.equals(frame.index)
    untouched(frame, out, slice(0, 600), ["x", "z"])
    # the seed's shift: x + magnitude * mean of the window (down for a negative mean)
    for column in ("x", "z"):
        mean = frame[column].iloc[600:].mean()
        np.testing.assert_allclose(out[column].iloc[600:], frame[column].iloc[600:] + 0.5 * mean)


def test_feature_drift_noise_scale_and_values(frame: pd.DataFrame) -> None:
    di = injector()
    noisy = di.inject_feature_drift(
        frame, ["x"], drift_type="gaussian_noise", drift_magnitude=1.0, block_index=2
    )
    inside = frame["block"] == 2
    assert (noisy.loc[~inside, "x"] == frame.loc[~inside, "x"]).all()
    added = noisy.loc[inside, "x"] - frame.loc[inside, "x"]
    assert abs(added.std() / frame.loc[inside, "x"].std(ddof=0) - 1.0) < 0.15
    scaled = di.inject_feature_drift(frame, ["x"], drift_type="scale", drift_magnitude=1.0, start_index=500)
    assert scaled["x"].iloc[500:].std() == pytest.approx(2 * frame["x"].iloc[500:].std())
    assert scaled["x"].iloc[500:].mean() == pytest.approx(frame["x"].iloc[500:].mean())
    added = di.inject_feature_drift(
        frame, ["x", "k"], drift_type="subtract_value", drift_values={"x": 1.5, "k": 10}, start_index=900
    )
    np.testing.assert_array_equal(added["x"].iloc[900:], frame["x"].iloc[900:] - 1.5)
    np.testing.assert_array_equal(added["k"].iloc[900:], frame["k"].iloc[900:] - 10)
    assert added["k"].dtype == frame["k"].dtype
    divided = di.inject_feature_drift(frame, ["x"], drift_type="divide_value", drift_value=4.0, end_index=10)
    np.testing.assert_allclose(divided["x"].iloc[:10], frame["x"].iloc[:10] / 4)
    untouched(frame, divided, slice(10, None), ["x"])


def test_feature_drift_on_a_category_column_moves_labels(frame: pd.DataFrame) -> None:
    out = injector().inject_feature_drift(frame, ["city"], drift_magnitude=0.2, start_index=500)
    untouched(frame, out, slice(0, 500), ["city"])
    assert (out["city"].iloc[500:] != frame["city"].iloc[500:]).sum() == 100
    assert set(out["city"]) == {"Paris", "Lyon", "Nice"}


def test_time_window_is_inclusive(frame: pd.DataFrame) -> None:
    out = injector().inject_feature_drift(
        frame,
        ["x"],
        drift_type="add_value",
        drift_value=100.0,
        time_start="2023-01-02 00:00",
        time_end="2023-01-03 00:00",
    )
    changed = np.flatnonzero(out["x"].to_numpy() != frame["x"].to_numpy())
    assert changed.tolist() == list(range(24, 49))


def test_time_ranges_specific_times_and_block_lists(frame: pd.DataFrame) -> None:
    di = injector()
    out = di.inject_nulls(
        frame,
        ["x"],
        prob=1.0,
        time_ranges=[("2023-01-01 02:00", "2023-01-01 04:00"), ("2023-01-02", "2023-01-02 01:00")],
        specific_times=["2023-01-03 00:00"],
    )
    assert np.flatnonzero(out["x"].isna().to_numpy()).tolist() == [2, 3, 4, 24, 25, 48]
    blocks = di.inject_label_drift(frame, ["y"], drift_magnitude=1.0, blocks=[2, 4])
    changed = blocks["y"] != frame["y"]
    assert changed.equals(frame["block"].isin([2, 4]))
    modes = {
        mode: di.inject_drift(
            frame, ["x"], drift_magnitude=1.0, drift_mode=mode, numeric_operation="add_value", drift_value=1.0
        )
        for mode in ("incremental", "recurrent")
    }
    ramp = (modes["incremental"]["x"] - frame["x"]).to_numpy()
    assert ramp[0] == 0 and ramp[-1] == pytest.approx(1.0) and (np.diff(ramp) >= -1e-12).all()
    saw = (modes["recurrent"]["x"] - frame["x"]).to_numpy()  # three ramps, as repeats=3 asks
    assert [saw[i] for i in (0, 333, 666)] == [0, 0, 0] and saw[332] == pytest.approx(1.0)


def test_correlations_propagate_the_change(frame: pd.DataFrame) -> None:
    out = injector().inject_feature_drift(
        frame,
        ["x"],
        drift_type="add_value",
        drift_value=2.0,
        start_index=800,
        correlations={"x": {"x": 1.0, "z": 0.5}, "z": {"x": 0.5, "z": 1.0}},
    )
    factor = 0.5 * frame["z"].std() / frame["x"].std()
    np.testing.assert_allclose(out["z"].iloc[800:], frame["z"].iloc[800:] + factor * 2.0)
    assert (out["z"].iloc[:800] == frame["z"].iloc[:800]).all()


def test_gradual_incremental_and_recurrent_ramp_the_drift(frame: pd.DataFrame) -> None:
    di = injector()
    gradual = di.inject_feature_drift_gradual(
        frame, ["x"], drift_type="add_value", drift_value=1.0, start_index=200, end_index=800
    )
    moved = (gradual["x"] - frame["x"]).to_numpy()
    assert (moved[:200] == 0).all() and (moved[800:] == 0).all()
    assert moved[200] < 1e-3 and moved[799] > 1 - 1e-3  # a transition of 120 rows at the middle
    assert moved[410] < 0.06 and moved[590] > 0.94 and 0.4 < moved[500] < 0.6  # the sigmoid's 30-row scale
    assert (np.diff(moved[200:800]) >= -1e-12).all()
    down = di.inject_feature_drift_gradual(
        frame, ["x"], drift_type="add_value", drift_value=1.0, direction="down"
    )
    assert (down["x"] - frame["x"]).iloc[0] > 0.999 and (down["x"] - frame["x"]).iloc[-1] < 0.001
    incremental = di.inject_feature_drift_incremental(frame, ["x"], "add_value", 0.0, drift_value=1.0)
    moved = (incremental["x"] - frame["x"]).to_numpy()
    assert moved[0] == 0 and moved[-1] == pytest.approx(1.0) and 0.27 < moved[N // 3] < 0.31
    recurrent = di.inject_feature_drift_recurrent(frame, ["x"], "add_value", 0.0, drift_value=1.0, repeats=4)
    moved = (recurrent["x"] - frame["x"]).to_numpy()
    for part in range(4):
        assert moved[part * 250] == 0 and moved[part * 250 + 249] == pytest.approx(1.0)


def test_label_drift_flips_exact_counts(frame: pd.DataFrame) -> None:
    di = injector()
    out = di.inject_label_drift(frame, target_cols=["y", "city"], drift_magnitude=0.1, block_index=3)
    inside = frame["block"] == 3
    assert (out.loc[inside, "y"] != frame.loc[inside, "y"]).sum() == 25
    assert (out.loc[inside, "city"] != frame.loc[inside, "city"]).sum() == 25
    assert out.loc[~inside].equals(frame.loc[~inside])
    abrupt = di.inject_label_drift_abrupt(frame, "y", 0.5, change_index=900)
    assert (abrupt["y"] != frame["y"]).sum() == 50 and abrupt["y"].iloc[:900].equals(frame["y"].iloc[:900])
    gradual = di.inject_label_drift_gradual(frame, "y", drift_magnitude=1.0)
    flips = (gradual["y"] != frame["y"]).to_numpy()
    assert flips[:400].sum() < 40 and flips[600:].sum() > 300 and flips.sum() == 500
    concept = di.inject_concept_drift(frame, concept_drift_magnitude=0.3, target_column="y", start_index=500)
    assert (concept["y"] != frame["y"]).sum() == 150


def test_label_shift_and_binary_drift(frame: pd.DataFrame) -> None:
    di = injector()
    out = di.inject_label_shift(frame, "y", {0: 0.25, 1: 0.75}, start_index=200)
    assert out["y"].iloc[200:].value_counts().to_dict() == {1: 600, 0: 200}
    assert out["y"].iloc[:200].equals(frame["y"].iloc[:200])
    flipped = di.inject_binary_probabilistic_drift(frame, "flag", probability=0.3, start_index=500)
    share = (flipped["flag"] != frame["flag"]).iloc[500:].mean()
    assert 0.22 < share < 0.38 and flipped["flag"].iloc[:500].equals(frame["flag"].iloc[:500])
    numeric = di.inject_binary_probabilistic_drift(frame, "y", probability=0.3)
    assert (numeric["y"] != frame["y"]).sum() == 300 and set(numeric["y"]) == {0, 1}


def test_data_quality_drifts(frame: pd.DataFrame) -> None:
    di = injector()
    nulls = di.inject_nulls(frame, cols=["x", "city"], prob=0.4, start_index=500)
    assert nulls.iloc[:500].equals(frame.iloc[:500])
    for column in ("x", "city"):
        assert 0.33 < nulls[column].iloc[500:].isna().mean() < 0.47
    missing = di.inject_missing_values_drift(frame, ["k"], missing_fraction=1.0, block_index=4)
    assert missing["k"].isna().sum() == 250 and missing["k"][frame["block"] == 4].isna().all()
    outliers = di.inject_outliers_global(frame, cols=["x"], outlier_prob=0.1, factor=6.0, start_index=500)
    moved = outliers["x"] != frame["x"]
    assert not moved.iloc[:500].any() and 25 < moved.sum() < 80
    window = frame["x"].iloc[500:]
    distance = (outliers["x"][moved] - window.mean()).abs() / window.std(ddof=0)
    np.testing.assert_allclose(distance, 6.0)


def test_category_drifts(frame: pd.DataFrame) -> None:
    di = injector()
    new = di.inject_new_category_drift(frame, "city", "Lille", probability=0.5, start_index=800)
    assert (new["city"].iloc[:800] != "Lille").all() and 70 < (new["city"] == "Lille").sum() < 130
    frequency = di.inject_categorical_frequency_drift(frame, ["city"], drift_magnitude=1.0, start_index=500)
    assert frequency["city"].iloc[500:].value_counts(normalize=True).sub(1 / 3).abs().max() < 0.06
    assert frequency.iloc[:500].equals(frame.iloc[:500])
    words = frame.assign(city=frame["city"] + "-sur-Mer")
    typos = di.inject_typos_drift(words, ["city"], drift_magnitude=0.5, typo_type="swap", start_index=500)
    changed = typos["city"] != words["city"]
    assert not changed.iloc[:500].any() and 200 < changed.sum() < 300
    assert (typos["city"].str.len() == words["city"].str.len()).all()
    merged = di.inject_category_merge_drift(frame, "city", ["Lyon", "Nice"], "South", start_index=500)
    assert set(merged["city"].iloc[500:]) == {"Paris", "South"} and merged.iloc[:500].equals(frame.iloc[:500])


def test_correlation_and_conditional_drift(frame: pd.DataFrame) -> None:
    di = injector()
    out = di.inject_correlation_matrix_drift(
        frame, ["x", "z"], np.array([[1, 0.7], [0.7, 1]]), start_index=500
    )
    assert np.corrcoef(out["x"].iloc[500:], out["z"].iloc[500:])[0, 1] == pytest.approx(0.7, abs=0.01)
    assert sorted(out["z"].iloc[500:]) == sorted(frame["z"].iloc[500:])
    conditional = di.inject_conditional_drift(
        frame,
        feature_cols=["x"],
        conditions=[
            {"column": "k", "operator": ">=", "value": 50},
            {"column": "city", "operator": "in", "value": ["Paris"]},
        ],
        drift_type="add_value",
        drift_magnitude=0.0,
        drift_value=5.0,
        block_index=1,
    )
    hit = (frame["k"] >= 50) & (frame["city"] == "Paris") & (frame["block"] == 1)
    np.testing.assert_array_equal(conditional["x"][hit], frame["x"][hit] + 5.0)
    assert conditional["x"][~hit].equals(frame["x"][~hit])


def test_unified_inject_drift_and_schedules(frame: pd.DataFrame) -> None:
    di = injector()
    out = di.inject_drift(frame, columns=["x", "flag", "city"], drift_magnitude=0.2, start_index=700)
    assert out.iloc[:700].equals(frame.iloc[:700])
    assert (out["x"].iloc[700:] != frame["x"].iloc[700:]).all()
    assert (out["flag"] != frame["flag"]).sum() == 60
    schedule = [
        {
            "method": "inject_feature_drift",
            "params": {"feature_cols": ["k"], "drift_type": "add_value", "drift_value": 1000},
        },
        {"drift_method": "inject_nulls", "cols": ["x"], "prob": 1.0, "start_index": 990},
        {
            "method": "inject_label_drift",
            "params": {"target_cols": ["y"], "drift_magnitude": 0.5, "block_index": 1},
        },
    ]
    drifted = di.inject_multiple_types_of_drift(frame, schedule, block_column="block")
    assert (drifted["k"] >= 1000).all() and drifted["x"].isna().sum() == 10
    assert (drifted["y"] != frame["y"]).sum() == 125


@dataclasses.dataclass
class DriftConfig:
    """The seed's DriftConfig, as far as the schedule reads it."""

    method: str = "inject_feature_drift"
    drift_type: str = "gaussian_noise"
    feature_cols: list[str] | None = None
    magnitude: float = 0.2
    start_index: int | None = None
    params: dict = dataclasses.field(default_factory=dict)


def test_drift_config_objects_in_a_schedule(frame: pd.DataFrame) -> None:
    di = injector()
    schedule = [
        DriftConfig(feature_cols=["x"], drift_type="scale", magnitude=1.0, start_index=500),
        DriftConfig(method="inject_nulls", params={"cols": ["z"], "prob": 1.0, "start_index": 900}),
    ]
    out = di.inject_multiple_types_of_drift(frame, schedule)
    assert out["x"].iloc[500:].std() == pytest.approx(2 * frame["x"].iloc[500:].std())
    assert out["x"].iloc[:500].equals(frame["x"].iloc[:500]) and out["z"].isna().sum() == 100
    wrong = [DriftConfig(method="inject_nulls", feature_cols=["z"], params={"cols": ["z"]})]
    with pytest.raises(UsageError, match=r"schedule\[0\]: DriftConfig field feature_cols=\['z'\]"):
        di.inject_multiple_types_of_drift(frame, wrong)


def test_same_random_state_same_frames(frame: pd.DataFrame) -> None:
    def run(seed: int) -> list[pd.DataFrame]:
        di = DriftInjector(random_state=seed)
        return [
            di.inject_feature_drift(frame, ["x"], drift_type="gaussian_noise", drift_magnitude=0.5),
            di.inject_label_drift(frame, ["city"], drift_magnitude=0.3),
            di.inject_nulls(frame, ["z"], prob=0.3),
        ]

    first, again, other = run(1), run(1), run(2)
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not first[0].equals(other[0]) and not first[1].equals(other[1])
    # two calls of one injector draw differently, as the seed's advancing generator does
    di = DriftInjector(random_state=1)
    one = di.inject_nulls(frame, ["z"], prob=0.3)
    two = di.inject_nulls(frame, ["z"], prob=0.3)
    assert not one["z"].isna().equals(two["z"].isna())


def test_output_dir_writes_the_seed_s_file(frame: pd.DataFrame, tmp_path: Path) -> None:
    di = DriftInjector(output_dir=str(tmp_path), generator_name="run", random_state=1)
    out = di.inject_label_drift(frame, ["y"], drift_magnitude=0.1)
    saved = pd.read_csv(tmp_path / "run_label_drift.csv")
    assert saved["y"].tolist() == out["y"].tolist() and len(saved) == N


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda di, f: di.inject_feature_drift(f, ["x"], drift_type="warp"),
            "drift_type='warp' is not allowed",
        ),
        (
            lambda di, f: di.inject_feature_drift(f, ["x"], start_index=5, block_index=1),
            "block_index and start_index both select rows",
        ),
        (lambda di, f: di.inject_feature_drift(f, ["x"], block_start=2), "block_start=2 is not supported"),
        (lambda di, f: di.inject_feature_drift(f, ["x"], surprise=1), "surprise=1 is not a parameter"),
        (lambda di, f: di.inject_feature_drift(f, ["flag"]), "column 'flag' is boolean"),
        (lambda di, f: di.inject_feature_drift(f, ["nope"]), "column 'nope' is not in the frame"),
        (
            lambda di, f: di.inject_feature_drift_gradual(f, ["x"], center=100),
            "center=100 is not supported",
        ),
        (
            lambda di, f: di.inject_feature_drift_gradual(f, ["x"], profile="linear"),
            "a linear transition of width=None",
        ),
        (lambda di, f: di.inject_feature_drift_gradual(f, ["x"], inconsistency=0.2), "inconsistency=0.2"),
        (lambda di, f: di.inject_typos_drift(f, ["city"], typo_density=2), "typo_density=2"),
        (
            lambda di, f: di.inject_new_category_drift(f, "city", "X", replace_categories=["Paris"]),
            "replace_categories=",
        ),
        (
            lambda di, f: di.inject_concept_drift(f, "rotate", target_column="y"),
            "concept_drift_type='rotate'",
        ),
        (
            lambda di, f: di.inject_correlation_matrix_drift(f, ["x", "z", "k"], np.eye(3)),
            "has 3 columns",
        ),
        (lambda di, f: di.inject_nulls(f, ["x"], prob=1.5), r"prob=1.5|missing_fraction=1.5"),
        (
            lambda di, f: di.inject_functional_drift(f),
            "inject_functional_drift is not supported by fastsynth",
        ),
        (
            lambda di, f: di.inject_multiple_types_of_drift(
                f, [{"method": "inject_causal_cascade", "params": {}}]
            ),
            r"schedule\[0\]: method='inject_causal_cascade'.*use fastsynth.inject_drift",
        ),
    ],
)
def test_what_fastsynth_cannot_honour_is_refused(frame: pd.DataFrame, call, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call(injector(), frame)


@pytest.mark.parametrize(
    ("distribution", "message"),
    [
        (
            {0: 0.25, 1: 0.25},
            r"target_distribution's shares sum to 0\.5; allowed: shares that sum to 1 "
            r"\(to use them as weights, divide",
        ),
        ({0: 1, 1: 3}, r"target_distribution's shares sum to 4; allowed: shares that sum to 1"),
        (
            {0: 0.5, 1: 0.3, 7: 0.2},
            r"target_distribution names class 7, which column 'y' does not have; "
            r"allowed: its classes \(0, 1\)",
        ),
        ({"0": 0.5, "one": 0.5}, r"target_distribution names class 'one', which column 'y' does not have"),
        ({0: -0.5, 1: 1.5}, r"target_distribution\[0\]=-0\.5 is not a number >= 0"),
        ({0: "half", 1: 0.5}, r"target_distribution\[0\]='half' is not a number >= 0"),
        ([0.5, 0.5], r"target_distribution=\[0\.5, 0\.5\] is not \{class: share\}"),
    ],
)
def test_a_label_shift_takes_shares_of_the_column_s_classes_summing_to_1(
    frame: pd.DataFrame, distribution, message: str
) -> None:
    """calmops refused shares that do not sum to 1; fastsynth does too (not calm-data-generator's silent
    division by the sum), and a class the column lacks is refused rather than added."""
    with pytest.raises(UsageError, match=r"^inject_label_shift: " + message):
        injector().inject_label_shift(frame, "y", distribution)


def test_a_label_shift_reads_keys_written_as_text_as_the_classes_they_spell(frame: pd.DataFrame) -> None:
    out = injector().inject_label_shift(frame, "y", {"0": 0.2, "1": 0.8})
    assert out["y"].value_counts().to_dict() == {1: 800, 0: 200} and out["y"].dtype == frame["y"].dtype


_TEXT_NUMBERS = [
    (
        lambda di, f, v: di.inject_feature_drift(f, ["x"], drift_magnitude=v),
        "inject_feature_drift: drift_magnitude",
    ),
    (
        lambda di, f, v: di.inject_feature_drift(f, ["x"], drift_config={"magnitude": v}),
        "inject_feature_drift: drift_magnitude",
    ),
    (
        lambda di, f, v: di.inject_feature_drift(f, ["x"], drift_type="add_value", drift_value=v),
        "inject_feature_drift: drift_value",
    ),
    (
        lambda di, f, v: di.inject_feature_drift(f, ["x"], drift_type="add_value", drift_values={"x": v}),
        r"inject_feature_drift: drift_values\['x'\]",
    ),
    (
        lambda di, f, v: di.inject_feature_drift_gradual(f, ["x"], width=v),
        "inject_feature_drift_gradual: width",
    ),
    (
        lambda di, f, v: di.inject_feature_drift_gradual(f, ["x"], speed_k=v),
        "inject_feature_drift_gradual: speed_k",
    ),
    (
        lambda di, f, v: di.inject_feature_drift_gradual(f, ["x"], center=v),
        "inject_feature_drift_gradual: center",
    ),
    (
        lambda di, f, v: di.inject_feature_drift_gradual(f, ["x"], inconsistency=v),
        "inject_feature_drift_gradual: inconsistency",
    ),
    (
        lambda di, f, v: di.inject_feature_drift_recurrent(f, ["x"], "shift", 0.5, width=v),
        "inject_feature_drift_recurrent: width",
    ),
    (
        lambda di, f, v: di.inject_label_drift(f, ["y"], drift_magnitude=v),
        "inject_label_drift: drift_magnitude",
    ),
    (
        lambda di, f, v: di.inject_label_drift(f, ["y"], drift_magnitudes={"y": v}),
        r"inject_label_drift: drift_magnitudes\['y'\]",
    ),
    (
        lambda di, f, v: di.inject_label_drift_gradual(f, "y", drift_magnitude=v),
        "inject_label_drift_gradual: drift_magnitude",
    ),
    (
        lambda di, f, v: di.inject_label_drift_incremental(f, "y", drift_magnitude=v),
        "inject_label_drift_incremental: drift_magnitude",
    ),
    (lambda di, f, v: di.inject_outliers_global(f, ["x"], factor=v), "inject_outliers_global: factor"),
    (lambda di, f, v: di.inject_drift(f, ["x"], drift_magnitude=v), "inject_drift: drift_magnitude"),
    (
        lambda di, f, v: di.inject_new_category_drift(f, "city", "Rome", probability=v),
        "inject_new_category_drift: probability",
    ),
]


@pytest.mark.parametrize(("call", "name"), _TEXT_NUMBERS)
@pytest.mark.parametrize("value", ["big", float("inf"), True])
def test_a_number_parameter_given_anything_else_is_refused_by_name(
    frame: pd.DataFrame, call, name: str, value
) -> None:
    """Text reached float() deep in a method (a bare ValueError), inf an OverflowError from int()."""
    with pytest.raises(UsageError, match=rf"^{name}={value!r} is not (a finite )?(a )?number"):
        call(injector(), frame, value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda di, f: di.inject_feature_drift(f, ["x"], drift_type=["shift"]),
            r"drift_type=\['shift'\] is not allowed; allowed: gaussian_noise",
        ),
        (
            lambda di, f: di.inject_typos_drift(f, ["city"], typo_type=["swap"]),
            r"typo_type=\['swap'\] is not",
        ),
        (
            lambda di, f: di.inject_feature_drift(f, [["x"]]),
            r"feature_cols: column \['x'\] is not in the frame",
        ),
        (lambda di, f: di.inject_label_drift(f, 5), r"target_cols: column 5 is not in the frame"),
        (
            lambda di, f: di.inject_conditional_drift(
                f, ["x"], [{"column": "x", "operator": [">"], "value": 1}], "shift", 0.1
            ),
            r"conditions\[0\]: operator=\['>'\] is not allowed; allowed: >, >=",
        ),
        (
            lambda di, f: di.inject_correlation_matrix_drift(f, ["x", "z"], "strong"),
            r"target_correlation_matrix='strong' is not a symmetric 2x2 matrix of numbers",
        ),
        (
            lambda di, f: di.inject_label_drift(f, ["y"], drift_magnitudes=[0.5]),
            r"drift_magnitudes=\[0\.5\] is not a mapping of columns to numbers",
        ),
        (
            lambda di, f: di.inject_multiple_types_of_drift(f, {"method": "inject_nulls"}),
            r"schedule=\{'method': 'inject_nulls'\} is not a list of drifts",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_refused_by_name(frame: pd.DataFrame, call, message: str) -> None:
    """Each of these ended in a TypeError or ValueError (an unhashable list as a dict key, text through
    numpy) or, for a schedule given as a dict, ran nothing."""
    with pytest.raises(UsageError, match=message):
        call(injector(), frame)


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda di, df: di.inject_feature_drift(df, ["x"]), "inject_feature_drift"),
        (lambda di, df: di.inject_feature_drift_abrupt(df, ["x"]), "inject_feature_drift"),
        (lambda di, df: di.inject_label_shift(df, "y", {0: 0.5, 1: 0.5}), "inject_label_shift"),
        (lambda di, df: di.inject_label_drift(df, ["y"]), "inject_label_drift"),
        (lambda di, df: di.inject_nulls(df, ["x"]), "inject_missing_values_drift"),
        (lambda di, df: di.inject_drift(df, ["x"]), "inject_drift"),
        (lambda di, df: di.inject_multiple_types_of_drift(df, []), "inject_multiple_types_of_drift"),
    ],
)
@pytest.mark.parametrize("df", [[1.0, 2.0], {"x": [1.0]}, None, np.zeros((2, 2))])
def test_anything_but_a_dataframe_is_refused_by_name(call, where: str, df) -> None:
    """A list read as a frame was an AttributeError ('list' object has no attribute 'columns'), and an
    empty schedule handed the list back."""
    with pytest.raises(
        UsageError, match=rf"^{where}: df is a {type(df).__name__}; allowed: a pandas DataFrame"
    ):
        call(injector(), df)


@pytest.mark.slow
def test_the_seed_s_readme_examples(tmp_path: Path) -> None:
    """calm-data-generator's README, "Inject Drift for ML Testing", with the import changed (and CTGAN
    trained for one epoch)."""
    rng = np.random.default_rng(2)
    real_data = pd.DataFrame(
        {
            "age": rng.integers(18, 90, 300),
            "income": rng.normal(50.0, 5.0, 300),
            "label": rng.integers(0, 2, 300),
        }
    )
    gen = RealGenerator()
    synthetic = gen.generate(
        data=real_data,
        n_samples=1000,
        method="ctgan",
        target_col="label",
        epochs=1,
        drift_injection_config=[
            {
                "method": "inject_drift",
                "params": {
                    "columns": ["age", "income", "label"],
                    "drift_mode": "gradual",  # Auto-detects column types
                    "drift_magnitude": 0.3,
                    "center": 500,
                    "width": 200,
                },
            }
        ],
    )
    plain = RealGenerator().generate(
        data=real_data, n_samples=1000, method="ctgan", target_col="label", epochs=1
    )
    early = (synthetic["income"] - plain["income"]).iloc[:300]  # before the ramp: the sigmoid's tail
    assert len(synthetic) == 1000 and early.max() < 0.02 * 0.3 * plain["income"].mean() and early.min() >= 0
    late = slice(700, None)
    assert synthetic["income"].iloc[late].mean() == pytest.approx(
        1.3 * plain["income"].iloc[late].mean(), rel=0.01
    )
    assert 0.2 < (synthetic["label"] != plain["label"]).iloc[late].mean() < 0.4

    injector = DriftInjector()
    data = real_data.assign(status=real_data["label"] == 1, segment=rng.choice(["a", "b", "c"], 300))
    drifted_data = injector.inject_drift(
        df=data,
        columns=["age", "income", "status", "segment"],
        drift_mode="gradual",
        drift_magnitude=0.5,
        # Optional specific configs
        numeric_operation="shift",
        categorical_operation="frequency",
        boolean_operation="flip",
    )
    assert drifted_data["label"].equals(data["label"])  # not among the columns
    early = (drifted_data["income"] - data["income"]).iloc[:50]  # a quarter of the rows wide at the middle
    assert early.min() >= 0 and early.max() < 0.01 * 0.5 * data["income"].mean()
    assert drifted_data["income"].iloc[-50:].mean() == pytest.approx(
        1.5 * data["income"].iloc[-50:].mean(), rel=0.01
    )
    assert 0.35 < (drifted_data["status"] != data["status"]).mean() < 0.65  # flat, as the seed's
    counts = drifted_data["segment"].value_counts(normalize=True)
    assert counts.max() - counts.min() <= data["segment"].value_counts(normalize=True).pipe(
        lambda c: c.max() - c.min()
    )


def test_real_generator_runs_the_seed_s_drift_injection_config(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"age": rng.integers(18, 90, 500), "income": rng.normal(50.0, 5.0, 500)})
    config = [
        {
            "method": "inject_feature_drift",
            "params": {
                "feature_cols": ["income"],
                "drift_type": "add_value",
                "drift_value": 100.0,
                "start_index": 150,
            },
        },
        {"drift_method": "inject_nulls", "cols": ["age"], "prob": 1.0, "time_start": "2024-01-03"},
    ]
    call = {"method": "resample", "date_start": "2024-01-01", "date_every": 50, "date_step": {"days": 1}}
    plain = RealGenerator(auto_report=False, random_state=3).generate(data, 200, **call)
    out = RealGenerator(auto_report=False, random_state=3).generate(
        data, 200, **call, drift_injection_config=config, save_dataset=True, output_dir=str(tmp_path)
    )
    np.testing.assert_array_equal(out["income"].iloc[150:], plain["income"].iloc[150:] + 100.0)
    assert out["income"].iloc[:150].equals(plain["income"].iloc[:150])
    assert out["age"].isna().sum() == 100 and out["age"].iloc[:100].notna().all()  # days 3 and 4
    saved = pd.read_csv(tmp_path / "synthetic_data_resample.csv")
    np.testing.assert_allclose(saved["income"], out["income"])
    blocks = RealBlockGenerator(auto_report=False, random_state=3).generate(
        data.assign(block=np.repeat([1, 2], 250)),
        method="resample",
        block_column="block",
        drift_config=[
            {
                "method": "inject_label_drift",
                "params": {"target_cols": ["age"], "drift_magnitude": 1.0, "block_index": 2},
            }
        ],
    )
    undrifted = RealBlockGenerator(auto_report=False, random_state=3).generate(
        data.assign(block=np.repeat([1, 2], 250)), method="resample", block_column="block"
    )
    second = blocks["block"] == 2
    assert (blocks.loc[second, "age"] != undrifted.loc[second, "age"]).all()
    assert blocks.loc[~second].equals(undrifted.loc[~second])


_CORRELATIONS = {"x": {"x": 1.0, "z": -0.4}, "z": {"x": -0.4, "z": 1.0}}
_CALLS = {
    "add": (
        "inject_feature_drift",
        {"feature_cols": ["x"], "drift_type": "add_value", "drift_value": 2.5, "start_index": 400},
    ),
    "shift": (
        "inject_feature_drift",
        {"feature_cols": ["x", "z"], "drift_type": "shift", "drift_magnitude": 0.3, "start_index": 100},
    ),
    "scale": (
        "inject_feature_drift",
        {"feature_cols": ["x"], "drift_type": "scale", "drift_magnitude": 0.5, "start_index": 250},
    ),
    "gradual": (
        "inject_feature_drift_gradual",
        {"feature_cols": ["x"], "drift_type": "add_value", "drift_value": 1.0},
    ),
    "propagated": (
        "inject_feature_drift",
        {
            "feature_cols": ["x"],
            "drift_type": "add_value",
            "drift_value": 3.0,
            "start_index": 700,
            "correlations": _CORRELATIONS,
        },
    ),
    "flips": ("inject_label_drift", {"target_cols": ["y"], "drift_magnitude": 0.15, "start_index": 300}),
    "shifted": (
        "inject_label_shift",
        {"target_col": "y", "target_distribution": {"0": 0.25, "1": 0.75}, "start_index": 200},
    ),
}
"""Calls made on both sides, ``(method, arguments)``: the frame's columns after each are compared."""

_PEER = textwrap.dedent(
    """
    import json, sys
    import pandas as pd
    from calm_data_generator.generators.drift.DriftInjector import DriftInjector
    given = json.load(sys.stdin)
    frame = pd.DataFrame(given["frame"])
    di = DriftInjector(output_dir=None, random_state=0, auto_report=False)
    out = {}
    for name, (method, args) in given["calls"].items():
        if "target_distribution" in args:
            args["target_distribution"] = {int(k): v for k, v in args["target_distribution"].items()}
        out[name] = getattr(di, method)(frame, **args).to_dict(orient="list")
    print(json.dumps(out))
    """
)


@pytest.mark.subprocess
@pytest.mark.slow
def test_the_same_calls_give_the_peer_s_results(frame: pd.DataFrame) -> None:
    """Side by side with calm-data-generator 2.3.2 (in its own virtual environment): the drifts that
    draw nothing equal the peer's, and the counts of those that draw match."""
    data = frame[["x", "z", "y"]].reset_index(drop=True)
    given = {"frame": data.to_dict(orient="list"), "calls": _CALLS}
    peer = {name: pd.DataFrame(columns) for name, columns in run_peer(_PEER, given).items()}
    di = DriftInjector(random_state=0)
    mine = {}
    for name, (method, arguments) in json.loads(json.dumps(_CALLS)).items():
        if "target_distribution" in arguments:
            arguments["target_distribution"] = {
                int(k): v for k, v in arguments["target_distribution"].items()
            }
        mine[name] = getattr(di, method)(data, **arguments)
    np.testing.assert_array_equal(mine["add"]["x"], peer["add"]["x"])
    for name in ("shift", "scale", "propagated"):  # the same arithmetic on the same window statistics
        np.testing.assert_allclose(mine[name][["x", "z"]], peer[name][["x", "z"]], rtol=1e-12)
    assert (peer["propagated"]["z"] != data["z"]).sum() == 300  # the correlation did move z
    # the seed's sigmoid has tails and centres on row n // 2: within half a row's step of fastsynth's
    np.testing.assert_allclose(mine["gradual"]["x"], peer["gradual"]["x"], atol=0.01)
    assert (mine["flips"]["y"] != data["y"]).sum() == (peer["flips"]["y"] != data["y"]).sum() == 105
    counts = mine["shifted"]["y"].iloc[200:].value_counts().to_dict()
    assert counts == peer["shifted"]["y"].iloc[200:].value_counts().to_dict() == {1: 600, 0: 200}
