"""Part files written by a Dask cluster, side by side in one run: fastsynth's tasks against Dask with
Mimesis making each partition, the way a user spreads a Python generator over a cluster.

    python benchmarks/bench_dask.py            # full sizes (about a minute)
    python benchmarks/bench_dask.py --quick    # tiny sizes: checks the script works, not the speed

One LocalCluster of two worker processes (one thread each) on 127.0.0.1 serves both, in turn, medians of
three. fastsynth: ``fastsynth.distributed.write`` of the seed's tabular schema to Parquet, 20,000,000
rows in files of 2,500,000. Mimesis: ``dask.dataframe.from_map`` over partitions made by its batch
``Fieldset`` API, then ``to_parquet``, 200,000 rows in partitions of 25,000. Beside them, ``fastsynth gen``
of the same 20,000,000 rows in one process (the rate it reports), for what the cluster adds or costs on
one machine.
"""

from __future__ import annotations

import argparse
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
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, local_directory=scratch,
            ) as cluster,
            Client(cluster) as client,
        ):  # fmt: skip
            write(
                EXAMPLES["tabular"], 1000, Path(scratch) / "warm", client=client
            )  # workers load the kernels

            def ours(k: int) -> None:
                write(
                    EXAMPLES["tabular"],
                    rows,
                    Path(scratch) / f"ours{k}",
                    client=client,
                    rows_per_file=per_file,
                )

            def theirs(k: int) -> None:
                frame = dd.from_map(mimesis_partition, ranges(mimesis_rows, per_partition))
                frame.to_parquet(Path(scratch) / f"theirs{k}", write_index=False)

            fs_times, mimesis_times = [], []
            for k in range(repeats):
                fs_times.append(timed(lambda k=k: ours(k)))
                mimesis_times.append(timed(lambda k=k: theirs(k)))
        fastsynth_rate = rows / statistics.median(fs_times)
        mimesis_rate = mimesis_rows / statistics.median(mimesis_times)
    gen_rates = [run_gen(ROOT / "configs" / "tabular.json", rows)[1] for _ in range(repeats)]
    one_process = statistics.median(gen_rates)
    print("| task | implementation | rows/s (median) | x Dask + Mimesis |")
    print("|---|---|---:|---:|")
    for task, impl, value in (
        ("Parquet parts on Dask, 2 workers", "fastsynth.distributed.write", fastsynth_rate),
        ("Parquet parts on Dask, 2 workers", "dask.dataframe.from_map + Mimesis", mimesis_rate),
        ("one Parquet file, one process", "fastsynth gen (as reported)", one_process),
    ):
        print(f"| {task} | {impl} | {value:,.0f} | {value / mimesis_rate:,.1f}x |")


if __name__ == "__main__":
    sys.exit(main())
