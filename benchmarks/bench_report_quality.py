"""The quality part of a report, side by side in one run: fastsynth's column shapes and pair trends
(``fastsynth.reporting.quality.shapes_and_trends``) against SDMetrics' single-table ``QualityReport``
on the same two tables, with the scores of both.

    python benchmarks/bench_report_quality.py                 # 1,000,000 rows x 20 columns
    python benchmarks/bench_report_quality.py --rows 200000
    python benchmarks/bench_report_quality.py --quick         # tiny: checks the script works

"Real" and "synthetic" are made by ``fastsynth.generate`` from two versions of one 20-column schema
(8 numbers, 3 with nulls, 4 of them correlated; 3 datetimes; 6 categories, one depending on another; 3
booleans); the synthetic version moves some means, probabilities and correlations. fastsynth gets the
Arrow tables; SDMetrics gets them as pandas (converted beforehand, not timed) with the same sdtypes.
fastsynth's median is over ``--repeats`` runs after a warm-up (numba compilation); SDMetrics' too,
but its runs are the time: at 1M rows each takes about a minute.

SDMetrics samples 50,000 rows (unseeded) of each table for each contingency pair of a larger table;
fastsynth counts every row. The score columns show how far apart that leaves the two.
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

import pandas as pd
import pyarrow as pa
from common import machine, median_seconds

import fastsynth
from fastsynth.reporting.columns import column_kinds
from fastsynth.reporting.quality import shapes_and_trends


def schema(synthetic: bool) -> dict[str, Any]:
    """The 20-column schema; ``synthetic`` moves a few of its parameters."""
    shift = 2.0 if synthetic else 0.0
    return {
        "name": "quality",
        "fields": {
            "age": {"type": "int", "min": 18, "max": 90},
            "income": {"type": "float", "mean": 52000 + 500 * shift, "std": 18000, "min": 0, "decimals": 2},
            "spend": {"type": "float", "distribution": "lognormal", "mu": 4, "sigma": 0.7, "null_rate": 0.05},
            "balance": {"type": "float", "mean": 1000, "std": 300},
            "visits": {"type": "int", "distribution": "poisson", "lam": 3 + 0.1 * shift, "null_rate": 0.02},
            "rating": {"type": "float", "min": 0, "max": 5, "decimals": 1},
            "wait": {"type": "float", "distribution": "exponential", "scale": 30, "null_rate": 0.1},
            "monthly": {"type": "expr", "expr": "round(income / 12, 2)"},
            "signed_up": {"type": "datetime", "start_date": "2021-01-01", "end_date": "2024-06-30"},
            "last_seen": {
                "type": "datetime",
                "start_date": "2024-07-01",
                "end_date": "2024-07-31" if not synthetic else "2024-08-02",
                "unit": "ms",
            },
            "born": {"type": "datetime", "start_date": "1950-01-01", "end_date": "2006-12-31"},
            "segment": {
                "type": "category",
                "categories": ["retail", "business"],
                "probabilities": [0.8, 0.2],
            },
            "plan": {
                "type": "category",
                "depends_on": "segment",
                "categories": {"retail": ["free", "plus"], "business": ["team", "enterprise"]},
            },
            "city": {
                "type": "category",
                "categories": ["Paris", "Lyon", "Nice", "Lille", "Brest", "Dijon", "Metz", "Tours"],
            },
            "device": {
                "type": "category",
                "categories": ["ios", "android", "web"],
                "probabilities": [0.4, 0.4, 0.2] if not synthetic else [0.45, 0.35, 0.2],
            },
            "channel": {
                "type": "category",
                "categories": ["ads", "search", "friend", "mail"],
                "null_rate": 0.05,
            },
            "tier": {"type": "category", "categories": [str(i) for i in range(30)]},
            "senior": {"type": "expr", "expr": "age >= 65", "dtype": "bool"},
            "verified": {"type": "bool", "p": 0.85},
            "churned": {"type": "bool", "p": 0.1 if not synthetic else 0.12},
        },
        "correlations": [
            {
                "columns": ["age", "income", "spend", "balance"],
                "matrix": [
                    [1, 0.6, 0.2, 0.0],
                    [0.6, 1, 0.7 if not synthetic else 0.6, 0.55],
                    [0.2, 0.7 if not synthetic else 0.6, 1, 0.3],
                    [0.0, 0.55, 0.3, 1],
                ],
            }
        ],
    }


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """What a SDMetrics user has: categories as strings (not pandas Categoricals), times as datetime64."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns[name] = column.to_pandas()
    return pd.DataFrame(columns)


def sdmetrics_quality(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]) -> Any:
    from sdmetrics.reports.single_table import QualityReport

    metadata = {"columns": {name: {"sdtype": kind} for name, kind in kinds.items() if kind != "text"}}
    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of each table")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of fastsynth (median)")
    parser.add_argument("--sdmetrics-repeats", type=int, default=1, help="timed runs of SDMetrics (median)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows = 3_000 if args.quick else args.rows
    print(machine())
    real = fastsynth.generate(schema(False), rows, seed=1)
    synthetic = fastsynth.generate(schema(True), rows, seed=2)
    kinds = column_kinds(real)
    counts = {k: list(kinds.values()).count(k) for k in sorted(set(kinds.values()))}
    print(f"{rows:,} rows x {len(kinds)} columns each: {counts}")

    shapes_and_trends(real.slice(0, 1_000), synthetic.slice(0, 1_000), kinds)  # compile
    ours_s, ours = median_seconds(lambda: shapes_and_trends(real, synthetic, kinds), args.repeats)
    real_frame, synthetic_frame = to_pandas(real), to_pandas(synthetic)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SDMetrics' deprecation notes
        theirs_s, theirs = median_seconds(
            lambda: sdmetrics_quality(real_frame, synthetic_frame, kinds), args.sdmetrics_repeats
        )
    properties = theirs.get_properties().set_index("Property")["Score"]
    shapes = theirs.get_details("Column Shapes")["Score"].tolist()
    pairs = theirs.get_details("Column Pair Trends")["Score"].tolist()
    worst_shape = max(
        abs(a - e["score"]) for a, e in zip(shapes, ours["column_shapes"]["columns"], strict=True)
    )
    worst_pair = max(
        (
            abs(a - e["score"])
            for a, e in zip(pairs, ours["column_pair_trends"]["pairs"], strict=True)
            if a == a
        ),
        default=0.0,
    )
    print("| implementation | seconds (median) | x SDMetrics | score | column shapes | column pair trends |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, score, shape, trend in (
        (
            "fastsynth shapes_and_trends",
            ours_s,
            ours["score"],
            ours["column_shapes"]["score"],
            ours["column_pair_trends"]["score"],
        ),
        (
            "SDMetrics QualityReport",
            theirs_s,
            theirs.get_score(),
            properties["Column Shapes"],
            properties["Column Pair Trends"],
        ),
    ):
        ratio = theirs_s / seconds
        print(f"| {name} | {seconds:.3f} | {ratio:,.1f}x | {score:.4f} | {shape:.4f} | {trend:.4f} |")
    print(
        f"fastsynth against SDMetrics: {theirs_s / ours_s:,.1f}x faster (target 20x); largest difference: "
        f"score {abs(ours['score'] - theirs.get_score()):.4f}, a column's shape {worst_shape:.4f}, "
        f"a counted pair's trend {worst_pair:.4f} (target 0.01)"
    )


if __name__ == "__main__":
    main()
