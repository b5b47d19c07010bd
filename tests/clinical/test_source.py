"""A cohort's table as a schema's rows (``cohort:``): the same bytes as ``generate_cohort`` and
``Tables`` whatever the batches and offsets, the row count, a server's limits, and the round trip."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.clinical import Cohort, Tables, generate_cohort
from fastsynth.errors import SchemaError
from fastsynth.schema import Schema
from fastsynth.schema.limits import Limits

COHORT = {
    "patients": 23,
    "genes": 9,
    "proteins": 4,
    "effects": [{"group": "Disease", "genes": [0, 3], "proteins": [1]}],
    "transitions": [{"source": "Control", "target": "Disease", "share": 0.25}],
}
VISITS = {
    **COHORT,
    "gene_type": "microarray",
    "visits": {"count": 3, "trends": [{"group": "Disease", "genes": [2]}], "age": "Age"},
    "demographic_effects": [{"column": "BMI", "genes": [1], "correlation": 0.5}],
}


def schema(cohort: dict, table: str, **top: object) -> dict:
    return {**top, "cohort": {"table": table, **cohort}}


def same(made: pa.Table, expected: pa.Table) -> None:
    """Equal names, types and values (a schema's columns say whether they can be null; the cohort's
    tables do not, so the Arrow schemas' flags differ)."""
    assert made.column_names == expected.column_names
    for name in expected.column_names:
        assert made.column(name).combine_chunks().equals(expected.column(name).combine_chunks()), name


@pytest.mark.parametrize("cohort", [COHORT, VISITS], ids=["patients", "visits"])
@pytest.mark.parametrize("table", ["demographics", "genes", "proteins"])
def test_rows_are_the_tables_of_generate_cohort_in_any_split(cohort, table):
    rows = Schema.from_dict(schema(cohort, table, seed=11))
    whole = fastsynth.generate(rows, rows.capacity(), batch_size=5)
    expected = generate_cohort(Cohort.from_dict({**cohort, "seed": 11}))[table]
    same(whole, expected)
    # Offsets cutting a patient's visits, and other batch sizes: the same bytes.
    assert fastsynth.generate(rows, 15, batch_size=4, start=7).equals(whole.slice(7, 15))
    assert fastsynth.generate(rows, rows.capacity(), batch_size=1000).equals(whole)
    # Against the tables made a block of patients at a time, directly.
    block = Tables(Cohort.from_dict({**cohort, "seed": 11})).batches(table, 6)  # type: ignore[arg-type]
    same(whole, pa.Table.from_batches(list(block)))


def test_the_run_seed_decides_and_a_cohort_seed_is_refused():
    rows = Schema.from_dict(schema(COHORT, "genes", seed=3))
    same(
        fastsynth.generate(rows, 23, seed=4),
        generate_cohort(Cohort.from_dict({**COHORT, "seed": 4}))["genes"],
    )
    assert not fastsynth.generate(rows, 23).equals(fastsynth.generate(rows, 23, seed=4))
    with pytest.raises(
        SchemaError, match=r"schema: cohort: seed=5 is not allowed here; allowed: the schema's"
    ):
        Schema.from_dict(schema({**COHORT, "seed": 5}, "genes"))


def test_rows_are_the_patients_and_visits_and_no_more():
    rows = Schema.from_dict(schema(VISITS, "demographics"))
    assert rows.capacity() == 69
    assert fastsynth.generate(rows, 10).num_rows == 10
    with pytest.raises(SchemaError) as refused:
        fastsynth.generate(rows, 5, start=66)
    assert str(refused.value) == (
        "field 'Patient_ID': rows up to 71 requested but the cohort has 69 rows (its patients, times "
        "their visits); allowed: at most 69 rows (or more cohort.patients)"
    )


def test_fields_follow_the_cohorts_columns_and_the_schema_round_trips(tmp_path):
    document = schema(
        VISITS, "genes", seed=2, fields={"batch": {"type": "category", "categories": ["a", "b"]}}
    )
    rows = Schema.from_dict(document)
    assert rows.names[:3] == ["Patient_ID", "Visit_ID", "G_0"] and rows.names[-1] == "batch"
    assert Schema.from_dict(rows.to_dict()) == rows
    for suffix in (".yaml", ".json"):
        loaded = Schema.load(rows.save(tmp_path / f"cohort{suffix}"))
        assert loaded == rows
        assert fastsynth.generate(loaded, 30).equals(fastsynth.generate(rows, 30))
    matrix = Schema.from_dict(schema({**COHORT, "layout": "matrix"}, "proteins"))
    assert matrix.names == ["Patient_ID", "abundance"]
    assert Schema.from_dict(matrix.to_dict()) == matrix


@pytest.mark.parametrize(
    ("cohort", "message"),
    [
        (
            {"patients": 5, "genes": 1001},
            "schema: cohort: genes=1001 is over the limit; allowed: at most 1000 (max_fields)",
        ),
        (
            {"patients": 5, "genes": 1000},
            "schema: cohort: genes=1000 makes 1001 columns with its keys, over the limit; allowed: at most "
            "999 genes in the wide layout (max_fields), or layout: matrix",
        ),
        (
            {"patients": 5, "proteins": 5000},
            "schema: cohort: proteins=5000 is over the limit; allowed: at most 1000 (max_fields)",
        ),
        (
            {"patients": 5, "visits": {"count": 101}},
            "schema: cohort: visits: count=101 is over the limit; allowed: at most 100 (max_visits)",
        ),
        (
            {
                "patients": 5,
                "demographics": {"name": {"type": "faker", "provider": "name", "pool_size": 10**6}},
            },
            "pool_size=1000000 is over the limit; allowed: at most 100000 (max_pool)",
        ),
        (
            {
                "patients": 5,
                "genes": 1000,
                "groups": {f"g{k}": 0.01 for k in range(100)},
                "effects": [{"group": f"g{k}", "gene_range": [0, 1000]} for k in range(100)],
            },
            "schema: cohort: its count tables, effects and trends need about 37 s to draw their parameters "
            "(100,000 count tables for effects and trends",
        ),
        (
            {
                "patients": 5,
                "genes": 200,
                "counts": {"log_mean": 13.8, "log_mean_sd": 0, "dispersion": [5, 5]},
            },
            "(0 count tables for effects and trends, 0 per-visit values, about 2.09e+10 counts walked by the "
            "tables), over the limit; allowed: at most 5 s (max_build_seconds): smaller means or dispersions",
        ),
        (
            {
                "patients": 5,
                "genes": 1000,
                "visits": {"count": 100, "trends": [{"group": "Disease", "gene_range": [0, 1000]}]},
            },
            "(99,000 count tables for effects and trends, 103,950 per-visit values, about 2.18e+12 counts",
        ),
    ],
)
def test_a_servers_limits_cap_the_cohort_before_anything_is_made(cohort, message):
    with pytest.raises(SchemaError, match=re.escape(message)):
        Schema.from_dict(schema(cohort, "genes"), limits=Limits())
    Schema.from_dict(schema({"patients": 10**9, "genes": 1000}, "demographics"), limits=Limits())


@pytest.mark.parametrize(
    ("cohort", "message"),
    [
        ({"patients": 5}, "schema: cohort: needs key 'table'; allowed: demographics, genes, proteins"),
        (
            {"table": "visits", "patients": 5},
            "schema: cohort: table='visits' is not allowed; allowed: demographics",
        ),
        (
            {"table": "genes", "layout": "long", "patients": 5},
            "schema: cohort: layout='long' is not allowed; allowed: wide, matrix",
        ),
        (
            {"table": "genes", "patients": 0},
            "schema: cohort: patients=0 is not an integer in [1, 1000000000]",
        ),
    ],
)
def test_bad_cohorts_name_the_key(cohort, message):
    with pytest.raises(SchemaError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Schema.from_dict({"cohort": cohort})


def test_the_schema_layer_finds_cohort_rows_by_name():
    """``fastsynth.clinical`` sits above the schema layer: the schema names it in its registry of row
    sources (a built-in entry point, found without reinstalling the package)."""
    from fastsynth.clinical.source import CohortRows
    from fastsynth.fields.generated import SOURCES

    assert "cohort" in SOURCES.names() and SOURCES.get("cohort") is CohortRows
    with pytest.raises(SchemaError, match="unknown row source 'cohorts'; allowed: cohort"):
        SOURCES.get("cohorts")


def test_count_tables_end_and_fold_changes_stop_at_the_largest_mean():
    from fastsynth.clinical.cohort import MAX_MEAN
    from fastsynth.kernels import omics

    # The walk once waited for a probability to reach zero: the smallest subnormal times a ratio over
    # one half stays itself, and this table never ended.
    counts, _ = omics.nb_tables(np.array([1e6]), np.array([1e-6]))
    assert 990_000 < counts[0, 0] < counts[0, -1] < 1_011_000
    cohort = Cohort.from_dict(
        {
            "patients": 4,
            "genes": 2,
            "proteins": 0,
            "counts": {"log_mean": 13.8, "log_mean_sd": 0, "dispersion": [1e-3, 1e-3]},
            "effects": [{"group": "Disease", "genes": [0], "fold_change": [1e6, 1e6]}],
        }
    )
    genes = generate_cohort(cohort)["genes"]
    values = genes["G_0"].to_numpy()
    assert values.min() >= 0 and values.max() < 2 * MAX_MEAN
