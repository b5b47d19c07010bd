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


def test_format_options_reach_the_files(tmp_path):
    spec = tmp_path / "cohort.json"
    spec.write_text('{"patients": 30, "genes": 6, "proteins": 2}')
    out = tmp_path / "out"
    command = ["cohort", str(spec), "-o", str(out), "--layout", "matrix", "-O", "split_lists=true"]
    result = CliRunner().invoke(app, [*command, "-O", "compression=zstd"])
    assert result.exit_code == 0, result.output
    column = pq.ParquetFile(out / "genes.parquet").metadata.row_group(0).column(1)
    assert "BYTE_STREAM_SPLIT" in column.encodings and column.compression == "ZSTD"
    result = CliRunner().invoke(app, [*command, "-O", "split_lists=maybe"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: format 'parquet': split_lists='maybe' is not true or false"


LONGITUDINAL = """
patients: 120
genes: 10
proteins: 3
visits:
  count: 3
  days_between: 90
  jitter_days: 7
  noise: 0.4
  age: Age
  trends:
    - {group: Disease, gene_range: [0, 3], fold_change: [1.2, 1.5]}
  transitions:
    - {source: Control, target: Disease, share: 0.5, visit: 2}
demographic_effects:
  - {column: Age, genes: [5, 6], correlation: 0.4}
seed: 3
"""


def test_a_longitudinal_cohort_file_becomes_three_files_joined_by_patient_and_visit(tmp_path):
    spec = tmp_path / "cohort.yaml"
    spec.write_text(LONGITUDINAL)
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    tables = {
        name: pq.read_table(tmp_path / "out" / f"{name}.parquet")
        for name in ("demographics", "genes", "proteins")
    }
    assert {name: table.num_rows for name, table in tables.items()} == dict.fromkeys(tables, 360)
    keys = ["Patient_ID", "Visit_ID"]
    joined = tables["demographics"].join(tables["genes"], keys).join(tables["proteins"], keys)
    assert joined.num_rows == 360
    last = joined.to_pandas().query("Visit_ID == 2")
    assert (last["Transition_Visit"] == 2).sum() == 30  # half of the 60 controls, at visit 2
    assert "wrote 120 patients at 3 visits each x 10 genes" in result.output


def test_visits_from_the_command_line(tmp_path):
    spec = tmp_path / "cohort.json"
    spec.write_text('{"patients": 10, "genes": 3, "proteins": 1}')
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(out), "--visits", "3"])
    assert result.exit_code == 0, result.output
    genes = pq.read_table(out / "genes.parquet")
    assert genes.num_rows == 30 and genes.column_names[:2] == ["Patient_ID", "Visit_ID"]
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(out), "--visits", "0"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: cohort: visits: count=0 is not an integer in [1, 1000]"


def test_gen_serves_a_cohorts_table_from_a_schema_file(tmp_path):
    """``fastsynth gen`` on a schema with a ``cohort``: every row of the table without --rows (the
    file of ``fastsynth cohort`` for the same seed), and --rows past them refused in one line."""
    import yaml

    from fastsynth.clinical import Cohort, generate_cohort

    schema = tmp_path / "schema.yaml"
    cohort = yaml.safe_load(COHORT)
    schema.write_text(yaml.safe_dump({"seed": cohort.pop("seed"), "cohort": {"table": "proteins", **cohort}}))
    result = CliRunner().invoke(app, ["gen", str(schema), "-o", str(tmp_path / "proteins.parquet")])
    assert result.exit_code == 0, result.output
    made = pq.read_table(tmp_path / "proteins.parquet")
    expected = generate_cohort(Cohort.from_dict({**cohort, "seed": 7}))["proteins"]
    assert made.num_rows == 300 and made.cast(expected.schema).equals(expected)
    refused = CliRunner().invoke(app, ["gen", str(schema), "--rows", "301"])
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert "rows up to 301 requested but the cohort has 300 rows" in refused.output
