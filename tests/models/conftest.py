"""A small real-looking table for the fitting methods: income follows the city, age is independent."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest


@pytest.fixture(scope="session")
def people() -> pa.Table:
    rng = np.random.default_rng(11)
    n = 3_000
    city = rng.choice(["Paris", "Lyon", "Nice"], n, p=[0.6, 0.3, 0.1])
    income = np.where(city == "Paris", 50.0, np.where(city == "Lyon", 30.0, 20.0)) + rng.normal(0, 3, n)
    return pa.table(
        {
            "city": city,
            "income": income,
            "age": pa.array(rng.integers(18, 90, n), pa.int16()),
            "member": rng.random(n) < 0.3,
        }
    )
