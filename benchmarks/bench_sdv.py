"""SDV's CTGAN and TVAE through fastsynth (``fit(method="ctgan")``, then ``generate``) against SDV called
directly, in one run: the same data, the same epochs.

    python benchmarks/bench_sdv.py            # full sizes (a few minutes)
    python benchmarks/bench_sdv.py --quick    # tiny sizes: checks the script works, not the speed

SDV does the work either way; what fastsynth adds is sampling in seeded chunks (so row i depends only on
(seed, i)) and the conversion to Arrow with the data's types. The figure to watch is the sampling
overhead: ``generate`` of 200,000 rows against ``synthesizer.sample`` of 200,000 rows, on the same fitted
synthesizer (the one fastsynth fitted), alternated five times, medians. The overhead is given in wall
time and in CPU time (the process's, all threads): on a machine others share, wall times swing by tens
of percent between runs and the CPU time shows the work. Fit times are printed for both, each fitting
its own synthesizer on the same 5,000 rows (bench_fit.py's table) for the same epochs.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
import warnings

from bench_fit import real_table
from common import machine

import fastsynth


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def timed_cpu(run) -> tuple[float, float]:
    """Wall and CPU seconds of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def rechunked(schema: fastsynth.Schema, chunk_rows: int) -> fastsynth.Schema:
    """The fitted schema with its model sampling chunks of ``chunk_rows`` (the same synthesizer)."""
    model = schema.model
    document = dataclasses.replace(model.document, chunk_rows=chunk_rows)
    return fastsynth.Schema(fields=(), model=type(model)(model.synthesizer, model.columns, document))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 5; quick 1)")
    parser.add_argument("--rows", type=int, default=None, help="rows sampled (default 200,000; quick 10,000)")
    parser.add_argument(
        "--chunk-rows",
        type=int,
        nargs="*",
        default=None,
        help="fastsynth's chunk_rows to compare (default: the method's default; quick 2048)",
    )
    args = parser.parse_args()
    # quick: under 500 rows, where ctgan transforms the data without starting worker processes
    real_rows, rows, repeats, epochs = (400, 10_000, 1, 1) if args.quick else (5_000, 200_000, 5, 5)
    epochs, rows = args.epochs or epochs, args.rows or rows
    chunks = args.chunk_rows or ([2048] if args.quick else None)  # None: each method's default
    print(machine())
    real = real_table(real_rows)
    print(f"data: {real_rows:,} rows x {real.num_columns} columns; {epochs} epochs; sampling {rows:,} rows")
    frame = real.to_pandas()
    for name in frame.columns:  # SDV's CTGAN refuses pandas' category dtype and says to cast it so
        if frame[name].dtype == "category":
            frame[name] = frame[name].astype(object)

    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer, TVAESynthesizer

    print(
        "| method | chunk_rows | fit fastsynth (s) | fit SDV (s) | sample fastsynth (s) | sample SDV (s) "
        "| rows/s fastsynth | x SDV | sampling overhead | CPU overhead |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for method, cls in (("ctgan", CTGANSynthesizer), ("tvae", TVAESynthesizer)):
        # warm-up, untimed: torch's first optimizer imports its compiler (seconds), and ctgan starts
        # joblib's worker processes for 500 rows or more; whichever fit came first would pay both
        fastsynth.fit(real.slice(0, 600), method=method, epochs=1)
        fs_fit, fitted = timed(lambda m=method: fastsynth.fit(real, method=m, epochs=epochs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metadata = Metadata.detect_from_dataframes({"real": frame})
            direct = cls(metadata, epochs=epochs)
            sdv_fit, _ = timed(lambda d=direct: d.fit({"real": frame}))
        # SDV samples from the synthesizer fastsynth fitted: the same network, so the difference is
        # fastsynth's chunks and Arrow conversion alone
        same = fitted.model.synthesizer
        for chunk_rows in chunks or [fitted.model.document.chunk_rows]:
            schema = rechunked(fitted, chunk_rows)
            fastsynth.generate(schema, 1000, seed=99)  # warm: numba, torch's first calls
            ours, theirs = [], []
            for k in range(repeats):  # alternated, so a busy moment of the machine hits both
                # a new seed each time: no chunk comes from the model's cache of recent ones
                ours.append(timed_cpu(lambda s=schema, k=k: fastsynth.generate(s, rows, seed=k)))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    theirs.append(timed_cpu(lambda s=same: s.sample(rows)))
            fs_sample, sdv_sample = (statistics.median(t[0] for t in ts) for ts in (ours, theirs))
            fs_cpu, sdv_cpu = (statistics.median(t[1] for t in ts) for ts in (ours, theirs))
            overhead = fs_sample / sdv_sample - 1
            print(
                f"| {method} | {chunk_rows:,} | {fs_fit:.2f} | {sdv_fit:.2f} | {fs_sample:.3f} "
                f"| {sdv_sample:.3f} | {rows / fs_sample:,.0f} | {sdv_sample / fs_sample:.2f}x "
                f"| {overhead:+.1%} | {fs_cpu / sdv_cpu - 1:+.1%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
