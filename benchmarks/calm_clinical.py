"""Times calm-data-generator's ``ClinicalDataGenerator.generate`` (demographics, RNA-Seq genes and
proteins, as pandas DataFrames), or with ``--visits N`` its ``generate_longitudinal_data`` (N visits 30
days apart, BMI evolving); run with the Python of its throwaway virtual environment (see
``calm_venv.sh``), never with fastsynth's. Prints one JSON line: the seconds of each timed run.

    python calm_clinical.py --patients 1000 --genes 2000 --proteins 50 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import time

from calm_data_generator.generators.clinical import ClinicalDataGenerator

LONGITUDINAL = {"time_step_days": 30, "evolution_config": {"features": ["BMI"], "trend": 0.02, "noise": 0.5}}
"""The longitudinal call's settings but its number of visits: the same in ``bench_clinical.py``."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--genes", type=int, required=True)
    parser.add_argument("--proteins", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visits", type=int, default=0)
    args = parser.parse_args()
    seconds = []
    shape = {"n_genes": args.genes, "n_proteins": args.proteins, "gene_type": "RNA-Seq"}
    for _ in range(args.repeats):
        started = time.perf_counter()
        if args.visits:
            ClinicalDataGenerator().generate_longitudinal_data(
                n_samples=args.patients, longitudinal_config=LONGITUDINAL | {"n_visits": args.visits}, **shape
            )
        else:
            ClinicalDataGenerator().generate(n_samples=args.patients, **shape)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
