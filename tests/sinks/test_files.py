"""Every file sink against a real file read back with an independent reader."""

from __future__ import annotations

import json

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

import fastsynth
import fastsynth.errors
from fastsynth.schema import EXAMPLES
from fastsynth.sinks.base import FileSink
from fastsynth.sinks.console import MemorySink

SCHEMA = fastsynth.Schema.from_dict(EXAMPLES["tabular"])
ROWS = 2500


def write(path, *, batch_size=1000, **options):
    with fastsynth.open_sink(path, SCHEMA.arrow_schema(), **options) as sink:
        for batch in fastsynth.iter_batches(SCHEMA, ROWS, batch_size=batch_size, seed=3):
            sink.write(batch)
    assert sink.rows_written == ROWS
    return fastsynth.generate(SCHEMA, ROWS, seed=3)


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, for comparison with readers that decode them."""
    return pa.table(
        {
            n: c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c
            for n, c in zip(table.column_names, table.columns, strict=True)
        }
    )


def test_parquet_round_trip_and_row_groups(tmp_path):
    expected = write(tmp_path / "a.parquet", row_group_size=600, compression="zstd")
    got = pq.read_table(tmp_path / "a.parquet")
    assert got.column("created_at").type == pa.timestamp("ms")  # Parquet has no seconds unit
    assert got.to_pylist() == expected.to_pylist()
    meta = pq.ParquetFile(tmp_path / "a.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [600] * 4 + [100]
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_parquet_one_row_group_per_batch_by_default(tmp_path):
    write(tmp_path / "b.parquet")
    meta = pq.ParquetFile(tmp_path / "b.parquet").metadata
    assert meta.num_row_groups == 3
    columns = {meta.schema.column(i).name: meta.row_group(0).column(i) for i in range(meta.num_columns)}
    assert columns["id"].compression == "SNAPPY"
    assert columns["id"].statistics.has_min_max and not columns["email"].is_stats_set
    assert "RLE_DICTIONARY" in columns["status"].encodings and "RLE_DICTIONARY" in columns["age"].encodings
    assert "RLE_DICTIONARY" not in columns["email"].encodings


def test_parquet_dictionary_and_statistics_everywhere(tmp_path):
    write(tmp_path / "c.parquet", dictionary=True, statistics=True)
    column = pq.ParquetFile(tmp_path / "c.parquet").metadata.row_group(0).column(2)
    assert column.path_in_schema == "email" and column.is_stats_set


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(
    ("kind", "split_lists", "encoding"),
    [
        ("counts", None, "DELTA_BINARY_PACKED"),
        ("counts", True, "BYTE_STREAM_SPLIT"),
        ("intensities", None, "BYTE_STREAM_SPLIT"),
        ("intensities", False, "PLAIN"),
    ],
)
def test_parquet_lists_of_numbers_are_encoded_for_their_type_and_read_back_by_polars_and_duckdb(
    tmp_path, threads, kind, split_lists, encoding
):
    import duckdb
    import numpy as np

    rng = np.random.default_rng(5)
    counts = rng.negative_binomial(2, 0.01, size=(300, 50)).astype(np.int32)
    values = counts if kind == "counts" else rng.lognormal(3.0, 1.0, size=(300, 50))
    batch = pa.RecordBatch.from_arrays(
        [pa.array(np.arange(300)), pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), 50)],
        names=["Patient_ID", "expression"],
    )
    path = tmp_path / "m.parquet"
    with fastsynth.open_sink(path, batch.schema, threads=threads, split_lists=split_lists) as sink:
        sink.write(batch.slice(0, 120))
        sink.write(batch.slice(120))
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 2
    column = meta.row_group(1).column(1)
    assert column.path_in_schema == "expression.list.element"
    assert encoding in column.encodings and not column.is_stats_set
    others = {"DELTA_BINARY_PACKED", "BYTE_STREAM_SPLIT", "RLE_DICTIONARY"} - {encoding}
    assert not others & set(column.encodings)
    assert "RLE_DICTIONARY" in meta.row_group(1).column(0).encodings  # plain integers keep theirs
    assert pq.read_table(path).to_batches()[0].column(1).equals(batch.column(1).slice(0, 120))
    assert np.array_equal(np.stack(pl.read_parquet(path)["expression"].to_numpy()), values)
    (rows,) = duckdb.sql(f"SELECT expression FROM '{path}' ORDER BY Patient_ID").fetchnumpy().values()
    assert np.array_equal(np.stack(rows), values)
    with fastsynth.open_sink(tmp_path / "d.parquet", batch.schema, dictionary=True) as sink:
        sink.write(batch)
    assert (
        "RLE_DICTIONARY" in pq.ParquetFile(tmp_path / "d.parquet").metadata.row_group(0).column(1).encodings
    )
    # A column named like the list's values' path: both stay plain rather than fail.
    named = pa.RecordBatch.from_arrays(
        [pa.array(["a"] * 300), batch.column(1)], ["expression.list.element", "expression"]
    )
    with fastsynth.open_sink(tmp_path / "n.parquet", named.schema, split_lists=True) as sink:
        sink.write(named)
    assert pq.read_table(tmp_path / "n.parquet").equals(pa.Table.from_batches([named]))


def test_parquet_lists_of_half_floats_stay_plain_for_duckdb(tmp_path):
    import duckdb
    import numpy as np

    values = np.linspace(0, 1, 60, dtype=np.float16)
    batch = pa.RecordBatch.from_arrays([pa.FixedSizeListArray.from_arrays(pa.array(values), 3)], ["h"])
    with fastsynth.open_sink(tmp_path / "h.parquet", batch.schema, split_lists=True) as sink:
        sink.write(batch)
    column = pq.ParquetFile(tmp_path / "h.parquet").metadata.row_group(0).column(0)
    assert "BYTE_STREAM_SPLIT" not in column.encodings
    (rows,) = duckdb.sql(f"SELECT h FROM '{tmp_path / 'h.parquet'}'").fetchnumpy().values()
    assert np.array_equal(np.concatenate(list(rows)), values.astype(np.float32))


@pytest.mark.parametrize("name", ["c.arrow", "c.arrows"])
def test_arrow_ipc_file_and_stream(tmp_path, name):
    expected = write(tmp_path / name)
    path = tmp_path / name
    reader = ipc.open_stream(path) if name.endswith("s") else ipc.open_file(path)
    assert reader.read_all().equals(expected)


def test_csv_round_trip(tmp_path):
    expected = write(tmp_path / "d.csv")
    options = pacsv.ConvertOptions(column_types={"created_at": pa.timestamp("s")})
    got = pacsv.read_csv(tmp_path / "d.csv", convert_options=options)
    assert got.equals(_plain(expected))


def test_csv_options(tmp_path):
    write(tmp_path / "e.csv", delimiter=";", header=False)
    first = (tmp_path / "e.csv").read_text().splitlines()[0]
    assert first.count(";") == 6 and not first.startswith('"id"')


def test_csv_refuses_lists_by_name_and_leaves_nothing(tmp_path):
    schema = pa.schema([("id", pa.int64()), ("expression", pa.list_(pa.int32()))])
    with pytest.raises(fastsynth.errors.UsageError, match="column 'expression' holds list<item: int32>"):
        fastsynth.open_sink(tmp_path / "lists.csv", schema)
    assert not list(tmp_path.iterdir())


class _Unopenable(FileSink):
    def _open(self, stream):
        raise ValueError("this writer cannot start")


def test_a_sink_whose_writer_cannot_start_leaves_no_temporary_file(tmp_path):
    with pytest.raises(ValueError, match="cannot start"):
        _Unopenable(SCHEMA.arrow_schema(), tmp_path / "never.bin")
    assert not list(tmp_path.iterdir())


def test_json_lines_and_json_array(tmp_path):
    expected = write(tmp_path / "f.jsonl").to_pylist()
    lines = [json.loads(line) for line in (tmp_path / "f.jsonl").read_text().splitlines()]
    document = json.loads((write(tmp_path / "g.json") and (tmp_path / "g.json")).read_text())
    assert lines == document
    assert len(lines) == ROWS
    assert [r["email"] for r in lines] == [r["email"] for r in expected]
    assert lines[0]["created_at"] == expected[0]["created_at"].isoformat()  # ISO 8601, with a T
    assert pl.read_ndjson(tmp_path / "f.jsonl").height == ROWS


def test_empty_json_array_is_valid(tmp_path):
    with fastsynth.open_sink(tmp_path / "h.json", SCHEMA.arrow_schema()):
        pass
    assert json.loads((tmp_path / "h.json").read_text()) == []


def test_interrupted_write_leaves_no_file(tmp_path):
    target = tmp_path / "i.parquet"
    with pytest.raises(KeyboardInterrupt), fastsynth.open_sink(target, SCHEMA.arrow_schema()) as sink:
        sink.write(next(fastsynth.iter_batches(SCHEMA, 10)))
        assert list(tmp_path.iterdir())  # the temporary file exists meanwhile
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_existing_file_survives_a_failed_rewrite(tmp_path):
    target = tmp_path / "j.csv"
    target.write_text("precious")
    with pytest.raises(RuntimeError), fastsynth.open_sink(target, SCHEMA.arrow_schema()):
        raise RuntimeError("boom")
    assert target.read_text() == "precious"


def test_unwritable_and_missing_directories(tmp_path):
    with pytest.raises(fastsynth.SinkError, match="does not exist"):
        fastsynth.open_sink(tmp_path / "nope" / "k.csv", SCHEMA.arrow_schema())
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if not __import__("os").access(locked, __import__("os").W_OK):  # root can write anywhere
        with pytest.raises(fastsynth.SinkError, match="not writable"):
            fastsynth.open_sink(locked / "k.csv", SCHEMA.arrow_schema())
    with pytest.raises(fastsynth.SinkError, match="is a directory"):
        fastsynth.open_sink(tmp_path, SCHEMA.arrow_schema(), format="csv")


def test_bad_formats_and_options(tmp_path):
    with pytest.raises(fastsynth.UsageError, match=r"extension '.xyz'.*\.csv"):
        fastsynth.open_sink(tmp_path / "l.xyz", SCHEMA.arrow_schema())
    with pytest.raises(
        fastsynth.UsageError, match="unknown output format 'excel'; allowed: arrow, console, csv"
    ):
        fastsynth.open_sink(tmp_path / "l.csv", SCHEMA.arrow_schema(), format="excel")
    with pytest.raises(
        fastsynth.UsageError, match="unknown option 'level'; allowed: compression, compression_level"
    ):
        fastsynth.open_sink(tmp_path / "l.parquet", SCHEMA.arrow_schema(), level=3)
    with pytest.raises(fastsynth.UsageError, match="compression='rar'; allowed: none, snappy"):
        fastsynth.open_sink(tmp_path / "l.parquet", SCHEMA.arrow_schema(), compression="rar")
    with pytest.raises(fastsynth.UsageError, match="binary and needs an output path"):
        fastsynth.open_sink(None, SCHEMA.arrow_schema(), format="parquet")
    assert list(tmp_path.iterdir()) == []


def test_memory_sink_is_the_in_memory_twin():
    with fastsynth.open_sink(None, SCHEMA.arrow_schema(), format="memory") as sink:
        for batch in fastsynth.iter_batches(SCHEMA, ROWS, batch_size=700, seed=3):
            sink.write(batch)
    assert isinstance(sink, MemorySink) and sink.closed
    assert sink.table().equals(fastsynth.generate(SCHEMA, ROWS, seed=3, batch_size=700))
