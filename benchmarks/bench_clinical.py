"""Clinical cohorts: fastsynth's ``generate_cohort`` (three Arrow tables in memory) beside
calm-data-generator's ``ClinicalDataGenerator.generate`` (three pandas DataFrames in memory) at a shape
the peer finishes, and fastsynth's ``write_cohort`` to Parquet at the scale of a real study; then the
seed's longitudinal call (``generate_longitudinal_data``: demographics at each visit, baseline omics)
through ``fastsynth.compat.calmops.ClinicGenerator`` beside the peer's, and fastsynth's own longitudinal
cohort (omics at every visit too).

    .venv/bin/python benchmarks/bench_clinical.py [--quick] [--calm-python PATH]

Targets (issue 16): 10,000 patients x 20,000 RNA-Seq genes (200M values) to Parquet at >= 50M values/s,
and >= 100x the peer on the same cohort shape. The peer runs in its throwaway venv (``calm_venv.sh``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from common import DEFAULT_CALM, machine, median_seconds

from fastsynth.clinical import Cohort, Visits, generate_cohort, write_cohort
from fastsynth.compat.calmops import ClinicGenerator

TARGET_RATE = 50e6
TARGET_RATIO = 100.0


def in_memory(patients: int, genes: int, proteins: int, repeats: int) -> float:
    """Median seconds of making the cohort's three tables (wide, as the peer's DataFrames are)."""
    cohort = Cohort(patients=patients, genes=genes, proteins=proteins, seed=1)
    generate_cohort(Cohort(patients=10, genes=genes, proteins=proteins))  # warm-up
    seconds, _ = median_seconds(lambda: generate_cohort(cohort), repeats)
    return seconds


def ours(patients: int, genes: int, proteins: int, layout: str, repeats: int, **options: object) -> float:
    """Median seconds of writing the cohort's three Parquet files (with the sink's ``options``)."""
    cohort = Cohort(patients=patients, genes=genes, proteins=proteins, seed=1)
    warm_up = Cohort(patients=10, genes=genes, proteins=proteins)
    with tempfile.TemporaryDirectory() as folder:
        write_cohort(warm_up, folder, layout=layout, **options)  # type: ignore[arg-type]
        seconds, _ = median_seconds(lambda: write_cohort(cohort, folder, layout=layout, **options), repeats)  # type: ignore[arg-type]
    return seconds


LONGITUDINAL = {"time_step_days": 30, "evolution_config": {"features": ["BMI"], "trend": 0.02, "noise": 0.5}}
"""As in ``calm_clinical.py``."""


def longitudinal(patients: int, genes: int, proteins: int, visits: int, repeats: int) -> float:
    """Median seconds of the seed's longitudinal call through the facade (pandas DataFrames)."""
    config = LONGITUDINAL | {"n_visits": visits}
    call = {"n_genes": genes, "n_proteins": proteins}
    ClinicGenerator(seed=1).generate_longitudinal_data(10, config, **call)  # warm-up
    seconds, _ = median_seconds(
        lambda: ClinicGenerator(seed=1).generate_longitudinal_data(patients, config, **call), repeats
    )
    return seconds


def with_visits(patients: int, genes: int, proteins: int, visits: int, repeats: int) -> float:
    """Median seconds of a cohort with omics at every visit (three Arrow tables)."""
    cohort = Cohort(patients=patients, genes=genes, proteins=proteins, visits=Visits(count=visits), seed=1)
    generate_cohort(Cohort(patients=10, genes=genes, proteins=proteins, visits=Visits(count=visits)))
    seconds, _ = median_seconds(lambda: generate_cohort(cohort), repeats)
    return seconds


def peer(calm_python: Path, patients: int, genes: int, proteins: int, repeats: int, visits: int = 0) -> float:
    script = Path(__file__).with_name("calm_clinical.py")
    command = [str(calm_python), str(script), "--patients", str(patients), "--genes", str(genes)]
    done = subprocess.run(
        [*command, "--proteins", str(proteins), "--repeats", str(repeats), "--visits", str(visits)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"calm-data-generator's ClinicalDataGenerator failed:\n{done.stderr[-2000:]}")
    seconds = sorted(json.loads(done.stdout)["seconds"])
    return seconds[len(seconds) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--calm-python", type=Path, default=DEFAULT_CALM, help="Python of the calm venv")
    args = parser.parse_args()
    shared, large, repeats = (
        ((200, 500, 20), (500, 2000, 20), 1) if args.quick else ((1000, 2000, 50), (10_000, 20_000, 50), 3)
    )
    print(machine())
    print(f"\nmedians of {repeats}; values = patients x genes\n")
    print(f"| cohort | implementation | seconds | M values/s | x calm | >= {TARGET_RATIO:.0f}x | >= 50M/s |")
    print("|---|---|---:|---:|---:|---|---|")
    patients, genes, proteins = shared
    mine = in_memory(patients, genes, proteins, repeats)
    calm = peer(args.calm_python, patients, genes, proteins, repeats) if args.calm_python.exists() else None
    shape = f"{patients:,} x {genes:,} genes, {proteins} proteins"
    ratio = "" if calm is None else f"{calm / mine:,.1f}x"
    met = "" if calm is None else ("met" if calm / mine >= TARGET_RATIO else "NOT met")
    rate = patients * genes / mine / 1e6
    print(
        f"| {shape} | fastsynth generate_cohort (Arrow tables) | {mine:.3f} | {rate:.1f} | {ratio} | {met} | "
    )
    if calm is not None:
        print(f"| {shape} | calm-data-generator generate (DataFrames) | {calm:.3f} | "
              f"{patients * genes / calm / 1e6:.2f} | 1.0x | | |")  # fmt: skip
    visits = 4
    mine = longitudinal(patients, genes, proteins, visits, repeats)
    calm = (
        peer(args.calm_python, patients, genes, proteins, repeats, visits)
        if args.calm_python.exists()
        else None
    )
    shape = f"{patients:,} x {genes:,} genes, {proteins} proteins, {visits} visits"
    ratio = "" if calm is None else f"{calm / mine:,.1f}x"
    met = "" if calm is None else ("met" if calm / mine >= TARGET_RATIO else "NOT met")
    rate = patients * genes / mine / 1e6
    print(f"| {shape} | fastsynth ClinicGenerator.generate_longitudinal_data | {mine:.3f} | {rate:.1f} | "
          f"{ratio} | {met} | |")  # fmt: skip
    if calm is not None:
        print(f"| {shape} | calm-data-generator generate_longitudinal_data | {calm:.3f} | "
              f"{patients * genes / calm / 1e6:.2f} | 1.0x | | |")  # fmt: skip
    mine = with_visits(patients, genes, proteins, visits, repeats)
    print(f"| {shape} | fastsynth generate_cohort, omics at every visit (Arrow tables; values x visits) | "
          f"{mine:.3f} | {patients * genes * visits / mine / 1e6:.1f} | | | |")  # fmt: skip
    patients, genes, proteins = large
    # The matrix layout three times: as by default (counts delta-packed, which every reader takes, and
    # row groups encoded on every core), with one encoding thread (pyarrow's writer as it is), and with
    # its counts split into byte streams (split_lists=true, faster, for readers from 2024 on).
    matrix = (("matrix", {}), ("matrix", {"threads": 1}), ("matrix", {"split_lists": True}))
    for layout, options in (*matrix, ("wide", {})):
        mine = ours(patients, genes, proteins, layout, repeats, **options)
        rate = patients * genes / mine
        met = "met" if rate >= TARGET_RATE else "NOT met"
        how = ", ".join([layout, *(f"{k}={str(v).lower()}" for k, v in options.items())])
        print(f"| {patients:,} x {genes:,} genes, {proteins} proteins | fastsynth write_cohort -> Parquet "
              f"({how}) | {mine:.3f} | {rate / 1e6:.1f} | | | {met} |")  # fmt: skip
    if calm is None:
        print(
            f"\nnote: peer comparison skipped: no {args.calm_python}; make it with sh benchmarks/calm_venv.sh"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s)")
