"""The Kafka sink against a real Kafka-protocol broker process on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition

import fastsynth
from fastsynth.engine import Engine
from fastsynth.errors import SinkError
from fastsynth.sinks.jsonl import JsonLines
from fastsynth.sinks.kafka import KafkaSink

SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name"},
    "score": {"type": "float", "mean": 10, "std": 2, "decimals": 3},
    "when": {"type": "datetime", "start_date": "2024-01-01", "end_date": "2024-12-31"},
    "status": {"type": "category", "categories": ["a", "b", "c"]},
}


def consume(bootstrap: str, topic: str, expected: int, timeout: float = 60.0) -> list:
    """Every message of the topic's partitions, read from the start until ``expected`` have come."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{time.monotonic_ns()}",
            "enable.auto.commit": False,
        }
    )
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = [TopicPartition(topic, p, 0) for p in metadata.topics[topic].partitions]
    consumer.assign(partitions)
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < expected and time.monotonic() < deadline:
        for message in consumer.consume(10_000, timeout=0.5):
            if message.error() is None:
                messages.append(message)
    consumer.close()
    return messages


def sink_to_a_broker_gone(broker, topic: str = "down", **options) -> KafkaSink:
    """A sink whose broker then stops; librdkafka's local queue holds only 1,000 messages."""
    schema = fastsynth.Schema.from_dict(SCHEMA).arrow_schema()
    config = {"queue.buffering.max.messages": 1000, "log_level": 0}
    sink = KafkaSink(schema, topic=topic, bootstrap_servers=broker.bootstrap, config=config, **options)
    broker.stop()
    return sink


def test_json_rows_arrive_with_keys_and_headers(broker):
    table = fastsynth.generate(SCHEMA, 5000, seed=1)
    with KafkaSink(table.schema, topic="rows", bootstrap_servers=broker.bootstrap, key_field="id") as sink:
        for batch in table.to_batches(max_chunksize=1200):
            sink.write(batch)
    assert sink.messages == 5000 and sink.delivered == 5000 and sink.failed == 0
    messages = consume(broker.bootstrap, "rows", 5000)
    assert len(messages) == 5000
    got = sorted((json.loads(m.value()) for m in messages), key=lambda row: row["id"])
    expected = table.to_pylist()
    assert [row["id"] for row in got] == [row["id"] for row in expected]
    assert [row["name"] for row in got] == [row["name"] for row in expected]
    assert [row["score"] for row in got] == [row["score"] for row in expected]
    assert [row["status"] for row in got] == [row["status"] for row in expected]
    assert [row["when"] for row in got] == [row["when"].isoformat() for row in expected]
    assert {m.key().decode() for m in messages} == {str(row["id"]) for row in expected}
    assert all(m.headers() is None for m in messages[:10])  # headers are opt-in
    # Each message is its row's JSON object, byte for byte what the JSON lines sink writes, no newline.
    data, _ = JsonLines(table.schema).encode(table.combine_chunks().to_batches()[0])
    assert sorted(m.value() for m in messages) == sorted(data.tobytes().split(b"\n")[:-1])


def test_arrow_batches_round_trip(broker):
    table = fastsynth.generate(SCHEMA, 3000, seed=2)
    with KafkaSink(
        table.schema, topic="batches", bootstrap_servers=broker.bootstrap, value_format="arrow"
    ) as sink:
        for batch in table.to_batches(max_chunksize=1000):
            sink.write(batch)
    messages = consume(broker.bootstrap, "batches", 3)
    batches = [pa.ipc.open_stream(m.value()).read_next_batch() for m in messages]
    got = pa.Table.from_batches(batches).sort_by("id")
    assert got.equals(table.combine_chunks())


def test_a_broker_outage_pauses_the_stream_and_loses_nothing(broker):
    schema = fastsynth.Schema.from_dict(SCHEMA)
    total, batch_rows = 20_000, 500
    sink = KafkaSink(
        schema.arrow_schema(),
        topic="outage",
        bootstrap_servers=broker.bootstrap,
        key_field="id",
        # The test broker keeps everything in memory, producer ids included, so after its restart it no
        # longer knows the idempotent producer and librdkafka waits for it; a real Kafka cluster keeps
        # them. Retries without idempotence show what this test is about: nothing is lost.
        config={
            "queue.buffering.max.messages": 2000,
            "message.timeout.ms": 120_000,
            "retry.backoff.ms": 200,
            "enable.idempotence": False,
            "log_level": 0,
        },
    )
    seen: set[int] = set()
    first_half = fastsynth.generate(schema, total // 2, seed=3)
    for batch in first_half.to_batches(max_chunksize=batch_rows):
        sink.write(batch)
    assert sink.flush(30) == 0  # every batch written so far handed over and acknowledged
    seen |= {json.loads(m.value())["id"] for m in consume(broker.bootstrap, "outage", total // 2)}
    assert len(seen) == total // 2

    broker.stop()  # the broker goes away mid-stream (its memory storage with it)
    writer = threading.Thread(
        target=lambda: [
            sink.write(b)
            for b in fastsynth.iter_batches(
                schema, total // 2, start=total // 2, seed=3, batch_size=batch_rows
            )
        ]
    )
    writer.start()
    time.sleep(3)
    assert writer.is_alive()  # the local queue filled up: the stream waits instead of dropping rows
    broker.start()
    writer.join(120)
    assert not writer.is_alive()
    sink.close()
    assert sink.failed == 0 and sink.messages == total
    seen |= {json.loads(m.value())["id"] for m in consume(broker.bootstrap, "outage", total // 2)}
    assert seen == set(range(1, total + 1))


def test_a_stop_while_the_broker_is_down_names_what_was_not_sent(broker):
    """``write`` returns while its batch is produced on the sender thread, so the error of a batch that
    cannot be sent comes from the next ``write`` or ``close``; ``interrupt`` (the engine's stop after
    its grace period) makes it come at once, and closing then does not wait for the broker."""
    schema = fastsynth.Schema.from_dict(SCHEMA)
    sink = sink_to_a_broker_gone(broker, flush_seconds=60)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for batch in fastsynth.iter_batches(schema, 20_000, batch_size=2000):
                sink.write(batch)
        except SinkError as exc:
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(2)
    assert writer.is_alive() and not errors  # waiting for room in the local queue, nothing dropped
    sink.interrupt()
    writer.join(30)
    assert not writer.is_alive()
    assert len(errors) == 1 and "kafka topic 'down': stopped" in str(errors[0])
    started = time.monotonic()
    sink.abort()
    assert time.monotonic() - started < 10  # not the 60 s of flush_seconds
    with pytest.raises(SinkError, match="the sink is closed"):
        sink.write(fastsynth.generate(schema, 10).to_batches()[0])

    # The last batch's error is not lost: close raises it.
    last = sink_to_a_broker_gone(broker)
    last.write(fastsynth.generate(schema, 5000).to_batches()[0])  # returns: the sender waits for room
    last.interrupt()
    with pytest.raises(SinkError, match="kafka topic 'down': stopped"):
        last.close()


def test_abort_stops_the_batch_being_sent(broker):
    schema = fastsynth.Schema.from_dict(SCHEMA)
    batch = fastsynth.generate(schema, 200_000).to_batches()[0]
    sink = KafkaSink(schema.arrow_schema(), topic="aborted", bootstrap_servers=broker.bootstrap)
    sink.write(batch)  # returns while the sender produces it, 8,192 rows at a time
    sink.abort()
    assert sink.rows_written == 200_000 and 0 <= sink.messages < 200_000


def test_waits_are_bounded_while_the_broker_is_down(broker):
    schema = fastsynth.Schema.from_dict(SCHEMA)
    sink = sink_to_a_broker_gone(broker, flush_seconds=3)
    sink.write(fastsynth.generate(schema, 5000).to_batches()[0])
    started = time.monotonic()
    assert sink.flush(1) == 5000  # a thousand in librdkafka's queue, the rest not yet handed over
    assert time.monotonic() - started < 5
    started = time.monotonic()
    with pytest.raises(SinkError, match=r"5000 messages not delivered after 3 s"):
        sink.close()
    assert time.monotonic() - started < 5  # flush_seconds, not twice that

    # Every row handed over, the wait is the final flush's: an interrupt ends it too.
    handed = sink_to_a_broker_gone(broker, flush_seconds=30)
    handed.write(fastsynth.generate(schema, 500).to_batches()[0])
    threading.Timer(1.0, handed.interrupt).start()
    started = time.monotonic()
    with pytest.raises(SinkError, match=r"500 messages not delivered"):
        handed.close()
    assert time.monotonic() - started < 5


def test_a_message_the_client_refuses_ends_the_count_where_it_stopped(broker):
    """Not every refusal is a full queue: a message over ``message.max.bytes`` makes ``produce`` raise,
    and ``messages`` still counts exactly those before it."""
    table = fastsynth.generate(SCHEMA, 100, seed=4)
    names = table["name"].to_pylist()
    names[60] = "x" * 5000
    table = table.set_column(table.schema.get_field_index("name"), "name", pa.array(names))
    config = {"message.max.bytes": 2000}
    sink = KafkaSink(table.schema, topic="big", bootstrap_servers=broker.bootstrap, config=config)
    sink.write(table.to_batches()[0])
    with pytest.raises(KafkaException, match="MSG_SIZE_TOO_LARGE"):
        sink.close()
    assert sink.messages == 60 and sink._unsent() == 40


def test_an_engine_stop_ends_a_kafka_stream_whose_broker_is_down(broker):
    """The stream's rows are all handed over, so its writer is closing the sink, not writing, when the
    stop comes: the engine's interrupt reaches the sink there."""
    schema = fastsynth.Schema.from_dict(SCHEMA)
    sink = sink_to_a_broker_gone(broker, flush_seconds=60)
    engine = Engine()
    stream = engine.add_stream("s", schema, rate=1e6, batch_size=5000, max_rows=5000, sinks={"k": sink})
    time.sleep(2)
    started = time.monotonic()
    assert engine.stop(timeout=30, grace=1)
    assert time.monotonic() - started < 15
    assert isinstance(stream.error, SinkError) and "kafka topic 'down'" in str(stream.error)


@pytest.mark.subprocess
def test_a_sink_left_open_does_not_hold_up_the_exit():
    """The batch being sent waits for a broker that is not there; the process still ends when its
    script does (the sender is a daemon thread; an executor's worker would be waited for)."""
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parents[2])!r})
import fastsynth
from fastsynth.sinks.kafka import KafkaSink
from tests.kafka_broker import free_port
schema = fastsynth.Schema.from_dict({{"id": {{"type": "sequence"}}}})
sink = KafkaSink(schema.arrow_schema(), topic="t", bootstrap_servers=f"127.0.0.1:{{free_port()}}",
                 config={{"queue.buffering.max.messages": 1000, "log_level": 0}})
sink.write(fastsynth.generate(schema, 5000).to_batches()[0])
print("left open", flush=True)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "left open\n", done.stderr


def test_a_batch_of_other_columns_is_refused_at_once(broker):
    sink = KafkaSink(pa.schema([("a", pa.int64())]), topic="t", bootstrap_servers=broker.bootstrap)
    with pytest.raises(SinkError, match=r"a batch of columns \['b'\] and types \['int64'\], not the sink's"):
        sink.write(pa.record_batch({"b": [1]}))
    sink.close()


def test_bad_kafka_settings_are_named():
    schema = fastsynth.Schema.from_dict(SCHEMA).arrow_schema()
    with pytest.raises(fastsynth.UsageError, match="kafka key_field='nope' is not a column"):
        KafkaSink(schema, topic="t", key_field="nope")
    with pytest.raises(fastsynth.UsageError, match="value_format='xml' is not allowed"):
        KafkaSink(schema, topic="t", value_format="xml")
    with pytest.raises(fastsynth.UsageError, match="kafka producer settings"):
        KafkaSink(schema, topic="t", config={"linger.ms": "soon"})
    registry_id = r"kafka schema_id=-1 is not an integer in \[0, 2147483648\)"
    with pytest.raises(fastsynth.UsageError, match=registry_id):
        KafkaSink(schema, topic="t", value_format="avro", schema_id=-1)
