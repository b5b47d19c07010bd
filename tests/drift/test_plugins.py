"""Drift types are a registry like fields and sinks: a plugin's type works in inject_drift and in
schemas, under the name it was registered with."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.drift import OPERATIONS
from fastsynth.drift.operations import Context, Operation


def _clip(ctx: Context, name: str) -> pa.Array:
    """Values of drifted rows clipped at ``ceiling``."""
    values = ctx.table.column(name).to_numpy().astype(np.float64)
    ceiling = ctx.number("ceiling")
    return pa.array(np.where(ctx.weights > 0, np.minimum(values, ceiling), values))


@pytest.fixture
def clip():
    OPERATIONS.add("clip", Operation("many", ("numeric",), frozenset({"ceiling"}), _clip))
    yield
    OPERATIONS._items.pop("clip")


def test_a_registered_drift_type_runs_in_inject_drift_and_in_schemas(clip):
    assert "clip" in OPERATIONS.names()
    table = fastsynth.generate({"x": {"type": "float", "min": 0, "max": 10}}, 1_000, seed=3)
    drifted = fastsynth.inject_drift(
        table, [{"type": "clip", "columns": ["x"], "ceiling": 5, "rows": {"start": 500}}]
    )
    x = drifted.data.column("x").to_numpy()
    assert x[500:].max() <= 5 and x[:500].max() > 5
    assert np.array_equal(x[:500], table.column("x").to_numpy()[:500])
    schema = {
        "fields": {"x": {"type": "float", "min": 0, "max": 10}},
        "drift": [{"type": "clip", "columns": ["x"], "ceiling": 5, "start_row": 500}],
    }
    made = fastsynth.generate(schema, 1_000, seed=3).column("x").to_numpy()
    assert np.array_equal(made, x)  # the same drift, applied while generating


def test_unknown_drift_types_list_the_registered_ones(clip):
    with pytest.raises(fastsynth.UsageError, match=r"type='clamp' is not a drift type; allowed: .*\bclip\b"):
        fastsynth.inject_drift(pa.table({"x": [1.0]}), [{"type": "clamp", "columns": ["x"]}])
