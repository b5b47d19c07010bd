"""The seed's time-series schema, made side by side in one run by fastsynth and by what users use instead.

    python benchmarks/bench_timeseries.py            # full sizes (about a minute on 2 cores)
    python benchmarks/bench_timeseries.py --quick    # tiny sizes: checks the script works, not the speed

- fastsynth: ``fastsynth.generate`` of ``configs/timeseries.json`` into an Arrow table;
- numpy: the same spec written with numpy by hand (timestamps, normal values with the linear trend and
  the daily seasonality, uniform counts, weighted categories), single-threaded, then into Arrow;
- river: ``river.datasets.synth.Sine`` iterated as its users do (``take(n)``), rows collected into Arrow.
  It is a classification stream, not the same series: it stands for "a Python stream generator".

Then ``configs/fleet.yaml``, 10,000 sensors x one year of 5-minute readings (1.05 billion rows) written
to Parquet by ``fastsynth gen`` (a separate process, peak memory measured), beside the same spec written
by hand with numpy and scipy (``lfilter`` for the AR noise) one sensor at a time into a pyarrow
``ParquetWriter``, on 1,000 of the sensors.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from common import ROOT, machine, median_rate, run_gen

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


FLEET_STEPS = 365 * 288
FLEET_START = 1_735_689_600  # 2025-01-01T00:00:00Z


def numpy_fleet(sensors: int, path: Path) -> None:
    """``configs/fleet.yaml`` for the first ``sensors`` sensors, one sensor's year at a time."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(7)
    steps = np.arange(FLEET_STEPS, dtype=np.float64)
    times = pa.array(FLEET_START + 300 * np.arange(FLEET_STEPS, dtype=np.int64), pa.timestamp("s"))
    weekly = 0.03 * np.sin(2 * np.pi * steps / 2016)
    names = pa.array([f"sensor-{e:04d}" for e in range(10_000)])
    schema = pa.schema(
        [
            ("timestamp", pa.timestamp("s")),
            ("sensor", pa.dictionary(pa.int32(), pa.string())),
            ("temperature", pa.float64()),
            ("overheating", pa.bool_()),
        ]
    )
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for sensor in range(sensors):
            level, slope = rng.normal(21, 3), rng.uniform(-2e-5, 2e-5)
            amplitude, phase = rng.uniform(0.05, 0.15), rng.uniform(-0.05, 0.05)
            season = 1 + amplitude * np.sin(2 * np.pi * (steps / 288 + phase)) + weekly
            noise = lfilter([1.0], [1.0, -0.8], rng.normal(0, 0.3, FLEET_STEPS))
            starts = rng.random(FLEET_STEPS) < 1e-4
            flags = np.convolve(starts, np.ones(12), "full")[:FLEET_STEPS] > 0
            value = np.round((level + slope * steps) * season + noise + 8 * flags, 2)
            ids = pa.DictionaryArray.from_arrays(pa.array(np.full(FLEET_STEPS, sensor, np.int32)), names)
            writer.write_batch(pa.record_batch([times, ids, value, flags], schema=schema))


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
    fleet_rows, numpy_sensors = (200_000, 2) if args.quick else (10_000 * FLEET_STEPS, 1_000)
    fleet_rate, fleet_reported, fleet_peak = run_gen(ROOT / "configs" / "fleet.yaml", fleet_rows)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        numpy_fleet(numpy_sensors, Path(tmp) / "fleet.parquet")
        numpy_fleet_rate = numpy_sensors * FLEET_STEPS / (time.perf_counter() - started)
    table = [
        ("seed time series -> Arrow", "fastsynth", ours, ""),
        ("seed time series -> Arrow", "numpy + pyarrow (1 thread)", numpy_rate, f"{ours / numpy_rate:,.1f}x"),
        ("a stream -> Arrow", "river synth.Sine, take(n)", river_rate, f"{ours / river_rate:,.1f}x"),
        (f"fleet, {fleet_rows:,} rows -> Parquet", "fastsynth gen, as reported", fleet_reported, ""),
        (
            f"fleet, {fleet_rows:,} rows -> Parquet",
            f"whole process, peak RSS {fleet_peak:,.0f} MB",
            fleet_rate,
            "",
        ),
        (
            f"fleet, {numpy_sensors * FLEET_STEPS:,} rows -> Parquet",
            "numpy + scipy, a sensor at a time",
            numpy_fleet_rate,
            f"{fleet_reported / numpy_fleet_rate:,.1f}x",
        ),
    ]
    print("| task | implementation | rows/s (median) | fastsynth is x times faster |")
    print("|---|---|---:|---:|")
    for task, implementation, rate, ratio in table:
        print(f"| {task} | {implementation} | {rate:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
