"""The quality report's discriminator and privacy parts, side by side in one run with what a user of
SDMetrics 0.32 runs for them:

- discriminator: ``fastsynth.reporting.discriminator.discriminate`` (boosted trees, 3-fold AUC, on a
  balanced sample of at most 50,000 rows a side) against ``LogisticDetection.compute`` (logistic
  regression, 3-fold AUC, on every row);
- privacy: ``fastsynth.reporting.privacy.distances`` (DCR and NNDR of synthetic rows against real rows,
  a real-to-real baseline, exact copies over all rows) against ``DCRBaselineProtection``
  (DCR of synthetic rows, and of uniformly random rows, against real rows), both with SDMetrics'
  distance. SDMetrics compares every pair in pandas cross joins, so at these sizes a user passes
  ``num_rows_subsample``; the first privacy line gives fastsynth the same sizes (the same number of
  row pairs), the second shows fastsynth's defaults (20,000 synthetic and 20,000 held-out real rows,
  each against 50,000 real rows), which SDMetrics is not run at.

    python benchmarks/bench_report_privacy.py                  # 100,000 rows a side (a few minutes)
    python benchmarks/bench_report_privacy.py --rows 20000
    python benchmarks/bench_report_privacy.py --quick          # tiny sizes: checks the script runs

The data: 12 columns (6 normal numbers with 5% missing, an integer, a time, 3 categories, a boolean);
real and synthetic are drawn from the same distributions with different seeds. Times are medians of
``--repeats`` runs after a warm-up (numba kernels compiled, scikit-learn imported).
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow as pa
from common import machine, median_seconds

from fastsynth.reporting import privacy
from fastsynth.reporting.columns import column_kinds
from fastsynth.reporting.discriminator import discriminate
from fastsynth.reporting.privacy import distances


def data(rows: int, seed: int, shift: float = 0.0) -> pa.Table:
    """``shift``: column x0's mean moves by that many standard deviations."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for j in range(6):
        x = rng.normal(j + (shift if j == 0 else 0.0), 1.0 + j / 3, rows)
        x[rng.random(rows) < 0.05] = np.nan
        columns[f"x{j}"] = x
    columns["count"] = rng.poisson(4, rows)
    columns["at"] = pa.array((1_600_000_000 + rng.integers(0, 10**8, rows)).astype("datetime64[s]"))
    for j, values in enumerate((["a", "b", "c"], [f"city {i}" for i in range(40)], ["x", "y"])):
        columns[f"c{j}"] = pa.array(rng.choice(values, rows))
    columns["flag"] = pa.array(rng.random(rows) < 0.2)
    return pa.table(columns)


def metadata(table: pa.Table) -> dict:
    kinds = column_kinds(table)
    columns = {name: {"sdtype": kind} for name, kind in kinds.items()}
    columns["at"]["datetime_format"] = "%Y-%m-%d %H:%M:%S"
    return {"columns": columns}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows of each table")
    parser.add_argument(
        "--dcr-rows", type=int, default=2_000, help="SDMetrics' num_rows_subsample for its DCR"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows, sub, repeats = (2_000, 300, 1) if args.quick else (args.rows, args.dcr_rows, args.repeats)

    from sdmetrics.single_table import DCRBaselineProtection, LogisticDetection

    real, synthetic = data(rows, 0), data(rows, 1)
    kinds = column_kinds(real)
    real_frame, synthetic_frame, meta = real.to_pandas(), synthetic.to_pandas(), metadata(real)
    warm = data(200, 2)
    discriminate(warm, warm, kinds, seed=0)
    distances(warm, warm, kinds, seed=0)

    print(machine())
    print(f"data: {rows:,} real and {rows:,} synthetic rows, {real.num_columns} columns")
    print("| part | fastsynth (s) | SDMetrics (s) | x SDMetrics | fastsynth says | SDMetrics says |")
    print("|---|---:|---:|---:|---|---|")

    for label, other in (("alike", synthetic), ("x0 shifted by 0.5 sd", data(rows, 1, shift=0.5))):
        other_frame = other.to_pandas()
        ours, found = median_seconds(lambda o=other: discriminate(real, o, kinds, seed=0), repeats)
        theirs, score = median_seconds(
            lambda o=other_frame: LogisticDetection.compute(real_frame, o, meta), repeats
        )
        print(
            f"| discriminator, synthetic {label}: discriminate ({found['rows']:,} rows a side) against "
            f"LogisticDetection ({rows:,}) | {ours:.2f} | {theirs:.2f} | {theirs / ours:,.1f}x "
            f"| score {found['score']:.3f} (AUC {found['auc']:.3f}) | score {score:.3f} |"
        )

    def baseline_protection() -> dict:
        np.random.seed(0)  # its subsamples and random rows are drawn from numpy's global state
        return DCRBaselineProtection.compute_breakdown(
            real_frame, synthetic_frame, meta, None, num_rows_subsample=sub
        )

    theirs, breakdown = median_seconds(baseline_protection, repeats)
    median = breakdown["median_DCR_to_real_data"]
    saved = privacy.SYNTHETIC_ROWS, privacy.REAL_ROWS
    privacy.SYNTHETIC_ROWS = privacy.REAL_ROWS = sub
    try:
        ours, found = median_seconds(lambda: distances(real, synthetic, kinds, seed=0), repeats)
    finally:
        privacy.SYNTHETIC_ROWS, privacy.REAL_ROWS = saved
    print(
        f"| privacy at SDMetrics' size: distances against DCRBaselineProtection, {sub:,} x {sub:,} "
        f"rows, twice | {ours:.3f} | {theirs:.2f} | {theirs / ours:,.0f}x "
        f"| DCR median {found['dcr']['median']:.4f}, baseline {found['baseline']['dcr_median']:.4f} "
        f"| DCR median {median['synthetic_data']:.4f}, random rows {median['random_data_baseline']:.4f} |"
    )

    ours, found = median_seconds(lambda: distances(real, synthetic, kinds, seed=0), repeats)
    pairs = found["rows"] * found["real_rows"] + min(rows // 2, privacy.SYNTHETIC_ROWS) * min(
        rows - rows // 2, privacy.REAL_ROWS
    )
    print(
        f"| privacy, fastsynth's defaults: {found['rows']:,} x {found['real_rows']:,} rows and the "
        f"baseline ({pairs / 1e9:.2f} G pairs), copies over all rows | {ours:.2f} | not run | | "
        f"DCR median {found['dcr']['median']:.4f}, baseline {found['baseline']['dcr_median']:.4f}, "
        f"{pairs / ours / 1e6:,.0f} M pairs/s | |"
    )


if __name__ == "__main__":
    main()
