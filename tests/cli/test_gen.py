"""The CLI in-process (Typer's runner) and as a real subprocess."""

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
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app
from fastsynth.schema import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
TABULAR = ROOT / "configs" / "tabular.json"
runner = CliRunner()


def fastsynth_cmd(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastsynth", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kwargs,
    )


@pytest.mark.subprocess
def test_gen_parquet_as_a_subprocess(tmp_path):
    out = tmp_path / "t.parquet"
    result = fastsynth_cmd("gen", str(TABULAR), "--rows", "30000", "--seed", "5", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote 30,000 rows x 7 columns" in result.stderr and "rows/s" in result.stderr
    assert pq.read_table(out).to_pylist() == fastsynth.generate(TABULAR, 30000, seed=5).to_pylist()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet", "arrow"])
def test_gen_every_format_by_extension_and_by_flag(tmp_path, fmt):
    by_ext = tmp_path / f"a.{fmt}"
    by_flag = tmp_path / "b.data"
    assert runner.invoke(app, ["gen", str(TABULAR), "-n", "100", "-o", str(by_ext)]).exit_code == 0
    result = runner.invoke(app, ["gen", str(TABULAR), "-n", "100", "-o", str(by_flag), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert by_ext.read_bytes() == by_flag.read_bytes()


@pytest.mark.subprocess
def test_jsonl_to_stdout_matches_the_api():
    result = fastsynth_cmd("gen", str(TABULAR), "-n", "5", "--format", "jsonl", "--seed", "9")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    expected = fastsynth.generate(TABULAR, 5, seed=9).to_pylist()
    assert [r["email"] for r in rows] == [r["email"] for r in expected]


def test_console_table_for_small_counts():
    result = runner.invoke(app, ["gen", str(TABULAR), "-n", "3", "--seed", "1"])
    assert result.exit_code == 0
    first_id = fastsynth.generate(TABULAR, 3, seed=1).column("id")[0].as_py()
    assert "income" in result.output and str(first_id) in result.output


def test_console_refuses_large_counts():
    result = runner.invoke(app, ["gen", str(TABULAR), "-n", "20000"])
    assert result.exit_code == 1
    assert "shows at most 10000 rows; use --output PATH" in result.output


@pytest.mark.subprocess
def test_seed_env_var_threads_and_options(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    fastsynth_cmd("gen", str(TABULAR), "-n", "2000", "-o", str(a), env={"SYNTH_SEED": "77"})
    fastsynth_cmd(
        "gen",
        str(TABULAR),
        "-n",
        "2000",
        "-o",
        str(b),
        "--seed",
        "77",
        "--threads",
        "1",
        "--batch-size",
        "300",
        "-O",
        "row_group_size=1000",
        "-O",
        "compression=gzip",
    )
    assert pq.read_table(a).equals(pq.read_table(b))
    meta = pq.ParquetFile(b).metadata
    assert meta.num_row_groups == 2 and meta.row_group(0).column(0).compression == "GZIP"


def test_schema_create_example_writes_the_seed_examples(tmp_path):
    for kind in ("tabular", "timeseries"):
        out = tmp_path / f"{kind}.json"
        result = runner.invoke(app, ["schema", "create-example", kind, "--output", str(out)])
        assert result.exit_code == 0
        assert json.loads(out.read_text()) == EXAMPLES[kind]
    assert json.loads(TABULAR.read_text()) == EXAMPLES["tabular"]


def test_schema_validate_and_types():
    result = runner.invoke(app, ["schema", "validate", str(TABULAR)])
    assert (
        result.exit_code == 0
        and "status: category -> dictionary<values=string, indices=int8" in result.output
    )
    result = runner.invoke(app, ["schema", "types"])
    assert "category:" in result.output and "probabilities" in result.output


@pytest.mark.subprocess
def test_seed_run_command(tmp_path):
    out = tmp_path / "data.csv"
    result = fastsynth_cmd("run", "--schema", str(TABULAR), "--type", "tabular", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert len(out.read_text().splitlines()) == 1001  # header + one batch of the default 1000 rows
    result = runner.invoke(app, ["run", "--schema", str(TABULAR), "--type", "tabular"])
    assert result.exit_code == 0 and "status" in result.output  # 1000 rows fit the console


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (
            ["run", "--schema", str(TABULAR), "--continuous", "--rate", "-5"],
            "error: rate=-5.0 is not a number > 0",
            1,
        ),
        (["run", "--schema", str(TABULAR), "--drift", "--drift-magnitude", "0.2"], "error: --drift", 1),
        (["gen", str(TABULAR), "--type", "timeseries"], "is a tabular schema; use --type tabular", 1),
        (["gen", "missing.json"], "error: schema file 'missing.json' does not exist", 1),
        (
            ["gen", str(TABULAR), "-n", "5", "-o", "/nonexistent/dir/x.csv"],
            "directory '/nonexistent/dir' does not exist",
            1,
        ),
        (["gen", str(TABULAR), "-n", "5", "-o", "x.xlsx"], "cannot infer a format from extension '.xlsx'", 1),
        (["gen", str(TABULAR), "-n", "5", "-f", "excel"], "unknown output format 'excel'; allowed:", 1),
        (["gen", str(TABULAR), "-n", "5", "-f", "parquet"], "binary and needs an output path", 1),
        (["gen", str(TABULAR), "-O", "nonsense"], "--option 'nonsense' is not KEY=VALUE", 1),
        (["gen", str(TABULAR), "-n", "-5"], "error: rows=-5 is not an integer >= 0", 1),
        (["gen", str(TABULAR), "--batch-size", "0"], "error: batch_size=0 is not an integer >= 1", 1),
        (["gen", str(TABULAR), "--threads", "99"], "error: threads=99 is outside [1, ", 1),
        (["gen", str(TABULAR), "-n", "five"], "Invalid value for '--rows'", 2),
        (["gen", str(TABULAR), "--rowz", "5"], "No such option", 2),
    ],
)
def test_bad_input_gets_one_line_and_no_traceback(args, message, code):
    result = fastsynth_cmd(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.subprocess
def test_bad_schema_names_the_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"age": {"type": "int", "min": 90, "max": 18}}))
    result = fastsynth_cmd("gen", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: field 'age': min=90 is greater than max=18"


@pytest.mark.subprocess
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_leaves_no_partial_file(tmp_path, stop):
    """Ctrl-C, and SIGTERM as timeout, systemd and Kubernetes stop a process: the file being written
    is removed, an existing one kept."""
    out = tmp_path / "big.csv"
    out.write_text("keep")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastsynth", "gen", str(TABULAR), "-n", "500000000", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a suite started in the background inherits an ignored SIGINT
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".part") and p.stat().st_size > 0 for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(stop)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == [out] and out.read_text() == "keep"


def test_a_command_run_in_process_gives_back_the_sigterm_handler_it_found():
    before = signal.getsignal(signal.SIGTERM)
    assert runner.invoke(app, ["gen", str(TABULAR), "-n", "3", "-f", "csv"]).exit_code == 0
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.subprocess
def test_closed_pipe_ends_quietly():
    shell = f"{sys.executable} -m fastsynth gen {TABULAR} -n 3000000 -f jsonl | head -n 2"
    result = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=300)
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


@pytest.mark.subprocess
def test_same_bytes_whatever_the_batch_size_and_threads(tmp_path):
    a, b, c = (tmp_path / f"{n}.csv" for n in "abc")
    runner.invoke(app, ["gen", str(TABULAR), "-n", "50000", "--seed", "3", "-o", str(a)])
    runner.invoke(
        app, ["gen", str(TABULAR), "-n", "50000", "--seed", "3", "-o", str(b), "--batch-size", "777"]
    )
    fastsynth_cmd("gen", str(TABULAR), "-n", "50000", "--seed", "3", "-o", str(c), "--threads", "1")
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    runner.invoke(app, ["gen", str(TABULAR), "-n", "50000", "--seed", "4", "-o", str(b)])
    assert a.read_bytes() != b.read_bytes()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"fastsynth {fastsynth.__version__}"


def test_forced_progress_bar(tmp_path):
    out = tmp_path / "p.parquet"
    result = runner.invoke(app, ["gen", str(TABULAR), "-n", "300000", "-o", str(out), "--progress"])
    assert result.exit_code == 0, result.output
    assert pq.read_metadata(out).num_rows == 300000


@pytest.mark.subprocess
def test_seed_run_timeseries_to_csv(tmp_path):
    schema = tmp_path / "timeseries_schema.json"
    assert runner.invoke(app, ["schema", "create-example", "timeseries", "-o", str(schema)]).exit_code == 0
    out = tmp_path / "data.csv"
    result = fastsynth_cmd("run", "--schema", str(schema), "--type", "timeseries", "--output", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == '"timestamp","value","count","category"' and len(lines) == 1001
    mismatch = fastsynth_cmd("gen", str(schema), "--type", "tabular")
    assert mismatch.returncode == 1 and "is a timeseries schema; use --type timeseries" in mismatch.stderr
