"""Sink options: bad values refused with one UsageError naming the format, the option and what is
allowed, before any file is made."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from fastsynth.errors import UsageError
from fastsynth.sinks.base import open_sink

SCHEMA = pa.schema([pa.field("a", pa.int64())])
GROUPS = "is not an integer in [1, 67108864]"


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("x.csv", {"delimiter": ""}, "format 'csv': delimiter='' is not allowed; allowed: one ASCII"),
        ("x.csv", {"delimiter": ";;"}, "format 'csv': delimiter=';;' is not allowed"),
        ("x.csv", {"delimiter": "\n"}, "format 'csv': delimiter='\\n' is not allowed"),
        ("x.csv", {"delimiter": '"'}, "format 'csv': delimiter='\"' is not allowed"),
        ("x.csv", {"delimiter": 44}, "format 'csv': delimiter=44 is not allowed"),
        ("x.csv", {"header": "false"}, "format 'csv': header='false' is not true or false"),
        ("x.csv", {"header": 0}, "format 'csv': header=0 is not true or false"),
        ("x.parquet", {"row_group_size": 0}, f"format 'parquet': row_group_size=0 {GROUPS}"),
        ("x.parquet", {"row_group_size": -5}, f"row_group_size=-5 {GROUPS}"),
        ("x.parquet", {"row_group_size": 10**12}, f"row_group_size=1000000000000 {GROUPS}"),
        ("x.parquet", {"compression": "lzma"}, "format 'parquet': compression='lzma'; allowed: none"),
        ("x.parquet", {"compression": 3}, "format 'parquet': compression=3; allowed: none"),
        ("x.parquet", {"compression": "gzip", "compression_level": 10}, "compression_level=10 is not an"),
        ("x.parquet", {"compression_level": 3}, "compression_level=3 is not taken by compression='snappy'"),
        ("x.parquet", {"dictionary": "false"}, "format 'parquet': dictionary='false' is not true or false"),
        ("x.parquet", {"statistics": 1}, "format 'parquet': statistics=1 is not true or false"),
        ("x.arrow", {"stream": "false"}, "format 'arrow': stream='false' is not true or false"),
        ("x.arrow", {"compression": "gzip"}, "format 'arrow': compression='gzip'; allowed: none, lz4, zstd"),
    ],
)  # fmt: skip
def test_bad_options_are_refused(tmp_path, name, options, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        open_sink(tmp_path / name, SCHEMA, **options)
    assert list(tmp_path.iterdir()) == []


def test_sinks_made_directly_refuse_strings_for_booleans(tmp_path):
    from fastsynth.sinks.binary import ArrowSink, ParquetSink
    from fastsynth.sinks.text import CsvSink

    for make in (
        lambda: CsvSink(SCHEMA, tmp_path / "x.csv", header="false"),  # type: ignore[arg-type]
        lambda: ParquetSink(SCHEMA, tmp_path / "x.parquet", dictionary="no"),  # type: ignore[arg-type]
        lambda: ArrowSink(SCHEMA, tmp_path / "x.arrow", stream="false"),  # type: ignore[arg-type]
    ):
        with pytest.raises(UsageError, match="is not true or false"):
            make()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x\x00.csv", "a\x00b/x.parquet"])
def test_paths_with_nul_bytes_are_refused(tmp_path, name):
    with pytest.raises(UsageError, match="contains a NUL byte; allowed: a path without NUL characters"):
        open_sink(str(tmp_path / name), SCHEMA)


def test_rolling_checks_its_files_options_before_any_file(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UsageError, match=re.escape("format 'parquet': row_group_size=0 is not an integer")):
        open_sink(out, SCHEMA, format="rolling", row_group_size=0)
    with pytest.raises(UsageError, match=re.escape("format 'csv': header='no' is not true or false")):
        open_sink(out, SCHEMA, format="rolling", file_format="csv", header="no")
    with pytest.raises(UsageError, match=re.escape("format 'csv': unknown option 'bogus'")):
        open_sink(out, SCHEMA, format="rolling", file_format="csv", bogus=1)
    for prefix in ("../up", "a/b", "x\x00", ""):
        with pytest.raises(UsageError, match="rolling prefix="):
            open_sink(out, SCHEMA, format="rolling", prefix=prefix)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_good_options_still_write(tmp_path):
    batch = pa.record_batch([pa.array([1, 2, 3])], schema=SCHEMA)
    for name, options in [
        ("x.csv", {"delimiter": "\t", "header": False}),
        (
            "x.parquet",
            {"compression": "zstd", "compression_level": 3, "row_group_size": 2, "dictionary": False},
        ),
        ("x.arrow", {"stream": True, "compression": "lz4"}),
    ]:
        with open_sink(tmp_path / name, SCHEMA, **options) as sink:
            sink.write(batch)
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "x.csv").read_text() == "1\n2\n3\n"
