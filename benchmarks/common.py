"""What the benchmark scripts share: timing by median, and the machine line of every report."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastsynth.kernels.jit

__all__ = [
    "DEFAULT_CALM",
    "ROOT",
    "machine",
    "median_rate",
    "median_seconds",
    "mimesis_columns",
    "run_gen",
    "run_peer",
]

ROOT = Path(__file__).resolve().parent.parent
"""The repository's root."""
DEFAULT_CALM = Path.home() / ".cache" / "fastsynth" / "calm-venv" / "bin" / "python"
"""The Python of calm-data-generator's throwaway venv (made by ``sh benchmarks/calm_venv.sh``)."""


def median_rate(make: Callable[[int], object], rows: int, repeats: int) -> float:
    """Median rows/s of ``make(rows)`` over ``repeats`` runs, after one small warm-up run."""
    make(min(rows, 1000))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        make(rows)
        times.append(time.perf_counter() - started)
    return rows / statistics.median(times)


def median_seconds(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``run()`` over ``repeats`` runs, and what the last run returned."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run_peer(python: Path, script: str, *arguments: object) -> dict[str, Any]:
    """The JSON report (the last line printed) of ``script`` of this folder, run by ``python``, the
    peer's throwaway venv; its error output when it fails."""
    command = [str(python), str(Path(__file__).resolve().parent / script), *map(str, arguments)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{script} failed in {python}:\n{result.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def machine() -> str:
    """One line saying what the numbers were measured on."""
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numba threads {fastsynth.kernels.jit.threads()}"
    )


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM). Unlike ru_maxrss, it does not count the
    memory of the parent that forked it."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_gen(schema: Path, rows: int) -> tuple[float, float, float]:
    """(rows/s over the whole process, rows/s the command reports, peak RSS in MB) of ``fastsynth gen``
    writing ``rows`` rows of ``schema`` to Parquet, as a separate process. The reported rate leaves out
    interpreter start-up."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable, "-m", "fastsynth", "gen", str(schema),
            "--rows", str(rows), "--output", str(Path(tmp) / "out.parquet"), "--no-progress",
        ]  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = 0.0
        while proc.poll() is None:
            try:
                peak = max(peak, _peak_rss_mb(proc.pid))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.02)
        proc.wait()
        seconds = time.perf_counter() - started
        report = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"fastsynth gen failed: {report}")
        reported = float(report.rsplit("(", 1)[1].split(" rows/s")[0].replace(",", ""))
        return rows / seconds, reported, peak


def mimesis_columns(rows: int, seed: int = 42) -> dict[str, list]:
    """The seed's tabular schema made by Mimesis's batch ``Fieldset`` API, one call per column, as a
    user of it writes it (Fieldset has no normal distribution: income comes from ``Random.gauss``)."""
    from mimesis import Fieldset, Locale
    from mimesis.random import Random

    fs = Fieldset(locale=Locale.EN, i=rows, seed=seed)
    gauss = Random(seed).gauss
    return {
        "id": fs("numeric.integer_number", start=1000, end=9999),
        "name": fs("person.full_name"),
        "email": fs("person.email"),
        "age": fs("numeric.integer_number", start=18, end=90),
        "income": [max(0.0, gauss(50000, 20000)) for _ in range(rows)],
        "created_at": fs("datetime.datetime", start=2020, end=2023),
        "status": fs("choice.choice", items=["active"] * 7 + ["inactive"] * 2 + ["pending"]),
    }
