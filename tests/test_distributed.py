"""Generation on a real Dask cluster: worker processes on 127.0.0.1, files and partitions checked against
one process's rows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from dask.distributed import Client, LocalCluster

import fastsynth
from fastsynth.distributed import dataframe, ranges, write
from fastsynth.errors import SinkError, UsageError
from fastsynth.schema import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name"},
    "email": {"type": "email"},
    "score": {"type": "float", "mean": 10, "std": 2},
    "when": {"type": "datetime", "start_date": "2024-01-01", "end_date": "2024-12-31"},
    "status": {"type": "category", "categories": ["a", "b", "c"]},
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("dask")
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            local_directory=str(scratch),
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


def read_arrow(files) -> pa.Table:
    return pa.concat_tables(ipc.open_file(str(f)).read_all() for f in files)


def test_ranges_cover_the_rows_once():
    assert ranges(10, 4, start=5) == [(5, 4), (9, 4), (13, 2)]
    assert ranges(0, 4) == []
    with pytest.raises(UsageError, match="rows per part=0 is not an integer >= 1"):
        ranges(10, 0)


@pytest.mark.server
def test_files_written_by_the_workers_join_into_one_processs_rows(client, tmp_path):
    report = write(
        SCHEMA,
        250_001,
        tmp_path / "out",
        client=client,
        format="arrow",
        rows_per_file=60_000,
        seed=3,
        start=17,
    )
    assert [f.name for f in report.files] == [f"part-{k:05d}.arrow" for k in range(5)]
    assert report.rows == 250_001 and report.workers == 2
    assert report.bytes == sum(f.stat().st_size for f in report.files)
    assert read_arrow(report.files).equals(fastsynth.generate(SCHEMA, 250_001, seed=3, start=17))
    # Another split gives the same rows: a row depends on its index only.
    other = write(
        SCHEMA,
        250_001,
        tmp_path / "other",
        client=client,
        format="arrow",
        rows_per_file=100_000,
        seed=3,
        start=17,
    )
    assert read_arrow(other.files).equals(read_arrow(report.files))


@pytest.mark.server
def test_parquet_parts_hold_the_same_values(client, tmp_path):
    report = write(EXAMPLES["tabular"], 100_000, tmp_path, client=client, rows_per_file=40_000)
    got = pa.concat_tables(pq.read_table(f) for f in report.files)
    expected = fastsynth.generate(EXAMPLES["tabular"], 100_000)
    for name in expected.column_names:  # Parquet keeps seconds as milliseconds
        assert got.column(name).cast(expected.schema.field(name).type).equals(expected.column(name)), name


@pytest.mark.server
def test_a_failing_job_leaves_the_folder_as_it_was(client, tmp_path):
    folder = tmp_path / "out"
    with pytest.raises(UsageError, match="format 'parquet': compression='fast'; allowed: none, snappy"):
        write(SCHEMA, 50_000, folder, client=client, rows_per_file=10_000, options={"compression": "fast"})
    assert list(folder.iterdir()) == []


@pytest.mark.server
def test_refusals(client, tmp_path):
    (tmp_path / "part-00000.parquet").write_bytes(b"")
    with pytest.raises(
        SinkError, match=re.escape("already holds part-*.parquet files; give an empty folder")
    ):
        write(SCHEMA, 10, tmp_path, client=client)
    with pytest.raises(UsageError, match="format 'memory' does not write files"):
        write(SCHEMA, 10, tmp_path / "m", client=client, format="memory")


@pytest.mark.server
def test_a_dask_dataframe_of_the_rows(client):
    frame = dataframe(SCHEMA, 25_000, rows_per_partition=10_000, seed=8)
    assert frame.npartitions == 3
    computed = frame.compute()
    expected = fastsynth.generate(SCHEMA, 25_000, seed=8).to_pandas()
    assert computed["name"].tolist() == expected["name"].tolist()
    assert computed["score"].tolist() == expected["score"].tolist()
    assert computed["id"].tolist() == list(range(1, 25_001))


@pytest.mark.subprocess
def test_gen_with_local_dask_workers(tmp_path):
    out = tmp_path / "lake"
    flags = ["--rows", "50000", "--dask-workers", "2", "--rows-per-file", "20000", "--format", "arrow"]
    command = [sys.executable, "-m", "fastsynth", "gen", "configs/tabular.json", *flags, "--output", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "wrote 50,000 rows in 3 files" in result.stderr and "on 2 Dask workers" in result.stderr
    files = sorted(out.glob("part-*.arrow"))
    assert read_arrow(files).equals(fastsynth.generate(EXAMPLES["tabular"], 50_000))
    refused = subprocess.run(
        [sys.executable, "-m", "fastsynth", "gen", "configs/tabular.json", "--dask-workers", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert refused.returncode == 1
    assert (
        refused.stderr.strip()
        == "error: --dask-scheduler and --dask-workers write part files: give --output DIR"
    )
