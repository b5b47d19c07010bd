"""The drift report over blocks, side by side in one run: ``fastsynth.reporting.report(FILE, blocks=COLUMN)``
against what a user writes instead: pandas reads the file, groups it by block, and per column and
block numpy histograms on the first block's quantile bins give scipy's Jensen-Shannon distance and the
PSI, pandas the mean and the quantiles (Evidently too, if it is importable; it is not installed here).

    python benchmarks/bench_report_drift.py                 # 10,000,000 rows x 20 columns, 50 blocks
    python benchmarks/bench_report_drift.py --rows 2000000
    python benchmarks/bench_report_drift.py --quick         # tiny sizes: checks the script works

The data is a Parquet file (row groups of 1M rows) written in chunks: a block column (50 blocks of
consecutive rows), 16 normal float64 columns, 2 integer columns and 2 string columns of 5 categories;
in blocks 30 to 39 one float column shifts by half a standard deviation. Each run is its own process
(so that one's memory does not count in the other's) timing its work after its imports and a warm-up
(numba's compilation is cached): medians of ``--repeats`` runs, and each process's peak resident
memory (VmHWM).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from common import machine

QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


def write_data(path: Path, rows: int, blocks: int, seed: int = 0) -> None:
    """The benchmark's file, made and written a million rows at a time (bounded memory here too)."""
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        block = (np.arange(start, start + n) * blocks) // rows
        columns: dict[str, object] = {"block": block}
        for i in range(16):
            x = rng.normal(10 * i, 1 + i, n)
            if i == 3:
                x[(block >= 30) & (block < 40)] += 0.5 * (1 + i)
            columns[f"f{i}"] = x
        columns["i0"] = rng.poisson(4, n)
        columns["i1"] = rng.integers(0, 1000, n)
        for j in range(2):
            shares = [0.4, 0.3, 0.15, 0.1, 0.05]
            columns[f"c{j}"] = pa.array(rng.choice(["a", "b", "c", "d", "e"], n, p=shares))
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=chunk)
    assert writer is not None
    writer.close()


def run_fastsynth(path: Path) -> dict:
    from fastsynth.reporting import report

    return report(path, blocks="block").document


def run_pandas(path: Path) -> dict:
    """What a user writes: the whole file in pandas, one histogram per column and block."""
    import pandas as pd
    from scipy.spatial.distance import jensenshannon

    frame = pd.read_parquet(path)
    groups = dict(list(frame.groupby("block", sort=True)))
    first = groups[min(groups)]
    result: dict = {}
    for column in frame.columns.drop("block"):
        if frame[column].dtype == object:
            base = first[column].value_counts(normalize=True)
            rows = []
            for group in groups.values():
                categories = base.index.union(group[column].unique())
                shares = group[column].value_counts(normalize=True).reindex(categories)
                p = shares.fillna(0).to_numpy()
                q = base.reindex(shares.index).fillna(0).to_numpy()
                a, e = np.where(p == 0, 1e-4, p), np.where(q == 0, 1e-4, q)
                rows.append((jensenshannon(p, q, base=2), np.sum((a - e) * np.log(a / e))))
            result[column] = rows
            continue
        edges = np.quantile(first[column], np.linspace(0, 1, 21))
        psi_edges = np.quantile(first[column], np.linspace(0, 1, 11))
        base, base_psi = np.histogram(first[column], edges)[0], np.histogram(first[column], psi_edges)[0]
        rows = []
        for group in groups.values():
            values = group[column].to_numpy()
            hist = np.histogram(values, edges)[0]
            a = np.maximum(np.histogram(values, psi_edges)[0] / len(values), 1e-4)
            e = np.maximum(base_psi / base_psi.sum(), 1e-4)
            rows.append(
                (
                    jensenshannon(hist, base, base=2),
                    np.sum((a - e) * np.log(a / e)),
                    values.mean(),
                    group[column].quantile(QUANTILES).tolist(),
                )
            )
        result[column] = rows
    return result


def run_evidently(path: Path) -> dict:  # pragma: no cover - evidently is not installed here
    import pandas as pd
    from evidently import Report  # type: ignore[import-not-found]
    from evidently.presets import DataDriftPreset  # type: ignore[import-not-found]

    frame = pd.read_parquet(path)
    groups = dict(list(frame.groupby("block", sort=True)))
    first = groups.pop(min(groups)).drop(columns="block")
    for group in groups.values():
        Report([DataDriftPreset()]).run(group.drop(columns="block"), first)
    return {}


RUNNERS = {"fastsynth": run_fastsynth, "pandas": run_pandas, "evidently": run_evidently}


def child(tool: str, path: Path, warm: Path) -> None:
    """One measured run, in this process: warm up on the small file, time the big one."""
    RUNNERS[tool](warm)
    started = time.perf_counter()
    result = RUNNERS[tool](path)
    seconds = time.perf_counter() - started
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    drifted = result.get("drifted_columns") if tool == "fastsynth" else None
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "drifted": drifted}))


def measure(tool: str, path: Path, warm: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", tool, str(path), str(warm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--rows", type=int, default=None, help="rows of the file (default 10,000,000)")
    parser.add_argument("--blocks", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=None, help="runs of each tool (default 3)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    rows = args.rows or (200_000 if args.quick else 10_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    print(machine())
    tools = ["fastsynth", "pandas"]
    if importlib.util.find_spec("evidently") is not None:
        tools.append("evidently")
    else:
        print("evidently is not importable in this environment: skipped (not installed on purpose)")
    with tempfile.TemporaryDirectory() as tmp:
        path, warm = Path(tmp) / "data.parquet", Path(tmp) / "warm.parquet"
        write_data(path, rows, args.blocks)
        write_data(warm, 10_000, args.blocks)
        megabytes = path.stat().st_size / 1e6
        print(
            f"{rows:,} rows x 20 columns (+ the block column) over {args.blocks} blocks, Parquet "
            f"{megabytes:,.0f} MB; {repeats} run(s) of each, one process per run"
        )
        runs = {tool: [measure(tool, path, warm) for _ in range(repeats)] for tool in tools}
    seconds = {tool: statistics.median(r["seconds"] for r in runs[tool]) for tool in tools}
    peak = {tool: max(r["peak_mb"] for r in runs[tool]) for tool in tools}
    print("| implementation | seconds (median) | rows/s | peak RSS (MB) | speed x pandas |")
    print("|---|---:|---:|---:|---:|")
    for tool in tools:
        print(
            f"| {tool} | {seconds[tool]:.2f} | {rows / seconds[tool]:,.0f} | {peak[tool]:,.0f} | "
            f"{seconds['pandas'] / seconds[tool]:.1f}x |"
        )
    print(f"fastsynth flagged: {runs['fastsynth'][0]['drifted']} (f3 shifts in blocks 30-39)")
    print(
        f"fastsynth against pandas + numpy + scipy: {seconds['pandas'] / seconds['fastsynth']:.1f}x faster, "
        f"{peak['pandas'] / peak['fastsynth']:.1f}x less memory; target: under 60 s at 10M rows "
        f"({'met' if rows < 10_000_000 or seconds['fastsynth'] < 60 else 'missed'})"
    )


if __name__ == "__main__":
    main()
