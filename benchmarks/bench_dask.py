"""Part files written by a Dask cluster, side by side in one run: fastsynth's tasks against Dask with
Mimesis making each partition, the way a user spreads a Python generator over a cluster, and the same
parts written by one worker, for how fastsynth scales out.

    python benchmarks/bench_dask.py            # full sizes (about two minutes)
    python benchmarks/bench_dask.py --quick    # tiny sizes: checks the script works, not the speed

One LocalCluster of two worker processes (one thread each) on 127.0.0.1 serves both, in turn, medians of
three. fastsynth: ``fastsynth.distributed.write`` of the seed's tabular schema to Parquet, 20,000,000
rows in files of 2,500,000. Mimesis: ``dask.dataframe.from_map`` over partitions made by its batch
``Fieldset`` API, then ``to_parquet``, 200,000 rows in partitions of 25,000. Then the same fastsynth parts
on a cluster of one worker with one core (one thread, ``NUMBA_NUM_THREADS=1``): two workers against one
is the scale-out (issue 19's target: >= 1.6x). Beside them, ``fastsynth gen`` of the same 20,000,000 rows
in one process, which already uses both cores (the rate it reports): what the cluster adds or costs on
one machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from common import ROOT, machine, mimesis_columns, run_gen
from dask.distributed import Client, LocalCluster

from fastsynth.distributed import ranges, write
from fastsynth.schema import EXAMPLES


def mimesis_partition(part: tuple[int, int]) -> pd.DataFrame:
    first, rows = part
    return pd.DataFrame(mimesis_columns(rows, seed=first))


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def cluster(scratch: str, workers: int) -> LocalCluster:
    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, local_directory=scratch,
    )  # fmt: skip


def fastsynth_rate(client: Client, scratch: str, name: str, rows: int, per_file: int, repeats: int) -> float:
    """Median rows/s of ``distributed.write`` on ``client``'s cluster (after a warm-up that loads the
    kernels in every worker)."""
    write(EXAMPLES["tabular"], 1000, Path(scratch) / f"{name}-warm", client=client)
    times = [
        timed(
            lambda k=k: write(
                EXAMPLES["tabular"], rows, Path(scratch) / f"{name}{k}", client=client, rows_per_file=per_file
            )
        )
        for k in range(repeats)
    ]
    return rows / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows, per_file, mimesis_rows, per_partition, repeats = (
        (40_000, 10_000, 2_000, 1_000, 1) if args.quick else (20_000_000, 2_500_000, 200_000, 25_000, 3)
    )
    print(machine())
    import dask.dataframe as dd

    with tempfile.TemporaryDirectory() as scratch:
        with cluster(scratch, 2) as two, Client(two) as client:
            mimesis_times = []
            for k in range(repeats):
                frame = dd.from_map(mimesis_partition, ranges(mimesis_rows, per_partition))
                started = time.perf_counter()
                frame.to_parquet(Path(scratch) / f"theirs{k}", write_index=False)
                mimesis_times.append(time.perf_counter() - started)
            two_workers = fastsynth_rate(client, scratch, "two", rows, per_file, repeats)
        mimesis_rate = mimesis_rows / statistics.median(mimesis_times)
        # Worker processes read numba's thread count from the environment they start with.
        before = os.environ.get("NUMBA_NUM_THREADS")
        os.environ["NUMBA_NUM_THREADS"] = "1"
        try:
            with cluster(scratch, 1) as one, Client(one) as client:
                one_worker = fastsynth_rate(client, scratch, "one", rows, per_file, repeats)
        finally:
            if before is None:
                del os.environ["NUMBA_NUM_THREADS"]
            else:
                os.environ["NUMBA_NUM_THREADS"] = before
    gen_rates = [run_gen(ROOT / "configs" / "tabular.json", rows)[1] for _ in range(repeats)]
    one_process = statistics.median(gen_rates)
    print("| task | implementation | rows/s (median) | x Dask + Mimesis | x one worker |")
    print("|---|---|---:|---:|---:|")
    for task, impl, value in (
        ("Parquet parts on Dask, 2 workers", "fastsynth.distributed.write", two_workers),
        ("Parquet parts on Dask, 2 workers", "dask.dataframe.from_map + Mimesis", mimesis_rate),
        ("Parquet parts on Dask, 1 worker, 1 core", "fastsynth.distributed.write", one_worker),
        ("one Parquet file, one process, 2 cores", "fastsynth gen (as reported)", one_process),
    ):
        ratios = f"{value / mimesis_rate:,.1f}x | {value / one_worker:.2f}x"
        print(f"| {task} | {impl} | {value:,.0f} | {ratios} |")
    verdict = "met" if two_workers / one_worker >= 1.6 else "NOT met"
    print(f"\nscale-out, two workers against one: {two_workers / one_worker:.2f}x (target >= 1.6x: "
          f"{verdict}); against one process on both cores: {two_workers / one_process:.2f}x")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
