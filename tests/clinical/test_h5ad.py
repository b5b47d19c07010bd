"""A cohort as an AnnData file: read back by anndata, it holds generate_cohort's tables exactly; a
failed write leaves nothing; without anndata, one error naming the extra."""

from __future__ import annotations

import sys

import anndata  # the omics extra, which make test installs: a missing one fails here, never skips
import numpy as np
import pytest
from typer.testing import CliRunner

from fastsynth.cli.app import app
from fastsynth.clinical import Cohort, Tables, generate_cohort, write_anndata, write_cohort
from fastsynth.errors import MissingDependencyError, UsageError

PATIENTS = Cohort(
    patients=23,
    genes=9,
    proteins=4,
    transitions=({"source": "Control", "target": "Disease", "share": 0.25},),  # type: ignore[arg-type]
    seed=4,
)
VISITS = Cohort.from_dict(
    {
        "patients": 17,
        "genes": 6,
        "proteins": 3,
        "gene_type": "microarray",
        "visits": {
            "count": 3,
            "transitions": [{"source": "Control", "target": "Disease", "share": 0.5, "visit": 1}],
        },
        "seed": 9,
    }
)


def values(table, prefix: str) -> np.ndarray:
    names = [n for n in table.column_names if n.startswith(prefix)]
    return np.column_stack([table.column(n).to_numpy() for n in names])


@pytest.mark.parametrize("cohort", [PATIENTS, VISITS], ids=["patients", "visits"])
def test_the_file_holds_the_cohorts_tables_exactly(cohort, tmp_path):
    path = write_anndata(cohort, tmp_path / "cohort.h5ad", patients_per_block=5)  # blocks cut the cohort
    read = anndata.read_h5ad(path)
    tables = generate_cohort(cohort)
    visits = cohort.visits is not None
    # X: genes, int32 counts or float64 intensities, exactly the genes table's values.
    genes = values(tables["genes"], "G_")
    assert read.X.dtype == genes.dtype == (np.float64 if visits else np.int32)
    np.testing.assert_array_equal(read.X, genes)
    assert list(read.var_names) == [f"G_{j}" for j in range(cohort.genes)]
    # Proteins beside them, on the same observations, their names in uns.
    np.testing.assert_array_equal(read.obsm["proteins"], values(tables["proteins"], "P_"))
    assert list(read.uns["protein_names"]) == [f"P_{j}" for j in range(cohort.proteins)]
    # obs: the demographics, indexed by patient (and visit).
    demographics = tables["demographics"]
    assert list(read.obs.columns) == demographics.column_names
    for name in demographics.column_names:
        column = read.obs[name]
        made = [
            None if missing else v for v, missing in zip(column.astype(object), column.isna(), strict=True)
        ]
        assert made == demographics.column(name).to_pylist(), name
    first = "0-0" if visits else "0"
    assert read.obs_names[0] == first and read.obs_names.is_unique
    if visits:
        assert str(read.obs["Transition_Visit"].dtype) == "Int32"


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def failing(self, kind, first, count):
        calls.append(first)
        if len(calls) > 2:
            raise RuntimeError("disk gone")
        return original(self, kind, first, count)

    original = Tables.matrix
    monkeypatch.setattr(Tables, "matrix", failing)
    with pytest.raises(RuntimeError, match="disk gone"):
        write_anndata(PATIENTS, tmp_path / "cohort.h5ad", patients_per_block=5)
    assert list(tmp_path.iterdir()) == []


def test_without_anndata_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "anndata", None)
    monkeypatch.setitem(sys.modules, "anndata.io", None)
    with pytest.raises(MissingDependencyError, match=r"needs 'anndata': pip install 'fastsynth\[omics\]'"):
        write_anndata(PATIENTS, tmp_path / "cohort.h5ad")
    assert list(tmp_path.iterdir()) == []


def test_the_cohort_command_writes_h5ad(tmp_path):
    spec = tmp_path / "cohort.yaml"
    spec.write_text("patients: 40\ngenes: 5\nproteins: 2\nseed: 3\n")
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(tmp_path / "out"), "-f", "h5ad"])
    assert result.exit_code == 0, result.output
    assert "cohort.h5ad" in result.output
    read = anndata.read_h5ad(tmp_path / "out" / "cohort.h5ad")
    expected = generate_cohort(Cohort(patients=40, genes=5, proteins=2, seed=3))
    np.testing.assert_array_equal(read.X, values(expected["genes"], "G_"))
    with pytest.raises(UsageError, match="format 'h5ad': layout='long' does not apply"):
        write_cohort(PATIENTS, tmp_path / "long", format="h5ad", layout="long")
