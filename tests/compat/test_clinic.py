"""The seed's ClinicGenerator calls, through fastsynth.compat.calmops: the seed's tables and shapes,
its disease effects, and its group transitions moving exactly their share."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: g.generate(n_samples=10, gene_type="RNA"), "gene_type='RNA' is not allowed"),
        (
            lambda g: g.generate(n_samples=10, control_disease_ratio=1.5),
            "control_disease_ratio=1.5 is outside",
        ),
        (lambda g: g.generate(n_samples=10, gene_correlations=[[1]]), "gene_correlations is not supported"),
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
    with pytest.raises(UsageError, match=message.replace("(", r"\(")) as raised:
        call(ClinicGenerator())
    assert "\n" not in str(raised.value)
