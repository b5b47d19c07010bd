"""The seed's two example schemas, written by ``fastsynth schema create-example``, and the example
files that ship with the package (``configs/`` of the repository), which the console offers."""

from __future__ import annotations

import json
from importlib import resources
from importlib.abc import Traversable
from typing import Any

import yaml

__all__ = ["EXAMPLES", "example_document", "example_files", "example_names"]

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


def example_names() -> list[str]:
    """Every name ``example_document`` takes: the seed's two, then the shipped files'."""
    return list(dict.fromkeys([*EXAMPLES, *example_files()]))


def example_document(name: str) -> dict[str, Any] | None:
    """The schema document of the example ``name``: the seed's own for ``tabular`` and ``timeseries``
    (their files say the same), else the shipped file's, parsed; None for a name that is none."""
    if name in EXAMPLES:
        return EXAMPLES[name]
    entry = example_files().get(name)
    if entry is None:
        return None
    text = entry.read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text) if entry.name.endswith(".json") else yaml.safe_load(text)
    return document
