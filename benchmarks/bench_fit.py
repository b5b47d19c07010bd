"""Synthesising from real data, side by side in one run: ``fastsynth.fit`` then ``generate`` against
SDV's ``GaussianCopulaSynthesizer``, the same model family, fitted on the same rows.

    python benchmarks/bench_fit.py            # full sizes (about two minutes)
    python benchmarks/bench_fit.py --quick    # tiny sizes: checks the script works, not the speed

The "real" data is 50,000 rows of a table with correlated numeric columns (an integer, a lognormal, a
normal with 10% nulls), a timestamp, a category and a boolean. Each tool fits it once (timed), then makes
rows (fastsynth 5,000,000, SDV 200,000; medians of three). Quality, for both, on 200,000 made rows: the
largest Kolmogorov-Smirnov distance between a made numeric column and the real one, and the largest
error in the numeric columns' correlation matrix.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
from common import machine
from scipy.stats import ks_2samp

import fastsynth

REAL = {
    "fields": {
        "age": {"type": "int", "distribution": "normal", "mean": 40, "std": 12, "min": 18, "max": 90},
        "income": {"type": "float", "distribution": "lognormal", "mu": 10.5, "sigma": 0.6},
        "score": {"type": "float", "distribution": "normal", "mean": 0, "std": 1, "null_rate": 0.1},
        "when": {"type": "datetime", "start_date": "2020-01-01", "end_date": "2023-12-31"},
        "status": {"type": "category", "categories": ["a", "b", "c"], "probabilities": [0.7, 0.2, 0.1]},
        "flag": {"type": "bool", "p": 0.3},
    },
    "correlations": [
        {"columns": ["age", "income", "score"], "matrix": [[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]}
    ],
}
NUMERIC = ["age", "income", "score"]


def quality(real: pd.DataFrame, made: pd.DataFrame) -> tuple[float, float]:
    ks = max(
        ks_2samp(real[c].dropna().astype(float), made[c].dropna().astype(float)).statistic for c in NUMERIC
    )
    corr = np.abs(
        real[NUMERIC].astype(float).corr().to_numpy() - made[NUMERIC].astype(float).corr().to_numpy()
    )
    return ks, float(corr.max())


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    real_rows, ours, theirs, check, repeats = (
        (5_000, 50_000, 5_000, 5_000, 1) if args.quick else (50_000, 5_000_000, 200_000, 200_000, 3)
    )
    print(machine())
    real = fastsynth.generate(REAL, real_rows, seed=1)
    real_frame = real.to_pandas()

    fit_seconds, document = timed(lambda: fastsynth.fit(real))
    schema = fastsynth.Schema.from_dict(document)  # solving the copula is part of fitting
    fit_seconds += timed(lambda: fastsynth.generate(schema, 1))[0]
    fs_rates = [ours / timed(lambda k=k: fastsynth.generate(schema, ours, seed=k))[0] for k in range(repeats)]
    fs_quality = quality(real_frame, fastsynth.generate(schema, check, seed=9).to_pandas())

    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metadata = Metadata.detect_from_dataframes({"real": real_frame})
        synthesizer = GaussianCopulaSynthesizer(metadata)
        sdv_fit, _ = timed(lambda: synthesizer.fit({"real": real_frame}))
        sdv_rates = [theirs / timed(lambda: synthesizer.sample(theirs))[0] for _ in range(repeats)]
        made = synthesizer.sample(check)
        sdv_quality = quality(real_frame, made["real"] if isinstance(made, dict) else made)

    fs_rate, sdv_rate = statistics.median(fs_rates), statistics.median(sdv_rates)
    print("| implementation | fit (s) | rows/s made (median) | x SDV | worst KS | worst correlation error |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, fit_s, rate, (ks, corr) in (
        ("fastsynth fit + generate", fit_seconds, fs_rate, fs_quality),
        ("SDV GaussianCopulaSynthesizer", sdv_fit, sdv_rate, sdv_quality),
    ):
        print(f"| {name} | {fit_s:.2f} | {rate:,.0f} | {rate / sdv_rate:,.1f}x | {ks:.4f} | {corr:.4f} |")


if __name__ == "__main__":
    main()
