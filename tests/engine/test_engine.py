"""The continuous engine: pacing, backpressure, changes while running, stopping, metrics."""

from __future__ import annotations

import threading
import time

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.engine import Engine, Pacer, RateSchedule
from fastsynth.sinks.console import MemorySink

SCHEMA = fastsynth.Schema.from_dict(
    {"id": {"type": "sequence"}, "x": {"type": "float"}, "name": {"type": "first_name"}}
)


class ClockedSink(MemorySink):
    """Remembers when each batch arrived; optionally slow."""

    def __init__(self, schema: pa.Schema, delay: float = 0.0) -> None:
        super().__init__(schema)
        self.arrivals: list[tuple[float, int]] = []
        self.delay = delay

    def write(self, batch: pa.RecordBatch) -> None:
        if self.delay:
            time.sleep(self.delay)
        super().write(batch)
        self.arrivals.append((time.monotonic(), batch.num_rows))


def test_rows_are_paced_steadily_within_each_second():
    sink = ClockedSink(SCHEMA.arrow_schema())
    engine = Engine()
    engine.add_stream("s", SCHEMA, rate=5000, batch_size=4096, sinks={"m": sink})
    deadline = time.monotonic() + 20
    while not sink.arrivals and time.monotonic() < deadline:  # the schedule starts with the first batch
        time.sleep(0.01)
    started = sink.arrivals[0][0] - 0.05
    time.sleep(4.0)
    engine.stop()
    times = np.array([t - started for t, _ in sink.arrivals])
    counts = np.array([n for _, n in sink.arrivals])
    total = counts[times < 4.0].sum()
    assert total == pytest.approx(20_000, rel=0.03)
    per_second = [counts[(times >= k) & (times < k + 1)].sum() for k in range(1, 4)]
    assert all(abs(n - 5000) <= 500 for n in per_second), per_second
    assert len(sink.arrivals) > 60  # many small slices, not one burst a second
    assert sink.closed


def test_streamed_rows_are_the_generated_rows_and_a_row_limit_ends_the_stream():
    sink = MemorySink(SCHEMA.arrow_schema())
    engine = Engine()
    stream = engine.add_stream(
        "s", SCHEMA, rate=200_000, batch_size=777, max_rows=10_000, seed=4, sinks={"m": sink}
    )
    assert engine.wait(30)
    assert sink.closed and stream.metrics.rows == 10_000
    assert sink.table().equals(fastsynth.generate(SCHEMA, 10_000, seed=4))


def test_a_slow_sink_slows_generation_and_nothing_is_dropped():
    slow = ClockedSink(SCHEMA.arrow_schema(), delay=0.05)
    engine = Engine()
    stream = engine.add_stream(
        "s", SCHEMA, rate=100_000, batch_size=1000, max_rows=30_000, sinks={"slow": slow}
    )
    time.sleep(1.5)
    assert stream.metrics.lag_seconds > 0.5  # behind schedule: the sink sets the pace
    assert stream.metrics.queue_depth <= 2  # and the queue between them stays bounded
    assert engine.wait(60)
    assert slow.table().equals(fastsynth.generate(SCHEMA, 30_000, seed=42))


def test_changes_while_running_apply_at_the_next_slice():
    first, second = MemorySink(SCHEMA.arrow_schema()), MemorySink(SCHEMA.arrow_schema())
    engine = Engine()
    stream = engine.add_stream("s", SCHEMA, rate=1000, batch_size=500, sinks={"first": first})
    time.sleep(1.2)
    engine.update("s", rate=8000, batch_size=2000)
    engine.add_sink("s", "second", second)
    time.sleep(1.5)
    assert stream.metrics.rate() == pytest.approx(8000, rel=0.2)
    engine.remove_sink("s", "first")
    time.sleep(0.3)
    assert first.closed and not second.closed
    rows_first = first.rows_written
    time.sleep(0.3)
    assert first.rows_written == rows_first  # detached
    engine.stop()
    assert second.closed and second.rows_written > 8000
    assert stream.batch_size == 2000


def test_a_failing_sink_stops_its_stream_and_says_why():
    class Broken(MemorySink):
        def write(self, batch):
            raise OSError("disk full")

    engine = Engine()
    stream = engine.add_stream("s", SCHEMA, rate=10_000, sinks={"b": Broken(SCHEMA.arrow_schema())})
    assert engine.wait(10)
    assert isinstance(stream.error, OSError) and stream.metrics.errors == 1
    assert stream.metrics.sinks["b"].errors == 1


def test_rate_schedules():
    ramp = RateSchedule.parse({"ramp": {"from": 100, "to": 300, "seconds": 10}})
    assert [ramp.rate(t, 0) for t in (0, 5, 10, 20)] == [100, 200, 300, 300]
    bursts = RateSchedule.parse({"bursts": {"base": 10, "burst": 1000, "every": 60, "seconds": 5}})
    assert [bursts.rate(t, 0) for t in (1, 6, 61)] == [1000, 10, 1000]
    daily = RateSchedule.parse({"daily": [float(h) for h in range(24)]})
    assert daily.rate(0, 3600 * 5.5) == pytest.approx(5.5)
    pacer = Pacer(ramp, started=100.0, wall_started=0.0)
    assert pacer.due(110.0) == pytest.approx(2000, rel=1e-6)  # the integral of the ramp
    for bad, message in [
        (-5, "rate=-5 is not positive"),
        ({"ramp": {"from": 1, "to": 2}}, "rate ramp seconds=None is not a number"),
        ({"bursts": {"base": 1, "burst": 2, "every": 5, "seconds": 9}}, "is not shorter than every"),
        ({"daily": [1, 2]}, "rate daily=[1, 2] is not allowed"),
        ("fast", "is not a number of rows per second"),
    ]:
        with pytest.raises(fastsynth.UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
            RateSchedule.parse(bad)


def test_metrics_in_prometheus_text_and_a_status_line():
    engine = Engine()
    engine.add_stream(
        "users", SCHEMA, rate=50_000, max_rows=5000, sinks={"mem": MemorySink(SCHEMA.arrow_schema())}
    )
    assert engine.wait(20)
    text = engine.metrics_text()
    assert 'fastsynth_rows_total{stream="users"} 5000' in text
    assert 'fastsynth_sink_rows_total{stream="users",sink="mem"} 5000' in text
    assert "# TYPE fastsynth_lag_seconds gauge" in text
    assert (
        'fastsynth_bytes_total{stream="users"} 0\n' not in text
        and 'fastsynth_bytes_total{stream="users"}' in text
    )
    assert "users:" in engine.status_line() and "5,000 rows" in engine.status_line()


def test_engine_usage_errors():
    engine = Engine()
    engine.add_stream("s", SCHEMA, rate=10, sinks={})
    with pytest.raises(fastsynth.UsageError, match="stream 's' already exists"):
        engine.add_stream("s", SCHEMA)
    with pytest.raises(fastsynth.UsageError, match="stream 'nope' does not exist"):
        engine.update("nope", rate=5)
    with pytest.raises(fastsynth.UsageError, match="batch_size=0 is not a positive integer"):
        engine.update("s", batch_size=0)
    with pytest.raises(fastsynth.UsageError, match="has no sink 'x'"):
        engine.remove_sink("s", "x")
    engine.stop()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("fastsynth-s-"))


def test_drift_changes_while_running_and_is_counted():
    sink = MemorySink(SCHEMA.arrow_schema())
    engine = Engine()
    stream = engine.add_stream("s", SCHEMA, rate=20_000, batch_size=1000, sinks={"m": sink})
    time.sleep(0.5)
    engine.update(
        "s", drift=[{"type": "add", "columns": ["x"], "magnitude": 100, "start_row": 0, "every_rows": 2000}]
    )
    deadline = time.monotonic() + 20
    while stream.metrics.drift_events < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.metrics.drift_events >= 5
    engine.update("s", drift=None)
    time.sleep(0.5)
    with pytest.raises(fastsynth.UsageError, match="changes the columns"):
        engine.update(
            "s", drift={"events": [{"type": "add", "columns": ["x"], "magnitude": 1}], "weight_column": "w"}
        )
    with pytest.raises(fastsynth.SchemaError, match="column 'nope' is not in the schema"):
        engine.update("s", drift=[{"type": "add", "columns": ["nope"], "magnitude": 1}])
    engine.stop()
    x = sink.table()["x"].to_numpy()
    plain = fastsynth.generate(SCHEMA, len(x))["x"].to_numpy()
    shifted = np.isclose(x - plain, 100)
    assert shifted.any() and not shifted[:5000].any() and not shifted[-5000:].any()
    assert ((x == plain) | shifted).all()  # each row either as generated or drifted, nothing else


def test_json_logs_carry_the_stream_and_its_figures(capsys):
    import json as json_module

    from fastsynth.logs import configure_logging

    configure_logging("INFO", "json")
    engine = Engine()
    engine.add_stream(
        "logged", SCHEMA, rate=10_000, max_rows=2000, sinks={"m": MemorySink(SCHEMA.arrow_schema())}
    )
    assert engine.wait(20)
    engine.log_status()
    records = [json_module.loads(line) for line in capsys.readouterr().err.splitlines()]
    started = next(r for r in records if r["event"] == "started")
    status = next(r for r in records if r["event"] == "status")
    assert started["stream"] == "logged" and started["level"] == "INFO" and started["batch_size"] == 1000
    assert status["rows"] == 2000 and status["logger"] == "fastsynth.engine"
    configure_logging("WARNING", "text")


def test_a_sink_failing_to_close_fails_the_stream_and_the_others_still_close():
    class BadClose(MemorySink):
        def close(self):
            raise OSError("disk full at the end")

    good = MemorySink(SCHEMA.arrow_schema())
    engine = Engine()
    stream = engine.add_stream(
        "s", SCHEMA, rate=50_000, max_rows=3000, sinks={"bad": BadClose(SCHEMA.arrow_schema()), "good": good}
    )
    assert engine.wait(20)
    assert isinstance(stream.error, OSError) and good.closed is False  # aborted, not published
    assert stream.metrics.errors == 1


def test_stop_interrupts_a_sink_stuck_on_the_outside_world():
    class Stuck(MemorySink):
        def __init__(self, schema):
            super().__init__(schema)
            self.released = threading.Event()

        def write(self, batch):
            if not self.released.wait(30):
                raise AssertionError("never interrupted")
            raise OSError("broker away")

        def interrupt(self):
            self.released.set()

    engine = Engine()
    stream = engine.add_stream("s", SCHEMA, rate=10_000, sinks={"stuck": Stuck(SCHEMA.arrow_schema())})
    time.sleep(1.0)
    started = time.monotonic()
    assert engine.stop(timeout=20, grace=0.5)
    assert time.monotonic() - started < 10
    assert isinstance(stream.error, OSError)


def test_a_new_schedule_starts_from_its_own_beginning():
    pacer = Pacer(RateSchedule.parse(1000), started=0.0, wall_started=0.0)
    assert pacer.due(100.0) == pytest.approx(100_000)
    pacer.retarget(RateSchedule.parse({"ramp": {"from": 0, "to": 100, "seconds": 10}}), 100.0)
    assert pacer.current(105.0) == pytest.approx(50)
    assert pacer.due(110.0) == pytest.approx(100_000 + 500, rel=1e-6)


def test_the_rate_after_a_pause_counts_only_the_last_second():
    from fastsynth.engine.metrics import StreamMetrics

    metrics = StreamMetrics()
    metrics.emitted(100, now=0.0)
    metrics.emitted(1, now=10.0)
    assert metrics.rate(now=10.5) == 1.0
