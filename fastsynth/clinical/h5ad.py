"""A cohort as one AnnData file (``.h5ad``), what bioinformaticians open first (``anndata.read_h5ad``,
scanpy): observations are patients (with visits, a patient's visits), variables are genes.

* ``X``: the genes table's values, observations x genes: ``int32`` counts for RNA-Seq (exact, as
  scanpy's raw counts are), ``float64`` intensities for microarray (the tables' own values, to the bit;
  cast to ``float32`` after reading to halve the memory).
* ``obs``: the demographics table (``Patient_ID``, with visits ``Visit_ID`` and ``Days_Since_Start``,
  the demographic columns, ``Group`` as a categorical, the transitions' ground truth), indexed by
  ``Patient_ID`` as text (``"17"``; with visits ``"17-2"``, patient and visit, since AnnData's names are
  unique text).
* ``var``: indexed by the genes' names (``G_0``, ``G_1``, ... as the genes table's columns).
* ``obsm["proteins"]``: the proteins table's values, observations x proteins (``float64``), their names
  in ``uns["protein_names"]``: a second modality aligned on the same observations, where AnnData keeps
  per-observation matrices (as CITE-seq's protein counts usually are).

``X`` and ``obsm["proteins"]`` are written a block of patients at a time (``patients_per_batch``: about
64 MB of omics), straight into HDF5 datasets laid out as AnnData's on-disk format says (an ``array``
element, encoding version 0.2.0), so a cohort of any number of genes and patients takes bounded memory
for them. ``obs`` is written whole by ``anndata.io.write_elem``: the demographics are held in memory, a
few tens of bytes per observation (1M patients x 3 visits: about 200 MB as pandas). The file is written
under a hidden temporary name and renamed when complete, as fastsynth's sinks do.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.clinical.cohort import Cohort
from fastsynth.clinical.tables import Tables
from fastsynth.dependencies import optional_import
from fastsynth.errors import SinkError
from fastsynth.sinks.base import FileSink, check_path

__all__ = ["write_anndata"]

_ARRAY = {"encoding-type": "array", "encoding-version": "0.2.0"}
"""The attributes AnnData's on-disk format gives a dense array (its readers dispatch on them)."""


def write_anndata(cohort: Cohort, path: str | Path, *, patients_per_block: int | None = None) -> Path:
    """Write ``cohort`` to ``path`` as an AnnData ``.h5ad`` file (see the module's docstring); its path.
    ``patients_per_block`` overrides ``patients_per_batch(cohort)`` (tests use small blocks)."""
    from fastsynth.clinical import patients_per_batch

    h5py = optional_import("h5py", "omics")
    anndata_io = optional_import("anndata.io", "omics", "anndata")
    check_path(path)
    path = Path(path)
    FileSink._check_directory(path)
    tables = Tables(cohort)
    block = patients_per_block or patients_per_batch(cohort)
    visits = tables.visits
    rows = cohort.patients * visits
    counts = cohort.gene_type == "rna-seq"
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with h5py.File(temp, "w") as store:
            store.attrs.update({"encoding-type": "anndata", "encoding-version": "0.1.0"})
            x = _array(store, "X", (rows, cohort.genes), np.int32 if counts else np.float64)
            anndata_io.write_elem(store, "obsm", {})
            proteins = _array(store["obsm"], "proteins", (rows, cohort.proteins), np.float64)
            demographics = []
            for first in range(0, cohort.patients, block):
                count = min(block, cohort.patients - first)
                low, high = first * visits, (first + count) * visits
                x[low:high] = tables.matrix("genes", first, count)
                proteins[low:high] = tables.matrix("proteins", first, count)
                demographics.append(tables.demographics(first, count))
            anndata_io.write_elem(
                store, "obs", _obs(pa.Table.from_batches(demographics), cohort.visits is not None)
            )
            anndata_io.write_elem(store, "var", _names("G", cohort.genes, "gene"))
            uns = {"protein_names": np.array([f"P_{j}" for j in range(cohort.proteins)], dtype=object)}
            anndata_io.write_elem(store, "uns", {**uns, "gene_type": cohort.gene_type})
            for empty in ("layers", "obsp", "varm", "varp"):
                anndata_io.write_elem(store, empty, {})
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise SinkError(f"output {str(path)!r}: write failed: {exc.strerror or exc}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def _array(group: Any, name: str, shape: tuple[int, int], dtype: Any) -> Any:
    """An empty dense array element of AnnData's format, filled by the caller block by block."""
    dataset = group.create_dataset(name, shape=shape, dtype=dtype)
    dataset.attrs.update(_ARRAY)
    return dataset


def _obs(demographics: pa.Table, visits: bool) -> Any:
    """The demographics as AnnData's ``obs``: indexed by the patient (and visit) as text. Integer
    columns with nulls (``Transition_Visit``) stay integers, as pandas' nullable ones."""
    import pandas as pd

    frame = demographics.to_pandas()
    for name, column in zip(demographics.column_names, demographics.columns, strict=True):
        if pa.types.is_integer(column.type) and column.null_count:
            frame[name] = column.to_pandas(types_mapper=pd.ArrowDtype).astype(f"Int{column.type.bit_width}")
    names = demographics.column("Patient_ID").to_numpy().astype(str)
    if visits:
        visit = demographics.column("Visit_ID").to_numpy().astype(str)
        names = np.char.add(np.char.add(names, "-"), visit)
    frame.index = names.astype(object)
    frame.index.name = "observation"
    return frame


def _names(prefix: str, n: int, noun: str) -> Any:
    """A frame of no columns indexed by ``prefix_0 ..``: AnnData's ``var`` of the genes."""
    import pandas as pd

    return pd.DataFrame(index=pd.Index([f"{prefix}_{j}" for j in range(n)], name=noun, dtype=object))
