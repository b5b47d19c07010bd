"""Kafka: every row a message (JSON or Avro), or every batch a message (Arrow IPC), with confluent-kafka.

Rows are serialised a batch at a time (a kernel writes the batch as JSON objects, or Avro records, into
one buffer, which is cut into messages); what remains per row is the ``produce`` call itself. A batch
is produced on a sender thread while the caller makes the next one: ``write`` returns once the
previous batch is handed to the producer, so an error while sending is raised by the next ``write`` or
by ``close`` (``rows_written`` counts the rows handed to the sink, ``messages`` those produced). The
producer is idempotent (no duplicates or reordering on retries) and reports only failed deliveries,
which are counted. When librdkafka's local queue is full, because the broker is slow or down,
``write`` waits for it to drain: generation slows down and nothing is dropped. ``close`` waits up to
``flush_seconds`` and raises if any message was not delivered; ``interrupt`` makes a ``write`` or
``close`` waiting for room in the queue give up at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import operator
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Annotated, Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.dependencies import optional_import
from fastsynth.errors import SinkError, UsageError
from fastsynth.kernels.jit import set_threads
from fastsynth.sinks.avro import AvroEncoder
from fastsynth.sinks.base import SINKS, Sink
from fastsynth.sinks.jsonl import Columns, JsonLines
from fastsynth.specs import Bounds, argument

__all__ = ["KafkaSink"]

log = logging.getLogger("fastsynth.sinks.kafka")

_FORMATS = ("json", "avro", "arrow")
_SLICE_ROWS = 8192
_DEFAULTS = {
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 20,
    "batch.size": 1_000_000,
    "compression.type": "lz4",
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 1_048_576,
    "delivery.report.only.error": True,
}


def _producer_class() -> Any:
    return optional_import("confluent_kafka", "kafka", "confluent-kafka").Producer


@SINKS.register("kafka")
class KafkaSink(Sink):
    """Batches to a Kafka topic. ``value_format``: ``json`` (a message per row, with ``key_field``'s value
    as its key), ``avro`` (a message per row, an Avro record of the schema in ``sink.avro.avro_schema``,
    prefixed by Confluent's wire format when ``schema_id`` gives the registry's id) or ``arrow`` (a
    message per batch, an Arrow IPC stream). ``config`` passes any
    librdkafka producer setting (``linger.ms``, ``compression.type``, ``batch.size``, ...) over the
    defaults. With ``headers``, every message carries a ``fastsynth-schema`` header (a fingerprint of
    the Arrow schema) and, with ``drift_column`` (a drift weight column), rows that drifted also carry
    ``fastsynth-drift``; headers cost about a third of the messages per second, so they are off by
    default."""

    extensions: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        schema: pa.Schema,
        path: Any = None,
        *,
        topic: str,
        bootstrap_servers: str = "127.0.0.1:9092",
        key_field: str | None = None,
        value_format: str = "json",
        drift_column: str | None = None,
        headers: bool = False,
        schema_id: int | None = None,
        config: dict[str, Any] | None = None,
        flush_seconds: float = 60.0,
    ) -> None:
        super().__init__(schema, None)
        if not isinstance(topic, str) or not topic:
            raise UsageError(f"kafka topic={topic!r} is not a topic name")
        if value_format not in _FORMATS:
            raise UsageError(
                f"kafka value_format={value_format!r} is not allowed; allowed: {', '.join(_FORMATS)}"
            )
        for name, option in ((key_field, "key_field"), (drift_column, "drift_column")):
            if name is not None and name not in schema.names:
                raise UsageError(f"kafka {option}={name!r} is not a column ({', '.join(schema.names)})")
        self.topic = topic
        self.avro: AvroEncoder | None = None
        self._json = JsonLines(schema, newline=False) if value_format == "json" else None
        self._prefix = b""
        if value_format == "avro":
            self.avro = AvroEncoder(schema, name=topic)
            if schema_id is not None:  # Confluent's wire format: magic byte 0, then the registry's id
                schema_id = argument(
                    "schema_id",
                    schema_id,
                    Annotated[int, Bounds(0, 2**31, high_open=True)],
                    error=lambda message: UsageError(f"kafka {message}"),
                )
                self._prefix = b"\x00" + schema_id.to_bytes(4, "big")
        self.key_field = key_field
        self.value_format = value_format
        self.drift_column = drift_column
        self.flush_seconds = flush_seconds
        self.messages = 0
        self.bytes_written = 0
        self.failed = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._interrupted = threading.Event()
        # The worker's kernels run on one thread: beside the produce loop and a broker on the same
        # cores, a parallel kernel waits at its end for a thread those took the core from.
        self._encoder = ThreadPoolExecutor(
            1, thread_name_prefix="fastsynth-kafka-encode", initializer=set_threads, initargs=(1,)
        )
        self._sending: Future[None] | None = None  # the batch being produced
        # The slice the produce loop is in: its iterator, its length, and how many of its messages
        # ``messages`` counts already (``_settle``); read with ``_counting`` held.
        self._slice: tuple[Any, int, int] | None = None
        self._counting = threading.Lock()
        fingerprint = hashlib.sha256(schema.serialize().to_pybytes()).hexdigest()[:16].encode()
        self._headers = [("fastsynth-schema", fingerprint)] if headers else None
        self._drift_headers = [*self._headers, ("fastsynth-drift", b"1")] if self._headers else None
        settings = {**_DEFAULTS, "bootstrap.servers": bootstrap_servers, **(config or {})}
        settings["error_cb"] = self._on_error
        settings["on_delivery"] = self._on_delivery  # one callback for the producer, not one per message
        producer = _producer_class()  # a missing confluent-kafka says which extra to install
        try:
            self._producer = producer(settings)
        except Exception as exc:  # confluent-kafka raises KafkaException for a bad setting
            raise UsageError(f"kafka producer settings: {exc}") from None

    # -- callbacks (librdkafka calls them from poll and flush) -------------------------------------------

    def _on_delivery(self, error: Any, message: Any) -> None:
        if error is not None:
            with self._lock:
                self.failed += 1
                self.last_error = str(error)
                failed = self.failed
            if failed == 1 or failed % 1000 == 0:  # the first, then every thousandth: no log floods
                log.warning(
                    "kafka topic %s: %d messages failed so far (%s)",
                    self.topic,
                    failed,
                    error,
                    extra={
                        "sink": "kafka",
                        "topic": self.topic,
                        "event": "delivery_failed",
                        "failed": failed,
                    },
                )

    def _on_error(self, error: Any) -> None:
        with self._lock:
            self.last_error = str(error)

    # -- writing -------------------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Messages handed to the producer and not yet acknowledged."""
        return len(self._producer)

    @property
    def delivered(self) -> int:
        """Messages the broker acknowledged."""
        return self.messages - self.failed - self.in_flight

    def _produce(self, value: bytes, key: Any, headers: list[tuple[str, bytes]] | None) -> None:
        while True:
            try:
                self._producer.produce(self.topic, value, key, headers=headers)
                return
            except BufferError:  # the local queue is full: wait for the broker (backpressure)
                if self._interrupted.is_set():
                    raise SinkError(
                        f"kafka topic {self.topic!r}: stopped while the broker did not take messages; "
                        f"{len(self._producer)} sent and not acknowledged (last error: {self.last_error})"
                    ) from None
                self._producer.poll(0.05)

    def interrupt(self) -> None:
        """Give up waiting for a broker that does not take messages (the engine's stop does this after
        a grace period): the batch being sent stops, the next ``write`` or ``close`` raises, and
        ``abort`` does not wait for the broker."""
        self._interrupted.set()

    def write(self, batch: pa.RecordBatch) -> None:
        if isinstance(self._producer, _Closed):
            raise SinkError(f"kafka topic {self.topic!r}: the sink is closed")
        if batch.schema.names != self.schema.names or batch.schema.types != self.schema.types:
            raise SinkError(
                f"kafka topic {self.topic!r}: a batch of columns {batch.schema.names} and types "
                f"{[str(t) for t in batch.schema.types]}, not the sink's"
            )
        if batch.num_rows == 0:
            return
        # JSON columns are prepared once for the whole batch, while the previous one is still being
        # produced (the encoder runs its jobs in order).
        columns = self._encoder.submit(self._json.columns, batch) if self._json else None
        self._sent()
        self._sending = _on_daemon_thread(self._send, batch, columns)
        self._count(batch)

    def _sent(self, timeout: float | None = None) -> bool:
        """Wait for the batch being produced, up to ``timeout`` seconds (None: however long it takes);
        False if it is still being produced. Raises what producing it raised."""
        sending = self._sending
        if sending is None:
            return True
        if not wait([sending], timeout).done:
            return False
        self._sending = None
        sending.result()
        return True

    def _unsent(self) -> int:
        """Messages written to the sink and not yet handed to the producer."""
        written = self.batches_written if self.value_format == "arrow" else self.rows_written
        with self._counting:
            in_loop = 0
            if self._slice is not None:  # produced by the loop, not yet in ``messages``
                left, n, counted = self._slice
                in_loop = max(n - operator.length_hint(left) - 1 - counted, 0)
            return written - self.messages - in_loop

    def _send(self, batch: pa.RecordBatch, columns: Future[Columns] | None) -> None:
        """Produce every row of ``batch`` (on the sender thread)."""
        if self.value_format == "arrow":
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as writer:
                writer.write_batch(batch)
            value = sink.getvalue().to_pybytes()
            self._produce(value, None, self._headers)
            self.messages += 1
            self.bytes_written += len(value)
        else:
            # Serialise the next slice in the encoder's thread while this one is produced (the kernels
            # release the GIL): the produce loop is the one part that needs the interpreter.
            starts = range(0, batch.num_rows, _SLICE_ROWS)
            pending = self._encoder.submit(self._encode, batch, columns, starts[0])
            for k in range(len(starts)):
                values, keys, drifted = pending.result()
                if self._interrupted.is_set():
                    raise SinkError(
                        f"kafka topic {self.topic!r}: stopped with {batch.num_rows - starts[k]} rows of "
                        f"a batch not sent (last error: {self.last_error or 'none'})"
                    )
                if k + 1 < len(starts):
                    pending = self._encoder.submit(self._encode, batch, columns, starts[k + 1])
                self._produce_all(values, keys, drifted)
        self._producer.poll(0)

    def _encode(
        self, batch: pa.RecordBatch, columns: Future[Columns] | None, start: int
    ) -> tuple[list[bytes], list[Any], np.ndarray | None]:
        """The messages, keys and drift marks of the slice of ``batch`` from ``start``."""
        part = batch.slice(start, _SLICE_ROWS)
        if columns is None:
            assert self.avro is not None
            records, size = self.avro.encode(part)
            values = records.to_pylist()
            if self._prefix:
                values = [self._prefix + v for v in values]
                size += len(self._prefix) * len(values)
        else:
            assert self._json is not None
            data, offsets = self._json.lines(columns.result(), start, start + part.num_rows)
            values, size = _messages(data, offsets), len(data)
        self.bytes_written += size
        keys = self._keys(part) or [None] * len(values)
        return values, keys, self._drifted(part) if self._headers is not None else None

    def _produce_all(self, values: list[bytes], keys: list[Any], drifted: np.ndarray | None) -> None:
        """Produce a slice's messages. ``messages`` counts them when the slice ends, and while the slow
        path waits for room in the queue; ``_unsent`` adds what the loop has done meanwhile."""
        if self._headers is None:
            # The hot loop: one C call per message, no count (the loop's position is what is left of
            # its iterator); a full local queue takes the slow path.
            produce, topic = self._producer.produce, self.topic
            left = iter(values)
            with self._counting:
                self._slice = (left, len(values), 0)
            try:
                for value, key in zip(left, keys, strict=True):
                    try:
                        produce(topic, value, key)
                    except BufferError:
                        self._settle()
                        self._produce(value, key, None)
            except BaseException:
                self._settle()  # the message that raised was not produced
                raise
            self._settle(finished=True)
        else:
            plain, marked = self._headers, self._drift_headers
            for i, value in enumerate(values):
                self._produce(value, keys[i], marked if drifted is not None and drifted[i] else plain)
                self.messages += 1

    def _settle(self, finished: bool = False) -> None:
        """Count in ``messages`` the slice's messages produced so far: all of them when it is
        ``finished``, else those before the one the loop is at."""
        with self._counting:
            assert self._slice is not None
            left, n, counted = self._slice
            done = n if finished else n - operator.length_hint(left) - 1
            self.messages += done - counted
            self._slice = (left, n, done)

    def _keys(self, batch: pa.RecordBatch) -> list[bytes | None] | None:
        """The keys as UTF-8 bytes, which ``produce`` takes without encoding them (and Arrow makes
        faster than strings)."""
        if self.key_field is None:
            return None
        column = batch.column(self.key_field)
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        return pc.cast(column, pa.string()).view(pa.binary()).to_pylist()

    def _drifted(self, batch: pa.RecordBatch) -> np.ndarray | None:
        if self.drift_column is None:
            return None
        return batch.column(self.drift_column).to_numpy(zero_copy_only=False) > 0

    def _release(self, seconds: float) -> int:
        """Flush for up to ``seconds`` (less if interrupted), then let the producer go (an idle producer
        would keep reconnecting to the broker); returns how many messages were still undelivered."""
        self._encoder.shutdown()
        deadline = time.monotonic() + seconds
        while True:  # in steps, so that an interrupt ends the wait
            remaining = int(self._producer.flush(min(max(deadline - time.monotonic(), 0.0), 0.1)))
            if not remaining or self._interrupted.is_set() or time.monotonic() >= deadline:
                break
        self._producer = _Closed(remaining)
        return remaining

    def flush(self, timeout: float = 60.0) -> int:
        """Wait until every row written so far is delivered, up to ``timeout`` seconds; returns how many
        messages are still undelivered."""
        deadline = time.monotonic() + timeout
        if not self._sent(timeout):
            return self._unsent() + len(self._producer)
        return int(self._producer.flush(max(deadline - time.monotonic(), 0.0)))

    def close(self) -> None:
        deadline = time.monotonic() + self.flush_seconds
        try:
            sent = self._sent(self.flush_seconds)
        except BaseException:
            self.abort()
            raise
        if not sent:  # the broker did not take the last batch in time: give up on it at once
            self._interrupted.set()
            self.abort()
            raise SinkError(
                f"kafka topic {self.topic!r}: {self._unsent() + len(self._producer)} messages not "
                f"delivered after {self.flush_seconds:g} s (last error: {self.last_error or 'none'})"
            )
        remaining = self._release(max(deadline - time.monotonic(), 0.0))
        if remaining:
            raise SinkError(
                f"kafka topic {self.topic!r}: {remaining} messages not delivered after "
                f"{self.flush_seconds:g} s (last error: {self.last_error or 'none'})"
            )
        if self.failed:
            raise SinkError(
                f"kafka topic {self.topic!r}: {self.failed} of {self.messages} messages failed "
                f"(last error: {self.last_error})"
            )

    def abort(self) -> None:
        interrupted = self._interrupted.is_set()
        self._interrupted.set()  # the batch being sent stops at its next slice
        with contextlib.suppress(Exception):  # what sending it raised: the caller's error comes first
            self._sent()
        self._release(0.0 if interrupted else min(self.flush_seconds, 5.0))

    def __repr__(self) -> str:
        return f"KafkaSink(topic={self.topic!r})"


class _Closed:
    """Stands for the producer once the sink is closed: what it left undelivered, nothing more accepted."""

    def __init__(self, undelivered: int) -> None:
        self.undelivered = undelivered

    def __len__(self) -> int:
        return self.undelivered

    def flush(self, timeout: float = 0.0) -> int:
        return self.undelivered

    def poll(self, timeout: float = 0.0) -> int:
        return 0


def _on_daemon_thread(function: Callable[..., None], *args: Any) -> Future[None]:
    """Run ``function`` on a thread of its own, which does not hold up the interpreter's exit as an
    executor's would: a sink left open while its broker is down would otherwise wait for ever."""
    future: Future[None] = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            function(*args)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(None)

    threading.Thread(target=run, name="fastsynth-kafka-send", daemon=True).start()
    return future


def _messages(data: np.ndarray, offsets: np.ndarray) -> list[bytes]:
    """The records ``data`` holds from each offset to the next, as a message each (Arrow makes the
    ``bytes`` three times faster than cutting a ``bytes`` with ``split``)."""
    binary = pa.Array.from_buffers(
        pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return binary.to_pylist()
