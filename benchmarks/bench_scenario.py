"""Scenario dynamics, side by side in one run with calm-data-generator's ScenarioInjector.

    python benchmarks/bench_scenario.py            # full sizes: 1M rows x 10 columns
    python benchmarks/bench_scenario.py --quick    # tiny sizes: checks the script works, not the speed

On the same data (10 float columns and a block column of ten blocks), three tasks:

1. Evolve all ten columns, each by a different evolution (trend, cycle, sigmoid, exponential growth,
   step, noise, random walk, driven by another column), over the rows.
2. Construct a classification target from a formula over the ten columns plus Gaussian noise.
3. Project the last block into three future periods with a linear trend on every column.

fastsynth runs ``fastsynth.scenarios`` on an Arrow table (with its ground-truth log) and the seed's facade
``fastsynth.compat.calmops.ScenarioInjector`` on a pandas DataFrame; calm-data-generator runs in its own
throwaway virtual environment (``calm_venv.sh`` makes it) through ``calm_scenario.py``, timed inside.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from common import DEFAULT_CALM, machine, median_rate, run_peer

from fastsynth import scenarios
from fastsynth.compat.calmops import ScenarioInjector

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from calm_scenario import EVOLUTIONS, FORMULA, TREND  # noqa: E402 the peer's script holds the shared settings

COLUMNS = [f"f{i}" for i in range(10)]
NATIVE = {
    "f0": {"type": "linear", "slope": 0.001},
    "f1": {"type": "cyclic", "amplitude": 2.0, "period": 1000.0},
    "f2": {"type": "sigmoid", "amplitude": 3.0},
    "f3": {"type": "exponential_growth", "rate": 1e-6},
    "f4": {"type": "step", "at": 1000, "amplitude": 1.0},
    "f5": {"type": "noise", "std": 0.5},
    "f6": {"type": "random_walk", "step_std": 0.01},
    "f7": {"type": "linear", "slope": -0.002, "intercept": 1.0},
    "f8": {"type": "cyclic", "amplitude": 0.5, "period": 24.0, "phase": 1.0},
    "f9": {"type": "driven_by", "driver": "f0", "slope": 0.1},
}
"""calm_scenario.py's evolutions in fastsynth's own spec names."""


def table(rows: int) -> pa.Table:
    rng = np.random.default_rng(0)
    columns = {name: rng.normal(size=rows) for name in COLUMNS}
    return pa.table(columns | {"block": np.arange(rows) * 10 // rows})


def native(data: pa.Table, op: str) -> object:
    if op == "evolve":
        return scenarios.evolve(data, NATIVE, seed=0)
    if op == "target":
        return scenarios.construct_target(
            data, "y", FORMULA, noise_std=0.5, task="classification", threshold=0.0, seed=0
        )
    last = data.filter(pc.equal(data.column("block"), pc.max(data.column("block"))))  # the seed's base
    return scenarios.project(
        last, 3, trend=TREND, period_column="block", rows_per_period=last.num_rows, seed=0
    )


def facade(frame: object, op: str) -> object:
    injector = ScenarioInjector(seed=0)
    if op == "evolve":
        return injector.evolve_features(frame, EVOLUTIONS)
    if op == "target":
        return injector.construct_target(
            frame, "y", FORMULA, noise_std=0.5, task_type="classification", threshold=0.0
        )
    return injector.project_to_future_period(frame, periods=3, trend_config=TREND, block_col="block")


def calm(python: Path, op: str, rows: int, repeats: int) -> float:
    """Rows per second of calm-data-generator's ScenarioInjector doing ``op`` on ``rows`` rows."""
    report = run_peer(python, "calm_scenario.py", "--rows", rows, "--op", op, "--repeats", repeats)
    return rows / float(report["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--calm-python", type=Path, default=DEFAULT_CALM, help="Python of the calm venv")
    args = parser.parse_args()
    rows, repeats = (20_000, 1) if args.quick else (1_000_000, 5)
    data = table(rows)
    frame = data.to_pandas()
    print(machine())
    tasks = {
        "evolve": "evolve 10 columns",
        "target": "classification target, formula over 10 columns + noise",
        "project": "project the last block into 3 periods with a trend",
    }
    lines = []
    for op, task in tasks.items():
        ours = median_rate(lambda n, op=op: native(data.slice(0, n), op), rows, repeats)
        ours_facade = median_rate(lambda n, op=op: facade(frame.iloc[:n], op), rows, repeats)
        lines.append((task, "fastsynth.scenarios (Arrow)", f"{ours:,.0f} rows/s", ""))
        peer = calm(args.calm_python, op, rows, repeats) if args.calm_python.exists() else None
        ratio = f"{ours / peer:,.1f}x" if peer else ""
        lines[-1] = (*lines[-1][:3], ratio)
        lines.append(
            (
                task,
                "fastsynth ScenarioInjector facade (pandas)",
                f"{ours_facade:,.0f} rows/s",
                f"{ours_facade / peer:,.1f}x" if peer else "",
            )
        )
        if peer:
            lines.append((task, "calm-data-generator ScenarioInjector", f"{peer:,.0f} rows/s", "1.0x"))
    if not args.calm_python.exists():
        print(
            f"calm-data-generator not measured: no {args.calm_python}; make it with benchmarks/calm_venv.sh",
            file=sys.stderr,
        )
    print(f"{rows:,} rows x {len(COLUMNS)} columns")
    print("| task | implementation | speed (median) | x times calm-data-generator |")
    print("|---|---|---:|---:|")
    for line in lines:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
