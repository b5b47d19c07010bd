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


def test_a_schema_event_ends_before_its_end_unless_asked_to_include_it():
    """As in the injector: ``end_row`` and ``end_time`` are exclusive, and ``end_inclusive: true``
    puts them in the window, the profile reaching its full weight there."""
    fields = {
        "t": {"type": "time_sequence", "start": "2024-01-01", "interval_seconds": 3600},
        "x": {"type": "float", "distribution": "normal", "mean": 0, "std": 0},
    }
    ramp = {"type": "add", "columns": ["x"], "magnitude": 1, "profile": {"type": "incremental"}}
    ramp["profile"]["transition"] = "linear"

    def made(**timing):
        schema = fastsynth.Schema.from_dict({"fields": fields, "drift": [{**ramp, **timing}]})
        return fastsynth.generate(schema, 10, seed=1).column("x").to_numpy(), schema

    rows = {"start_row": 2, "end_row": 5}
    assert np.flatnonzero(made(**rows)[0]).tolist() == [3, 4]
    x, schema = made(**rows, end_inclusive=True)
    assert np.flatnonzero(x).tolist() == [3, 4, 5] and x[5] == 1.0
    assert fastsynth.Schema.from_dict(schema.to_dict()).to_dict() == schema.to_dict()
    times = {"start_time": "2024-01-01T02:00", "end_time": "2024-01-01T05:00"}
    assert np.flatnonzero(made(**times)[0]).tolist() == [3, 4]
    x, schema = made(**times, end_inclusive=True)
    assert np.flatnonzero(x).tolist() == [3, 4, 5]
    assert x[5] == 1.0 and x[[3, 4]].tolist() == pytest.approx([1 / 3, 2 / 3])
    again, _ = made(**schema.to_dict()["drift"]["events"][0] | {"type": "add"})
    assert again.tolist() == x.tolist()  # the schema's own document says the same window
    with pytest.raises(fastsynth.SchemaError, match="end_inclusive=True needs end_row or end_time"):
        made(start_row=2, end_inclusive=True)


def test_an_inclusive_end_on_a_recurrence_boundary_closes_the_last_occurrence():
    """With every_rows 10 and end_row 30 included, row 30 is the last row of the occurrence from row
    20 (at its full weight, with its direction), not an occurrence of one row of its own."""
    fields = {"x": {"type": "float", "distribution": "normal", "mean": 0, "std": 0}}
    ramp = {
        "type": "add",
        "columns": ["x"],
        "magnitude": 1,
        "start_row": 0,
        "end_row": 30,
        "end_inclusive": True,
        "every_rows": 10,
        "direction": "alternate",
        "profile": {"type": "incremental", "transition": "linear"},
    }
    x = fastsynth.generate({"fields": fields, "drift": [ramp]}, 40, seed=1).column("x").to_numpy()
    assert x[20] == 0 and x[29] == pytest.approx(1.0) and x[30] == 1.0  # up in occurrence 2, as row 29
    assert x[19] == pytest.approx(-1.0) and not x[31:].any()
    noise = {k: v for k, v in ramp.items() if k != "direction"} | {
        "type": "gaussian_noise",
        "unit": "absolute",
    }
    noise["profile"] = {"type": "abrupt"}
    y = fastsynth.generate({"fields": fields, "drift": [noise]}, 40, seed=1).column("x").to_numpy()
    assert y[30] != 0 and y[25] != 0 and not y[10:20].any()  # drifted in even occurrences, row 30 too
    schema = fastsynth.Schema.from_dict({"fields": fields, "drift": [ramp]})
    assert schema.to_dict()["drift"]["events"][0]["end_row"] == 30
    assert fastsynth.Schema.from_dict(schema.to_dict()).to_dict() == schema.to_dict()


# -- typos that delete or duplicate --------------------------------------------------------------------------


def _one_edit_apart(before: str, after: str, mode: str) -> bool:
    if mode == "delete":
        return len(after) == len(before) - 1 and any(
            before[:k] + before[k + 1 :] == after for k in range(len(before))
        )
    return len(after) == len(before) + 1 and any(
        after[:k] + after[k + 1 :] == before and after[k] == after[k - 1 + (k == 0) * 2]
        for k in range(len(after))
    )


@pytest.mark.parametrize("mode", ["delete", "duplicate"])
def test_typos_delete_or_duplicate_a_character(mode):
    names = fastsynth.generate(
        {"name": {"type": "category", "categories": ["Alice", "Bob", "Chloé", "Dmitri"]}}, 4_000, seed=2
    )
    drift = {"type": "typos", "columns": ["name"], "rate": 0.5, "modes": [mode], "rows": {"start": 1_000}}
    drifted, log = fastsynth.inject_drift(names, [drift], seed=9)
    before, after = names.column("name").to_pylist(), drifted.column("name").to_pylist()
    assert before[:1_000] == after[:1_000]
    changed = [k for k in range(4_000) if before[k] != after[k]]
    assert 0.45 < len(changed) / 3_000 < 0.55
    assert all(_one_edit_apart(before[k], after[k], mode) for k in changed)
    assert log.entries[0]["modes"] == [mode] and log.entries[0]["changed"]["name"] == len(changed)
    again, _ = fastsynth.inject_drift(names, [drift], seed=9)
    assert again.equals(drifted)


def test_typo_modes_mix_and_work_on_dictionaries_and_while_generating():
    modes = ["swap", "change", "delete", "duplicate"]
    schema = {
        "fields": {"name": {"type": "first_name"}},
        "drift": [{"type": "typos", "columns": ["name"], "rate": 1.0, "modes": modes, "start_row": 0}],
    }
    whole = fastsynth.generate(schema, 3_000, seed=4)
    pieces = [fastsynth.generate(schema, 1_000, seed=4, start=s) for s in (0, 1_000, 2_000)]
    assert pa.concat_tables(pieces).column("name").to_pylist() == whole.column("name").to_pylist()
    plain = fastsynth.generate(schema["fields"], 3_000, seed=4).column("name").to_pylist()
    lengths = {len(a) - len(b) for a, b in zip(whole.column("name").to_pylist(), plain, strict=True)}
    assert lengths == {-1, 0, 1}
    table = pa.table({"name": pa.array(plain).dictionary_encode()})
    drifted, _ = fastsynth.inject_drift(
        table, [{"type": "typos", "columns": ["name"], "rate": 1.0, "modes": modes}]
    )
    assert pa.types.is_dictionary(drifted.schema.field("name").type)
    assert {len(a) - len(b) for a, b in zip(drifted.column("name").to_pylist(), plain, strict=True)} == {
        -1,
        0,
        1,
    }


def test_typos_default_to_swap_and_change_and_refuse_unknown_modes():
    table = pa.table({"s": ["keyboard"] * 200})
    default, _ = fastsynth.inject_drift(table, [{"type": "typos", "columns": ["s"], "rate": 1.0}], seed=1)
    named, _ = fastsynth.inject_drift(
        table, [{"type": "typos", "columns": ["s"], "rate": 1.0, "modes": ["change", "swap"]}], seed=1
    )
    assert default.equals(named) and set(map(len, default.column("s").to_pylist())) == {8}
    with pytest.raises(
        fastsynth.UsageError,
        match=r"modes=\['drop'\] is not a list of typo modes; allowed: swap, change, delete, duplicate",
    ):
        fastsynth.inject_drift(table, [{"type": "typos", "columns": ["s"], "rate": 1.0, "modes": ["drop"]}])
