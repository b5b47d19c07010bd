"""fastsynth.scenarios.project: periods, time shifts, trends, sampling and the period column."""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fastsynth.errors import UsageError
from fastsynth.scenarios import project
from fastsynth.scenarios.project import MAX_PERIODS, check_size

N = 30


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return pa.table(
        {
            "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(N)]),
            "sales": np.linspace(100.0, 129.0, N),
            "units": pa.array(np.arange(N), pa.int32()),
            "month": np.repeat([1, 2, 3], N // 3),
        }
    )


def test_copies_follow_on_in_time_with_the_trend(table: pa.Table) -> None:
    out, log = project(table, 3, time="day", trend={"sales": {"type": "linear", "slope": 10.0}})
    assert out.num_rows == 4 * N and out.column("period").to_pylist() == [0] * N + [1] * N + [2] * N + [3] * N
    days = out.column("day").to_pylist()
    assert days[N] == dt.date(2024, 1, 31) and days[-1] == dt.date(2024, 4, 29)  # a period of 30 days
    assert days == [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(4 * N)]
    sales = out.column("sales").to_numpy().reshape(4, N)
    for k in range(4):
        np.testing.assert_allclose(sales[k], table.column("sales").to_numpy() + 10.0 * k)
    assert out.column("units").to_numpy().reshape(4, N).tolist() == [list(range(N))] * 4
    assert out.schema.field("units").type == pa.int32()
    assert [e["time_shift"] for e in log.entries] == [30.0, 60.0, 90.0]
    assert log.to_dict()["time"] == {"column": "day", "every": 30.0}
    assert log.entries[1]["trend"][0]["change"] == {"min": 20.0, "max": 20.0}
    json.loads(log.to_json())


def test_every_cyclic_trend_and_numeric_time(table: pa.Table) -> None:
    out, _ = project(
        table,
        4,
        time="month",
        every=3,
        include_original=False,
        period_column="quarter",
        trend={"sales": {"type": "cyclic", "amplitude": 5.0, "period": 4.0}},
    )
    assert out.num_rows == 4 * N and "period" not in out.column_names
    np.testing.assert_array_equal(
        out.column("month").to_numpy().reshape(4, N),
        [table.column("month").to_numpy() + 3 * k for k in range(1, 5)],
    )
    sales = out.column("sales").to_numpy().reshape(4, N) - table.column("sales").to_numpy()
    np.testing.assert_allclose(sales[:, 0], 5.0 * np.sin(2 * np.pi * np.arange(1, 5) / 4.0), atol=1e-12)
    assert out.column("quarter").to_pylist() == np.repeat([1, 2, 3, 4], N).tolist()


def test_existing_period_column_continues_and_sampling_is_seeded(table: pa.Table) -> None:
    base = table.append_column("block", pa.array(np.repeat([1, 2, 3], N // 3)))
    out, log = project(base, 2, period_column="block", rows_per_period=50, seed=1)
    again, _ = project(base, 2, period_column="block", rows_per_period=50, seed=1)
    other, _ = project(base, 2, period_column="block", rows_per_period=50, seed=2)
    assert out.equals(again) and not out.equals(other)
    assert out.num_rows == N + 100 and out.column("block").to_pylist()[N:] == [4] * 50 + [5] * 50
    drawn = out.slice(N).column("units").to_numpy()
    assert set(drawn) <= set(range(N)) and len(set(drawn)) > 15  # drawn with replacement from the rows
    assert [e["first_row"] for e in log.entries] == [N, N + 50]


def test_timestamps_and_pandas() -> None:
    frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=24, freq="h"), "x": np.arange(24.0)})
    out, log = project(
        frame,
        2,
        time={"column": "ts", "unit": "hours"},
        trend={"x": {"type": "exponential_growth", "rate": 1.0}},
    )
    assert isinstance(out, pd.DataFrame)
    assert out["ts"].iloc[24] == pd.Timestamp("2024-01-02") and out["ts"].is_monotonic_increasing
    np.testing.assert_allclose(out["x"].iloc[48:], np.arange(24.0) * 4)  # doubled per period
    assert log.entries[0]["time_shift"] == 24.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"periods": 0}, r"periods=0 is not an integer >= 1"),
        ({"periods": 1, "time": "when"}, r"time: column 'when' is not in the table \(day, sales"),
        ({"periods": 1, "time": "day", "every": -1}, r"every=-1(\.0)? is not a number > 0"),
        ({"periods": 1, "time": "day", "every": 0.5}, r"every=0.5: a period must be a whole number"),
        ({"periods": 1, "every": 2}, r"every applies with a time column"),
        ({"periods": 1, "rows_per_period": 0}, r"rows_per_period=0 is not an integer >= 1"),
        ({"periods": 1, "period_column": "sales"}, r"period_column='sales' is double; allowed: an integer"),
        ({"periods": 1, "trend": {"nope": {"type": "linear"}}}, r"column 'nope' is not in the table"),
        (
            {"periods": 1, "trend": {"sales": {"type": "cyclic", "period": 0}}},
            r"period=0 is not a number > 0",
        ),
    ],
)
def test_bad_parameters_name_field_value_and_allowed(table: pa.Table, kwargs, message) -> None:
    with pytest.raises(UsageError, match=message):
        project(table, **kwargs)


def test_a_derived_period_over_irregular_whole_steps_is_rounded() -> None:
    out, log = project(pa.table({"t": [1, 2, 4], "x": [1.0, 2.0, 3.0]}), 1, time="t")
    assert log.to_dict()["time"] == {"column": "t", "every": 4.0}  # span 3 + a mean step of 1.5, rounded
    assert out.column("t").to_pylist() == [1, 2, 4, 5, 6, 8]


def test_a_date64_time_column_moves_as_a_date32_one_does() -> None:
    days = [dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
    for kind in (pa.date32(), pa.date64()):
        out, log = project(pa.table({"x": [1.0, 2.0], "d": pa.array(days, kind)}), 2, time="d")
        assert out.column("d").type == kind
        assert out.column("d").to_pylist() == [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(6)]
        assert log.settings["time"] == {"column": "d", "every": 2.0}


@pytest.mark.parametrize(
    ("table", "arguments", "message"),
    [
        (
            pa.table({"ts": pa.array(np.array(["2250-01-01", "2251-01-01"], "datetime64[ns]"))}),
            {"periods": 10, "time": "ts"},
            r"time: column 'ts' shifted to period 6 .* does not fit its type timestamp\[ns\]",
        ),
        (
            pa.table({"tt": pa.array([0, 1, 2], pa.int8())}),
            {"periods": 100, "time": "tt"},
            r"time: column 'tt' shifted to period 42 .* does not fit its type int8",
        ),
        (
            pa.table({"tt": pa.array([0, 1, 2], pa.int8())}),
            {"periods": 1, "time": "tt", "every": 1000},
            r"time: column 'tt' shifted to period 1 .* does not fit its type int8",
        ),
        (
            pa.table({"x": [1.0], "period": pa.array([127], pa.int8())}),
            {"periods": 1},
            r"period_column='period' is int8: the last period, 128, does not fit it",
        ),
    ],
)
def test_a_shift_or_a_period_number_that_overflows_is_refused(
    table: pa.Table, arguments: dict, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        project(table, **arguments)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([0.0, float("nan")], r"time: column 'tt' has 1 value that is not finite \(row 1: nan\)"),
        ([0.0, 1e308], r"time: column 'tt' shifted to period 1 .* does not fit its type double"),
    ],
)
def test_a_float_time_that_is_or_becomes_infinite_is_refused(times: list[float], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        project(pa.table({"x": [1.0, 2.0], "tt": times}), 2, time="tt")


def _changes(out: pa.Table, periods: int) -> np.ndarray:
    """Each period's change of ``x`` from the original, row by row."""
    x = out.column("x").to_numpy().reshape(periods + 1, -1)
    return x[1:] - x[0]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [  # the defaults are in periods: the middle of periods 1 to 4 is 2.5, a tenth of their span 0.3
        ({"type": "sigmoid", "amplitude": 10}, [10 / (1 + np.exp(-(k - 2.5) / 0.3)) for k in range(1, 5)]),
        ({"type": "step", "amplitude": 10}, [0.0, 0.0, 10.0, 10.0]),
    ],
)
def test_sigmoid_and_step_trends_change_across_the_periods(spec: dict, expected: list[float]) -> None:
    out, _ = project(pa.table({"x": [1.0, 2.0, 3.0]}), 4, trend={"x": spec})
    np.testing.assert_allclose(_changes(out, 4), np.repeat(np.array(expected)[:, None], 3, axis=1))


def test_a_random_walk_trend_steps_once_a_period() -> None:
    out, _ = project(
        pa.table({"x": np.zeros(5)}), 6, trend={"x": {"type": "random_walk", "step_std": 1}}, seed=3
    )
    changes = _changes(out, 6)
    assert (changes == changes[:, :1]).all()  # one level for all the rows of a period
    assert len(set(changes[:, 0].tolist())) == 6
    again, _ = project(
        pa.table({"x": np.zeros(5)}), 6, trend={"x": {"type": "random_walk", "step_std": 1}}, seed=3
    )
    assert out.equals(again)
    # the walk is the running sum of one step a period: the first periods do not depend on how many follow
    fewer, _ = project(
        pa.table({"x": np.zeros(5)}), 3, trend={"x": {"type": "random_walk", "step_std": 1}}, seed=3
    )
    np.testing.assert_array_equal(_changes(fewer, 3), changes[:3])


def test_the_period_column_cannot_be_the_time_column() -> None:
    with pytest.raises(UsageError, match=r"period_column='tt' is the time column; name another"):
        project(pa.table({"x": [1.0, 2.0], "tt": [0, 1]}), 1, time="tt", period_column="tt")


def test_a_polynomial_needs_coefficients() -> None:
    trend = {"x": {"type": "driven_by", "driver": "x", "function": "polynomial", "coefficients": []}}
    with pytest.raises(UsageError, match=r"coefficients=\[\] .* at least one"):
        project(pa.table({"x": [1.0, 2.0]}), 1, trend=trend)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"periods": 10**12}, r"^periods=1000000000000 is over the limit; allowed: at most 100000 periods"),
        (
            {"periods": 10**12, "trend": {"x": {"type": "random_walk"}}},  # its steps were drawn first
            r"^periods=1000000000000 is over the limit",
        ),
        ({"periods": MAX_PERIODS + 1}, r"^periods=100001 is over the limit"),
        (
            {"periods": 2, "rows_per_period": 10**12},
            r"^periods=2 of 1000000000000 rows each \(rows_per_period\) make 2000000000002 rows, about "
            r"[\d,.]+ GiB in memory, more than this machine's [\d,.]+ GiB; allowed: at most \d+ rows in all",
        ),
    ],
)
def test_a_projection_too_large_to_hold_is_refused_before_it_is_made(kwargs, message: str) -> None:
    """10**12 periods ran until the memory was gone (no error at all); 10**12 rows a period ended in
    an ArrowMemoryError."""
    with pytest.raises(UsageError, match=message):
        project(pa.table({"x": [1.0, 2.0]}), **kwargs)


def test_the_size_check_counts_the_table_s_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine of 80,000 bytes, rows of 8,000 bytes (plus 8 for the period number) fit 9 times."""
    monkeypatch.setattr(sys.modules[check_size.__module__], "_memory", lambda: 80_000)
    wide = pa.table({f"c{i}": np.zeros(1) for i in range(1_000)})
    assert project(wide, 8).data.num_rows == 9  # the original and 8 copies
    with pytest.raises(
        UsageError, match=r"make 10 rows, about 0\.0 GiB in memory, .* allowed: at most 9 rows"
    ):
        project(wide, 9)
    assert project(wide, 9, include_original=False).data.num_rows == 9


def test_a_random_walk_past_float64_s_range_is_refused_without_a_warning() -> None:
    with pytest.raises(UsageError, match=r"random_walk \(step_std=1e\+308\) takes row 0 from 0\.0 to -?inf"):
        project(pa.table({"x": [0.0]}), 50, trend={"x": {"type": "random_walk", "step_std": 1e308}})
