"""fastsynth.scenarios.evolve: each evolution against its formula computed here with plain numpy."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from fastsynth.errors import UsageError
from fastsynth.scenarios import evolve

N = 1_000


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rng = np.random.default_rng(5)
    return pa.table(
        {
            "x": rng.normal(50.0, 5.0, N),
            "k": pa.array(rng.integers(0, 1_000, N), pa.int32()),
            "f": pa.array(rng.normal(size=N).astype(np.float32)),
            "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i // 10) for i in range(N)]),
            "ts": pa.array(
                np.datetime64("2024-01-01T00:00:00", "ns") + np.arange(N) * np.timedelta64(1, "h")
            ),
            "city": pa.array(["a", "b"] * (N // 2)),
            "flag": pa.array([True, False] * (N // 2)),
        }
    )


def values(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy()


ROWS = np.arange(N, dtype=np.float64)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "linear", "slope": 0.5, "intercept": 2.0}, lambda x, t: x + 0.5 * t + 2.0),
        ({"type": "trend", "slope": -0.01}, lambda x, t: x - 0.01 * t),
        ({"type": "linear", "slope": 0.001, "mode": "multiply"}, lambda x, t: x * (1 + 0.001 * t)),
        (
            {"type": "cyclic", "amplitude": 3.0, "period": 24.0, "phase": 0.5},
            lambda x, t: x + 3.0 * np.sin(2 * np.pi * t / 24.0 + 0.5),
        ),
        ({"type": "seasonal", "period": 7}, lambda x, t: x + np.sin(2 * np.pi * t / 7)),
        (
            {"type": "sigmoid", "amplitude": 10.0, "center": 400.0, "width": 25.0},
            lambda x, t: x + 10.0 / (1 + np.exp(-(t - 400.0) / 25.0)),
        ),
        (  # defaults: centred on the axis, a tenth of its span wide
            {"type": "sigmoid"},
            lambda x, t: x + 1 / (1 + np.exp(-(t - 499.5) / 99.9)),
        ),
        ({"type": "exponential_growth", "rate": 0.002}, lambda x, t: x * 1.002**t),
        ({"type": "decay", "rate": 0.003}, lambda x, t: x * 0.997**t),
        ({"type": "step", "at": 600, "amplitude": -7.5}, lambda x, t: x + np.where(t >= 600, -7.5, 0.0)),
        (
            {"type": "step", "at": 600, "amplitude": 0.5, "mode": "multiply"},
            lambda x, t: np.where(t >= 600, 1.5 * x, x),
        ),
    ],
    ids=lambda v: v.get("type") if isinstance(v, dict) else "",
)
def test_each_shape_matches_its_formula(table: pa.Table, spec: dict, expected) -> None:
    out, log = evolve(table, {"x": spec}, seed=1)
    np.testing.assert_allclose(values(out, "x"), expected(values(table, "x"), ROWS), rtol=1e-12)
    others = [c for c in table.column_names if c != "x"]
    assert out.select(others).equals(table.select(others))
    (entry,) = log.entries
    assert entry["column"] == "x" and entry["rows"] == N and entry["time"]["over"] == "rows"
    json.loads(log.to_json())


def test_noise_and_random_walk_are_seeded_normals(table: pa.Table) -> None:
    spec = {"x": [{"type": "noise", "std": 2.0}], "f": {"type": "random_walk", "step_std": 0.5}}
    one, log = evolve(table, spec, seed=3)
    again, _ = evolve(table, spec, seed=3)
    other, _ = evolve(table, spec, seed=4)
    assert one.equals(again) and not one.equals(other)
    added = values(one, "x") - values(table, "x")
    assert abs(added.mean()) < 0.2 and added.std() == pytest.approx(2.0, rel=0.1)
    walk = values(one, "f").astype(np.float64) - values(table, "f")
    steps = np.diff(walk)
    assert steps.std() == pytest.approx(0.5, rel=0.1)  # increments of N(0, 0.5): a walk, not noise
    assert abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 0.1
    assert log.entries[1]["changed"] == N


def test_random_walk_follows_time_order(table: pa.Table) -> None:
    shuffled = table.take(pa.array(np.random.default_rng(1).permutation(N)))
    out, _ = evolve(shuffled, {"x": {"type": "random_walk", "step_std": 1.0}}, time="ts", seed=2)
    order = np.argsort(values(shuffled, "ts"))
    walk = (values(out, "x") - values(shuffled, "x"))[order]
    assert np.diff(walk).std() == pytest.approx(1.0, rel=0.1)


def test_time_columns_measure_t(table: pa.Table) -> None:
    out, log = evolve(table, {"x": {"type": "linear", "slope": 1.0}}, time="day")
    np.testing.assert_allclose(values(out, "x") - values(table, "x"), ROWS // 10)  # days since the first
    assert log.entries[0]["time"] == {
        "over": "day",
        "unit": "days",
        "origin": "start",
        "first": 0.0,
        "last": 99.0,
    }
    hours, _ = evolve(table, {"x": {"type": "linear", "slope": 1.0}}, time={"column": "ts", "unit": "hours"})
    np.testing.assert_allclose(values(hours, "x") - values(table, "x"), ROWS, atol=1e-9)
    epoch, _ = evolve(
        table, {"x": {"type": "linear", "slope": 1.0}}, time={"column": "ts", "unit": "s", "origin": "zero"}
    )
    seconds = values(table, "ts").astype("datetime64[s]").astype(np.int64)
    np.testing.assert_allclose(values(epoch, "x") - values(table, "x"), seconds, rtol=1e-12)
    by_k, _ = evolve(table, {"x": {"type": "linear", "slope": 2.0}}, time={"column": "k", "origin": "zero"})
    np.testing.assert_allclose(values(by_k, "x") - values(table, "x"), 2.0 * values(table, "k"), rtol=1e-12)


def test_driven_by_another_column(table: pa.Table) -> None:
    spec = {"type": "driven_by", "driver": "k", "function": "polynomial", "coefficients": [0.001, -1, 3]}
    out, _ = evolve(table, {"x": spec})
    k = values(table, "k").astype(np.float64)
    np.testing.assert_allclose(values(out, "x"), values(table, "x") + 0.001 * k**2 - k + 3, rtol=1e-12)
    power, _ = evolve(
        table, {"x": {"type": "driven_by", "driver": "k", "function": "power", "scale": 2.0, "exponent": 0.5}}
    )
    np.testing.assert_allclose(values(power, "x"), values(table, "x") + 2 * np.sqrt(k), rtol=1e-12)


def test_integers_keep_their_type_rounded_and_nulls_stay_null() -> None:
    table = pa.table(
        {"k": pa.array([1, None, 3, 4, 5, 6], pa.int16()), "x": pa.array([1.0, None, 3, 4, 5, 6])}
    )
    out, log = evolve(table, {"k": {"type": "linear", "slope": 0.5}, "x": {"type": "linear", "slope": 0.5}})
    assert out.schema == table.schema
    assert out.column("k").to_pylist() == [1, None, 4, 6, 7, 8]  # 1, 3 + 1, 4 + 1.5 -> 6 (half to even)
    assert out.column("x").to_pylist() == [1.0, None, 4.0, 5.5, 7.0, 8.5]
    assert log.entries[0]["rounded"] == "half to even" and log.entries[0]["changed"] == 4
    with pytest.raises(UsageError, match=r"evolution\[0\] of 'k': the new value of row 0 .* int16"):
        evolve(table, {"k": {"type": "linear", "intercept": 1e6}})


def test_float32_stays_float32_and_evolutions_compose(table: pa.Table) -> None:
    out, log = evolve(
        table,
        [
            {"column": "f", "type": "linear", "slope": 1.0},
            {"columns": ["f", "x"], "type": "step", "at": 10, "amplitude": 1.0},
        ],
    )
    assert out.schema.field("f").type == pa.float32()
    expected = values(table, "f").astype(np.float64) + ROWS + (ROWS >= 10)
    np.testing.assert_allclose(values(out, "f"), expected, rtol=1e-6)  # rounded to float32 after each
    assert [(e["column"], e["type"]) for e in log.entries] == [("f", "linear"), ("f", "step"), ("x", "step")]


def test_pandas_and_polars_come_back_as_they_went(table: pa.Table) -> None:
    frame = table.select(["x", "k"]).to_pandas()
    frame.index = pd.RangeIndex(10, 10 + N)
    out, _ = evolve(frame, {"x": {"type": "linear", "slope": 1.0}})
    assert isinstance(out, pd.DataFrame) and out.index.equals(frame.index)
    np.testing.assert_allclose(out["x"], frame["x"] + ROWS)
    polars, _ = evolve(pl.from_arrow(table.select(["x", "k"])), {"k": {"type": "linear", "slope": 1.0}})
    assert isinstance(polars, pl.DataFrame) and polars.schema["k"] == pl.Int32


def test_empty_table() -> None:
    out, log = evolve(pa.table({"x": pa.array([], pa.float64())}), {"x": {"type": "sigmoid"}})
    assert out.num_rows == 0 and log.entries[0]["change"] == {"min": None, "max": None}


@pytest.mark.parametrize(
    ("evolutions", "time", "message"),
    [
        (
            {"nope": {"type": "linear"}},
            None,
            r"evolution\[0\] of 'nope': column 'nope' is not in the table \(x, k",
        ),
        (
            {"city": {"type": "linear"}},
            None,
            r"column 'city' is string; allowed: an integer or floating-point",
        ),
        ({"flag": {"type": "linear"}}, None, r"column 'flag' is bool; allowed"),
        (
            {"x": {"type": "wave"}},
            None,
            r"type='wave' is not an evolution type; allowed: linear, cyclic, .*trend",
        ),
        ({"x": {"type": "cyclic", "period": 0}}, None, r"\(cyclic\): period=0 is not a number > 0"),
        ({"x": {"type": "cyclic", "period": -3}}, None, r"period=-3 is not a number > 0"),
        ({"x": {"type": "sigmoid", "width": 0}}, None, r"width=0 is not"),
        ({"x": {"type": "linear", "slop": 1}}, None, r"unknown key 'slop'; allowed: intercept, mode, slope"),
        (
            {"x": {"type": "linear", "mode": "power"}},
            None,
            r"mode='power' is not allowed; allowed: add, multiply",
        ),
        ({"x": {"type": "exponential_decay", "rate": 1.5}}, None, r"rate=1.5 is not"),
        ({"x": {"type": "driven_by"}}, None, r"driven_by needs 'driver'"),
        ({"x": {"type": "driven_by", "driver": "city"}}, None, r"driver: column 'city' is string"),
        ({"x": {"type": "linear"}}, "when", r"time: column 'when' is not in the table"),
        ({"x": {"type": "linear"}}, "city", r"time: column 'city' is string; allowed: a number, date or"),
        (
            {"x": {"type": "linear"}},
            {"column": "ts", "unit": "years"},
            r"unit='years' is not allowed; allowed: ns",
        ),
        ([{"type": "linear"}], None, r"evolution\[0\]: needs 'column'"),
        ("x", None, r"evolutions='x' is not a mapping of columns to specs or a list"),
    ],
)
def test_bad_parameters_name_field_value_and_allowed(table: pa.Table, evolutions, time, message) -> None:
    with pytest.raises(UsageError, match=message):
        evolve(table, evolutions, time=time)


def test_a_table_in_several_chunks_gives_the_same_bytes(table: pa.Table) -> None:
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=300))
    spec = {"x": {"type": "noise", "std": 1.0}, "k": {"type": "random_walk"}, "f": {"type": "sigmoid"}}
    one, log = evolve(table, spec, time="ts", seed=4)
    many, log_many = evolve(chunked, spec, time="ts", seed=4)
    assert one.combine_chunks().equals(many.combine_chunks()) and log.to_json() == log_many.to_json()


@pytest.mark.parametrize(
    ("kind", "given", "spec", "expected"),
    [
        (pa.int64(), [2**63 - 1, 2**53 + 1, -(2**63)], {"type": "linear"}, [2**63 - 1, 2**53 + 1, -(2**63)]),
        (pa.int64(), [2**53 + 1, 2**62 + 3], {"type": "linear", "intercept": 2.5}, [2**53 + 4, 2**62 + 6]),
        (
            pa.int64(),
            [2**63 - 2, -(2**63) + 1],
            {"type": "linear", "intercept": 0.9},
            [2**63 - 1, -(2**63) + 2],
        ),
        (pa.uint64(), [2**64 - 1, 2**63 + 7], {"type": "linear"}, [2**64 - 1, 2**63 + 7]),
        (pa.uint64(), [2**64 - 1, 2**63 + 7], {"type": "linear", "intercept": -3}, [2**64 - 4, 2**63 + 4]),
        (pa.int64(), [2**63 - 1, 12], {"type": "linear", "mode": "multiply"}, [2**63 - 1, 12]),
    ],
)
def test_large_integers_stay_exact(
    kind: pa.DataType, given: list[int], spec: dict, expected: list[int]
) -> None:
    out, _ = evolve(pa.table({"x": pa.array(given, kind)}), {"x": spec}, seed=1)
    assert out.column("x").type == kind and out.column("x").to_pylist() == expected


@pytest.mark.parametrize(
    ("kind", "given", "spec", "message"),
    [
        (pa.int64(), [2**63 - 1], {"type": "linear", "intercept": 1}, r"row 0 .* does not fit .* int64"),
        (pa.int64(), [-(2**63)], {"type": "linear", "intercept": -1}, r"row 0 .* does not fit .* int64"),
        (pa.uint64(), [0, 2**64 - 1], {"type": "linear", "intercept": 1}, r"row 1 .* does not fit .* uint64"),
        (pa.uint64(), [3], {"type": "linear", "intercept": -4}, r"row 0 .* does not fit .* uint64"),
        (pa.int8(), [120], {"type": "linear", "intercept": 7.6}, r"row 0 .* does not fit .* int8"),
        (pa.int64(), [2**60], {"type": "linear", "intercept": 0.5, "mode": "multiply"}, r"row 0 .* 2\*\*53"),
    ],
)
def test_integers_out_of_range_are_refused_not_wrapped(
    kind: pa.DataType, given: list[int], spec: dict, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        evolve(pa.table({"x": pa.array(given, kind)}), {"x": spec}, seed=1)


def test_the_log_counts_integers_changed_after_rounding() -> None:
    out, log = evolve(
        pa.table({"x": pa.array([10, 20, 30], pa.int32())}), {"x": {"type": "linear", "intercept": 0.1}}
    )
    assert out.column("x").to_pylist() == [10, 20, 30] and log.entries[0]["changed"] == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_time_that_is_not_finite_is_refused(bad: float) -> None:
    table = pa.table({"x": [1.0, 2.0, 3.0], "tt": [0.0, bad, 2.0]})
    with pytest.raises(UsageError, match=r"time: column 'tt' has 1 value that is not finite \(row 1: "):
        evolve(table, {"x": {"type": "linear", "slope": 1}}, time="tt")


def test_a_large_integer_time_keeps_its_steps() -> None:
    start = 1_700_000_000_000_000_000
    table = pa.table({"x": [0.0, 0.0, 0.0], "t": pa.array([start, start + 100, start + 200], pa.int64())})
    out, _ = evolve(table, {"x": {"type": "linear", "slope": 1}}, time="t")
    assert out.column("x").to_pylist() == [0.0, 100.0, 200.0]


def test_a_pandas_column_of_mixed_types_is_named() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "o": [1, "a"]})
    with pytest.raises(UsageError, match=r"data: column 'o' \(object\) cannot be read as Arrow: .*astype"):
        evolve(frame, {"x": {"type": "linear"}})


def test_nanosecond_times_in_nanoseconds_are_whole() -> None:
    start = np.datetime64("2023-11-14T22:13:20", "ns")
    times = pa.array(np.array([start, start + 100, start + 200]), pa.timestamp("ns"))
    out, _ = evolve(
        pa.table({"x": [0.0, 0.0, 0.0], "t": times}),
        {"x": {"type": "linear", "slope": 1}},
        time={"column": "t", "unit": "ns"},
    )
    assert out.column("x").to_pylist() == [0.0, 100.0, 200.0]


@pytest.mark.parametrize(
    ("spec", "column", "shown"),
    [
        ({"type": "linear", "slope": 1e308}, "x", r"linear \(slope=1e\+308, intercept=0\.0\)"),
        ({"type": "exponential_growth", "rate": 1e308}, "x", r"exponential_growth \(rate=1e\+308\)"),
        ({"type": "noise", "std": 1e308}, "x", r"noise \(std=1e\+308\)"),
        ({"type": "random_walk", "step_std": 1e308}, "x", r"random_walk \(step_std=1e\+308\)"),
        ({"type": "cyclic", "period": 1e-308}, "x", r"cyclic \(amplitude=1\.0, period=1e-308, phase=0\.0\)"),
        (  # only the parameters its function reads: not slope, exponent or coefficients
            {"type": "driven_by", "driver": "x", "function": "exponential", "rate": 1e308},
            "x",
            r"driven_by \(driver='x', function='exponential', scale=1\.0, rate=1e\+308\)",
        ),
        (
            {"type": "driven_by", "driver": "x", "function": "polynomial", "coefficients": [1e308, 0.0, 0.0]},
            "x",
            r"driven_by \(driver='x', function='polynomial', coefficients=\(1e\+308, 0\.0, 0\.0\)\)",
        ),
        ({"type": "linear", "slope": 1e308}, "k", r"linear \(slope=1e\+308"),  # before the integer check
    ],
    ids=lambda v: v.get("type") if isinstance(v, dict) else "",
)
def test_a_change_past_float64_s_range_is_refused_by_name(
    table: pa.Table, spec: dict, column: str, shown
) -> None:
    """A slope of 1e308 made inf values silently; a random walk of such steps also leaked numpy's
    overflow warning (an error under pytest's filterwarnings) before its infs."""
    with pytest.raises(
        UsageError,
        match=rf"^evolution\[0\] of '{column}': {shown}.* takes row \d+ from .* to -?(inf|nan), past a "
        r"64-bit float's range; allowed: parameters that keep every value finite",
    ):
        evolve(table, {column: spec})


@pytest.mark.parametrize("function", ["linear", "exponential", "power", "polynomial"])
def test_a_nan_driver_or_value_passes_through_as_nan(function: str) -> None:
    """NaN, pandas' missing value, in the driver (row 1) or in the value (row 2) was refused as an
    overflow "from 2.0 to nan"; it stays NaN, an inf driver gives no finite value either (no refusal),
    and the other rows evolve."""
    data = pa.table({"x": [1.0, 2.0, np.nan, 4.0, 5.0], "d": [1.0, np.nan, 2.0, 3.0, np.inf]})
    spec = {"type": "driven_by", "driver": "d", "function": function}
    got = np.array(evolve(data, {"x": spec})[0].column("x").to_pylist())
    assert np.isnan(got[1]) and np.isnan(got[2]) and not np.isfinite(got[4])  # polyval's 0 * inf is NaN
    assert np.isfinite(got[[0, 3]]).all() and (got[[0, 3]] != [1.0, 4.0]).all()
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "d": [1.0, np.nan, 2.0, 3.0]})
    out = evolve(frame, {"x": {"type": "driven_by", "driver": "d", "slope": 2.0}})[0]["x"]
    np.testing.assert_array_equal(out, [3.0, np.nan, 7.0, 10.0])


def test_values_near_float64_s_limit_are_kept_and_inf_or_nan_already_there_stays() -> None:
    data = pa.table({"x": [0.0, 1.0, np.inf, np.nan, None]})
    out, _ = evolve(data, {"x": {"type": "cyclic", "amplitude": 1e308, "period": 4.0}})
    got = out.column("x").to_pylist()
    assert got[1] == 1.0 + 1e308 and got[2] == np.inf and np.isnan(got[3]) and got[4] is None
