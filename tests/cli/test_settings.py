"""The seed's settings that steer ``fastsynth run`` and the API: models.default_model and streaming."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from pathlib import Path

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from fastsynth.api import create_app
from fastsynth.cli.app import app
from fastsynth.config import load_settings
from fastsynth.schema import EXAMPLES
from fastsynth.service import Service

runner = CliRunner()
CLEAN = {"FASTSYNTH_DEFAULT_MODEL": None, "SYNTH_DEFAULT_MODEL": None}


def _columns(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output.splitlines()[0]))


@pytest.mark.parametrize(
    ("args", "env", "example"),
    [
        ([], {}, "tabular"),
        ([], {"SYNTH_DEFAULT_MODEL": "timeseries"}, "timeseries"),
        (["--type", "timeseries"], {}, "timeseries"),
        (["--type", "tabular"], {"SYNTH_DEFAULT_MODEL": "timeseries"}, "tabular"),
    ],
)
def test_run_without_a_schema_makes_the_default_model(args, env, example):
    result = runner.invoke(app, ["run", "-n", "2", "-f", "jsonl", *args], env={**CLEAN, **env})
    fields = {name for name, spec in EXAMPLES[example].items() if isinstance(spec, dict) and "type" in spec}
    assert fields <= set(_columns(result))
    assert ("timestamp" in _columns(result)) == (example == "timeseries")


def test_streaming_settings_steer_continuous_runs(tmp_path):
    off = tmp_path / "off.yaml"
    off.write_text("streaming: {enabled: false}\n")
    result = runner.invoke(app, ["run", "--continuous", "-n", "10", "-c", str(off)])
    assert result.exit_code == 1
    assert (
        f"streaming is off (config streaming.enabled=false, from file {off} (streaming.enabled))"
        in result.output
    )
    kafka = tmp_path / "kafka.yaml"
    kafka.write_text("streaming: {type: kafka}\n")
    result = runner.invoke(app, ["run", "--continuous", "-n", "10", "-c", str(kafka)])
    assert result.exit_code == 1 and "streams to a kafka; give --kafka-topic TOPIC" in result.output
    out = tmp_path / "rows.jsonl"  # a flag that says where rows go is all streaming.type asks for
    file_type = tmp_path / "file.yaml"
    file_type.write_text("streaming: {type: file}\n")
    args = ["run", "--continuous", "-n", "10", "--rate", "1000", "-c", str(file_type), "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 10


def test_api_uses_default_model_and_refuses_streams_when_streaming_is_off(tmp_path):
    settings = load_settings(
        environ={"SYNTH_DEFAULT_MODEL": "timeseries", "SYNTH_STREAMING_ENABLED": "false"}
    )
    app = create_app(Service(settings, output_root=tmp_path, max_rows=1000))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        made = client.post("/generators", json={"name": "g"})
        assert made.status_code == 201 and "timestamp" in made.json()["columns"]
        client.post("/streamers", json={"name": "out", "type": "file", "path": "g.jsonl"})
        refused = client.post("/start", json={})
        assert refused.status_code == 409
        assert refused.json()["detail"].startswith(
            "streaming is off (config streaming.enabled=false, from environment SYNTH_STREAMING_ENABLED)"
        )
        assert client.post("/generate", json={"generator": "g", "rows": 3}).status_code == 200


# -- issue 13 D: time series on time, the seed's batches, drift settings that never break a run --------

ROOT = Path(__file__).resolve().parents[2]
TIMESERIES = str(ROOT / "configs" / "timeseries.json")
TABULAR = str(ROOT / "configs" / "tabular.json")
QUIET = {
    name: None
    for setting in ("BATCH_SIZE", "FREQUENCY", "DRIFT_ENABLED", "DRIFT_INTERVAL", "DRIFT_MAGNITUDE", "SEED")
    for name in (f"SYNTH_{setting}", f"FASTSYNTH_{setting}")
}


def _rows(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _stream(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(
        app,
        ["run", "--continuous", "--log-interval", "0", "-f", "jsonl", *args],
        env={**QUIET, **(env or {})},
    )


@pytest.mark.slow
def test_the_seeds_300_second_series_writes_its_first_reading_at_once():
    """Five seconds of the seed's example: its first reading (stamped now) is out, not five minutes on."""
    started = time.time()
    rows = _rows(_stream("--schema", TIMESERIES, "--duration", "5"))
    assert len(rows) == 1
    stamp = dt.datetime.fromisoformat(rows[0]["timestamp"]).replace(tzinfo=dt.UTC).timestamp()
    assert started - 1 <= stamp <= time.time()


@pytest.mark.slow
def test_a_one_second_series_writes_a_reading_each_second_from_the_start(tmp_path):
    schema = tmp_path / "ticks.json"
    schema.write_text(json.dumps({"time_field": "t", "time_interval_seconds": 1, "x": {"type": "float"}}))
    rows = _rows(_stream("--schema", str(schema), "--duration", "2.5"))
    assert len(rows) == 3  # at 0 s, 1 s and 2 s
    stamps = [dt.datetime.fromisoformat(r["t"]).timestamp() for r in rows]
    assert [b - a for a, b in itertools.pairwise(stamps)] == [1, 1]


@pytest.mark.parametrize("where", ["flag", "environment", "file"])
@pytest.mark.slow
def test_batch_size_and_frequency_pace_a_time_series_when_set(tmp_path, where):
    """Set anywhere, they give the seed's mode: 3 readings every 0.5 s, 300 s of the series apart."""
    args, env = ["--schema", TIMESERIES, "--duration", "1.2"], {}
    if where == "flag":
        args += ["--batch-size", "3", "--frequency", "0.5"]
    elif where == "environment":
        env = {"SYNTH_BATCH_SIZE": "3", "SYNTH_FREQUENCY": "0.5"}
    else:
        config = tmp_path / "synth.yaml"
        config.write_text("data_generation: {batch_size: 3, frequency: 0.5}\n")
        args += ["--config", str(config)]
    result = _stream(*args, env=env)
    rows = _rows(result)
    assert len(rows) == 9  # batches at 0, 0.5 and 1 s
    assert "target 3 rows every 0.5 s" in result.stderr
    stamps = [dt.datetime.fromisoformat(r["timestamp"]).timestamp() for r in rows]
    assert {b - a for a, b in itertools.pairwise(stamps)} == {300}


@pytest.mark.parametrize("where", ["environment", "file"])
def test_drift_enabled_by_settings_never_breaks_a_plain_tabular_run(tmp_path, where):
    config = tmp_path / "synth.yaml"
    config.write_text("drift: {enabled: true}\n")
    args, env, source = (
        ["run", "--schema", TABULAR, "-n", "5", "-f", "jsonl"],
        {},
        "environment SYNTH_DRIFT_ENABLED",
    )
    if where == "environment":
        env = {"SYNTH_DRIFT_ENABLED": "true"}
    else:
        args += ["--config", str(config)]
        source = f"file {config} (drift.enabled)"
    plain = runner.invoke(app, ["run", "--schema", TABULAR, "-n", "5", "-f", "jsonl"], env=QUIET)
    result = runner.invoke(app, args, env={**QUIET, **env})
    assert _rows(result) == _rows(plain)  # one-shot tabular rows have no clock to drift by
    assert f"note: config drift.enabled=true (from {source}) is not applied" in result.stderr
    # The flag itself still says what it needs.
    refused = runner.invoke(app, ["run", "--schema", TABULAR, "-n", "5", "--drift"], env=QUIET)
    assert refused.exit_code == 1 and "--drift needs a time series" in refused.output


@pytest.mark.slow
def test_drift_enabled_by_settings_drifts_a_tabular_stream_and_a_time_series():
    env = {"SYNTH_DRIFT_ENABLED": "true", "SYNTH_DRIFT_INTERVAL": "1", "SYNTH_DRIFT_MAGNITUDE": "1"}
    args = ["--schema", TABULAR, "--rate", "2000", "--rows", "4000"]
    plain, drifted = _rows(_stream(*args)), _rows(_stream(*args, env=env))
    assert len(drifted) == 4000 and drifted != plain
    one_shot = ["run", "--schema", TIMESERIES, "-n", "48", "-f", "jsonl"]
    env["SYNTH_DRIFT_INTERVAL"] = "3600"
    assert _rows(runner.invoke(app, one_shot, env={**QUIET, **env})) != _rows(
        runner.invoke(app, one_shot, env=QUIET)
    )


def test_drift_enabled_by_settings_skips_a_schema_with_nothing_to_drift(tmp_path):
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"name": {"type": "first_name"}}))
    args = ["--schema", str(names), "--rate", "1000", "--rows", "10"]
    result = _stream(*args, env={"SYNTH_DRIFT_ENABLED": "1"})
    assert len(_rows(result)) == 10
    assert "config drift.enabled=true (from environment SYNTH_DRIFT_ENABLED) is not applied" in result.stderr
    refused = _stream("--schema", str(names), "--rate", "1000", "--rows", "10", "--drift")
    assert refused.exit_code == 1
    assert "--drift: the schema has no numeric, category or boolean column to drift" in refused.output


def test_drift_errors_name_the_setting_that_turned_it_on():
    from fastsynth.errors import UsageError
    from fastsynth.schema import Schema
    from fastsynth.seed_drift import drift_from_flags

    origin = "config drift.enabled=true (from environment SYNTH_DRIFT_ENABLED)"
    schema = Schema.load(TABULAR)
    with pytest.raises(
        UsageError,
        match=r"^config drift\.enabled=true \(from environment SYNTH_DRIFT_ENABLED\) "
        "needs a time series",
    ):
        drift_from_flags(schema, 60, 0.1, seed=1, origin=origin)
    with pytest.raises(UsageError, match=r"\(from environment SYNTH_DRIFT_ENABLED\): drift\.interval=0"):
        drift_from_flags(schema, 0, 0.1, seed=1, rows_per_second=10, origin=origin)
    assert load_settings(cli={"drift_enabled": True}).sources["drift_enabled"] == "command line --drift"
