"""Avro records, checked by an independent reader (fastavro), and through a real broker."""

from __future__ import annotations

import datetime as dt
import io

import fastavro
import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.kernels.jit import set_threads, threads
from fastsynth.sinks.avro import AvroEncoder, avro_schema
from fastsynth.sinks.kafka import KafkaSink

SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name", "null_rate": 0.2},
    "score": {"type": "float", "mean": 0, "std": 1e6},
    "small": {"type": "int", "min": -100, "max": 100, "dtype": "int16"},
    "big": {"type": "int", "min": -(2**62), "max": 2**62},
    "ok": {"type": "bool", "null_rate": 0.1},
    "at": {"type": "datetime", "unit": "ms", "start_date": "2020-01-01", "end_date": "2030-01-01"},
    "day": {"type": "date", "start_date": "1960-01-01", "end_date": "2030-01-01"},
    "status": {"type": "category", "categories": ["a", "ü", "c"]},
}


def _expected(value):
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC)
    return value


@pytest.mark.slow
def test_records_decode_to_the_rows():
    """Over several of the kernel's 4,096-row chunks, written by different threads, from a sliced batch,
    with 1- to 3-byte strings last: bytes a word writes past a short string must stay in its chunk
    (the same records as on one thread, where no other thread could overwrite them)."""
    table = fastsynth.generate(SCHEMA, 9500, seed=5)
    table = table.append_column("ratio", table["score"].cast(pa.float32()))
    table = table.append_column("short", pa.array([("a", "bc", "dé")[i % 3] for i in range(9500)]))
    batch = table.combine_chunks().to_batches()[0].slice(13, 9000)
    table = pa.Table.from_batches([batch])
    encoder = AvroEncoder(table.schema)
    parsed = fastavro.parse_schema(encoder.avro_schema)
    records, size = encoder.encode(batch)
    assert size == sum(len(r) for r in records.to_pylist())
    before = threads()
    try:
        set_threads(1)
        assert encoder.encode(batch)[0] == records
    finally:
        set_threads(before)
    for row, record in zip(table.to_pylist(), records.to_pylist(), strict=True):
        decoded = fastavro.schemaless_reader(io.BytesIO(record), parsed)
        ratio = decoded.pop("ratio")
        assert ratio == pytest.approx(row.pop("ratio"), rel=1e-7)
        assert decoded == {k: _expected(v) for k, v in row.items()}


def test_the_schema_and_its_refusals():
    schema = avro_schema(pa.schema([pa.field("n-1", pa.int32(), nullable=False), ("t", pa.timestamp("ns"))]))
    assert schema["fields"] == [
        {"name": "n_1", "type": "int"},
        {"name": "t", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
    ]
    with pytest.raises(fastsynth.UsageError, match="column 'u' is uint64"):
        avro_schema(pa.schema([("u", pa.uint64())]))
    with pytest.raises(fastsynth.UsageError, match="column 'l' of type list<item: int64> has no Avro"):
        avro_schema(pa.schema([("l", pa.list_(pa.int64()))]))


def test_avro_through_kafka_with_the_wire_format(broker):
    from tests.sinks.test_kafka import consume

    table = fastsynth.generate(SCHEMA, 2000, seed=6)
    with KafkaSink(
        table.schema, topic="avro", bootstrap_servers=broker.bootstrap, value_format="avro", schema_id=7
    ) as sink:
        for batch in table.to_batches(max_chunksize=600):
            sink.write(batch)
    parsed = fastavro.parse_schema(sink.avro.avro_schema)
    messages = consume(broker.bootstrap, "avro", 2000)
    assert all(m.value()[:5] == b"\x00\x00\x00\x00\x07" for m in messages)
    ids = sorted(fastavro.schemaless_reader(io.BytesIO(m.value()[5:]), parsed)["id"] for m in messages)
    assert np.array_equal(ids, table["id"].to_numpy())
