"""``fastsynth cohort``: a cohort file becomes three linked files; bad input gets one line."""

from __future__ import annotations

import pyarrow.parquet as pq
from typer.testing import CliRunner

from fastsynth.cli.app import app

COHORT = """
patients: 300
genes: 25
proteins: 4
groups: {Control: 0.6, Disease: 0.4}
effects:
  - {group: Disease, gene_range: [0, 5], fold_change: [2, 3]}
transitions:
  - {source: Control, target: Disease, share: 0.5}
seed: 7
"""


def test_a_cohort_file_becomes_three_linked_files(tmp_path):
    spec = tmp_path / "cohort.yaml"
    spec.write_text(COHORT)
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(tmp_path / "out"), "--patients", "200"])
    assert result.exit_code == 0, result.output
    demographics = pq.read_table(tmp_path / "out" / "demographics.parquet")
    genes = pq.read_table(tmp_path / "out" / "genes.parquet")
    proteins = pq.read_table(tmp_path / "out" / "proteins.parquet")
    assert demographics.num_rows == genes.num_rows == proteins.num_rows == 200
    assert demographics.join(genes, "Patient_ID").join(proteins, "Patient_ID").num_rows == 200
    assert sum(demographics["Transitioned"].to_pylist()) == 60  # half of the 120 controls
    assert genes.num_columns == 26 and "wrote 200 patients" in result.output


def test_long_layout_and_csv(tmp_path):
    spec = tmp_path / "cohort.json"
    spec.write_text('{"patients": 10, "genes": 3, "proteins": 2}')
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(out), "--layout", "long", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert (out / "genes.csv").read_text().splitlines()[0].replace('"', "") == "Patient_ID,Gene,Value"
    assert len((out / "genes.csv").read_text().splitlines()) == 31


def test_bad_cohorts_get_one_line(tmp_path):
    spec = tmp_path / "cohort.yaml"
    spec.write_text("patients: 10\ngroups: {Control: 0.5, Disease: 0.6}\n")
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert (
        result.output.strip() == "error: cohort: the groups' shares sum to 1.1; allowed: shares that sum to 1"
    )
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(tmp_path / "out"), "--layout", "x"])
    assert result.output.strip() == "error: --layout 'x' is not allowed; allowed: wide, long, matrix"
