"""The seed's settings that steer ``fastsynth run`` and the API: models.default_model and streaming."""

from __future__ import annotations

import json

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
