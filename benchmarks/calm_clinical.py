"""Times calm-data-generator's ``ClinicalDataGenerator.generate`` (demographics, RNA-Seq genes and
proteins, as pandas DataFrames); run with the Python of its throwaway virtual environment (see
``calm_venv.sh``), never with fastsynth's. Prints one JSON line: the seconds of each timed run.

    python calm_clinical.py --patients 1000 --genes 2000 --proteins 50 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import time

from calm_data_generator.generators.clinical import ClinicalDataGenerator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--genes", type=int, required=True)
    parser.add_argument("--proteins", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    seconds = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        ClinicalDataGenerator().generate(
            n_samples=args.patients, n_genes=args.genes, n_proteins=args.proteins, gene_type="RNA-Seq"
        )
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
