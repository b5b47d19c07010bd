"""Streaming, side by side in one run: fastsynth into Kafka against raw confluent-kafka, and pacing.

    python benchmarks/bench_stream.py            # full sizes (about a minute and a half)
    python benchmarks/bench_stream.py --quick    # tiny sizes: checks the script works, not the speed

1. Kafka, JSON and Avro rows: ``KafkaSink`` writing rows of the seed's tabular schema as they are
   generated (serialisation included) against a raw confluent-kafka ``Producer`` sending the very same
   messages, serialised beforehand, with the same settings, to the same broker (a Tansu process on
   127.0.0.1, memory storage), each until flushed, and for JSON the same messages through the client's
   batch call (``produce_batch``, which takes a dict per message); they alternate five times and the
   medians are compared, since the broker shares the machine's two cores with them.
2. Pacing: the engine at 10,000 rows/s for 30 s into a sink that records arrivals: the total against
   the schedule and the worst one-second window; beside it the seed's loop (a batch, then a sleep of
   one second), whose rows arrive as one burst per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, machine

import fastsynth
from fastsynth.engine import Engine
from fastsynth.sinks.avro import AvroEncoder
from fastsynth.sinks.console import MemorySink
from fastsynth.sinks.jsonl import JsonLines
from fastsynth.sinks.kafka import _DEFAULTS, KafkaSink, _messages

sys.path.insert(0, str(ROOT))
import itertools

from tests.kafka_broker import Broker

TABULAR = ROOT / "configs" / "tabular.json"
SETTINGS = {k: v for k, v in _DEFAULTS.items() if k != "delivery.report.only.error"}


def fastsynth_kafka(bootstrap: str, rows: int, value_format: str = "json") -> float:
    """Rows per second of generation + serialisation + produce + flush."""
    schema = fastsynth.Schema.load(TABULAR)
    started = time.perf_counter()
    with KafkaSink(
        schema.arrow_schema(),
        topic="fastsynth",
        bootstrap_servers=bootstrap,
        key_field="id",
        value_format=value_format,
    ) as sink:
        for batch in fastsynth.iter_batches(schema, rows, batch_size=50_000):
            sink.write(batch)
    return rows / (time.perf_counter() - started)


def raw_kafka(
    bootstrap: str, rows: int, batched: bool = False, value_format: str = "json"
) -> tuple[float, float]:
    """(messages per second, mean message bytes) of a plain Producer over pre-serialised messages: one
    ``produce`` and ``poll(0)`` each, or with ``batched`` ``produce_batch`` of 10,000 messages at a time
    (the client's batch call, which takes a dict per message)."""
    from confluent_kafka import Producer

    table = fastsynth.generate(TABULAR, rows)
    if value_format == "avro":
        avro = AvroEncoder(table.schema)
        values = [v for batch in table.to_batches() for v in avro.encode(batch)[0].to_pylist()]
    else:
        encoder = JsonLines(table.schema, newline=False)
        values = [v for batch in table.to_batches() for v in _messages(*encoder.encode(batch))]
    keys = [str(k).encode() for k in table["id"].to_pylist()]  # bytes, as the sink sends them
    producer = Producer({**SETTINGS, "bootstrap.servers": bootstrap})
    started = time.perf_counter()
    if batched:
        for first in range(0, rows, 10_000):
            chunk = zip(values[first : first + 10_000], keys[first : first + 10_000], strict=True)
            part = [{"value": v, "key": k} for v, k in chunk]
            while part:
                producer.produce_batch("raw", part)
                # The messages the local queue had no room for carry an error: send them again.
                part = [m for m in part if _refused(m)]
                if part:
                    producer.poll(0.05)
            producer.poll(0)
    else:
        for value, key in zip(values, keys, strict=True):
            while True:
                try:
                    producer.produce("raw", value, key)
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
    producer.flush(120)
    return rows / (time.perf_counter() - started), float(np.mean([len(v) for v in values]))


def _refused(message: dict) -> bool:
    """Whether ``produce_batch`` left ``message`` out because the local queue was full (clearing the
    mark, to send it again); any other error ends the benchmark."""
    from confluent_kafka import KafkaError

    error = message.pop("_error", None)
    if error is not None and error.code() != KafkaError._QUEUE_FULL:
        raise SystemExit(f"produce_batch: {error}")
    return error is not None


class Arrivals(MemorySink):
    def __init__(self, schema) -> None:
        super().__init__(schema)
        self.arrivals: list[tuple[float, int]] = []

    def write(self, batch) -> None:
        self.arrivals.append((time.monotonic(), batch.num_rows))
        self._count(batch)


def windows(arrivals: list[tuple[float, int]], started: float, seconds: int, width: float) -> np.ndarray:
    times = np.array([t - started for t, _ in arrivals])
    counts = np.array([n for _, n in arrivals])
    edges = np.arange(0, seconds + 1e-9, width)
    return np.array([counts[(times >= a) & (times < b)].sum() for a, b in itertools.pairwise(edges)])


def paced(rate: int, seconds: int) -> tuple[int, float, float]:
    """(rows in the first ``seconds``, worst 1 s window's deviation, worst 100 ms window's deviation)."""
    schema = fastsynth.Schema.load(TABULAR)
    sink = Arrivals(schema.arrow_schema())
    engine = Engine()
    started = time.monotonic()
    engine.add_stream("bench", schema, rate=rate, batch_size=10_000, sinks={"clock": sink})
    time.sleep(seconds + 0.5)
    engine.stop()
    per_second = windows(sink.arrivals, started, seconds, 1.0)
    tenths = windows(sink.arrivals, started + 1, seconds - 1, 0.1)  # after the first second's warm-up
    return (
        int(per_second.sum()),
        float(np.abs(per_second / rate - 1).max()),
        float(np.abs(tenths / (rate / 10) - 1).max()),
    )


def seed_loop(rate: int, seconds: int) -> tuple[int, float, float]:
    """The seed project's pacing: a batch of ``rate`` rows, then ``time.sleep(1)``."""
    schema = fastsynth.Schema.load(TABULAR)
    sink = Arrivals(schema.arrow_schema())
    started = time.monotonic()
    start = 0
    while time.monotonic() - started < seconds:
        sink.write(fastsynth.generate(schema, rate, start=start).to_batches()[0])
        start += rate
        time.sleep(1.0)
    per_second = windows(sink.arrivals, started, seconds, 1.0)
    tenths = windows(sink.arrivals, started + 1, seconds - 1, 0.1)
    return (
        int(per_second.sum()),
        float(np.abs(per_second / rate - 1).max()),
        float(np.abs(tenths / (rate / 10) - 1).max()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows, seconds, repeats = (20_000, 3, 1) if args.quick else (500_000, 30, 5)
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(Path(tmp) / "broker.log")
        broker.start()
        try:
            for value_format in ("json", "avro"):  # warm-up: kernels, Faker pools, topic creation
                fastsynth_kafka(broker.bootstrap, 1000, value_format)
                raw_kafka(broker.bootstrap, 1000, value_format=value_format)
            # The broker shares the two cores: alternate the runs, several times, and take medians.
            runs: dict[str, list[float]] = {}
            sizes = {}
            for _ in range(repeats):
                for value_format in ("json", "avro"):
                    runs.setdefault(f"ours {value_format}", []).append(
                        fastsynth_kafka(broker.bootstrap, rows, value_format)
                    )
                    raw_rate, sizes[value_format] = raw_kafka(
                        broker.bootstrap, rows, value_format=value_format
                    )
                    runs.setdefault(f"raw {value_format}", []).append(raw_rate)
                runs.setdefault("batched", []).append(raw_kafka(broker.bootstrap, rows, batched=True)[0])
            medians = {name: statistics.median(rates) for name, rates in runs.items()}
        finally:
            broker.stop()
    total, worst, worst_tenth = paced(10_000, seconds)
    seed_total, seed_worst, seed_tenth = seed_loop(10_000, seconds)
    expected = 10_000 * seconds
    pace_task = f"10,000 rows/s for {seconds} s"
    table = []
    for value_format in ("json", "avro"):
        task = f"{rows:,} {'JSON' if value_format == 'json' else 'Avro'} rows -> Kafka"
        ours, raw = medians[f"ours {value_format}"], medians[f"raw {value_format}"]
        table += [
            (task, "fastsynth KafkaSink (generate + serialise + produce)", f"{ours:,.0f} msg/s", ""),
            (
                task,
                f"raw confluent-kafka, pre-serialised ({sizes[value_format]:.0f} B each)",
                f"{raw:,.0f} msg/s",
                f"{ours / raw:.2f}x",
            ),
        ]
        if value_format == "json":
            table.append(
                (
                    task,
                    "raw confluent-kafka produce_batch, pre-serialised (10,000 a call)",
                    f"{medians['batched']:,.0f} msg/s",
                    f"{ours / medians['batched']:.2f}x",
                )
            )
    table += [
        (pace_task, "fastsynth engine", _pacing(total, expected, worst, worst_tenth), ""),
        (
            pace_task,
            "the seed's loop (a batch, then sleep 1 s)",
            _pacing(seed_total, expected, seed_worst, seed_tenth),
            "",
        ),
    ]
    print("| task | implementation | result | fastsynth / other |")
    print("|---|---|---:|---:|")
    for row in table:
        print("| " + " | ".join(row) + " |")


def _pacing(total: int, expected: int, worst: float, worst_tenth: float) -> str:
    return (
        f"{total:,} rows ({total / expected - 1:+.2%}); worst 1 s window {worst:.1%} off; "
        f"worst 100 ms window {worst_tenth:.0%} off"
    )


if __name__ == "__main__":
    main()
