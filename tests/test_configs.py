"""Every example in configs/ loads and generates."""

from __future__ import annotations

from pathlib import Path

import pytest

import fastsynth

ROOT = Path(__file__).resolve().parents[1]
DRIFTS = ROOT / "configs" / "drift.yaml"  # drifts for `fastsynth drift inject`, not a schema
CONFIGS = sorted(p for p in (ROOT / "configs").iterdir() if p != DRIFTS)


def test_there_are_configs():
    assert {p.name for p in CONFIGS} >= {"tabular.json", "users.yaml"}


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_config_loads_and_generates(path):
    schema = fastsynth.Schema.load(path)
    table = fastsynth.generate(schema, 2000)
    assert table.schema == schema.arrow_schema()
    table.validate(full=True)
    if schema.event_time is None:
        assert table.num_rows == 2000
    else:  # duplicated and dropped rows: the ground-truth column says which
        label = table.column(schema.event_time.label).to_pylist()
        originals = len(label) - label.count("duplicate")
        assert 1900 <= originals <= 2000 and label.count("duplicate") < 100


def test_rich_schema_keeps_its_event_time():
    schema = fastsynth.Schema.load(Path(__file__).resolve().parents[1] / "configs" / "sensors.yaml")
    assert schema.event_time is not None and schema.event_time.late.rate == 0.01


def test_drift_config_applies_to_the_time_series_example():
    table = fastsynth.generate(ROOT / "configs" / "timeseries.json", 2000)
    drifted, log = fastsynth.inject_drift(table, DRIFTS)
    assert log.seed == 11 and [e["type"] for e in log.entries] == ["scale", "new_category", "nulls"]
    assert drifted.slice(0, 1000)["value"].equals(table.slice(0, 1000)["value"])
    assert all(sum(e["changed"].values()) > 0 for e in log.entries)
