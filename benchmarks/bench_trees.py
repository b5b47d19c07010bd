"""Sequential tree synthesis (``cart``, ``rf``), side by side in one run: fastsynth against
calm-data-generator's ``RealGenerator().generate(data, n, method=...)`` and against the same model
written by hand with scikit-learn (fit a tree per column, ``apply`` it to the made columns, draw a
donor from each leaf with numpy), on the same data.

    python benchmarks/bench_trees.py            # full sizes (a few minutes: the peer is slow)
    python benchmarks/bench_trees.py --quick    # tiny sizes: checks the script works, not the speed
    python benchmarks/bench_trees.py --no-rf    # cart only

The data is 10,000 rows of 8 columns (two related floats, a city, an int16 income that follows the
city, a boolean that follows the income, a timestamp, another float, a category; no nulls: the peer's
cart stops on a number column with nulls, "Input y contains NaN"); each tool fits it and makes 100,000
rows (fit + sample timed together, as the peer has no separate sample step; fastsynth also apart).
Trees take ``min_samples_leaf=5`` everywhere, forests 10 trees. The peer's FCS runs its default 10
sweeps, each fitting every column on all the others, then predicts (its values are the trees'
predictions, not donors); it runs in its throwaway venv (``calm_venv.sh``) through
``calm_trees.py``. Quality: the correlation of the two related floats (0.999 in the data).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv
from common import DEFAULT_CALM, machine, run_peer

import fastsynth

LEAF = 5
TREES = 10


def table(rows: int) -> pa.Table:
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    city = rng.choice(["lima", "oslo", "pune", "kyiv"], rows)
    income = np.select([city == "lima", city == "oslo", city == "pune"], [1_000, 5_000, 9_000], 3_000)
    income = np.rint(income + rng.normal(0, 300, rows)).astype(np.int16)
    days = rng.integers(0, 1_000, rows)
    return pa.table(
        {
            "x": x,
            "y": 2 * x + rng.normal(0, 0.1, rows),
            "city": city,
            "income": income,
            "flag": income > 6_000,
            "when": np.datetime64("2023-01-01", "us") + days * np.timedelta64(1, "D"),
            "score": rng.normal(size=rows),
            "grade": rng.choice(["a", "b", "c", "d", "e"], rows),
        }
    )


def by_hand(data: pa.Table, rows: int, forest: bool, seed: int = 0) -> dict[str, np.ndarray]:
    """The model written with scikit-learn and numpy: codes for every column, a tree (forest) per
    column on the codes of the columns before it, applied to the rows made so far, a donor per leaf."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(seed)
    values, codes = {}, []
    for name in data.column_names:
        values[name], inverse = np.unique(data[name].to_numpy(zero_copy_only=False), return_inverse=True)
        codes.append(inverse.astype(np.float32))
    real = np.stack(codes, axis=1)
    made = np.empty((rows, real.shape[1]), np.float32)
    made[:, 0] = real[rng.integers(0, len(real), rows), 0]
    for j in range(1, real.shape[1]):
        if forest:
            model = RandomForestRegressor(
                n_estimators=TREES, min_samples_leaf=LEAF, random_state=j, n_jobs=-1
            )
        else:
            model = DecisionTreeRegressor(min_samples_leaf=LEAF, random_state=j)
        model.fit(real[:, :j], real[:, j])
        pick = rng.integers(0, TREES, rows) if forest else np.zeros(rows, np.int64)
        trees = model.estimators_ if forest else [model]
        for t, tree in enumerate(trees):
            rows_t = np.flatnonzero(pick == t)
            leaf_real = tree.apply(real[:, :j])
            leaf_made = tree.apply(made[rows_t, :j])
            order = np.argsort(leaf_real, kind="stable")
            first = np.searchsorted(leaf_real[order], leaf_made)
            count = np.searchsorted(leaf_real[order], leaf_made, side="right") - first
            made[rows_t, j] = real[order[first + (rng.random(len(rows_t)) * count).astype(np.int64)], j]
    return {name: values[name][made[:, k].astype(np.int64)] for k, name in enumerate(data.column_names)}


def calm(python: Path, csv: Path, rows: int, method: str) -> tuple[float, bool, float]:
    options = ["--option", f"min_samples_leaf={LEAF}"]
    if method == "rf":
        options += ["--option", f"n_estimators={TREES}"]
    report = run_peer(python, "calm_trees.py", "--csv", csv, "--rows", rows, "--method", method, *options)
    if report["rows"] != rows:
        raise SystemExit(f"calm-data-generator made {report['rows']} rows, not {rows}")
    return report["seconds"], report["torch_stub"], report["corr_xy"]


def timed(run, repeats: int) -> tuple[float, object]:
    """Median seconds of ``run()`` over ``repeats``, after one warm-up (imports, numba cache)."""
    result = run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def correlation(x: np.ndarray, y: np.ndarray) -> str:
    return f"{np.corrcoef(np.asarray(x, float), np.asarray(y, float))[0, 1]:.3f}"


def measure(
    method: str, data: pa.Table, rows: int, repeats: int, peer: Path, csv: Path
) -> list[tuple[str, ...]]:
    """The table's lines for ``method``: fastsynth, by hand, and the peer if its venv is there."""
    options = {"min_samples_leaf": LEAF} | ({"n_estimators": TREES} if method == "rf" else {})
    fit_s, schema = timed(lambda: fastsynth.fit(data, method=method, seed=1, **options), repeats)
    sample_s, made = timed(lambda: fastsynth.generate(schema, rows, seed=2), repeats)
    ours = fit_s + sample_s
    quality = correlation(made["x"].to_numpy(), made["y"].to_numpy())
    detail = f"fit {fit_s:.2f} s, sample {sample_s:.3f} s"
    lines = [(method, "fastsynth fit + generate", f"{ours:.2f} s", detail, quality, "")]
    hand_s, hand = timed(lambda: by_hand(data, rows, method == "rf"), max(1, repeats // 3))
    hand_quality = correlation(hand["x"], hand["y"])
    lines.append(
        (
            method,
            "scikit-learn + numpy by hand",
            f"{hand_s:.2f} s",
            "",
            hand_quality,
            f"{hand_s / ours:,.1f}x",
        )
    )
    if peer.exists():
        calm_s, stub, calm_corr = calm(peer, csv, rows, method)
        note = "torch stubbed (unused)" if stub else ""
        name = "calm-data-generator RealGenerator.generate"
        lines.append((method, name, f"{calm_s:.2f} s", note, f"{calm_corr:.3f}", f"{calm_s / ours:,.1f}x"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--no-rf", action="store_true", help="measure cart only")
    parser.add_argument("--calm-python", type=Path, default=DEFAULT_CALM, help="Python of the calm venv")
    args = parser.parse_args()
    rows, made_rows, repeats = (1_000, 5_000, 1) if args.quick else (10_000, 100_000, 3)
    data = table(rows)
    print(machine())
    print(f"data: {rows:,} rows x {data.num_columns} columns; {made_rows:,} rows made")
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "real.csv"
        pyarrow.csv.write_csv(data, csv)
        for method in ["cart"] if args.no_rf else ["cart", "rf"]:
            lines += measure(method, data, made_rows, repeats, args.calm_python, csv)
    if not args.calm_python.exists():
        print(
            f"calm-data-generator not measured: no {args.calm_python}; make it with benchmarks/calm_venv.sh"
        )
    print("| method | implementation | fit + sample | detail | corr(x, y) | fastsynth is x times faster |")
    print("|---|---|---:|---|---:|---:|")
    for line in lines:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
