"""``fastsynth run --continuous``: one stream into a file, standard output or Kafka until stopped."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import typer

from fastsynth.engine import Engine
from fastsynth.engine.plan import plan_stream
from fastsynth.errors import SinkError, UsageError
from fastsynth.logs import configure_logging
from fastsynth.schema import Schema
from fastsynth.sinks import open_sink
from fastsynth.sinks.base import Sink

__all__ = ["run_continuous"]

log = logging.getLogger("fastsynth.engine")


def _sink(
    schema: Schema,
    output: Path | None,
    format: str | None,
    kafka: dict[str, Any] | None,
    rolling: dict[str, Any] | None,
) -> Sink:
    arrow_schema = schema.arrow_schema()
    if rolling is not None:
        if output is None or kafka is not None:
            raise UsageError("--roll-rows, --roll-bytes, --roll-seconds and --partition need --output DIR")
        from fastsynth.sinks.rolling import RollingSink

        return RollingSink(arrow_schema, output, file_format=format or "parquet", **rolling)
    if kafka is not None:
        if output is not None:
            raise UsageError("give --output or --kafka-topic, not both")
        from fastsynth.sinks.kafka import KafkaSink

        return KafkaSink(arrow_schema, **kafka)
    if output is None and format is None:
        format = "jsonl"  # a stream to standard output: one JSON object per line
    return open_sink(output, arrow_schema, format=format)


def run_continuous(
    schema: Schema,
    *,
    rate: float | None,
    frequency: float,
    batch_size: int,
    rows: int | None,
    duration: float | None,
    seed: int | None,
    output: Path | None,
    format: str | None,
    kafka: dict[str, Any] | None,
    drift: tuple[float, float] | None,
    log_interval: float,
    drift_origin: str | None = None,
    batches_set: bool = False,
    rolling: dict[str, Any] | None = None,
    log_level: str = "INFO",
    log_format: str = "text",
) -> None:
    """Stream ``schema`` until ``rows`` or ``duration`` or a signal (SIGINT, SIGTERM) ends it."""
    configure_logging(log_level, log_format)
    if not frequency > 0:
        raise UsageError(f"--frequency={frequency!r} is not a positive number of seconds")
    plan = plan_stream(
        schema,
        rate=rate,
        batch_size=batch_size,
        frequency=frequency,
        seed=seed,
        drift=drift,
        batches_set=batches_set,
        drift_origin=drift_origin,
    )
    schema = plan.schema
    sink = _sink(schema, output, format, kafka, rolling)
    engine = Engine()
    try:
        stream = engine.add_stream(
            "main",
            schema,
            rate=plan.rate,
            batch_size=batch_size,
            seed=plan.seed,
            max_rows=rows,
            sinks={"out": sink},
            duration=duration,  # timed by the stream from its first batch: the cold start is not counted
        )
    except BaseException:
        sink.abort()  # leave no temporary file or open producer behind
        raise
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    last_log = time.monotonic()
    try:
        while not stream.ended and not stopping.is_set():
            time.sleep(0.05)
            if log_interval > 0 and time.monotonic() - last_log >= log_interval:
                last_log = time.monotonic()
                engine.log_status()
    finally:
        ended = engine.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    if stream.error is not None:
        raise stream.error
    if not ended:
        raise SinkError("the stream did not stop within 60 s; its output may be incomplete")
    seconds = max(stream.metrics.seconds(), 1e-9)  # from the first batch, as the rate is paced
    rows = stream.metrics.rows
    typer.echo(
        f"streamed {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s; target "
        f"{stream.rate.describe()})",
        err=True,
    )
    sys.stdout.flush()
