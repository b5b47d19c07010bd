"""The seed's two example schemas, written by ``fastsynth schema create-example``, and the example
files that ship with the package (``configs/`` of the repository), which the console offers."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from typing import Any

__all__ = ["EXAMPLES", "example_files"]

TABULAR: dict[str, Any] = {
    "id": {"type": "int", "min": 1000, "max": 9999},
    "name": {"type": "name"},
    "email": {"type": "email"},
    "age": {"type": "int", "min": 18, "max": 90},
    "income": {"type": "float", "mean": 50000, "std": 20000, "min": 0},
    "created_at": {"type": "datetime", "start_date": "2020-01-01", "end_date": "2023-12-31"},
    "status": {
        "type": "category",
        "categories": ["active", "inactive", "pending"],
        "probabilities": [0.7, 0.2, 0.1],
    },
}

TIMESERIES: dict[str, Any] = {
    "time_field": "timestamp",
    "time_interval_seconds": 300,
    "value": {"type": "float", "mean": 100, "std": 15, "min": 0},
    "count": {"type": "int", "min": 0, "max": 1000},
    "category": {
        "type": "category",
        "categories": ["A", "B", "C", "D"],
        "probabilities": [0.4, 0.3, 0.2, 0.1],
    },
    "trends": {"value": {"type": "linear", "strength": 0.1}},
    "seasonality": {"value": {"period": 24, "amplitude": 0.2}},
}

EXAMPLES: dict[str, dict[str, Any]] = {"tabular": TABULAR, "timeseries": TIMESERIES}


def example_files() -> dict[str, Traversable]:
    """The example schema files shipped with the package, by name (the file's stem), in name order.
    ``drift.yaml`` is left out: it holds drifts for ``fastsynth drift inject``, not a schema."""
    folder = resources.files("fastsynth") / "configs"
    found = {
        entry.name.rsplit(".", 1)[0]: entry
        for entry in folder.iterdir()
        if entry.name.endswith((".json", ".yaml")) and entry.name != "drift.yaml"
    }
    return dict(sorted(found.items()))
