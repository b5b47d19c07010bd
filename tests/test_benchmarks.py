"""The benchmark scripts run (in their quick mode); their timings are not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("bench_*.py"))

pytestmark = [pytest.mark.bench, pytest.mark.subprocess]


@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.name for p in BENCHMARKS])
def test_benchmark_runs_and_prints_ratios(script):
    result = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "x |" in result.stdout  # at least one ratio column filled


def test_generators_benchmark_without_the_peer_says_so(tmp_path):
    """bench_generators.py names the generators it measures beside river, skips those not registered yet
    with a note, and runs the block example alone when there is no calm-data-generator venv."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_generators.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick", "--calm-python", str(tmp_path / "no-python")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "| sea | SEA (" in result.stdout
    assert "peer comparison skipped" in result.stdout
    assert "| block example, 3,000 rows -> CSV, in-process | fastsynth" in result.stdout
    assert "calm-data-generator generate_blocks_simple" not in result.stdout


def test_report_quality_benchmark_agrees_with_sdmetrics():
    """bench_report_quality.py at its tiny size: fastsynth's scores equal SDMetrics' within 0.01."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_report_quality.py"
    result = subprocess.run(
        [sys.executable, str(script), "--rows", "2000", "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    differences = result.stdout.rsplit("largest difference: ", 1)[1].split(" (target")[0]
    values = [float(part.rsplit(" ", 1)[1]) for part in differences.split(", ")]
    assert len(values) == 3 and max(values) < 0.01, differences
