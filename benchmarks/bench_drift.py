"""Drift injection, side by side in one run with what users use instead.

    python benchmarks/bench_drift.py            # full sizes (about two minutes on 2 cores)
    python benchmarks/bench_drift.py --quick    # tiny sizes: checks the script works, not the speed

1. Numeric feature drift: an abrupt shift of 0.5 standard deviations on every row of a 10M-row x
   10-column float table, by ``fastsynth.inject_drift`` (with its drift log), by numpy by hand (the
   floor: no log, no window, no profile), and by calm-data-generator's ``DriftInjector``
   (``inject_feature_drift``, type shift) on a pandas DataFrame of 1M rows.
2. Label flipping: 10% of a 3-class label column flipped to another class, by fastsynth (10M rows) and
   by ``DriftInjector.inject_label_drift`` (1M rows).

calm-data-generator runs in its own throwaway virtual environment (``calm_venv.sh`` makes it; its full
install pulls gigabytes and it is not a fastsynth dependency), through ``calm_drift.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
from common import DEFAULT_CALM, machine, median_rate, run_peer

import fastsynth

COLUMNS = [f"f{i}" for i in range(10)]


def float_table(rows: int) -> pa.Table:
    rng = np.random.default_rng(0)
    return pa.table({name: rng.normal(size=rows) for name in COLUMNS} | {"label": np.arange(rows) % 3})


def numpy_shift(table: pa.Table) -> pa.Table:
    columns = {}
    for name in COLUMNS:
        x = table.column(name).to_numpy()
        columns[name] = x + 0.5 * x.std()
    return pa.table(columns)


def calm(python: Path, op: str, rows: int) -> float:
    """Rows per second of calm-data-generator's DriftInjector doing ``op`` on ``rows`` rows."""
    report = run_peer(python, "calm_drift.py", "--rows", rows, "--op", op)
    return rows / float(report["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--calm-python", type=Path, default=DEFAULT_CALM, help="Python of the calm venv")
    args = parser.parse_args()
    rows, calm_rows, repeats = (20_000, 2_000, 1) if args.quick else (10_000_000, 1_000_000, 5)
    table = float_table(rows)
    shift = [{"type": "shift", "columns": COLUMNS, "magnitude": 0.5}]
    flip = [{"type": "label_flip", "column": "label", "rate": 0.1}]
    print(machine())
    values = len(COLUMNS)
    ours_shift = values * median_rate(
        lambda n: fastsynth.inject_drift(table.slice(0, n), shift), rows, repeats
    )
    numpy_rate = values * median_rate(lambda n: numpy_shift(table.slice(0, n)), rows, repeats)
    ours_flip = median_rate(lambda n: fastsynth.inject_drift(table.slice(0, n), flip), rows, repeats)
    lines = [
        ("shift, 10 float columns", "fastsynth inject_drift", f"{ours_shift:,.0f} values/s", ""),
        (
            "shift, 10 float columns",
            "numpy by hand",
            f"{numpy_rate:,.0f} values/s",
            f"{ours_shift / numpy_rate:,.1f}x",
        ),
    ]
    if args.calm_python.exists():
        calm_shift = values * calm(args.calm_python, "shift", calm_rows)
        calm_flip = calm(args.calm_python, "label_flip", calm_rows)
        lines.append(
            (
                "shift, 10 float columns",
                "calm-data-generator DriftInjector",
                f"{calm_shift:,.0f} values/s",
                f"{ours_shift / calm_shift:,.1f}x",
            )
        )
    lines.append(("flip 10% of labels", "fastsynth inject_drift", f"{ours_flip:,.0f} rows/s", ""))
    if args.calm_python.exists():
        lines.append(
            (
                "flip 10% of labels",
                "calm-data-generator DriftInjector",
                f"{calm_flip:,.0f} rows/s",
                f"{ours_flip / calm_flip:,.1f}x",
            )
        )
    else:
        print(
            f"calm-data-generator not measured: no {args.calm_python}; make it with benchmarks/calm_venv.sh",
            file=sys.stderr,
        )
    print("| task | implementation | speed (median) | fastsynth is x times faster |")
    print("|---|---|---:|---:|")
    for line in lines:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
