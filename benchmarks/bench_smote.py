"""SMOTE, side by side in one run: ``fastsynth.fit(method="smote")`` then ``generate`` against
imbalanced-learn's ``SMOTE(...).fit_resample`` (and ``SMOTENC`` with category columns), making the same
number of synthetic rows from the same data.

    python benchmarks/bench_smote.py            # full sizes (about a minute)
    python benchmarks/bench_smote.py --quick    # tiny sizes: checks the script works, not the speed

The data: 20,000 rows, 10 normal numeric columns (the minority class shifted), classes 90/10; for the
SMOTE-NC lines, 8 numeric columns and 2 category columns. Both tools make N synthetic rows, half per
class (fastsynth's default balanced shares; imbalanced-learn with ``sampling_strategy`` as a dict of
counts, each class's count plus N/2, since its "auto" only tops the minority up to the majority).
imbalanced-learn is timed twice: with its default neighbour search (scikit-learn's "auto", a k-d tree
here) and with the pairwise ("brute") search fastsynth picks at these sizes. Times are fit plus making
the rows, medians of three (one for a million rows), single process; fastsynth's fit searches the
neighbours with scikit-learn too, and its rows come from numba kernels on all cores.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pyarrow as pa
from common import machine

import fastsynth


def data(rows: int, numbers: int, categories: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    label = (rng.random(rows) < 0.1).astype(np.int64)
    columns: dict[str, object] = {
        f"f{j}": rng.normal(0.0, 1.0, rows) + 0.8 * label * (j % 3) for j in range(numbers)
    }
    for j in range(categories):
        columns[f"c{j}"] = rng.choice(["red", "green", "blue", "grey"], rows)
    columns["label"] = label
    return pa.table(columns)


def fastsynth_seconds(table: pa.Table, made: int) -> float:
    started = time.perf_counter()
    schema = fastsynth.fit(table, method="smote", target="label")
    rows = fastsynth.generate(schema, made, seed=1)
    assert rows.num_rows == made
    return time.perf_counter() - started


def imblearn_seconds(table: pa.Table, made: int, categories: int, brute: bool) -> float:
    """``brute``: the neighbour search compares every pair, as fastsynth's does at these sizes (a user
    who knows passes ``k_neighbors=NearestNeighbors(algorithm="brute")``); else scikit-learn's "auto"."""
    from imblearn.over_sampling import SMOTE, SMOTENC
    from sklearn.neighbors import NearestNeighbors

    frame = table.to_pandas()
    x, y = frame.drop(columns="label"), frame["label"].to_numpy()
    counts = np.bincount(y)
    strategy = {c: int(counts[c]) + made // 2 for c in range(len(counts))}
    options = {"sampling_strategy": strategy, "random_state": 1}
    if brute:
        options["k_neighbors"] = NearestNeighbors(n_neighbors=6, algorithm="brute")
    started = time.perf_counter()
    if categories:
        columns = [c for c in x.columns if c.startswith("c")]
        sampler: SMOTE = SMOTENC(categorical_features=columns, **options)
    else:
        sampler = SMOTE(**options)
    resampled, _ = sampler.fit_resample(x, y)
    assert len(resampled) == len(x) + made
    return time.perf_counter() - started


def median(run, repeats: int) -> float:
    return statistics.median(run() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows = 2_000 if args.quick else 20_000
    cases = (
        [("10 numeric", 10, 0, 2_000, 1)]
        if args.quick
        else [
            ("10 numeric", 10, 0, 20_000, 3),
            ("10 numeric", 10, 0, 1_000_000, 1),
            ("8 numeric + 2 categories (SMOTE-NC)", 8, 2, 20_000, 3),
            ("8 numeric + 2 categories (SMOTE-NC)", 8, 2, 1_000_000, 1),
        ]
    )
    print(machine())
    fastsynth_seconds(data(200, 2, 1), 100)  # compile the kernels outside the timings
    print(
        "| data (90/10 classes) | synthetic rows | fastsynth fit + generate (s) | "
        "imbalanced-learn fit_resample (s) | x imbalanced-learn | imbalanced-learn, brute search (s) | x |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, numbers, categories, made, repeats in cases:
        table = data(rows, numbers, categories)
        ours = median(lambda t=table, m=made: fastsynth_seconds(t, m), repeats)
        theirs = median(lambda t=table, m=made, c=categories: imblearn_seconds(t, m, c, False), repeats)
        brute = median(lambda t=table, m=made, c=categories: imblearn_seconds(t, m, c, True), repeats)
        print(
            f"| {rows:,} rows, {name} | {made:,} | {ours:.3f} | {theirs:.3f} | {theirs / ours:,.1f}x "
            f"| {brute:.3f} | {brute / ours:,.1f}x |"
        )


if __name__ == "__main__":
    main()
