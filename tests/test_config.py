"""Settings: defaults < file < environment < flags, each value's source known, bad values named."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app
from fastsynth.config import load_settings

runner = CliRunner()


def test_precedence_and_sources(tmp_path):
    config = tmp_path / "synth.yaml"
    config.write_text("data_generation: {seed: 7, batch_size: 500, frequency: 2}\ndrift: {enabled: true}\n")
    environ = {"SYNTH_BATCH_SIZE": "600", "SYNTH_FREQUENCY": "3", "FASTSYNTH_FREQUENCY": "4"}
    settings = load_settings(config, environ=environ, cli={"frequency": 5.0, "seed": None})
    assert (settings.seed, settings.batch_size, settings.frequency) == (7, 600, 5.0)
    assert settings.drift_enabled is True and settings.drift_interval == 3600.0
    assert settings.sources["seed"] == f"file {config} (data_generation.seed)"
    assert settings.sources["batch_size"] == "environment SYNTH_BATCH_SIZE"
    assert settings.sources["frequency"] == "command line --frequency"
    assert settings.sources["drift_interval"] == "default"
    assert load_settings(None, environ=environ).frequency == 4.0  # FASTSYNTH_ beats SYNTH_
    assert settings.as_document()["data_generation"] == {"seed": 7, "batch_size": 600, "frequency": 5.0}


@pytest.mark.parametrize(
    ("file", "environ", "message"),
    [
        (
            "",
            {"SYNTH_BATCH_SIZE": "lots"},
            "config batch_size='lots' (from environment SYNTH_BATCH_SIZE) is not an integer",
        ),
        (
            "",
            {"SYNTH_DRIFT_MAGNITUDE": "3"},
            "config drift_magnitude='3' (from environment SYNTH_DRIFT_MAGNITUDE) is above 1",
        ),
        ("", {"SYNTH_LOG_LEVEL": "loud"}, "is not allowed; allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        (
            "",
            {"SYNTH_API_PORT": "70000"},
            "config api_port='70000' (from environment SYNTH_API_PORT) is outside [1, 65535]",
        ),
        (
            "data_generation: {seed: 1180591620717411303424}",
            {},
            "config seed=1180591620717411303424 (from file",
        ),
        ("", {"SYNTH_SEED": str(2**64)}, "is outside [0, 18446744073709551615]"),
        (
            "",
            {"SYNTH_FREQUENCY": "1e9"},
            "config frequency='1e9' (from environment SYNTH_FREQUENCY) is above 86400",
        ),
        ("drift: {enabled: maybe}", {}, "config drift_enabled='maybe' (from file"),
        (
            "",
            {"SYNTH_DRIFT_INTERVAL": "1e-9"},
            "config drift_interval='1e-9' (from environment SYNTH_DRIFT_INTERVAL) is below 1e-06",
        ),
        (  # a secret of the wrong type is never shown: it may be the real token
            "api: {token: 123456}",
            {},
            "config api_token=(hidden) (from file",
        ),
        ("streams: {}", {}, "unknown section 'streams'; allowed: api, data_generation"),
        ("drift: {size: 1}", {}, "unknown key drift.size; allowed: enabled, interval, magnitude"),
        ("[1, 2]", {}, "is not a mapping of sections"),
    ],
)
def test_bad_settings_name_the_value_and_its_source(tmp_path, file, environ, message):
    config = tmp_path / "synth.yaml"
    config.write_text(file)
    with pytest.raises(fastsynth.UsageError) as caught:
        load_settings(config, environ=environ)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_config_show(tmp_path):
    config = tmp_path / "synth.yaml"
    config.write_text("api: {port: 9000}\n")
    result = runner.invoke(app, ["config", "show", "--config", str(config)], env={"SYNTH_SEED": "11"})
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert lines["api_port"].split()[1] == "9000" and "file" in lines["api_port"]
    assert lines["seed"].split()[1] == "11" and "environment SYNTH_SEED" in lines["seed"]
    assert lines["batch_size"].endswith("rows per batch")  # what each setting does
    as_json = json.loads(runner.invoke(app, ["config", "show", "--json"]).output)
    assert as_json["settings"]["api"] == {
        "host": "127.0.0.1",
        "port": 8000,
        "token": None,
        "allowed_hosts": [],
        "cors_origins": [],
    }
    secret = runner.invoke(app, ["config", "show"], env={"FASTSYNTH_API_TOKEN": "hush"}).output
    assert "hush" not in secret and "(set)" in secret  # a token is never shown


@pytest.mark.slow
def test_run_takes_its_settings_from_flags_environment_and_file(tmp_path):
    config = tmp_path / "synth.yaml"
    config.write_text("data_generation: {batch_size: 5}\n")
    tabular = "configs/tabular.json"

    def rows(*args, env=None):
        result = runner.invoke(app, ["run", "--schema", tabular, "--format", "jsonl", *args], env=env)
        assert result.exit_code == 0, result.output
        return len(result.output.splitlines())

    assert rows() == 1000
    assert rows("--config", str(config)) == 5
    assert rows("--config", str(config), env={"SYNTH_BATCH_SIZE": "7"}) == 7
    assert rows("--config", str(config), "--batch-size", "3", env={"SYNTH_BATCH_SIZE": "7"}) == 3
    bad = runner.invoke(app, ["run", "--schema", tabular], env={"SYNTH_FREQUENCY": "-1"})
    assert (
        bad.exit_code == 1
        and "config frequency='-1' (from environment SYNTH_FREQUENCY) is not positive" in bad.output
    )


def test_the_drift_interval_is_at_least_a_microsecond():
    """The resolution of a drift schedule's clock: at 1e-9 s a time series' stream counted 3.6e16 drift
    events in eight seconds; at limits.max_rate a microsecond is 10 rows."""
    assert load_settings(environ={"FASTSYNTH_DRIFT_INTERVAL": "1e-6"}).drift_interval == 1e-6
    with pytest.raises(fastsynth.UsageError, match=r"config drift_interval=5e-07 is below 1e-06"):
        load_settings(environ={}).updated({"drift": {"interval": 5e-7}}, "API")
