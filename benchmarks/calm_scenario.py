"""Times calm-data-generator's ScenarioInjector; run with the Python of its throwaway virtual environment
(see ``calm_venv.sh``), never with fastsynth's. Prints one JSON line: the median seconds of ``--repeats``
runs (after one small warm-up run). bench_scenario.py imports its settings, so calm-data-generator is
imported in ``main`` only.

    python calm_scenario.py --rows 1000000 --op evolve
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = [f"f{i}" for i in range(10)]
EVOLUTIONS = {
    "f0": {"type": "trend", "slope": 0.001},
    "f1": {"type": "cycle", "amplitude": 2.0, "period": 1000.0},
    "f2": {"type": "sigmoid", "amplitude": 3.0},
    "f3": {"type": "exponential_growth", "rate": 1e-6},
    "f4": {"type": "step", "step": 1000, "amplitude": 1.0},
    "f5": {"type": "noise", "noise_std": 0.5},
    "f6": {"type": "random_walk", "step_std": 0.01},
    "f7": {"type": "trend", "slope": -0.002, "intercept": 1.0},
    "f8": {"type": "cycle", "amplitude": 0.5, "period": 24.0, "phase": 1.0},
    "f9": {"type": "driven_by", "driver_col": "f0", "func": "linear", "func_params": {"slope": 0.1}},
}
"""The same evolutions as bench_scenario.py's, under the seed's names."""
FORMULA = " + ".join(f"{0.1 * (i + 1):.1f} * f{i}" for i in range(10))
TREND = {name: {"type": "linear", "slope": 0.05} for name in COLUMNS}


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({name: rng.normal(size=rows) for name in COLUMNS})
    data["block"] = np.arange(rows) * 10 // rows
    return data


def run(injector: Any, data: pd.DataFrame, op: str) -> None:
    if op == "evolve":
        injector.evolve_features(data, EVOLUTIONS, auto_report=False)
    elif op == "target":
        injector.construct_target(
            data, "y", FORMULA, noise_std=0.5, task_type="classification", threshold=0.0
        )
    else:
        injector.project_to_future_period(
            data, periods=3, trend_config=TREND, block_col="block", auto_report=False
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--op", choices=["evolve", "target", "project"], required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from calm_data_generator.generators.dynamics import ScenarioInjector

    data = frame(args.rows)
    injector = ScenarioInjector(seed=0)
    run(injector, frame(1000), args.op)
    times = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        run(injector, data, args.op)
        times.append(time.perf_counter() - started)
    print(json.dumps({"op": args.op, "rows": args.rows, "seconds": statistics.median(times)}))


if __name__ == "__main__":
    main()
