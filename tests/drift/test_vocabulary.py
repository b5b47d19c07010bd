"""The rest of the peer's drift vocabulary: a fading profile, typos that delete or duplicate a
character, time windows whose end is inclusive on request, and drift types added by plugins."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import fastsynth

# -- fading ----------------------------------------------------------------------------------------------


def test_a_fading_drift_goes_away_across_its_window():
    table = pa.table({"x": np.zeros(300)})
    drift = {
        "type": "shift",
        "columns": ["x"],
        "magnitude": 10.0,
        "unit": "absolute",
        "rows": {"start": 100, "end": 201},
        "profile": {"type": "fading", "transition": "linear"},
    }
    drifted, log = fastsynth.inject_drift(table, [drift], weight_column="w")
    x = drifted.column("x").to_numpy()
    assert x[100] == 10.0 and x[150] == pytest.approx(5.0) and x[200] == 0.0
    assert np.all(np.diff(x[100:201]) < 0)  # falls all the way
    assert not x[:100].any() and not x[201:].any()
    assert np.allclose(drifted.column("w").to_numpy()[100:201], x[100:201] / 10)
    assert log.entries[0]["profile"] == {"type": "fading", "transition": "linear"}


@pytest.mark.parametrize("transition", ["sigmoid", "cosine", "linear"])
def test_fading_is_incremental_backwards(transition):
    table = pa.table({"x": np.zeros(50)})

    def shifted(profile):
        drift = {
            "type": "add",
            "columns": ["x"],
            "magnitude": 1.0,
            "profile": {"type": profile, "transition": transition},
        }
        return fastsynth.inject_drift(table, [drift]).data.column("x").to_numpy()

    assert np.allclose(shifted("fading"), 1 - shifted("incremental"))


def test_fading_drift_while_generating():
    """In a schema: over the event's window, or over ``transition_rows`` when it has no end (then the
    drift is over for good); without either it would never fade, and is refused."""
    fields = {"x": {"type": "float", "distribution": "normal", "mean": 0, "std": 0}}
    event = {
        "type": "add",
        "columns": ["x"],
        "magnitude": 4,
        "start_row": 10,
        "profile": {"type": "fading", "transition": "linear"},
    }
    ended = fastsynth.generate({"fields": fields, "drift": [{**event, "end_row": 15}]}, 20, seed=1)
    assert ended.column("x").to_numpy().tolist() == [0] * 10 + [4, 3, 2, 1, 0] + [0] * 5
    lasting = fastsynth.generate({"fields": fields, "drift": [{**event, "transition_rows": 5}]}, 20, seed=1)
    assert lasting.column("x").to_numpy().tolist() == [0] * 10 + [4, 3, 2, 1, 0] + [0] * 5
    with pytest.raises(fastsynth.SchemaError, match="a fading drift without an end needs transition_rows"):
        fastsynth.generate({"fields": fields, "drift": [event]}, 20, seed=1)


# -- inclusive time windows --------------------------------------------------------------------------------


def _hourly(n: int = 10) -> pa.Table:
    start = np.datetime64("2024-01-01T00:00:00", "us")
    return pa.table({"t": start + np.arange(n) * np.timedelta64(1, "h"), "x": np.zeros(n)})


def test_a_time_window_ends_before_its_end_unless_asked_to_include_it():
    table = _hourly()
    window = {"column": "t", "start": "2024-01-01T02:00", "end": "2024-01-01T05:00"}

    def drifted(time):
        drift = {
            "type": "add",
            "columns": ["x"],
            "magnitude": 1.0,
            "time": time,
            "profile": {"type": "incremental", "transition": "linear"},
        }
        data, log = fastsynth.inject_drift(table, [drift])
        return data.column("x").to_numpy(), log.entries[0]

    x, entry = drifted(window)
    assert np.flatnonzero(x).tolist() == [3, 4]  # row 2 has weight 0 at the window's start
    assert entry["rows"]["count"] == 3 and entry["rows"]["last"] == 4
    assert entry["selection"]["time"]["end_inclusive"] is False
    x, entry = drifted({**window, "end_inclusive": True})
    assert entry["rows"]["count"] == 4 and entry["rows"]["last"] == 5
    assert x[5] == 1.0 and x[[3, 4]].tolist() == pytest.approx([1 / 3, 2 / 3])  # position 1 at the end
    assert entry["selection"]["time"]["end_inclusive"] is True


def test_an_inclusive_window_of_one_instant_and_its_errors():
    table = _hourly()
    instant = {"column": "t", "start": "2024-01-01T03:00", "end": "2024-01-01T03:00:00.000001"}
    data, _ = fastsynth.inject_drift(
        table, [{"type": "add", "columns": ["x"], "magnitude": 1, "time": instant}]
    )
    assert np.flatnonzero(data.column("x").to_numpy()).tolist() == [3]
    empty = {"column": "t", "start": "2024-01-01T03:30", "end": "2024-01-01T03:45", "end_inclusive": True}
    with pytest.raises(
        fastsynth.UsageError, match=r"time window \[2024-01-01T03:30:00, 2024-01-01T03:45:00\] holds"
    ):
        fastsynth.inject_drift(table, [{"type": "add", "columns": ["x"], "magnitude": 1, "time": empty}])
    with pytest.raises(fastsynth.UsageError, match="end_inclusive"):
        bad = {**empty, "end_inclusive": "yes"}
        fastsynth.inject_drift(table, [{"type": "add", "columns": ["x"], "magnitude": 1, "time": bad}])
