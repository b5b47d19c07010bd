"""SDV's CTGAN and TVAE through fastsynth (``fit(method="ctgan")``, then ``generate``) against SDV called
directly, in one run: the same data, the same epochs.

    python benchmarks/bench_sdv.py            # full sizes (a few minutes)
    python benchmarks/bench_sdv.py --quick    # tiny sizes: checks the script works, not the speed

SDV does the work either way; what fastsynth adds is sampling in seeded chunks (so row i depends only on
(seed, i)) and the conversion to Arrow with the data's types. The figure to watch is the sampling
overhead: ``generate`` of 200,000 rows against ``synthesizer.sample`` of 200,000 rows, on the same fitted
synthesizer (the one fastsynth fitted), medians of three. Fit times are printed for both, each fitting
its own synthesizer on the same 5,000 rows (bench_fit.py's table) for the same epochs.
"""

from __future__ import annotations

import argparse
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


def median_seconds(run, repeats: int) -> float:
    return statistics.median(timed(run)[0] for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 5; quick 1)")
    args = parser.parse_args()
    real_rows, rows, repeats, epochs = (500, 10_000, 1, 1) if args.quick else (5_000, 200_000, 3, 5)
    epochs = args.epochs or epochs
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
        "| method | fit fastsynth (s) | fit SDV (s) | sample fastsynth (s) | sample SDV (s) "
        "| rows/s fastsynth | x SDV | sampling overhead |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for method, cls in (("ctgan", CTGANSynthesizer), ("tvae", TVAESynthesizer)):
        fs_fit, schema = timed(lambda m=method: fastsynth.fit(real, method=m, epochs=epochs))
        fastsynth.generate(schema, 1000, seed=99)  # warm: numba, torch's first calls
        fs_sample = median_seconds(lambda s=schema: fastsynth.generate(s, rows, seed=7), repeats)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metadata = Metadata.detect_from_dataframes({"real": frame})
            direct = cls(metadata, epochs=epochs)
            sdv_fit, _ = timed(lambda d=direct: d.fit({"real": frame}))
            # the synthesizer fastsynth fitted, sampled by SDV itself: the same network, so the
            # difference is fastsynth's chunks and Arrow conversion alone
            same = schema.model.synthesizer
            same.sample(1000)
            sdv_sample = median_seconds(lambda s=same: s.sample(rows), repeats)

        ratio = sdv_sample / fs_sample
        print(
            f"| {method} | {fs_fit:.2f} | {sdv_fit:.2f} | {fs_sample:.3f} | {sdv_sample:.3f} "
            f"| {rows / fs_sample:,.0f} | {ratio:.2f}x | {fs_sample / sdv_sample - 1:+.1%} |"
        )


if __name__ == "__main__":
    main()
