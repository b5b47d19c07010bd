"""Demographic effects: the named genes' and proteins' latent values correlate with a numeric demographic
column by the correlation asked (measured on 20,000 patients: Pearson within 0.03 on the log scale of
intensities and abundances, Spearman within 0.03 for counts), and nothing else moves."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import spearmanr

from fastsynth.clinical import Cohort, DemographicEffect, Modules, Tables, Visits, generate_cohort
from fastsynth.errors import SchemaError

PATIENTS = 20_000
TOLERANCE = 0.03


def values(table: pa.Table) -> np.ndarray:
    keys = [c for c in ("Patient_ID", "Visit_ID") if c in table.column_names]
    return table.drop_columns(keys).to_pandas().to_numpy()


def cohort(gene_type: str, **changes) -> Cohort:
    return Cohort(
        patients=PATIENTS,
        genes=30,
        proteins=10,
        gene_type=gene_type,
        modules=Modules(size=10),
        demographic_effects=(
            DemographicEffect(column="Age", gene_range=(0, 10), proteins=(2,), correlation=0.4),
            DemographicEffect(column="BMI", genes=(15,), correlation=-0.3),
        ),
        seed=3,
        **changes,
    )


@pytest.mark.parametrize("gene_type", ["microarray", "rna-seq"])
def test_named_features_correlate_with_their_column_and_nothing_else_moves(gene_type):
    linked = cohort(gene_type)
    made = generate_cohort(linked)
    plain = generate_cohort(dataclasses.replace(linked, demographic_effects=()))
    age, bmi = (np.asarray(made["demographics"][c], dtype=float) for c in ("Age", "BMI"))
    genes, plain_genes = values(made["genes"]), values(plain["genes"])
    if gene_type == "microarray":
        measured = [np.corrcoef(age, genes[:, j])[0, 1] for j in range(10)]
        other = np.corrcoef(bmi, genes[:, 15])[0, 1]
    else:
        measured = [spearmanr(age, genes[:, j])[0] for j in range(10)]
        other = spearmanr(bmi, genes[:, 15])[0]
    assert np.allclose(measured, 0.4, atol=TOLERANCE), measured
    assert other == pytest.approx(-0.3, abs=TOLERANCE)
    assert abs(np.corrcoef(age, genes[:, 20])[0, 1]) < TOLERANCE
    proteins = np.log(values(made["proteins"]))
    assert np.corrcoef(age, proteins[:, 2])[0, 1] == pytest.approx(0.4, abs=TOLERANCE)
    # Everything else is the cohort without the effects, bit for bit.
    untouched = [j for j in range(30) if j >= 10 and j != 15]
    assert np.array_equal(genes[:, untouched], plain_genes[:, untouched])
    assert np.array_equal(np.delete(proteins, 2, 1), np.delete(np.log(values(plain["proteins"])), 2, 1))
    assert made["demographics"].equals(plain["demographics"])
    # The named genes keep their distribution.
    assert np.allclose(genes[:, :10].mean(0), plain_genes[:, :10].mean(0), rtol=0.03)
    assert np.allclose(genes[:, :10].std(0), plain_genes[:, :10].std(0), rtol=0.03)


def test_the_correlation_holds_at_every_visit_and_any_block_gives_the_same_bytes():
    linked = cohort("microarray", visits=Visits(count=3, noise=0.6))
    made = generate_cohort(linked)
    age = np.asarray(made["demographics"]["Age"], dtype=float).reshape(PATIENTS, 3)[:, 0]
    genes = values(made["genes"]).reshape(PATIENTS, 3, 30)
    for visit in range(3):
        assert np.corrcoef(age, genes[:, visit, 0])[0, 1] == pytest.approx(0.4, abs=TOLERANCE), visit
    small = dataclasses.replace(linked, patients=500)
    whole = generate_cohort(small)["genes"]
    assert pa.Table.from_batches(list(Tables(small).batches("genes", 61))).equals(whole)


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        (
            [{"column": "Height", "genes": [0], "correlation": 0.3}],
            "demographic_effects[0].column='Height' is not",
        ),
        ([{"column": "Age", "genes": [0], "correlation": 1.5}], "correlation=1.5"),
        ([{"column": "Age", "gene_range": [0, 40], "correlation": 0.3}], "gene 30 is past"),
        ([{"column": "Age", "genes": [0]}], "correlation"),
        (
            [
                {"column": "Age", "genes": [3], "correlation": 0.3},
                {"column": "BMI", "genes": [3], "correlation": 0.2},
            ],
            "demographic_effects[1]: gene 3 is in demographic_effects[0] too",
        ),
    ],
)
def test_bad_demographic_effects_get_one_clear_message(effects, message):
    with pytest.raises(SchemaError, match=r"^cohort") as raised:
        Cohort.from_dict({"patients": 10, "genes": 30, "demographic_effects": effects})
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_column_that_is_not_a_number_is_refused_when_made():
    linked = Cohort(
        patients=10,
        genes=3,
        demographic_effects=(DemographicEffect(column="Sex", genes=(0,), correlation=0.3),),
    )
    with pytest.raises(SchemaError, match=r"demographic_effects column 'Sex' holds .*, not numbers; allowed"):
        generate_cohort(linked)
