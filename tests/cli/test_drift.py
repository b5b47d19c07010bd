"""``fastsynth drift inject`` on real files of every format, with the log written beside the output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app
from fastsynth.sources import read_table

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
CONFIG = """
seed: 3
drifts:
  - {type: shift, columns: [income], magnitude: 2, unit: absolute, rows: {start: 400, end: 900}}
  - {type: label_flip, column: status, rate: 0.1, rows: {end: 500}}
"""


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl", ".arrow"])
def test_inject_writes_the_drifted_file_and_its_log(tmp_path, suffix):
    source = tmp_path / f"in{suffix}"
    table = fastsynth.generate(ROOT / "configs" / "tabular.json", 1000, seed=2)
    with fastsynth.open_sink(source, table.schema) as sink:
        for batch in table.to_batches():
            sink.write(batch)
    config = tmp_path / "drift.yaml"
    config.write_text(CONFIG)
    out = tmp_path / f"out{suffix}"
    result = runner.invoke(
        app, ["drift", "inject", str(source), "--config", str(config), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    before, after = read_table(source), read_table(out)
    delta = after["income"].to_numpy() - before["income"].to_numpy()
    assert np.count_nonzero(delta) == 500 and np.allclose(delta[400:900], 2.0)
    flipped = np.asarray(after["status"].to_pylist()) != np.asarray(before["status"].to_pylist())
    assert flipped.sum() == 50 and not flipped[500:].any()
    log = json.loads((tmp_path / f"out{suffix}.drift.json").read_text())
    assert log["seed"] == 3
    assert [d["changed"] for d in log["drifts"]] == [{"income": 500}, {"status": 50}]


def test_inject_reports_bad_input_in_one_line(tmp_path):
    config = tmp_path / "drift.yaml"
    config.write_text("drifts: [{type: shift, columns: [nope], magnitude: 1}]")
    source = tmp_path / "in.parquet"
    pq.write_table(fastsynth.generate({"x": {"type": "float"}}, 10), source)
    result = runner.invoke(
        app, ["drift", "inject", str(source), "-c", str(config), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == "error: drift[0] (shift): column 'nope' is not in the table (x)"
    assert not (tmp_path / "o.csv").exists()
    missing = runner.invoke(
        app, ["drift", "inject", str(tmp_path / "none.csv"), "-c", str(config), "-o", "o.csv"]
    )
    assert missing.exit_code == 1 and "is not a file" in missing.output


def test_drift_types_lists_every_type():
    result = runner.invoke(app, ["drift", "types"])
    assert result.exit_code == 0
    assert all(name in result.output for name in fastsynth.drift.OPERATIONS.names())
