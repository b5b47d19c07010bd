"""The seed's ClinicGenerator calls, through fastsynth.compat.calmops: the seed's tables and shapes,
its disease effects, and its group transitions moving exactly their share."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fastsynth.compat.calmops import ClinicGenerator
from fastsynth.errors import UsageError


def test_generate_returns_the_seeds_three_tables():
    tables = ClinicGenerator(seed=3).generate(
        n_samples=200, n_genes=40, n_proteins=6, control_disease_ratio=0.3
    )
    assert set(tables) == {"demographics", "genes", "proteins"}
    demographics, genes, proteins = tables["demographics"], tables["genes"], tables["proteins"]
    assert list(demographics.columns) == ["Age", "Sex", "BMI", "Group"]
    assert list(genes.columns) == [f"G_{i}" for i in range(40)] and genes.shape == (200, 40)
    assert list(proteins.columns) == [f"P_{i}" for i in range(6)]
    assert demographics.index.name == "Patient_ID" and demographics.index[0] == "PAT_0"
    assert (genes.index == demographics.index).all() and (proteins.index == demographics.index).all()
    assert demographics["Group"].value_counts().to_dict() == {"Disease": 140, "Control": 60}
    assert genes.dtypes.unique().tolist() == [np.dtype("int32")] and (genes.to_numpy() >= 0).all()
    assert (proteins.to_numpy() > 0).all()
    micro = ClinicGenerator(seed=3).generate(n_samples=50, n_genes=10, n_proteins=2, gene_type="Microarray")
    assert micro["genes"].dtypes.unique().tolist() == [np.dtype("float64")]


def test_a_seed_gives_the_same_tables():
    first = ClinicGenerator(seed=5).generate(n_samples=80, n_genes=20, n_proteins=3)
    again = ClinicGenerator(seed=5).generate(n_samples=80, n_genes=20, n_proteins=3)
    other = ClinicGenerator(seed=6).generate(n_samples=80, n_genes=20, n_proteins=3)
    assert all(first[k].equals(again[k]) for k in first)
    assert not first["genes"].equals(other["genes"])


def test_disease_effects_in_the_seeds_old_format():
    effect = [{"index": list(range(5)), "effect_type": "fold_change", "effect_value": [2.0, 3.0]}]
    plain = ClinicGenerator(seed=1).generate(n_samples=4000, n_genes=10, n_proteins=1)
    sick = ClinicGenerator(seed=1).generate(
        n_samples=4000, n_genes=10, n_proteins=1, disease_effects_config=effect
    )
    disease = sick["demographics"]["Group"] == "Disease"
    ratio = sick["genes"][disease].iloc[:, :5].mean() / plain["genes"][disease].iloc[:, :5].mean()
    assert ratio.between(1.8, 3.2).all()
    assert sick["genes"].iloc[:, 5:].equals(plain["genes"].iloc[:, 5:])
    assert sick["genes"][~disease].equals(plain["genes"][~disease])


def test_group_transitions_move_exactly_their_share_and_only_those_patients():
    generator = ClinicGenerator(seed=2)
    effect = [{"index": [0, 1, 2], "effect_value": 3.0}]
    tables = generator.generate(n_samples=1000, n_genes=12, n_proteins=2, disease_effects_config=effect)
    demographics, genes = generator.inject_drift_group_transition(
        tables["demographics"], tables["genes"], "control_to_disease", {"percentage": 0.2}, omics_type="genes"
    )
    moved = demographics["Transitioned"]
    assert moved.sum() == 100 and (demographics.loc[moved, "Group_Before"] == "Control").all()
    assert (demographics.loc[moved, "Group"] == "Disease").all()
    assert genes[~moved].equals(tables["genes"][~moved])
    assert not genes.loc[moved, ["G_0", "G_1", "G_2"]].equals(
        tables["genes"].loc[moved, ["G_0", "G_1", "G_2"]]
    )
    assert genes.loc[moved].iloc[:, 3:].equals(tables["genes"].loc[moved].iloc[:, 3:])
    both_ways, omics = generator.inject_drift_group_transition(
        tables["demographics"], tables["genes"], "bidirectional", {"random": 10}, omics_type="both"
    )
    assert both_ways["Transitioned"].sum() == 20 and set(omics) == {"genes", "proteins"}


def test_custom_demographic_columns_keep_the_seeds_distributions():
    import scipy.stats as st

    custom = {
        "Cholesterol": {"distribution": "norm", "loc": 200, "scale": 30},
        "Weight": {"distribution": "uniform", "loc": 50, "scale": 40},
        "Children": {"distribution": "randint", "low": 0, "high": 4},
        "Visits": {"distribution": "poisson", "mu": 3},
        "Alleles": {"distribution": "binom", "n": 2, "p": 0.3},
        "Dose": {"distribution": "truncnorm", "a": -1, "b": 2, "loc": 10, "scale": 2},
        "Score": st.gamma(2.0, scale=3.0),
    }
    demographics = ClinicGenerator(seed=2).generate(
        n_samples=40_000, n_genes=2, n_proteins=0, custom_demographic_columns=custom
    )["demographics"]
    assert list(demographics.columns) == ["Age", "Sex", "BMI", *custom, "Group"]
    expected = {
        "Cholesterol": st.norm(200, 30),
        "Weight": st.uniform(50, 40),
        "Children": st.randint(0, 4),
        "Visits": st.poisson(3),
        "Alleles": st.binom(2, 0.3),
        "Dose": st.truncnorm(-1, 2, loc=10, scale=2),
        "Score": st.gamma(2.0, scale=3.0),
    }
    for column, distribution in expected.items():
        values = demographics[column].to_numpy()
        assert values.mean() == pytest.approx(distribution.mean(), rel=0.01, abs=0.01), column
        assert values.std() == pytest.approx(distribution.std(), rel=0.02), column
    for column in ("Children", "Visits", "Alleles"):
        assert demographics[column].dtype == np.int64
        counts = demographics[column].value_counts(normalize=True)
        for value, share in counts.items():
            assert share == pytest.approx(expected[column].pmf(value), abs=0.01), (column, value)
    assert demographics["Dose"].between(8, 14).all()


def test_wide_and_far_tailed_distributions_and_the_seeds_propensity_column():
    import scipy.stats as st

    custom = {
        "Reads": {"distribution": "binom", "n": 2000, "p": 0.5},
        "Tail": {"distribution": "truncnorm", "a": 10, "b": 20},
        "Low": {"distribution": "truncnorm", "a": -20, "b": -10, "loc": 5},
        "Propensity": {"distribution": "norm", "loc": 3, "scale": 2},
    }
    demographics = ClinicGenerator(seed=2).generate(
        n_samples=20_000, n_genes=2, n_proteins=0, custom_demographic_columns=custom
    )["demographics"]
    assert list(demographics.columns) == ["Age", "Sex", "BMI", "Reads", "Tail", "Low", "Group"]
    assert demographics["Reads"].mean() == pytest.approx(1000, abs=1)
    assert demographics["Reads"].std() == pytest.approx(st.binom(2000, 0.5).std(), rel=0.03)
    assert demographics["Tail"].between(10, 20).all()
    assert demographics["Tail"].mean() == pytest.approx(st.truncnorm(10, 20).mean(), abs=0.01)
    assert (demographics["Low"] - 5).between(-20, -10).all()
    assert demographics["Low"].mean() == pytest.approx(5 + st.truncnorm(-20, -10).mean(), abs=0.01)


def test_demographic_correlations_in_the_seeds_order_with_the_propensity_giving_the_groups():
    # The seed's order: Age, Sex, Propensity, then the custom columns.
    matrix = np.eye(4)
    matrix[0, 2] = matrix[2, 0] = 0.5  # older patients are more often in Disease
    matrix[0, 3] = matrix[3, 0] = 0.6  # and have more cholesterol
    demographics = ClinicGenerator(seed=4).generate(
        n_samples=30_000,
        n_genes=2,
        n_proteins=0,
        control_disease_ratio=0.5,
        custom_demographic_columns={"Cholesterol": {"distribution": "norm", "loc": 200, "scale": 30}},
        demographic_correlations=matrix,
    )["demographics"]
    disease = demographics["Group"] == "Disease"
    assert disease.sum() == 15_000
    # Disease is the top half of the propensity: E[p | top half] = 2 * phi(0) = 0.798 standard deviations.
    gap = demographics["Age"][disease].mean() - demographics["Age"][~disease].mean()
    assert gap == pytest.approx(0.5 * 12 * 2 * 0.798, abs=0.4)
    assert np.corrcoef(demographics["Age"], demographics["Cholesterol"])[0, 1] == pytest.approx(0.6, abs=0.02)
    sexes = demographics["Sex"][disease].value_counts(normalize=True)
    assert sexes["Male"] == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: g.generate(n_samples=10, gene_type="RNA"), "gene_type='RNA' is not allowed"),
        (
            lambda g: g.generate(n_samples=10, demographic_correlations=np.eye(2)),
            "demographic_correlations is of shape (2, 2); allowed: a 3 x 3 correlation matrix, a row and "
            "column for each of Age, Sex, Propensity in that order",
        ),
        (
            lambda g: g.generate(n_samples=10, demographic_correlations=[[1, 2, 0], [2, 1, 0], [0, 0, 1]]),
            "demographic_correlations: matrix must be symmetric with ones on the diagonal",
        ),
        (
            lambda g: g.generate(n_samples=10, demographic_correlations="strong"),
            "demographic_correlations is not a matrix of numbers",
        ),
        (
            lambda g: g.generate(n_samples=10, custom_demographic_columns={"X": {"distribution": "cauchy"}}),
            "custom_demographic_columns['X']: distribution='cauchy' is not allowed; allowed: norm, uniform",
        ),
        (
            lambda g: g.generate(
                n_samples=10, custom_demographic_columns={"X": {"distribution": "norm", "mean": 3}}
            ),
            "custom_demographic_columns['X']: 'mean' is not a parameter of norm; allowed: loc, scale",
        ),
        (
            lambda g: g.generate(
                n_samples=10, custom_demographic_columns={"X": {"distribution": "binom", "n": 2.5, "p": 0.1}}
            ),
            "custom_demographic_columns['X']: binom needs a whole n in [0, 10000000] and p in [0, 1]",
        ),
        (
            lambda g: g.generate(
                n_samples=10,
                custom_demographic_columns={"X": {"distribution": "truncnorm", "a": 40, "b": 50}},
            ),
            "custom_demographic_columns['X']: truncnorm's [a, b] = [40.0, 50.0] holds no probability",
        ),
        (
            lambda g: g.generate(
                n_samples=10, custom_demographic_columns={"X": {"distribution": "binom", "n": 1e9, "p": 0.5}}
            ),
            "custom_demographic_columns['X']: binom needs a whole n in [0, 10000000]",
        ),
        (
            lambda g: g.generate(n_samples=10, custom_demographic_columns={"X": 3}),
            "custom_demographic_columns['X']=3 is not allowed; allowed: a scipy.stats distribution",
        ),
        (
            lambda g: g.generate(n_samples=10, control_disease_ratio=1.5),
            "control_disease_ratio=1.5 is outside",
        ),
        (lambda g: g.generate(n_samples=10, gene_correlations=[[1]]), "gene_correlations is not supported"),
        (
            lambda g: g.generate(n_samples=10, longitudinal_config={"n_visits": 2}),
            "longitudinal_config makes no visits here",
        ),
        (
            lambda g: g.generate(
                n_samples=10, disease_effects_config=[{"index": [0], "effect_type": "power_transform"}]
            ),
            "effect_type='power_transform' is not allowed",
        ),
        (lambda g: g.inject_drift_group_transition([], [], "control_to_disease", {}), "call generate first"),
    ],
)
def test_bad_calls_get_one_clear_message(call, message):
    with pytest.raises(UsageError, match=re.escape(message)) as raised:
        call(ClinicGenerator())
    assert "\n" not in str(raised.value)


def test_longitudinal_data_in_the_seeds_shape():
    generator = ClinicGenerator(seed=4)
    config = {"n_visits": 4, "time_step_days": 30, "evolution_config": {"features": ["BMI"], "trend": 0.1}}
    result = generator.generate_longitudinal_data(
        n_samples=50,
        longitudinal_config=config,
        n_genes=8,
        n_proteins=2,
        date_config={"start_date": "2024-01-01"},
    )
    assert set(result) == {"longitudinal", "base_demographics", "base_omics"}
    visits, base = result["longitudinal"], result["base_demographics"]
    assert list(visits.columns) == [
        "Age", "Sex", "BMI", "Group", "Patient_ID", "Visit_ID", "Days_Since_Start", "Visit_Date"
    ]  # fmt: skip
    assert len(visits) == 200 and visits["Visit_ID"].tolist()[:5] == [0, 1, 2, 3, 0]
    assert visits["Days_Since_Start"].tolist()[:4] == [0, 30, 60, 90]
    assert str(visits["Visit_Date"].iloc[3].date()) == "2024-03-31"
    first = visits[visits["Visit_ID"] == 0].set_index("Patient_ID")
    assert (first.index == base.index).all() and (first["Age"] == base["Age"]).all()
    bmi = visits["BMI"].to_numpy().reshape(50, 4)
    assert np.allclose(bmi, base["BMI"].to_numpy()[:, None] * 1.1 ** np.arange(4))  # noise 0: the trend alone
    assert result["base_omics"].shape == (50, 8) and (result["base_omics"].index == base.index).all()
    again = ClinicGenerator(seed=4).generate_longitudinal_data(50, config, n_genes=8, n_proteins=2)
    assert again["longitudinal"].equals(visits.drop(columns="Visit_Date"))


@pytest.mark.parametrize(
    ("config", "kwargs", "message"),
    [
        (
            {"n_visits": 0},
            {},
            "longitudinal_config: n_visits=0 is not allowed; allowed: an integer in [1, 1000]",
        ),
        ({"time_step_days": 1.5}, {}, "time_step_days=1.5 is not allowed"),
        ({"n_visits": 2, "dropout": 0.1}, {}, "longitudinal_config: dropout is not supported"),
        (
            {"evolution_config": {"features": ["G_0"], "trend": 0.1}},
            {},
            "features names 'G_0', not a numeric demographic column; allowed: Age, BMI",
        ),
        (
            {"evolution_config": {"features": ["BMI"], "trend": 50}},
            {},
            "evolution_config: trend=50 is not a number",
        ),
        (
            {"evolution_config": {"features": ["BMI"], "kind": "log"}},
            {},
            "evolution_config: kind is not supported",
        ),
        ({}, {"gene_correlations": [[1]]}, "gene_correlations is not supported"),
    ],
)
def test_bad_longitudinal_calls_get_one_clear_message(config, kwargs, message):
    with pytest.raises(UsageError) as raised:
        ClinicGenerator().generate_longitudinal_data(10, config, n_genes=3, n_proteins=1, **kwargs)
    assert message in str(raised.value) and "\n" not in str(raised.value)
