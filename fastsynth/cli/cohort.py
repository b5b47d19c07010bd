"""``fastsynth cohort``: a clinical cohort's demographics, genes and proteins written as three files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.cli.gen import OptionOpt, _parse_options
from fastsynth.errors import UsageError

__all__ = ["cohort"]


@handle_errors
def cohort(
    spec: Annotated[
        Path, typer.Argument(help="Cohort file (YAML or JSON): patients, genes, groups, visits, ...")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the three files into.")],
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="File format: parquet, csv, arrow, ..., or h5ad (one AnnData file)."
        ),
    ] = "parquet",
    layout: Annotated[
        str, typer.Option(help="Omics tables: wide (a column per gene), long, or matrix (one list column).")
    ] = "wide",
    patients: Annotated[int | None, typer.Option(help="Patients, over the file's.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed, over the file's.")] = None,
    visits: Annotated[
        int | None, typer.Option(help="Visits per patient, over the file's visits.count (a row per visit).")
    ] = None,
    option: OptionOpt = None,
) -> None:
    """Write the demographics, genes and proteins of the cohort in SPEC, linked by Patient_ID (and
    Visit_ID, when the cohort has visits)."""
    import time

    from fastsynth.clinical import Cohort, write_cohort
    from fastsynth.documents import read_document

    if layout not in ("wide", "long", "matrix"):
        raise UsageError(f"--layout {layout!r} is not allowed; allowed: wide, long, matrix")
    try:
        text = spec.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cohort file {str(spec)!r} cannot be read: {exc.strerror}") from None
    document = read_document(spec, text, f"cohort file {str(spec)!r}")
    if not isinstance(document, dict):
        raise UsageError(
            f"cohort file {str(spec)!r} holds {type(document).__name__}, not an object of settings"
        )
    overrides: dict[str, object] = {
        key: value for key, value in (("patients", patients), ("seed", seed)) if value is not None
    }
    if visits is not None:
        given = document.get("visits")
        overrides["visits"] = {**(given if isinstance(given, dict) else {}), "count": visits}
    chosen = Cohort.from_dict({**document, **overrides})
    started = time.perf_counter()
    options = _parse_options(option or [])
    written = write_cohort(chosen, output, format=format, layout=layout, **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    visits = chosen.visits.count if chosen.visits else 1
    values = chosen.patients * visits * (chosen.genes + chosen.proteins)
    at_visits = f" at {visits:,} visits each" if chosen.visits else ""
    typer.echo(
        f"wrote {chosen.patients:,} patients{at_visits} x {chosen.genes:,} genes and {chosen.proteins:,} "
        "proteins to "
        f"{', '.join(p.name for p in written.values())} in {output} in {seconds:.2f} s "
        f"({values / seconds:,.0f} values/s)",
        err=True,
    )
