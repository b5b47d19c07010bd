"""Rolling files: a new file by rows, bytes or age, in date folders, each complete when visible."""

from __future__ import annotations

import time

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import fastsynth
from fastsynth.sinks.rolling import RollingSink

SCHEMA = fastsynth.Schema.from_dict(
    {"id": {"type": "sequence"}, "name": {"type": "name"}, "x": {"type": "float"}}
)
TABLE = fastsynth.generate(SCHEMA, 45_000, seed=2)


def visible(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_files_roll_by_rows_into_date_folders_and_read_back_whole(tmp_path):
    with RollingSink(TABLE.schema, tmp_path / "out", max_rows=10_000, partition="date") as sink:
        for batch in TABLE.to_batches(max_chunksize=3000):
            sink.write(batch)
            for path in visible(tmp_path):  # whatever a reader can see is a complete file
                pq.read_metadata(path)
    files = visible(tmp_path)
    assert [pq.read_metadata(p).num_rows for p in files] == [10_000] * 4 + [5000]
    assert all(p.parent.name.startswith("dt=") for p in files)
    dataset = ds.dataset(tmp_path / "out", format="parquet", partitioning="hive")
    back = dataset.to_table(columns=["id", "name", "x"]).sort_by("id")
    assert back.equals(TABLE.combine_chunks())


@pytest.mark.slow
def test_files_roll_by_size_and_by_age(tmp_path):
    with RollingSink(TABLE.schema, tmp_path / "bytes", file_format="csv", max_bytes=300_000) as sink:
        for batch in TABLE.to_batches(max_chunksize=2000):
            sink.write(batch)
    sizes = [p.stat().st_size for p in visible(tmp_path / "bytes")]
    assert len(sizes) > 3 and all(size >= 300_000 for size in sizes[:-1])
    with RollingSink(TABLE.schema, tmp_path / "age", file_format="jsonl", max_seconds=0.2) as sink:
        for batch in TABLE.slice(0, 3000).to_batches(max_chunksize=500):
            sink.write(batch)
            time.sleep(0.12)
    files = visible(tmp_path / "age")
    assert 2 <= len(files) <= 4
    assert sum(len(p.read_text().splitlines()) for p in files) == 3000


def test_an_aborted_stream_leaves_only_complete_files(tmp_path):
    with pytest.raises(RuntimeError), RollingSink(TABLE.schema, tmp_path / "out", max_rows=10_000) as sink:
        for batch in TABLE.to_batches(max_chunksize=4000):
            sink.write(batch)
        raise RuntimeError("the stream failed")
    files = list((tmp_path / "out").rglob("*"))
    assert all(not p.name.startswith(".") for p in files)
    assert [pq.read_metadata(p).num_rows for p in sorted(files)] == [10_000] * 4


def test_bad_rolling_settings(tmp_path):
    (tmp_path / "file").write_text("x")
    for kwargs, message in [
        ({"partition": "week"}, "partition='week' is not allowed; allowed: date, hour"),
        ({"file_format": "kafka"}, "file_format='kafka' is not allowed"),
        ({"max_rows": 0}, "rolling max_rows=0 is not an integer >= 1"),
        ({"max_rows": 1.5}, "rolling max_rows=1.5 is not an integer >= 1"),
        ({"max_seconds": float("inf")}, "rolling max_seconds=inf is not a number > 0"),
    ]:
        with pytest.raises(fastsynth.UsageError, match=message):
            RollingSink(TABLE.schema, tmp_path / "d", **kwargs)
    with pytest.raises(fastsynth.SinkError, match="is a file; rolling files need a directory"):
        RollingSink(TABLE.schema, tmp_path / "file")
