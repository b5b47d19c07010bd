"""JSON lines of the seed's tabular schema, side by side in one run: fastsynth's encoder against what a
user would use instead.

    python benchmarks/bench_json.py            # 500,000 rows, seven alternating runs
    python benchmarks/bench_json.py --quick    # tiny sizes: checks the script works, not the speed

The same rows (made beforehand, in batches of 50,000) as JSON lines in memory, by:
1. fastsynth's ``JsonLines`` (a numba kernel; floats written by polars and spliced in), on both cores
   and on one (the Kafka sink's encoding thread runs it on one);
2. polars' ``write_ndjson`` of each batch, with timestamps in ISO 8601 with a "T" (what the JSON sinks
   ran before: the same bytes);
3. pandas' ``to_json(orient="records", lines=True)`` of each batch;
4. the standard library's ``json.dumps`` of every row (a Faker or Mimesis script's way), on fewer rows.
The implementations alternate, and the medians are compared; every output is checked to be the same
rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

import pyarrow as pa
from common import ROOT, machine

import fastsynth
from fastsynth.kernels.jit import set_threads, threads
from fastsynth.sinks.jsonl import JsonLines

sys.path.insert(0, str(ROOT))
from tests.sinks.test_jsonl import polars_lines  # what the JSON sinks ran before: polars' writer

TABULAR = ROOT / "configs" / "tabular.json"


def pandas_lines(batch: pa.RecordBatch) -> bytes:
    return batch.to_pandas().to_json(orient="records", lines=True, date_format="iso").encode()


def stdlib_lines(batch: pa.RecordBatch) -> bytes:
    rows = batch.to_pylist()
    return "".join(json.dumps(row, default=str) + "\n" for row in rows).encode()


def rate(encode: Callable[[pa.RecordBatch], bytes], batches: list[pa.RecordBatch]) -> float:
    started = time.perf_counter()
    for batch in batches:
        encode(batch)
    return sum(b.num_rows for b in batches) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows, repeats = (20_000, 1) if args.quick else (500_000, 7)
    print(machine())
    table = fastsynth.generate(TABULAR, rows)
    batches = table.to_batches(max_chunksize=50_000)
    few = table.slice(0, rows // 10).to_batches(max_chunksize=50_000)  # json.dumps is slow
    encoder = JsonLines(table.schema)
    both = threads()

    def ours(batch: pa.RecordBatch) -> bytes:
        return encoder.encode(batch)[0].tobytes()

    def ours_one_thread(batch: pa.RecordBatch) -> bytes:
        set_threads(1)
        try:
            return ours(batch)
        finally:
            set_threads(both)

    # The same rows whoever writes them.
    sample = batches[0].slice(0, 1000)
    assert ours(sample) == polars_lines(sample)
    for other in (pandas_lines, stdlib_lines):
        assert [json.loads(line)["id"] for line in other(sample).splitlines()] == sample["id"].to_pylist()
    contenders: dict[str, tuple[Callable[[pa.RecordBatch], bytes], list[pa.RecordBatch]]] = {
        f"fastsynth JsonLines ({both} threads)": (ours, batches),
        "fastsynth JsonLines (1 thread)": (ours_one_thread, batches),
        "polars write_ndjson": (polars_lines, batches),
        "pandas to_json(lines=True)": (pandas_lines, batches),
        "json.dumps per row": (stdlib_lines, few),
    }
    for encode, chosen in contenders.values():  # warm-up: kernels, imports
        encode(chosen[0].slice(0, 1000))
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (encode, chosen) in contenders.items():
            runs[name].append(rate(encode, chosen))
    medians = {name: statistics.median(rates) for name, rates in runs.items()}
    ours_rate = medians[f"fastsynth JsonLines ({both} threads)"]
    print(
        f"| task | implementation | rows/s (median of {repeats}) | fastsynth ({both} threads) is x faster |"
    )
    print("|---|---|---:|---:|")
    for name, value in medians.items():
        task = f"{rows // 10 if name.startswith('json.dumps') else rows:,} rows -> JSON lines"
        ratio = "" if name.startswith("fastsynth") else f"{ours_rate / value:.1f}x"
        print(f"| {task} | {name} | {value:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
