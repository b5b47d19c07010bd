"""The seed's two example schemas, written by ``fastsynth schema create-example``."""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLES"]

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
