"""``fastsynth run --continuous`` as a real process: files, standard output, Kafka, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import fastsynth
from tests.sinks.test_kafka import consume

ROOT = Path(__file__).resolve().parents[2]
TABULAR = str(ROOT / "configs" / "tabular.json")

pytestmark = pytest.mark.subprocess


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastsynth", "run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_stream_to_a_file_until_a_row_limit(tmp_path):
    out = tmp_path / "users.parquet"
    result = run(
        "--schema", TABULAR, "--continuous", "--rate", "20000", "--rows", "30000", "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "streamed 30,000 rows" in result.stderr
    assert pq.read_table(out).equals(
        fastsynth.generate(TABULAR, 30_000, batch_size=1000).cast(pq.read_table(out).schema)
    )


def test_a_short_duration_delivers_rate_times_duration_rows(tmp_path):
    """The cold start (imports, numba loading its cache, the first batch) is not counted in
    --duration: 1.5 s at 20,000 rows/s is 30,000 rows (within 1 %), and the lag starts at 0."""
    out = tmp_path / "users.parquet"
    result = run(
        "--schema", TABULAR, "--continuous", "--rate", "20000", "--duration", "1.5",
        "--log-interval", "0.2", "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = pq.read_metadata(out).num_rows
    assert rows == pytest.approx(30_000, rel=0.01)
    assert f"streamed {rows:,} rows in 1.5 s" in result.stderr
    lags = [
        float(line.split(", lag ")[1].split(" s")[0])
        for line in result.stderr.splitlines()
        if ", lag " in line
    ]
    assert lags and max(lags) < 0.1, lags  # no lag from the warm-up at any status line


def test_sigterm_stops_the_stream_cleanly(tmp_path):
    out = tmp_path / "users.csv"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fastsynth",
            "run",
            "--schema",
            TABULAR,
            "--continuous",
            "--rate",
            "5000",
            "-o",
            str(out),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    # Until rows arrive under the temporary name (a slow host with cold kernel caches compiles first).
    deadline = time.monotonic() + 120
    while sum(part.stat().st_size for part in tmp_path.glob(".users.csv.*.part")) < 100_000:
        assert process.poll() is None and time.monotonic() < deadline, "no rows streamed"
        time.sleep(0.2)
    assert not out.exists()  # still being written, under a temporary name
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith('"id"') and len(lines) > 1000  # header and the rows streamed so far
    streamed = int(stderr.split("streamed ")[1].split(" rows")[0].replace(",", ""))
    assert len(lines) == streamed + 1


def test_stream_to_standard_output_as_json_lines():
    result = run(
        "--schema", TABULAR, "--continuous", "--rate", "1000", "--rows", "1500", "--log-interval", "0"
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1500 and set(rows[0]) == {
        "id",
        "name",
        "email",
        "age",
        "income",
        "created_at",
        "status",
    }


def test_stream_to_kafka(broker):
    result = run(
        "--schema", TABULAR, "--continuous", "--rate", "50000", "--rows", "20000",
        "--kafka-topic", "users", "--kafka-bootstrap", broker.bootstrap, "--kafka-key", "id",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    messages = consume(broker.bootstrap, "users", 20_000)
    assert len(messages) == 20_000
    expected = fastsynth.generate(TABULAR, 20_000)["email"].to_pylist()
    assert sorted(json.loads(m.value())["email"] for m in messages) == sorted(expected)


def test_streaming_flags_need_continuous():
    result = run("--schema", TABULAR, "--rate", "10")
    assert (
        result.returncode == 1
        and result.stderr.strip() == "error: --rate applies to streaming; add --continuous"
    )


def test_a_time_series_streams_on_the_wall_clock(tmp_path):
    env = {**os.environ, "SYNTH_DRIFT_ENABLED": "1"}
    result = run(
        "--schema", str(ROOT / "configs" / "timeseries.json"), "--continuous", "--rate", "100",
        "--rows", "50", "--drift-interval", "600", "--format", "jsonl", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    first = json.loads(result.stdout.splitlines()[0])["timestamp"]
    assert abs(time.time() - time.mktime(time.strptime(first, "%Y-%m-%dT%H:%M:%S")) + time.timezone) < 120


def test_stream_into_rolling_files(tmp_path):
    out = tmp_path / "lake"
    result = run(
        "--schema", TABULAR, "--continuous", "--rate", "40000", "--rows", "25000", "--output", str(out),
        "--roll-rows", "10000", "--partition", "hour", "--format", "jsonl",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = sorted(out.rglob("*.jsonl"))
    assert [len(p.read_text().splitlines()) for p in files] == [10_000, 10_000, 5000]
    assert all(p.parent.name.startswith("hour=") and p.parent.parent.name.startswith("dt=") for p in files)
    refused = run("--schema", TABULAR, "--continuous", "--rows", "10", "--roll-rows", "5")
    assert refused.returncode == 1 and "need --output DIR" in refused.stderr
