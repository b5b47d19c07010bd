"""Concept-drift streams, side by side in one run: fastsynth's ``concept`` labels against river's
generators, the stream users take labelled drift from.

    python benchmarks/bench_concept.py            # full sizes (about half a minute)
    python benchmarks/bench_concept.py --quick    # tiny sizes: checks the script works, not the speed

SEA with a gradual drift from variant 0 to variant 2 (``configs/concept_sea.yaml`` has one more switch):
fastsynth makes 10,000,000 rows into an Arrow table; river's ``ConceptDriftStream(SEA(0), SEA(2))``
iterated with ``take(n)`` for 200,000 rows, collected into an Arrow table as its users then do. The same
for STAGGER (category features). Medians of three.
"""

from __future__ import annotations

import argparse

import pyarrow as pa
from common import machine, median_rate
from river.datasets import synth

import fastsynth

SEA = {
    "x0": {"type": "float", "distribution": "uniform", "min": 0, "max": 10},
    "x1": {"type": "float", "distribution": "uniform", "min": 0, "max": 10},
    "x2": {"type": "float", "distribution": "uniform", "min": 0, "max": 10},
    "label": {
        "type": "concept", "stream": "sea", "inputs": ["x0", "x1"], "concepts": [0, 2],
        "drift": [{"position": 100_000, "width": 1000}], "noise": 0.1,
    },
}  # fmt: skip
STAGGER = {
    "size": {"type": "category", "categories": ["small", "medium", "large"]},
    "colour": {"type": "category", "categories": ["red", "blue", "green"]},
    "shape": {"type": "category", "categories": ["circle", "square", "triangle"]},
    "label": {
        "type": "concept", "stream": "stagger", "inputs": ["size", "colour", "shape"], "concepts": [0, 1],
        "drift": [{"position": 100_000, "width": 1000}],
    },
}  # fmt: skip


def river_rows(stream) -> object:
    def make(n: int) -> pa.Table:
        rows = [{**{str(k): v for k, v in x.items()}, "label": int(y)} for x, y in stream.take(n)]
        return pa.Table.from_pylist(rows)

    return make


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    ours, theirs, repeats = (20_000, 2_000, 1) if args.quick else (10_000_000, 200_000, 3)
    print(machine())
    sea_river = synth.ConceptDriftStream(
        synth.SEA(variant=0, noise=0.1, seed=1), synth.SEA(variant=2, noise=0.1, seed=2), seed=3,
        position=100_000, width=1000,
    )  # fmt: skip
    stagger_river = synth.ConceptDriftStream(
        synth.STAGGER(classification_function=0, seed=1), synth.STAGGER(classification_function=1, seed=2),
        seed=3, position=100_000, width=1000,
    )  # fmt: skip
    results = []
    for name, schema, stream in (("SEA", SEA, sea_river), ("STAGGER", STAGGER, stagger_river)):
        fs = median_rate(lambda n, schema=schema: fastsynth.generate(schema, n), ours, repeats)
        river = median_rate(river_rows(stream), theirs, repeats)
        results += [
            (name, "fastsynth concept", fs, fs / river),
            (name, "river ConceptDriftStream", river, 1.0),
        ]
    print("| stream | implementation | rows/s (median) | x river |")
    print("|---|---|---:|---:|")
    for name, impl, rate, ratio in results:
        print(f"| {name} with a gradual drift -> Arrow | {impl} | {rate:,.0f} | {ratio:,.1f}x |")


if __name__ == "__main__":
    main()
