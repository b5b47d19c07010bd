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


class _SeedStyleGenerator:
    """A generator written for the seed: its drift is ``apply_drift(data, magnitude)``."""

    def apply_drift(self, data: np.ndarray, magnitude: float) -> np.ndarray:
        return data * (1 + magnitude)


def _seed_hook(generator: _SeedStyleGenerator):
    """The seed's hook as a drift type: the hook drifts the column's values by ``magnitude``, and each
    row takes its weight's share of the change, so profiles and windows work as for built-in types."""

    def apply(ctx: Context, name: str) -> pa.Array:
        values = ctx.column(name).to_numpy().astype(np.float64)
        drifted = np.asarray(generator.apply_drift(values, ctx.number("magnitude")), np.float64)
        return pa.array(values + ctx.weights * (drifted - values))

    return Operation("many", ("numeric",), frozenset({"magnitude"}), apply)


def test_the_seeds_apply_drift_hook_as_a_registered_drift_type():
    OPERATIONS.add("seed_hook", _seed_hook(_SeedStyleGenerator()))
    try:
        table = pa.table({"x": np.full(100, 10.0)})
        drift = {"type": "seed_hook", "columns": ["x"], "magnitude": 0.5, "rows": {"start": 50}}
        drifted, log = fastsynth.inject_drift(table, [drift])
        assert drifted.column("x").to_numpy().tolist() == [10.0] * 50 + [15.0] * 50
        assert log.entries[0]["type"] == "seed_hook" and log.entries[0]["magnitude"] == 0.5
        schema = {
            "fields": {"x": {"type": "float", "mean": 10, "std": 0}},
            "drift": [
                {
                    "type": "seed_hook",
                    "columns": ["x"],
                    "magnitude": 0.5,
                    "start_row": 50,
                    "end_row": 90,
                    "profile": {"type": "fading", "transition": "linear"},
                }
            ],
        }
        made = fastsynth.generate(schema, 100, seed=1).column("x").to_numpy()
        assert made[50] == 15.0 and made[89] == 10.0 and made[70] == pytest.approx(10 + 5 * (1 - 20 / 39))
        assert (made[:50] == 10).all() and (made[90:] == 10).all()
    finally:
        OPERATIONS._items.pop("seed_hook")
