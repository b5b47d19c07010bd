"""The continuous engine: pacing, backpressure, changes while running, stopping, metrics."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.engine import REAL_CLOCK, Clock, Engine, Pacer, RateSchedule, runner
from fastsynth.engine.plan import plan_stream
from fastsynth.sinks.console import MemorySink
from tests.engine.clock import FakeClock

SCHEMA = fastsynth.Schema.from_dict(
    {"id": {"type": "sequence"}, "x": {"type": "float"}, "name": {"type": "first_name"}}
)


class ClockedSink(MemorySink):
    """Remembers when (on its clock) each batch arrived; optionally slow: each write takes ``delay``."""

    def __init__(self, schema: pa.Schema, clock: Clock = REAL_CLOCK, delay: float = 0.0) -> None:
        super().__init__(schema)
        self.arrivals: list[tuple[float, int]] = []
        self.clock = clock
        self.delay = delay

    def write(self, batch: pa.RecordBatch) -> None:
        if self.delay:
            if isinstance(self.clock, FakeClock):
                self.clock.advance(self.delay)
            else:
                time.sleep(self.delay)
        super().write(batch)
        self.arrivals.append((self.clock.monotonic(), batch.num_rows))


def test_rows_are_paced_steadily_within_each_second():
    clock = FakeClock()
    sink = ClockedSink(SCHEMA.arrow_schema(), clock)
    engine = Engine(clock)
    engine.add_stream("s", SCHEMA, rate=5000, batch_size=4096, sinks={"m": sink})
    clock.run_to(4.0)
    engine.stop()
    times = np.array([t for t, _ in sink.arrivals])
    counts = np.array([n for _, n in sink.arrivals])
    # The schedule starts with the first batch (time 0 here); the first slice is due 50 ms later.
    assert times[0] == pytest.approx(0.05) and counts[0] == 250
    # Every slice goes out when its rows are due: never ahead, never behind.
    np.testing.assert_allclose(np.cumsum(counts), 5000 * times, atol=1e-6)
    assert 20_000 - 250 < counts.sum() <= 20_000  # the rows due at 4 s, less the slice on its way
    per_second = [int(counts[(times > k) & (times <= k + 1)].sum()) for k in range(4)]
    assert all(abs(n - 5000) <= 250 for n in per_second), per_second
    # Slices of at most 50 ms of rows (fewer at the end of a batch), at most 50 ms apart: no bursts.
    assert counts.max() == 250 and len(counts) > 60
    assert np.diff(times).max() == pytest.approx(0.05)
    assert sink.closed


@pytest.mark.slow
def test_rows_are_paced_on_the_real_clock():
    """The real clock and a real wait pace as the fake one does (4 s of real time)."""
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


@pytest.mark.slow
def test_a_slow_sink_slows_generation_and_nothing_is_dropped(monkeypatch):
    made: list[int] = []
    make_batch = runner.make_batch
    monkeypatch.setattr(runner, "make_batch", lambda *a, **k: made.append(a[1]) or make_batch(*a, **k))
    clock = FakeClock()
    slow = ClockedSink(SCHEMA.arrow_schema(), clock, delay=1 / 16)  # 16 writes a second
    engine = Engine(clock)
    stream = engine.add_stream(
        "s", SCHEMA, rate=100_000, batch_size=1000, max_rows=30_000, sinks={"slow": slow}
    )
    clock.run_to(1.0)
    # The first slice was due at 10 ms; then write after write, each 1/16 s: by 1 s, 15 of them
    # (the 16th under way), while 100,000 rows were due. Behind schedule: the sink sets the pace.
    assert slow.rows_written == 15_000
    # The lag as of the 15th write: 88,500 rows due when it started, 15,000 emitted after it.
    assert stream.metrics.lag_seconds == pytest.approx((88_500 - 15_000) / 100_000)
    # The queue between them stays bounded: with the writer held in the sink, the producer stops at
    # the batch in the sink, two in the queue and one waiting to go in.
    deadline = time.monotonic() + 30
    while len(made) < 19 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # the producer had the time to run ahead, had it been free to
    assert len(made) == 19 and stream.metrics.queue_depth <= 2
    clock.release()
    assert engine.wait(60)
    assert slow.table().equals(fastsynth.generate(SCHEMA, 30_000, seed=42))
    assert clock.monotonic() == pytest.approx(0.01 + 30 / 16)  # nothing but the writes took time


def test_changes_while_running_apply_at_the_next_slice():
    clock = FakeClock()
    first, second = MemorySink(SCHEMA.arrow_schema()), MemorySink(SCHEMA.arrow_schema())
    engine = Engine(clock)
    stream = engine.add_stream("s", SCHEMA, rate=1000, batch_size=500, sinks={"first": first})
    clock.run_to(1.2)
    # Rows go out in slices of 50 ms when due: at most one slice behind the schedule, never ahead.
    assert 1200 - 50 <= first.rows_written <= 1200
    before = first.rows_written
    engine.update("s", rate=8000, batch_size=2000)
    engine.add_sink("s", "second", second)
    clock.run_to(2.7)
    assert stream.metrics.rate() == pytest.approx(8000, abs=400)  # the new rate, within a slice
    assert first.rows_written == before + second.rows_written  # the second sink from 1.2 s on
    assert 1200 + 12_000 - 400 <= first.rows_written <= 1200 + 12_000
    closed = engine.remove_sink("s", "first")
    clock.run_to(3.0)
    assert closed.is_set() and first.closed and not second.closed
    rows_first = first.rows_written
    clock.run_to(3.3)
    assert first.rows_written == rows_first  # detached
    assert 1200 + 16_800 - 400 <= before + second.rows_written <= 1200 + 16_800
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
        (-5, "rate=-5 is not a number > 0"),
        (float("nan"), "rate=nan is not a number > 0"),
        ({"ramp": {"from": 1, "to": 2}}, "rate ramp seconds=None is not a number > 0"),
        (
            {"ramp": {"from": 1, "to": 2, "seconds": 3, "too": 4}},
            "rate ramp: unknown key 'too'; allowed: from",
        ),
        (
            {"bursts": {"base": 0, "burst": -1, "every": 5, "seconds": 1}},
            "rate bursts burst=-1 is not a number > 0",
        ),
        ({"daily": [1] * 23 + [-1]}, "rate daily[23]=-1 is not a number >= 0"),
        ({"bursts": {"base": 1, "burst": 2, "every": 5, "seconds": 9}}, "is not shorter than every"),
        ({"daily": [1, 2]}, "rate daily=[1, 2] is not allowed"),
        ("fast", "is not a number of rows per second"),
    ]:
        with pytest.raises(fastsynth.UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
            RateSchedule.parse(bad)


def test_metrics_in_prometheus_text_and_a_status_line(caplog):
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
    with caplog.at_level("INFO", logger="fastsynth"):
        engine.log_status()
    assert any(
        r.getMessage().startswith("users: ") and "5,000 rows" in r.getMessage() for r in caplog.records
    )


def test_engine_usage_errors():
    engine = Engine()
    engine.add_stream("s", SCHEMA, rate=10, sinks={})
    with pytest.raises(fastsynth.UsageError, match="stream 's' already exists"):
        engine.add_stream("s", SCHEMA)
    with pytest.raises(fastsynth.UsageError, match="stream 'nope' does not exist"):
        engine.update("nope", rate=5)
    with pytest.raises(fastsynth.UsageError, match="batch_size=0 is not an integer >= 1"):
        engine.update("s", batch_size=0)
    with pytest.raises(fastsynth.UsageError, match="has no sink 'x'"):
        engine.remove_sink("s", "x")
    engine.stop()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("fastsynth-s-"))


def test_drift_changes_while_running_and_is_counted():
    clock = FakeClock()
    sink = MemorySink(SCHEMA.arrow_schema())
    engine = Engine(clock)
    stream = engine.add_stream("s", SCHEMA, rate=20_000, batch_size=1000, sinks={"m": sink})
    clock.run_to(0.5)
    assert sink.rows_written == 10_000 and stream.metrics.drift_events == 0
    engine.update(
        "s", drift=[{"type": "add", "columns": ["x"], "magnitude": 100, "start_row": 0, "every_rows": 2000}]
    )
    # Batches already made (at most four of 1000 rows) keep no drift; then an event every 2000 rows.
    clock.run_to(1.5)
    assert stream.metrics.drift_events >= 5
    engine.update("s", drift=None)
    clock.run_to(2.0)
    with pytest.raises(fastsynth.UsageError, match="changes the columns"):
        engine.update(
            "s", drift={"events": [{"type": "add", "columns": ["x"], "magnitude": 1}], "weight_column": "w"}
        )
    with pytest.raises(fastsynth.SchemaError, match="column 'nope' is not in the schema"):
        engine.update("s", drift=[{"type": "add", "columns": ["nope"], "magnitude": 1}])
    # A schedule only its operation can refuse is tried on the next row, not left to end the stream.
    overflow = [{"type": "add", "columns": ["x"], "magnitude": 1e308, "start_row": 0}] * 2
    with pytest.raises(fastsynth.UsageError, match="stream 's': drift: the drift makes values too large"):
        engine.update("s", drift=overflow, rate=1)
    assert stream.schema.drift is None and stream.rate.describe() != "1 rows/s"  # nothing changed
    clock.run_to(2.2)
    assert stream.error is None and not stream.ended
    engine.stop()
    x = sink.table()["x"].to_numpy()
    plain = fastsynth.generate(SCHEMA, len(x))["x"].to_numpy()
    shifted = np.isclose(x - plain, 100)
    assert shifted.any() and not shifted[:5000].any() and not shifted[-5000:].any()
    assert ((x == plain) | shifted).all()  # each row either as generated or drifted, nothing else


def test_a_stream_with_a_weight_column_or_growing_categories_takes_drift_updates():
    """Its trial row is made with the schedule it would run: nothing else is compared, so a schedule
    whose weight column or wider category codes a schema without drift lacks is taken."""
    schema = fastsynth.Schema.from_dict(
        {
            "fields": {
                "x": {"type": "float"},
                "c": {"type": "category", "categories": ["aa", "bb"]},
            },
            "drift": {
                "events": [{"type": "typos", "columns": ["c"], "rate": 0.5, "start_row": 0}],
                "weight_column": "w",
            },
        }
    )
    clock = FakeClock()
    sink = MemorySink(schema.arrow_schema())
    engine = Engine(clock)
    engine.add_stream("s", schema, rate=10_000, batch_size=1000, sinks={"m": sink})
    clock.run_to(0.2)
    engine.update("s", drift=schema.drift)
    more = [*schema.drift.to_dict()["events"], {"type": "add", "columns": ["x"], "magnitude": 1}]
    engine.update("s", drift={"events": more, "weight_column": "w"})
    clock.run_to(0.5)
    engine.stop()
    assert engine.streams["s"].error is None and sink.rows_written >= 4000


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


class _Stuck(MemorySink):
    """A sink waiting on the outside world (a broker that is down) in ``write`` or in ``close`` until it
    is interrupted; then the write fails, and the close ends quietly (so the sinks after it are closed,
    not aborted)."""

    def __init__(self, schema, where):
        super().__init__(schema)
        self.where = where
        self.released = threading.Event()
        self.entered = threading.Event()

    def _wait(self):
        self.entered.set()
        if not self.released.wait(30):
            raise AssertionError("never interrupted")
        if self.where == "write":
            raise OSError("broker away")

    def write(self, batch):
        if self.where == "write":
            self._wait()
        super().write(batch)

    def close(self):
        if self.where == "close":
            self._wait()

    def interrupt(self):
        self.released.set()


@pytest.mark.slow
@pytest.mark.parametrize("where", ["write", "close"])
def test_stop_interrupts_a_sink_stuck_on_the_outside_world(where):
    """Stuck in ``write``, or in ``close`` when writes return at once (Kafka's sink produces on a thread
    of its own, so its writer reaches ``close`` while the broker is down): the stop reaches it, and
    the sinks still waiting to be closed after it."""
    engine = Engine()
    first, second = (_Stuck(SCHEMA.arrow_schema(), where) for _ in range(2))
    rows = None if where == "write" else 1000  # closing: every row written
    sinks = {"first": first, "second": second}
    stream = engine.add_stream("s", SCHEMA, rate=10_000, max_rows=rows, sinks=sinks)
    assert first.entered.wait(30)
    started = time.monotonic()
    assert engine.stop(timeout=20, grace=0.5)
    assert time.monotonic() - started < 10  # each would wait 30 s
    if where == "write":
        assert isinstance(stream.error, OSError)
    else:
        assert stream.error is None and first.released.is_set() and second.released.is_set()


def test_a_new_schedule_starts_from_its_own_beginning():
    pacer = Pacer(RateSchedule.parse(1000), started=0.0, wall_started=0.0)
    assert pacer.due(100.0) == pytest.approx(100_000)
    pacer.retarget(RateSchedule.parse({"ramp": {"from": 0, "to": 100, "seconds": 10}}), 100.0, 100_000)
    assert pacer.current(105.0) == pytest.approx(50)
    assert pacer.due(110.0) == pytest.approx(100_000 + 500, rel=1e-6)


def test_a_new_schedule_drops_the_rows_owed_at_the_old_rate():
    # A stream 40,000 rows behind at 1000 rows/s, lowered to 10 rows/s: those 40,000 rows were once
    # still owed, and written at once, at full speed.
    pacer = Pacer(RateSchedule.parse(1000), started=0.0, wall_started=0.0)
    assert pacer.due(100.0) == pytest.approx(100_000)
    pacer.retarget(RateSchedule.parse(10), 100.0, emitted=60_000)
    assert pacer.due(100.0) == pytest.approx(60_000)
    assert pacer.due(110.0) == pytest.approx(60_100)
    assert pacer.slice_rows(110.0, pacer.due(110.0) - 60_000) == 1  # 50 ms at 10 rows/s, not a backlog


@pytest.mark.parametrize(
    ("spec", "peak"),
    [
        (5, 5),
        ({"ramp": {"from": 7, "to": 3, "seconds": 1}}, 7),
        ({"bursts": {"base": 1, "burst": 90, "every": 10, "seconds": 1}}, 90),
        ({"batches": {"rows": 100, "every": 4}}, 25),
        ({"daily": [1] * 23 + [48]}, 48),
    ],
)
def test_the_peak_of_a_schedule_is_its_highest_rate(spec, peak):
    assert RateSchedule.parse(spec).peak() == peak


def test_the_rate_after_a_pause_counts_only_the_last_second():
    from fastsynth.engine.metrics import StreamMetrics

    metrics = StreamMetrics()
    metrics.emitted(100, now=0.0)
    metrics.emitted(1, now=10.0)
    assert metrics.rate(now=10.5) == 1.0


def test_a_duration_is_timed_from_the_first_batch_and_delivers_the_rows_due(monkeypatch):
    """A cold start (numba compiling, pools filling) before the first batch neither shortens the
    stream nor shows as lag: the schedule, the lag and the duration all start with the first batch."""
    clock = FakeClock()
    make_batch = runner.make_batch
    cold = [True]

    def slow_first(*args, **kwargs):
        if cold.pop() if cold else False:
            clock.advance(2.0)  # the cold start takes 2 s of the stream's clock
        return make_batch(*args, **kwargs)

    monkeypatch.setattr(runner, "make_batch", slow_first)
    sink = ClockedSink(SCHEMA.arrow_schema(), clock)
    engine = Engine(clock)
    stream = engine.add_stream("s", SCHEMA, rate=20_000, batch_size=1000, duration=1.5, sinks={"m": sink})
    # Still starting: the target is the schedule's, nothing is late yet.
    assert stream.metrics.target_rate == 20_000 and stream.metrics.lag_seconds == 0
    assert stream.metrics.rows == 0 and stream.metrics.started is None
    clock.run_to(2.5)
    assert stream.metrics.started == 2.0
    # Half a second in: the rows of half a second, less at most the slice on its way, and no lag.
    assert 10_000 - 1000 <= sink.rows_written <= 10_000
    assert stream.metrics.lag_seconds < 0.05
    clock.release()
    assert engine.wait(30) and stream.error is None
    # Exactly the rows due in 1.5 s, the first of the schema's rows, and no more.
    assert sink.table().equals(fastsynth.generate(SCHEMA, 30_000, seed=42))
    assert stream.metrics.seconds() == pytest.approx(1.5) and sink.closed


def test_the_lag_shows_while_the_writer_waits_for_rows(monkeypatch):
    """A producer that falls behind (here: stops) is lag, reported while the writer waits."""
    clock = FakeClock()
    make_batch = runner.make_batch
    gate = threading.Event()

    def stalling(schema, start, *args, **kwargs):
        if start >= 2000:
            gate.wait(30)
        return make_batch(schema, start, *args, **kwargs)

    monkeypatch.setattr(runner, "make_batch", stalling)
    sink = ClockedSink(SCHEMA.arrow_schema(), clock)
    engine = Engine(clock)
    stream = engine.add_stream("s", SCHEMA, rate=1000, batch_size=1000, sinks={"m": sink})
    clock.run_to(1.99)
    deadline = time.monotonic() + 10
    while sink.rows_written < 2000 and time.monotonic() < deadline:  # the last slice, due at 2 s
        clock.release()
        time.sleep(0.01)
    assert sink.rows_written == 2000 and stream.metrics.lag_seconds < 0.01
    # No third batch comes: the writer waits on the producer while 3 s pass.
    clock.advance(2.0 + 3.0 - clock.monotonic())
    while stream.metrics.lag_seconds < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.metrics.lag_seconds == pytest.approx(3.0)  # 3,000 rows due and not emitted
    gate.set()
    engine.stop()


def test_a_duration_must_be_positive():
    with pytest.raises(fastsynth.errors.UsageError, match="duration=0"):
        Engine().add_stream("s", SCHEMA, duration=0)


# -- time series on the wall clock and the seed's batches (issue 13 D) -----------------------------------

TIMESERIES = Path(__file__).resolve().parents[2] / "configs" / "timeseries.json"


def _stamps(sink: MemorySink, column: str = "timestamp") -> list[float]:
    return [v.timestamp() for v in sink.table()[column].to_pylist()]


def test_a_time_series_on_the_wall_clock_writes_each_reading_when_its_time_comes():
    """The seed's 300-second series: the reading stamped at the start is written at the start (not
    five minutes later), and each next one when its timestamp comes, neither before nor a step late."""
    plan = plan_stream(fastsynth.Schema.load(TIMESERIES), batch_size=1000, frequency=1.0)
    assert plan.rate == {"batches": {"rows": 1, "every": 300}}
    clock = FakeClock()
    sink = ClockedSink(plan.schema.arrow_schema(), clock)
    engine = Engine(clock)
    stream = engine.add_stream("s", plan.schema, rate=plan.rate, batch_size=1000, seed=1, sinks={"m": sink})
    clock.run_to(0.0)
    assert sink.arrivals == [(0.0, 1)] and stream.metrics.lag_seconds == 0
    clock.run_to(299.9)
    assert len(sink.arrivals) == 1  # not early either
    clock.run_to(900.1)
    engine.stop()
    times = [t for t, _ in sink.arrivals]
    assert [n for _, n in sink.arrivals] == [1, 1, 1, 1]
    np.testing.assert_allclose(times, [0, 300, 600, 900], atol=1e-6)
    stamps = _stamps(sink)
    start = dt.datetime.fromisoformat(plan.schema.fields[0].start).timestamp()  # type: ignore[attr-defined]
    np.testing.assert_allclose(np.array(stamps) - start, times, atol=1e-6)  # written at its timestamp


@pytest.mark.slow
def test_every_entity_reading_of_a_step_is_written_when_the_step_comes():
    schema = fastsynth.Schema.from_dict(
        {
            "entities": {"count": 3, "id_field": "sensor", "order": "time"},
            "fields": {
                "timestamp": {"type": "time_sequence", "interval_seconds": 60},
                "x": {"type": "float"},
            },
        }
    )
    plan = plan_stream(schema, batch_size=1000, frequency=1.0)
    clock = FakeClock()
    sink = ClockedSink(plan.schema.arrow_schema(), clock)
    engine = Engine(clock)
    engine.add_stream("s", plan.schema, rate=plan.rate, sinks={"m": sink})
    clock.run_to(120.1)
    engine.stop()
    assert [(round(t, 6), n) for t, n in sink.arrivals] == [(0.0, 3), (60.0, 3), (120.0, 3)]
    stamps = np.array(_stamps(sink)).reshape(3, 3)
    assert (np.ptp(stamps, axis=1) == 0).all() and (np.diff(stamps[:, 0]) == 60).all()


def test_a_time_series_goes_in_the_seeds_batches_when_batch_size_or_frequency_is_set():
    """The seed's continuous mode: batch_size readings every frequency seconds, the first batch at the
    start, the series' clock advancing by its interval (300 s) per reading."""
    schema = fastsynth.Schema.load(TIMESERIES)
    plan = plan_stream(schema, batch_size=4, frequency=2.0, batches_set=True)
    assert plan.rate == {"batches": {"rows": 4, "every": 2.0}}
    clock = FakeClock()
    sink = ClockedSink(plan.schema.arrow_schema(), clock)
    engine = Engine(clock)
    stream = engine.add_stream("s", plan.schema, rate=plan.rate, batch_size=4, seed=1, sinks={"m": sink})
    assert stream.rate.describe() == "4 rows every 2 s" and stream.metrics.target_rate == 2.0
    clock.run_to(5.9)
    engine.stop()
    assert [(round(t, 6), n) for t, n in sink.arrivals] == [(0.0, 4), (2.0, 4), (4.0, 4)]
    assert (np.diff(_stamps(sink)) == 300).all()
    # Not set (the defaults), a time series stays on the wall clock; a rate always wins.
    assert plan_stream(schema, batch_size=4, frequency=2.0).rate == {"batches": {"rows": 1, "every": 300}}
    assert plan_stream(schema, rate=50, batch_size=4, frequency=2.0, batches_set=True).rate == 50
    tabular = fastsynth.Schema.load(TIMESERIES.with_name("tabular.json"))
    assert plan_stream(tabular, batch_size=4, frequency=2.0, batches_set=True).rate == 2.0  # spread


def test_batches_and_a_duration_end_before_the_batch_due_at_the_end():
    """2 s of one batch a second is two batches (at 0 s and 1 s), as 2 s of 10 rows/s is 20 rows."""
    clock = FakeClock()
    sink = ClockedSink(SCHEMA.arrow_schema(), clock)
    engine = Engine(clock)
    stream = engine.add_stream(
        "s", SCHEMA, rate={"batches": {"rows": 10, "every": 1}}, duration=2, sinks={"m": sink}
    )
    clock.release()
    assert engine.wait(30) and stream.error is None
    assert [(round(t, 6), n) for t, n in sink.arrivals] == [(0.0, 10), (1.0, 10)]


def test_a_batches_rate_is_checked_and_changes_like_any_rate():
    with pytest.raises(fastsynth.errors.UsageError, match="rate batches rows"):
        RateSchedule.parse({"batches": {"rows": 0, "every": 1}})
    with pytest.raises(fastsynth.errors.UsageError, match="unknown key 'seconds'"):
        RateSchedule.parse({"batches": {"rows": 5, "seconds": 1}})
    pacer = Pacer(RateSchedule.parse(100.0), started=0.0, wall_started=0.0)
    assert pacer.due(1.0) == pytest.approx(100)
    pacer.retarget(RateSchedule.parse({"batches": {"rows": 7, "every": 2}}), 1.0, 100)
    assert pacer.due(1.0) == pytest.approx(107) and pacer.due(3.5) == pytest.approx(114)
    assert pacer.next_due(3.5) == pytest.approx(1.5)


def test_column_totals_are_the_sums_of_the_rows_the_sinks_took():
    schema = fastsynth.Schema.from_dict(
        {
            "id": {"type": "sequence"},
            "x": {"type": "float", "null_rate": 0.2},
            "n": {"type": "int", "min": -5, "max": 1000},
            "flag": {"type": "bool"},
            "name": {"type": "first_name"},
        }
    )
    clock = FakeClock()
    sink = MemorySink(schema.arrow_schema())
    engine = Engine(clock)
    stream = engine.add_stream("s", schema, rate=7000, batch_size=3000, sinks={"m": sink})
    clock.run_to(1.33)  # mid-batch: the totals cover the slices emitted, not the batches made
    rows, totals = stream.metrics.totals()
    table = sink.table()
    assert 0 < rows == table.num_rows < 10_000 and set(totals) == {"id", "x", "n", "flag"}  # no text
    for name in totals:
        values = table[name].drop_null().to_numpy(zero_copy_only=False).astype(float)
        assert totals[name][1] == len(values)
        assert totals[name][0] == pytest.approx(values.sum(), rel=1e-12)
    assert totals["x"][1] < table.num_rows  # its nulls are not counted
    engine.stop()


def test_drift_now_starts_at_the_row_it_answers_and_stays_through_drift_updates():
    clock = FakeClock()
    sink = MemorySink(SCHEMA.arrow_schema())
    engine = Engine(clock)
    stream = engine.add_stream("s", SCHEMA, rate=20_000, batch_size=1000, sinks={"m": sink})
    clock.run_to(0.5)
    emitted = sink.rows_written
    row = engine.drift_now("s", [{"type": "add", "columns": ["x"], "magnitude": 100}])
    # Made ahead: the batch being written, the queue's two and the one waiting to enter it, at most,
    # keep the drift they had.
    assert emitted <= row <= emitted + 4 * 1000 and stream.drift_rows == [row]
    clock.run_to(1.0)
    assert stream.metrics.drift_events == 1
    engine.update("s", drift=[{"type": "add", "columns": ["x"], "magnitude": 1, "start_row": 0}])
    clock.run_to(1.5)
    with pytest.raises(fastsynth.UsageError, match=r"^events\[0\]: column 'nope' is not in the schema"):
        engine.drift_now("s", [{"type": "add", "columns": ["nope"], "magnitude": 1}])
    engine.stop()
    with pytest.raises(fastsynth.UsageError, match="has ended"):
        engine.drift_now("s", [{"type": "add", "columns": ["x"], "magnitude": 1}])
    x = sink.table()["x"].to_numpy()
    plain = fastsynth.generate(SCHEMA, len(x))["x"].to_numpy()
    drift = x - plain
    assert np.allclose(drift[:row], 0) and np.isclose(drift[row], 100)  # from that row exactly
    later = drift[row:]
    assert (np.isclose(later, 100) | np.isclose(later, 101)).all() and np.isclose(later[-1], 101)
