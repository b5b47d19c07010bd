"""With ``threads``, the Parquet sink encodes row groups at once and joins them: the file is the bytes
pyarrow's own writer makes from the same row groups, whatever the sink's options, and three independent
readers agree."""

from __future__ import annotations

import datetime as dt
import struct

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fastsynth
from fastsynth.schema import EXAMPLES
from fastsynth.sinks.parquet_join import JoinedWriter, join_footers, read_footer

OPTIONS = {
    "compression": "snappy",
    "use_dictionary": ["id", "age", "status"],
    "write_statistics": ["id", "age", "income", "created_at", "status"],
}


def seed_rows(rows: int, batch_size: int) -> pa.Table:
    return fastsynth.generate(EXAMPLES["tabular"], rows, seed=5, batch_size=batch_size)


def with_sink(path, table: pa.Table, **options) -> bytes:
    with fastsynth.open_sink(path, table.schema, threads=2, **options) as sink:
        for batch in table.to_batches():
            sink.write(batch)
    return path.read_bytes()


def with_pyarrow(path, table: pa.Table, row_group_size=None, **options) -> bytes:
    with pq.ParquetWriter(path, table.schema, **{**OPTIONS, **options}) as writer:
        if row_group_size is None:
            for batch in table.to_batches():
                writer.write_batch(batch)
        else:
            writer.write_table(table, row_group_size=row_group_size)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ({}, {}),
        ({"compression": "zstd", "compression_level": 9}, {"compression": "zstd", "compression_level": 9}),
        ({"dictionary": True, "statistics": False}, {"use_dictionary": True, "write_statistics": False}),
        ({"compression": "none", "row_group_size": 7_000}, {"compression": "none", "row_group_size": 7_000}),
    ],
    ids=["defaults", "zstd-9", "dictionary-everywhere", "regrouped"],
)
@pytest.mark.slow
def test_the_joined_file_is_the_bytes_of_pyarrows_writer(tmp_path, ours, theirs):
    table = seed_rows(50_000, 3_000)  # 17 row groups: past the 15 a short list header holds
    assert with_sink(tmp_path / "ours.parquet", table, **ours) == with_pyarrow(
        tmp_path / "theirs.parquet", table, **theirs
    )


def test_types_nulls_and_one_row_groups_survive_the_join(tmp_path):
    size = 1_000
    rng = np.random.default_rng(1)
    holes = rng.random(size) < 0.2
    table = pa.table(
        {
            "half": pa.array(rng.normal(size=size).astype(np.float16)),
            "big": pa.array(rng.integers(0, 2**63, size, dtype=np.uint64), mask=holes),
            "when": pa.array(
                [dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i) for i in range(size)],
                pa.timestamp("us", "UTC"),
            ),
            "tags": pa.array([[str(i), "x"] if i % 3 else None for i in range(size)], pa.list_(pa.string())),
            "day": pa.array(np.arange(size, dtype=np.int32), pa.int32()).cast(pa.date32()),
        }
    )
    batches = [b for k in range(0, size, 250) for b in table.slice(k, 250).to_batches()]
    one_row = table.slice(5, 1)
    for name, rows in (("many", pa.Table.from_batches(batches)), ("single", one_row)):
        ours = with_sink(tmp_path / f"{name}.parquet", rows)
        options = {
            "use_dictionary": ["big", "day"],
            "write_statistics": ["half", "big", "when", "tags", "day"],
        }
        assert ours == with_pyarrow(tmp_path / f"{name}-theirs.parquet", rows, **options)
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(rows)


def test_an_empty_file_has_its_schema_and_no_row_group(tmp_path):
    schema = seed_rows(1, 1).schema
    with fastsynth.open_sink(tmp_path / "empty.parquet", schema, threads=2):
        pass
    meta = pq.ParquetFile(tmp_path / "empty.parquet").metadata
    assert meta.num_rows == 0 and meta.num_row_groups == 0
    assert pq.read_table(tmp_path / "empty.parquet").schema.names == schema.names


def test_an_empty_batch_is_an_empty_row_group_as_pyarrow_writes_it(tmp_path):
    table = seed_rows(10, 10)
    empty = table.slice(0, 0)
    rows = pa.concat_tables([table, empty, table]).to_batches()
    with fastsynth.open_sink(tmp_path / "ours.parquet", table.schema, threads=2) as sink:
        for batch in rows:
            sink.write(batch)
    with fastsynth.open_sink(tmp_path / "theirs.parquet", table.schema) as sink:
        for batch in rows:
            sink.write(batch)
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    assert pq.ParquetFile(theirs).metadata.num_row_groups == 3
    assert ours.read_bytes() == theirs.read_bytes()


@pytest.mark.slow
def test_pyarrow_polars_and_duckdb_read_the_same_rows(tmp_path):
    table = seed_rows(30_000, 4_096)
    path = tmp_path / "rows.parquet"
    with_sink(path, table)
    by_pyarrow = pq.read_table(path)
    plain = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in by_pyarrow.columns]
    expected = pa.table(dict(zip(by_pyarrow.column_names, plain, strict=True)))
    by_polars = pl.read_parquet(path).to_arrow()
    by_duckdb = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").to_arrow_table()
    for other in (by_polars, by_duckdb):
        for name in expected.column_names:
            column = other.column(name)
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            assert column.to_pylist() == expected.column(name).to_pylist(), name
    assert by_pyarrow.column("id").to_pylist() == table.column("id").to_pylist()


def test_a_footer_read_and_written_back_is_the_same_bytes(tmp_path):
    data = with_pyarrow(tmp_path / "f.parquet", seed_rows(20_000, 5_000))
    (size,) = struct.unpack_from("<I", data, len(data) - 8)
    footer = read_footer(data)
    assert footer.num_rows == 20_000 and footer.groups[1] == 4
    assert join_footers([footer], [4]) == data[len(data) - 8 - size : len(data) - 8]


def test_wide_files_are_pyarrows_bytes(tmp_path):
    """300 columns (each chunk's offsets moved in the footer) in 20 row groups: pyarrow's bytes."""
    rng = np.random.default_rng(3)
    table = pa.table({f"c{i}": rng.integers(0, 50, 200, dtype=np.int32) for i in range(300)})
    options = {"compression": "zstd", "write_statistics": True}
    with pq.ParquetWriter(tmp_path / "theirs.parquet", table.schema, **options) as writer:
        writer.write_table(table, row_group_size=10)
    with (tmp_path / "ours.parquet").open("wb") as stream:
        joined = JoinedWriter(stream, table.schema, 2, **options)
        joined.write_table(table, row_group_size=10)
        joined.close()
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "theirs.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "ours.parquet").metadata.num_row_groups == 20


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(out + bytes([n]))


def _struct(*fields: tuple[int, int, bytes]) -> bytes:
    """A struct in Thrift's compact protocol: (id, type, value bytes) a field, ids ascending."""
    out, last = bytearray(), 0
    for field, kind, value in fields:
        out += bytes([(field - last) << 4 | kind]) + value
        last = field
    return bytes(out + b"\0")


def _number(n: int) -> bytes:
    return _varint(n << 1)  # zigzag of a non-negative number


_I16, _I32, _I64, _BINARY, _LIST, _STRUCT = 4, 5, 6, 8, 9, 12


def _row_group(base: int, ordinal: int) -> bytes:
    """A row group whose one column chunk starts at byte ``base``, with every offset the join moves (an
    ordinal, the chunk's file offset, page index and bloom filter offsets: pyarrow writes none of them
    unless asked) and an offset of 0, for none, which stays."""
    meta = _struct(
        (9, _I64, _number(base + 20)),  # data page
        (10, _I64, _number(0)),  # index page: none
        (11, _I64, _number(base)),  # dictionary page
        (14, _I64, _number(base + 40)),  # bloom filter
    )
    chunk = _struct(
        (2, _I64, _number(base)),
        (3, _STRUCT, meta),
        (4, _I64, _number(base + 50)),  # offset index
        (5, _I32, _number(20)),
        (6, _I64, _number(base + 70)),  # column index
        (7, _I32, _number(30)),
    )
    return _struct(
        (1, _LIST, _list_header(1) + chunk),
        (2, _I64, _number(5000)),
        (3, _I64, _number(10)),
        (5, _I64, _number(base)),
        (7, _I16, _number(ordinal)),
    )


def _list_header(size: int) -> bytes:
    """A list of ``size`` structs: the size in the header's high bits, or 15 there and a varint after."""
    return bytes([size << 4 | _STRUCT]) if size < 15 else bytes([0xF0 | _STRUCT]) + _varint(size)


def _file_footer(groups: list[bytes], rows: int) -> bytes:
    return _struct(
        (1, _I32, _number(2)),
        (3, _I64, _number(rows)),
        (4, _LIST, _list_header(len(groups)) + b"".join(groups)),
        (6, _BINARY, _varint(3) + b"abc"),
    )


def test_every_offset_moves_and_row_groups_are_numbered():
    """Two files of one row group each, their chunks at byte 4: joined at bytes 4 and 204, every offset
    moves by where its chunk now lies, and the second row group is numbered 1."""
    files = []
    for body in (b"x" * 200, b"y" * 300):  # where a chunk moves to depends on the bodies before it
        footer = _file_footer([_row_group(4, 0)], 10)
        files.append(read_footer(b"PAR1" + body + footer + struct.pack("<I", len(footer)) + b"PAR1"))
    joined = join_footers(files, [4, 204])
    assert joined == _file_footer([_row_group(4, 0), _row_group(204, 1)], 20)
    many = join_footers(files[:1] * 20, [4 + 200 * k for k in range(20)])  # a list past 14 items
    assert many == _file_footer([_row_group(4 + 200 * k, k) for k in range(20)], 200)


def test_damaged_footers_are_refused_or_read_never_a_crash(tmp_path):
    """Bytes changed or cut anywhere in a footer: a ValueError or a footer, never a read outside it."""
    data = with_pyarrow(tmp_path / "f.parquet", seed_rows(2_000, 500))
    (size,) = struct.unpack_from("<I", data, len(data) - 8)
    start = len(data) - 8 - size
    rng = np.random.default_rng(7)
    refused = 0
    for trial in range(400):
        footer = bytearray(data[start : len(data) - 8])
        if trial % 2:
            footer = footer[: rng.integers(0, len(footer))]
        else:
            for at in rng.integers(0, len(footer), 3):
                footer[at] = rng.integers(0, 256)
        damaged = data[:start] + bytes(footer) + struct.pack("<I", len(footer)) + b"PAR1"
        try:
            join_footers([read_footer(damaged)], [4])
        except ValueError as error:
            assert str(error).startswith("not a Parquet file"), error
            refused += 1
    assert refused > 200  # every cut footer, and most changed ones
    negative = bytes.fromhex("1502190c160019fc" + "ff" * 9 + "010000")  # 2**64 - 1 row groups: -1 in int64
    with pytest.raises(ValueError, match="not a Parquet file"):
        read_footer(b"PAR1" + negative + struct.pack("<I", len(negative)) + b"PAR1")


@pytest.mark.parametrize("damaged", [b"", b"PAR1", b"NOPE" + b"\0" * 20, b"PAR1\xff\xff\xff\x7fPAR1"])
def test_what_is_not_a_parquet_file_is_refused(damaged):
    with pytest.raises(ValueError, match="not a Parquet"):
        read_footer(damaged)


def test_one_thread_is_pyarrows_writer_and_bad_thread_counts_are_refused(tmp_path):
    table = seed_rows(20_000, 5_000)
    with fastsynth.open_sink(tmp_path / "one.parquet", table.schema) as sink:
        for batch in table.to_batches():
            sink.write(batch)
    assert (tmp_path / "one.parquet").read_bytes() == with_sink(tmp_path / "two.parquet", table)
    for bad in (0, 65, True, "2"):
        with pytest.raises(fastsynth.UsageError, match="format 'parquet': threads="):
            fastsynth.open_sink(tmp_path / "bad.parquet", table.schema, threads=bad)


def test_a_batch_past_pyarrows_row_group_is_split_as_pyarrow_splits_it(tmp_path):
    table = pa.table({"v": np.arange(1_500_000, dtype=np.int32)})
    one = with_pyarrow(tmp_path / "one.parquet", table, use_dictionary=False, write_statistics=False)
    two = with_sink(tmp_path / "two.parquet", table, dictionary=False, statistics=False)
    meta = pq.ParquetFile(tmp_path / "two.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1_048_576, 451_424]
    assert one == two


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_an_aborted_stream_is_never_a_valid_file(threads):
    """pyarrow's writer writes its footer when collected: an output cut short by an error must not end
    with one, or a reader would take the truncated rows for the whole."""
    import gc
    import io

    table = seed_rows(10_000, 2_000)
    out = io.BytesIO()
    sink = fastsynth.open_sink(out, table.schema, format="parquet", threads=threads)
    for batch in table.to_batches()[:3]:
        sink.write(batch)
    sink.abort()
    del sink
    gc.collect()
    with pytest.raises(pa.ArrowInvalid):
        pq.read_table(io.BytesIO(out.getvalue()))
    assert not out.closed  # the caller's stream stays the caller's
