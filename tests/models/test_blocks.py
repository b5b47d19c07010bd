"""Synthesis by blocks: one model per block, block column and timestamps, drift named by blocks."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.errors import UsageError


@pytest.fixture(scope="module")
def months() -> pa.Table:
    rng = np.random.default_rng(3)
    n = 3_000
    return pa.table(
        {
            "month": np.repeat(["2024-01", "2024-02", "2024-03"], 1_000),
            "x": rng.normal(0, 1, n) + np.repeat([0.0, 5.0, 10.0], 1_000),
            "kind": rng.choice(["a", "b"], n),
        }
    )


@pytest.mark.parametrize("method", ["copula", "resample"])
def test_each_block_follows_its_own_rows(months: pa.Table, method: str) -> None:
    schema = fastsynth.fit_blocks(months, method=method, block_column="month", rows={"2024-02": 500})
    assert schema.capacity() == 2_500
    made = pl.from_arrow(fastsynth.generate(schema, 2_500, seed=1))
    summary = made.group_by("month", maintain_order=True).agg(pl.len(), pl.col("x").mean())
    assert summary["month"].to_list() == ["2024-01", "2024-02", "2024-03"]
    assert summary["len"].to_list() == [1_000, 500, 1_000]
    assert summary["x"].to_list() == pytest.approx([0.0, 5.0, 10.0], abs=0.15)
    part = fastsynth.generate(schema, 900, seed=1, start=1_200)
    assert part.equals(fastsynth.generate(schema, 2_500, seed=1).slice(1_200, 900))


def test_blocks_by_chunks_and_by_time(months: pa.Table) -> None:
    chunks = fastsynth.fit_blocks(months, method="resample", chunk_size=700, rows=10)
    made = fastsynth.generate(chunks, chunks.capacity(), seed=2)
    assert made.column("block").to_pylist() == [b for b in range(1, 6) for _ in range(10)]
    by_time = fastsynth.fit_blocks(months, method="resample", time_column="month", rows=4)
    assert fastsynth.generate(by_time, 12, seed=2).column("month").to_pylist() == [
        m for m in ("2024-01", "2024-02", "2024-03") for _ in range(4)
    ]


def test_block_dates_and_drift_named_by_blocks(months: pa.Table, tmp_path) -> None:
    schema = fastsynth.fit_blocks(
        months,
        method="resample",
        block_column="month",
        rows=1_000,
        dates={"start": "2024-01-31", "step": {"months": 1}},
        drift=[
            {
                "type": "shift",
                "columns": ["x"],
                "magnitude": 100,
                "unit": "absolute",
                "blocks": ["2024-02", "2024-02"],
            }
        ],
    )
    made = pl.from_arrow(fastsynth.generate(schema, 3_000, seed=4))
    stamps = made.group_by("month", maintain_order=True).agg(pl.col("timestamp").first())["timestamp"]
    assert [t.isoformat() for t in stamps] == [
        "2024-01-31T00:00:00",
        "2024-02-29T00:00:00",
        "2024-03-31T00:00:00",
    ]
    means = made.group_by("month", maintain_order=True).agg(pl.col("x").mean())["x"].to_list()
    assert means == pytest.approx([0.0, 105.0, 10.0], abs=0.15)  # only the named block drifted
    schema.save(tmp_path / "blocks.fsm")
    again = fastsynth.generate(fastsynth.Schema.load(tmp_path / "blocks.fsm"), 3_000, seed=4)
    assert pl.from_arrow(again).equals(made)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of block_column, chunk_size, time_column; given: none"),
        ({"block_column": "month", "chunk_size": 3}, "given: block_column, chunk_size"),
        ({"block_column": "week"}, "block_column='week' is not a column"),
        ({"chunk_size": 0}, "chunk_size=0 is not an integer >= 1"),
        (
            {"block_column": "month", "rows": {"2025-01": 3}},
            "rows names block '2025-01', which does not exist",
        ),
        ({"block_column": "month", "rows": -2}, "rows=-2"),
        (
            {"block_column": "month", "drift": [{"type": "shift", "columns": ["x"], "blocks": ["x", "y"]}]},
            "drift blocks",
        ),
    ],
)
def test_bad_block_settings_are_named(months: pa.Table, options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        fastsynth.fit_blocks(months, method="resample", **options)


def test_rows_past_the_blocks_are_refused(months: pa.Table) -> None:
    schema = fastsynth.fit_blocks(months, method="resample", block_column="month", rows=5)
    with pytest.raises(Exception, match="15 rows"):
        fastsynth.generate(schema, 16, seed=1)


@pytest.mark.subprocess
def test_the_cli_fits_blocks(months: pa.Table, tmp_path) -> None:
    import subprocess
    import sys

    import pyarrow.parquet as pq

    pq.write_table(months, tmp_path / "months.parquet")
    command = [sys.executable, "-m", "fastsynth"]
    fitted = subprocess.run(
        [
            *command,
            "fit",
            "months.parquet",
            "-m",
            "resample",
            "--block-column",
            "month",
            "--block-rows",
            "4",
            "-o",
            "m.fsm",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert fitted.returncode == 0, fitted.stderr
    made = subprocess.run(
        [*command, "gen", "m.fsm", "--format", "csv"], cwd=tmp_path, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.splitlines()) == 1 + 12  # every block's rows by default
    bad = subprocess.run(
        [*command, "fit", "months.parquet", "--block-rows", "4"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode != 0 and "--block-column" in bad.stderr


def test_block_labels_keep_their_type_in_a_model_file(tmp_path) -> None:
    stamps = pa.array([0, 0, 86_400_000_000, 86_400_000_000], pa.timestamp("us", tz="Europe/Paris"))
    for labels in (pa.array([1, 1, 2, 2], pa.int8()), stamps):
        table = pa.table({"block": labels, "x": [1.0, 2.0, 3.0, 4.0]})
        schema = fastsynth.fit_blocks(table, method="resample", block_column="block", rows=3)
        loaded = fastsynth.Schema.load(schema.save(tmp_path / "labels.fsm"))
        assert loaded.arrow_schema().field("block").type == labels.type
        assert fastsynth.generate(loaded, 6, seed=1).equals(fastsynth.generate(schema, 6, seed=1))
