"""Inputs a quality report must take or refuse cleanly: nested columns, types that differ between the
two tables, kinds that do not fit a column, through ``fastsynth.report`` and the CLI."""

from __future__ import annotations

import pyarrow as pa
import pytest

import fastsynth
from fastsynth.reporting.privacy import distances


def _deep(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_a_deeply_nested_column_is_left_out_and_named_not_a_crash():
    # 900 levels of lists crashed polars (a segfault) when exact copies converted the table.
    real = pa.Table.from_pylist([{"deep": _deep(900), "status": s} for s in "abab" * 10])
    synthetic = pa.Table.from_pylist([{"deep": _deep(900), "status": s} for s in "aabb" * 10])
    document = fastsynth.report(real, synthetic).document
    assert document["kinds"]["deep"] == "text"
    assert document["privacy"]["skipped"] == ["deep"]
    assert document["privacy"]["exact_copies"]["count"] == 40  # equal on "status", the one compared column
    assert [c["column"] for c in document["column_shapes"]["columns"]] == ["status"]


def test_structs_and_maps_are_skipped_by_privacy():
    real = pa.table(
        {
            "s": pa.array([{"a": 1}, {"a": 2}]),
            "m": pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64())),
            "x": [1.0, 2.0],
        }
    )
    got = distances(real, real, {"s": "text", "m": "text", "x": "numerical"}, seed=0)
    assert got["skipped"] == ["s", "m"]
    assert got["exact_copies"]["count"] == 2
