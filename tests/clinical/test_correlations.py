"""Correlations among a cohort's demographic columns, and between them and the groups (through the
latent propensity whose order is the groups')."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import norm

from fastsynth.clinical import Cohort, Tables, generate_cohort
from fastsynth.errors import SchemaError

DEMOGRAPHICS = {
    "Age": {"type": "float", "mean": 60, "std": 10},
    "BMI": {"type": "float", "mean": 27, "std": 4},
    "Smoker": {"type": "bool", "p": 0.3},
    "Site": {"type": "category", "categories": ["A", "B", "C"]},
}
MATRIX = [[1, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1]]


def cohort(**options: object) -> Cohort:
    document = {
        "patients": 40_000,
        "genes": 2,
        "proteins": 0,
        "groups": {"Control": 0.7, "Disease": 0.3},
        "demographics": DEMOGRAPHICS,
        "correlations": [{"columns": ["Group", "Age", "BMI"], "kind": "normal", "matrix": MATRIX}],
        "seed": 5,
        **options,
    }
    return Cohort.from_dict(document)


def test_columns_follow_the_groups_by_the_matrix_and_group_sizes_stay_exact():
    demographics = generate_cohort(cohort())["demographics"]
    disease = demographics["Group"].to_numpy(zero_copy_only=False) == "Disease"
    assert disease.sum() == 12_000
    age, bmi = demographics["Age"].to_numpy(), demographics["BMI"].to_numpy()
    # The propensity p is a standard normal and Disease its top 30%: E[p | Disease] = phi(c) / 0.3 and
    # E[p | Control] = -phi(c) / 0.7 with c = Phi**-1(0.7); a column moves by its loading times that.
    c = norm.ppf(0.7)
    gap = norm.pdf(c) / 0.3 + norm.pdf(c) / 0.7
    assert age[disease].mean() - age[~disease].mean() == pytest.approx(0.5 * 10 * gap, abs=0.25)
    assert bmi[disease].mean() - bmi[~disease].mean() == pytest.approx(0.3 * 4 * gap, abs=0.1)
    # Marginals are kept, and the columns correlate with each other as the matrix says.
    assert age.mean() == pytest.approx(60, abs=0.15) and age.std() == pytest.approx(10, abs=0.15)
    assert np.corrcoef(age, bmi)[0, 1] == pytest.approx(0.2, abs=0.02)
    # The latent propensity, recovered from the places, correlates with Age's latent by 0.5.
    tables = Tables(cohort())
    propensity = norm.ppf((tables.places(0, 40_000) + 0.5) / 40_000)
    assert np.corrcoef(propensity, (age - 60) / 10)[0, 1] == pytest.approx(0.5, abs=0.02)


def test_columns_outside_the_groups_correlation_and_other_groups_are_untouched():
    plain = generate_cohort(cohort(correlations=[]))["demographics"]
    linked = generate_cohort(cohort())["demographics"]
    for column in ("Patient_ID", "Smoker", "Site", "Group"):
        assert linked[column].equals(plain[column])
    assert not linked["Age"].equals(plain["Age"])


def test_categories_and_booleans_follow_the_groups_in_order():
    matrix = [[1, 0.6, 0.6], [0.6, 1, 0.36], [0.6, 0.36, 1]]
    made = cohort(correlations=[{"columns": ["Group", "Smoker", "Site"], "kind": "normal", "matrix": matrix}])
    demographics = generate_cohort(made)["demographics"]
    disease = demographics["Group"].to_numpy(zero_copy_only=False) == "Disease"
    smoker = demographics["Smoker"].to_numpy(zero_copy_only=False)
    site = demographics["Site"].to_numpy(zero_copy_only=False)
    assert smoker.mean() == pytest.approx(0.3, abs=0.01)
    assert smoker[disease].mean() > smoker[~disease].mean() + 0.2
    assert (site[disease] == "C").mean() > (site[~disease] == "C").mean() + 0.2


def test_plain_correlations_among_demographic_columns():
    matrix = [[1, -0.6], [-0.6, 1]]
    made = cohort(correlations=[{"columns": ["Age", "BMI"], "matrix": matrix}])
    demographics = generate_cohort(made)["demographics"]
    assert np.corrcoef(demographics["Age"].to_numpy(), demographics["BMI"].to_numpy())[0, 1] == pytest.approx(
        -0.6, abs=0.02
    )
    disease = demographics["Group"].to_numpy(zero_copy_only=False) == "Disease"
    assert demographics["Age"].to_numpy()[disease].mean() == pytest.approx(60, abs=0.3)


def test_any_blocks_and_visits_give_the_same_bytes():
    made = dataclasses.replace(cohort(), patients=5_000, visits={"count": 3, "age": "Age"})
    whole = generate_cohort(made)["demographics"]
    tables = Tables(made)
    parts = [tables.demographics(first, min(777, 5_000 - first)) for first in range(0, 5_000, 777)]
    assert pa.Table.from_batches(parts).equals(whole)
    first_visits = whole.filter(pa.compute.equal(whole["Visit_ID"], 0))
    baseline = generate_cohort(dataclasses.replace(made, visits=None))["demographics"]
    assert first_visits["Age"].equals(baseline["Age"])


def test_demographic_effects_standardise_a_column_that_follows_the_groups():
    made = cohort(demographic_effects=[{"column": "Age", "genes": [0], "correlation": 0.5}])
    mean, spread = Tables(made).standardisers["Age"]
    assert mean == pytest.approx(60, abs=0.2) and spread == pytest.approx(10, abs=0.2)
    # The same as without the groups' correlation: the column keeps its distribution, and a cohort
    # of one patient standardises it as well.
    assert Tables(cohort(correlations=[], demographic_effects=made.demographic_effects)).standardisers == {
        "Age": (mean, spread)
    }
    one = dataclasses.replace(made, patients=1)
    assert Tables(one).standardisers["Age"] == (mean, spread)


@pytest.mark.parametrize(
    ("correlations", "message"),
    [
        (
            [{"columns": ["Group", "Weight"], "kind": "normal", "matrix": [[1, 0.2], [0.2, 1]]}],
            "cohort: correlations[0]: 'Weight' is not a demographic column; allowed: Group, Age",
        ),
        (
            [{"columns": ["Group", "Age"], "matrix": [[1, 0.2], [0.2, 1]]}],
            "cohort: correlations[0]: kind='pearson' with Group; allowed: kind: normal",
        ),
        (
            [{"columns": ["Group", "Age"], "kind": "normal", "matrix": [[1, 1], [1, 1]]}],
            "cohort: correlations[0]: 'Age' correlates with Group by 1.0; allowed: -1 < correlation < 1",
        ),
        (
            [
                {
                    "columns": ["Group", "Age", "BMI"],
                    "kind": "normal",
                    "matrix": [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]],
                }
            ],
            "cohort: correlations[0]: the matrix is not positive definite",
        ),
        (
            [
                {"columns": ["Group", "Age"], "kind": "normal", "matrix": [[1, 0.2], [0.2, 1]]},
                {"columns": ["Group", "BMI"], "kind": "normal", "matrix": [[1, 0.2], [0.2, 1]]},
            ],
            "cohort: correlations[0] and [1] both name Group",
        ),
        (
            [
                {
                    "columns": ["Group", "Age", "Age"],
                    "kind": "normal",
                    "matrix": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
                }
            ],
            "cohort: correlations[0]: 'Age' is named twice; allowed: each column once",
        ),
        (
            [{"columns": ["Group"], "kind": "normal", "matrix": [[1]]}],
            "is not a list of at least two column names",
        ),
    ],
)
def test_bad_correlations_get_one_clear_message(correlations, message):
    with pytest.raises(SchemaError) as caught:
        cohort(correlations=correlations)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("demographics", "correlations", "message"),
    [
        (
            {**DEMOGRAPHICS, "Decade": {"type": "expr", "expr": "floor(Age / 10)"}},
            [{"columns": ["Group", "Age"], "kind": "normal", "matrix": [[1, 0.2], [0.2, 1]]}],
            "demographic column 'Decade' reads 'Age', which follows Group",
        ),
        (
            DEMOGRAPHICS,
            [
                {"columns": ["Group", "Age"], "kind": "normal", "matrix": [[1, 0.2], [0.2, 1]]},
                {"columns": ["Age", "BMI"], "matrix": [[1, 0.2], [0.2, 1]]},
            ],
            "'Age' is already in another correlation group",
        ),
        (
            {**DEMOGRAPHICS, "Code": {"type": "uuid"}},
            [{"columns": ["Group", "Code"], "kind": "normal", "matrix": [[1, 0.2], [0.2, 1]]}],
            "'Code' cannot be correlated",
        ),
    ],
)
def test_columns_that_cannot_follow_the_groups_are_refused_when_made(demographics, correlations, message):
    made = cohort(demographics=demographics, correlations=correlations)
    with pytest.raises(SchemaError) as caught:
        generate_cohort(made)
    assert message in str(caught.value)
