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
