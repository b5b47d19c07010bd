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


def test_exact_copies_count_the_synthetic_rows_used_against_every_real_row():
    # The real table is sampled to 5,000 of its 10,000 rows, but each of the 1,000 synthetic rows
    # copies a real row: all of them are copies, not the ~half whose real row the sample kept.
    n = 10_000
    real = pa.table({"id": pa.array(range(n), pa.int64()), "g": [f"g{i % 7}" for i in range(n)]})
    synthetic = real.slice(0, 1_000)
    document = fastsynth.report(real, synthetic, max_rows=5_000).document
    assert document["sample"] == {"rows": 5_000, "seed": 0}
    assert document["privacy"]["exact_copies"] == {"count": 1_000, "share": 1.0}


def test_exact_copies_share_is_over_the_synthetic_rows_used_when_they_are_sampled():
    n = 4_000
    real = pa.table({"id": pa.array(range(n), pa.int64())})
    synthetic = pa.table({"id": pa.array(range(n // 2, n // 2 + n), pa.int64())})  # half are copies
    document = fastsynth.report(real, synthetic, max_rows=1_000).document
    copies = document["privacy"]["exact_copies"]
    used = document["inputs"]["synthetic"]["used_rows"]
    assert used == 1_000
    assert copies["share"] == copies["count"] / used
    assert 0.4 < copies["share"] < 0.6
