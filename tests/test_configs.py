"""Every example in configs/ loads and generates."""

from __future__ import annotations

from pathlib import Path

import pytest

import fastsynth

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").iterdir())


def test_there_are_configs():
    assert {p.name for p in CONFIGS} >= {"tabular.json", "users.yaml"}


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_config_loads_and_generates(path):
    schema = fastsynth.Schema.load(path)
    table = fastsynth.generate(schema, 2000)
    assert table.num_rows == 2000 and table.schema == schema.arrow_schema()
    table.validate(full=True)
