"""The seed's time-series schema, made side by side in one run by fastsynth and by what users use instead.

    python benchmarks/bench_timeseries.py            # full sizes (about a minute on 2 cores)
    python benchmarks/bench_timeseries.py --quick    # tiny sizes: checks the script works, not the speed

- fastsynth: ``fastsynth.generate`` of ``configs/timeseries.json`` into an Arrow table;
- numpy: the same spec written with numpy by hand (timestamps, normal values with the linear trend and
  the daily seasonality, uniform counts, weighted categories), single-threaded, then into Arrow;
- river: ``river.datasets.synth.Sine`` iterated as its users do (``take(n)``), rows collected into Arrow.
  It is a classification stream, not the same series: it stands for "a Python stream generator".
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow as pa
from common import machine, median_rate

import fastsynth
from fastsynth.schema import EXAMPLES

START_SECONDS = 1_704_067_200  # 2024-01-01T00:00:00Z, fastsynth's default start


def numpy_series(rows: int, seed: int = 42) -> pa.Table:
    """The seed's time-series example as a careful numpy user writes it."""
    rng = np.random.default_rng(seed)
    steps = np.arange(rows, dtype=np.float64)
    value = (rng.normal(100.0, 15.0, rows).clip(0.0) + 0.1 * steps) * (
        1.0 + 0.2 * np.sin(2 * np.pi * steps / 24)
    )
    category = np.searchsorted(np.cumsum([0.4, 0.3, 0.2, 0.1]), rng.random(rows), side="right").astype(
        np.int8
    )
    return pa.table(
        {
            "timestamp": pa.array(START_SECONDS + 300 * np.arange(rows, dtype=np.int64), pa.timestamp("s")),
            "value": np.clip(value, 0.0, None),
            "count": rng.integers(0, 1001, rows),
            "category": pa.DictionaryArray.from_arrays(category, pa.array(["A", "B", "C", "D"])),
        }
    )


def river_sine(rows: int) -> pa.Table:
    from river.datasets import synth

    records = [{"x0": x[0], "x1": x[1], "y": y} for x, y in synth.Sine(seed=42).take(rows)]
    return pa.Table.from_pylist(records)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows, river_rows, repeats = (20_000, 2_000, 1) if args.quick else (20_000_000, 200_000, 5)
    schema = fastsynth.Schema.from_dict(EXAMPLES["timeseries"])
    print(machine())
    ours = median_rate(lambda n: fastsynth.generate(schema, n), rows, repeats)
    numpy_rate = median_rate(numpy_series, rows, repeats)
    river_rate = median_rate(river_sine, river_rows, max(1, repeats // 2))
    table = [
        ("seed time series -> Arrow", "fastsynth", ours, ""),
        ("seed time series -> Arrow", "numpy + pyarrow (1 thread)", numpy_rate, f"{ours / numpy_rate:,.1f}x"),
        ("a stream -> Arrow", "river synth.Sine, take(n)", river_rate, f"{ours / river_rate:,.1f}x"),
    ]
    print("| task | implementation | rows/s (median) | fastsynth is x times faster |")
    print("|---|---|---:|---:|")
    for task, implementation, rate, ratio in table:
        print(f"| {task} | {implementation} | {rate:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
