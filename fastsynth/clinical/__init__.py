"""Clinical multi-omics cohorts: demographics, gene expression (RNA-Seq counts or microarray intensities)
and protein abundances for any number of patients, as three tables linked by ``Patient_ID`` (and
``Visit_ID``, for patients seen at several visits), made by numba kernels a block of patients at a time.

>>> from fastsynth.clinical import Cohort, generate_cohort
>>> tables = generate_cohort(Cohort(patients=100, genes=50, proteins=5, seed=1))
>>> {name: table.shape for name, table in tables.items()}
{'demographics': (100, 5), 'genes': (100, 51), 'proteins': (100, 6)}
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pyarrow as pa

from fastsynth.clinical.cohort import (
    Cohort,
    Counts,
    DemographicEffect,
    Effect,
    Evolution,
    Intensities,
    Modules,
    Transition,
    Trend,
    Visits,
    VisitTransition,
)
from fastsynth.clinical.h5ad import write_anndata
from fastsynth.clinical.tables import Layout, Tables
from fastsynth.errors import SinkError, UsageError
from fastsynth.kernels.jit import threads
from fastsynth.pipeline import prefetch
from fastsynth.sinks import open_sink
from fastsynth.sinks.binary import MAX_THREADS

__all__ = [
    "Cohort",
    "Counts",
    "DemographicEffect",
    "Effect",
    "Evolution",
    "Intensities",
    "Layout",
    "Modules",
    "Tables",
    "Transition",
    "Trend",
    "VisitTransition",
    "Visits",
    "generate_cohort",
    "patients_per_batch",
    "write_anndata",
    "write_cohort",
]

TABLES = ("demographics", "genes", "proteins")
BATCH_BYTES = 64 << 20
"""About how much one block of patients' omics takes in memory while it is made (two blocks are, one
being written; Parquet encoded on every core holds up to ``parquet_join.IN_FLIGHT_BYTES`` more)."""


def patients_per_batch(cohort: Cohort) -> int:
    """Patients per block: as many as fit ``BATCH_BYTES`` of omics values (8 bytes each, for each of
    their visits), at least one."""
    visits = cohort.visits.count if cohort.visits else 1
    return max(1, min(cohort.patients, BATCH_BYTES // (8 * visits * max(cohort.genes, cohort.proteins, 1))))


def generate_cohort(cohort: Cohort, layout: Layout = "wide") -> dict[str, pa.Table]:
    """The three tables of ``cohort`` in memory (for cohorts that fit; ``write_cohort`` streams)."""
    tables = Tables(cohort)
    batch = patients_per_batch(cohort)
    return {name: pa.Table.from_batches(list(tables.batches(name, batch, layout))) for name in TABLES}  # type: ignore[arg-type]


def write_cohort(
    cohort: Cohort, folder: str | Path, *, format: str = "parquet", layout: Layout = "wide", **options: Any
) -> dict[str, Path]:
    """Write ``demographics``, ``genes`` and ``proteins`` files of ``cohort`` into ``folder`` (in any file
    format fastsynth writes, with its sink ``options``), a block of patients at a time; their paths.
    Parquet's row groups are encoded on every core unless ``threads`` says otherwise (one for the wide
    layout, or with ``row_group_size``); the wide layout's genes and proteins are not
    dictionary-encoded unless ``dictionary`` says so. Format ``h5ad`` writes the three as one AnnData file,
    ``cohort.h5ad`` (see ``write_anndata``)."""
    folder = Path(folder)
    if format == "h5ad":
        if layout != "wide":
            raise UsageError(
                f"format 'h5ad': layout={layout!r} does not apply; allowed: wide (AnnData's own)"
            )
        if options:
            name, value = next(iter(options.items()))
            raise UsageError(f"format 'h5ad': {name}={value!r} is not an option of it; allowed: none")
        folder.mkdir(parents=True, exist_ok=True)
        return {"anndata": write_anndata(cohort, folder / "cohort.h5ad")}
    if format == "csv" and layout == "matrix":  # refused before any of the three files is written
        raise UsageError(
            "format 'csv': layout='matrix' puts a patient's values in one list column, which CSV cannot "
            "hold; allowed: layout wide or long, or format parquet, arrow or jsonl"
        )
    if format == "parquet" and layout != "wide" and options.get("row_group_size") is None:
        # The genes are one long column of lists, and pyarrow's one encoding thread took four times as
        # long as making the counts: its row groups are encoded on every core (the same bytes), 1.10x
        # to 1.38x the rate of one thread on the 10,000 x 20,000 cohort (five alternating pairs). Not
        # for a column per gene, where two encoders took longer (38.3 s against 22.5 s for that cohort:
        # each row group is a file of its own to pyarrow, whose 20,000 columns cost CPU of their own),
        # nor for row groups the user makes small, about 0.5 ms apiece for the same reason (10-row
        # groups of the long layout took 4x as long on two threads).
        options.setdefault("threads", min(threads(), MAX_THREADS))
    tables = Tables(cohort)
    tables.demographic_schema  # noqa: B018 (refuses a bad schema before the folder is made)
    batch = patients_per_batch(cohort)
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        if (folder / f"{name}.{format}").is_dir():
            raise SinkError(f"cannot write {str(folder / f'{name}.{format}')!r}: a folder has that name")
    # The three files are written aside and published together once all are whole: an error or Ctrl-C
    # while the genes are written would otherwise leave new demographics beside an earlier cohort's
    # genes, which still join on Patient_ID.
    aside = Path(tempfile.mkdtemp(prefix=".cohort-", dir=folder))
    try:
        made = {name: _write_table(tables, name, batch, layout, aside, format, options) for name in TABLES}
        written = {}
        for name, path in made.items():
            written[name] = folder / path.name
            os.replace(path, written[name])
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    return written


def _write_table(
    tables: Tables, name: str, batch: int, layout: Layout, folder: Path, format: str, options: dict[str, Any]
) -> Path:
    """Write table ``name`` of the cohort into ``folder``; its path."""
    path = folder / f"{name}.{format}"
    sink_options = options
    if format == "parquet" and layout == "wide" and name != "demographics":
        # A column per gene of counts: the sink's default dictionary for integer columns made the
        # same file 1.5x slower (the 2,000 x 20,000 cohort, 7.4 s against 5.0 s, 122 MB each).
        sink_options = {"dictionary": False, **options}
    # The next block is made while this one is encoded: the kernels and the writer release the GIL.
    # Closed on the way out: an error would otherwise keep the thread and its block alive for as
    # long as its traceback is held (a notebook keeps the last one).
    with closing(prefetch(tables.batches(name, batch, layout))) as batches:  # type: ignore[arg-type]
        first = next(batches)
        with open_sink(path, first.schema, format=format, **sink_options) as sink:
            sink.write(first)
            for block in batches:
                sink.write(block)
    return path
