"""Event-time realism: late, duplicated and dropped rows, decided per row, with ground truth."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.schema import EXAMPLES

EVENTS = {
    "late": {"rate": 0.05, "max_delay_seconds": 900},
    "duplicates": 0.02,
    "drops": 0.01,
    "label": "truth",
}
DOCUMENT = {**EXAMPLES["timeseries"], "event_time": EVENTS}
N = 100_000


@pytest.fixture(scope="module")
def table():
    return fastsynth.generate(DOCUMENT, N, seed=4)


@pytest.mark.slow
def test_rates_and_ground_truth(table):
    truth = table.column("truth").to_pylist()
    assert table.schema.field("truth").type == pa.dictionary(pa.int8(), pa.string())
    rows = N * (1 - 0.01) * (1 + 0.02)
    assert table.num_rows == pytest.approx(rows, rel=0.01)
    assert truth.count("duplicate") / N == pytest.approx(0.02 * 0.99, abs=0.002)
    assert truth.count("late") / table.num_rows == pytest.approx(0.05, abs=0.003)


def test_late_rows_move_back_by_at_most_the_delay():
    late_only = {**EXAMPLES["timeseries"], "event_time": {"late": EVENTS["late"], "label": "truth"}}
    t = fastsynth.generate(late_only, 20_000, seed=4)
    nominal = fastsynth.generate(EXAMPLES["timeseries"], 20_000, seed=4).column("timestamp")
    delay = nominal.cast(pa.int64()).to_numpy() - t.column("timestamp").cast(pa.int64()).to_numpy()
    late = np.array(t.column("truth").to_pylist()) == "late"
    assert np.all(delay[~late] == 0)
    assert np.all((delay[late] >= 1) & (delay[late] <= 900))
    assert t.column("value").equals(
        fastsynth.generate(EXAMPLES["timeseries"], 20_000, seed=4).column("value")
    )
    assert (np.diff(t.column("timestamp").cast(pa.int64()).to_numpy()) < 0).sum() > 0  # out of order


@pytest.mark.slow
def test_duplicates_repeat_the_previous_row(table):
    truth = table.column("truth").to_pylist()
    values = table.column("value").to_pylist()
    for i, kind in enumerate(truth):
        if kind == "duplicate":
            assert values[i] == values[i - 1]


def test_decisions_do_not_depend_on_batches(table):
    assert fastsynth.generate(DOCUMENT, N, seed=4, batch_size=777).equals(table)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ({"duplicates": 2}, "schema: event_time: duplicates=2 is not a number in [0, 1]"),
        (
            {"late": {"rate": 0.1, "delay": 5}},
            "event_time: late: unknown key 'delay'; allowed: max_delay_seconds, rate",
        ),
        ({"late": {"rate": 0.1, "max_delay_seconds": -1}}, "late: max_delay_seconds=-1 is not a number > 0"),
        ({"time_field": "value"}, "time_field='value' is not a timestamp column"),
        ({"label": "value"}, "label='value' is already a column"),
        ({"lateness": 1}, "unknown key 'lateness'"),
    ],
)
def test_bad_event_time(events, message):
    with pytest.raises(fastsynth.SchemaError, match="schema: event_time") as caught:
        fastsynth.Schema.from_dict({**EXAMPLES["timeseries"], "event_time": events})
    assert message in str(caught.value)
