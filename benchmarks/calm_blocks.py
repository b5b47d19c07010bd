"""Times the seed's block example on calm-data-generator's ``SyntheticBlockGenerator``; run with the Python
of its throwaway virtual environment (see ``calm_venv.sh``), never with fastsynth's. Prints one JSON line.

    python calm_blocks.py --rows 300000 --repeats 3    # in-process: a warm-up run, then timed runs
    python calm_blocks.py --rows 3000 --cold           # one run, as a script: the caller times the process

The call is the seed document's example (``n_blocks=3``, SEA functions 0, 1 and 2, dates from 2023-01-01
a week apart, written to ``dataset.csv``) with ``total_samples=--rows``. calm-data-generator 2.3.2 names
the directory ``output_dir`` (the seed document's ``output_path`` is an older spelling). Its report is
turned off: fastsynth writes no report on this path (without ydata-profiling and plotly, which the
throwaway venv lacks, the peer's report only writes an index page anyway).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from calm_data_generator.generators.stream.StreamBlockGenerator import SyntheticBlockGenerator


def example(rows: int, directory: str) -> Path:
    """The seed's example, ``total_samples=rows``; the path of the CSV it wrote."""
    path = SyntheticBlockGenerator().generate_blocks_simple(
        output_dir=directory,
        filename="dataset.csv",
        n_blocks=3,
        total_samples=rows,
        methods="sea",
        method_params=[{"function": 0}, {"function": 1}, {"function": 2}],
        date_start="2023-01-01",
        date_step={"days": 7},
        generate_report=False,
    )
    return Path(path)


def timed(rows: int) -> tuple[float, int]:
    """(seconds, data lines written) of one run of the example into a fresh directory."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = example(rows, tmp)
        seconds = time.perf_counter() - started
        with path.open("rb") as written:
            lines = sum(1 for _ in written) - 1
    return seconds, lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="one run, no warm-up (time the process)")
    args = parser.parse_args()
    if args.cold:
        seconds, lines = timed(args.rows)
        times = [seconds]
    else:
        timed(min(args.rows, 3000))  # river is imported on the first call, and caches warm up
        runs = [timed(args.rows) for _ in range(args.repeats)]
        times, lines = [s for s, _ in runs], runs[-1][1]
    print(json.dumps({"rows": args.rows, "lines": lines, "seconds": times}))


if __name__ == "__main__":
    main()
