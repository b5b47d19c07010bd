"""Longitudinal cohorts: each patient has the visits and days asked for, visit 0 is the cohort without
visits byte for byte, trends move a group's means by their fold changes per visit, noise sets how much a
trajectory wanders, transitions at a visit move exactly their share from then on, and any block of
patients gives the same bytes, in tables that join completely on (Patient_ID, Visit_ID)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from fastsynth.clinical import (
    Cohort,
    Effect,
    Evolution,
    Modules,
    Tables,
    Transition,
    Trend,
    Visits,
    VisitTransition,
    generate_cohort,
    patients_per_batch,
    write_cohort,
)
from fastsynth.errors import SchemaError


def frame(table: pa.Table, visit: int | None = None) -> np.ndarray:
    """The values of an omics table (rows of one visit, or all), without its keys."""
    if visit is not None:
        table = table.filter(pc.equal(table["Visit_ID"], visit))
    keys = [c for c in ("Patient_ID", "Visit_ID") if c in table.column_names]
    return table.drop_columns(keys).to_pandas().to_numpy()


def test_every_patient_has_its_visits_on_the_days_asked_for():
    cohort = Cohort(patients=500, genes=6, proteins=2, visits=Visits(count=5, days_between=90, jitter_days=7))
    tables = generate_cohort(cohort)
    demographics = tables["demographics"]
    assert demographics.column_names[:3] == ["Patient_ID", "Visit_ID", "Days_Since_Start"]
    for name in ("demographics", "genes", "proteins"):
        table = tables[name]
        assert table.num_rows == 2500, name
        assert np.array_equal(np.asarray(table["Patient_ID"]), np.repeat(np.arange(500), 5)), name
        assert np.array_equal(np.asarray(table["Visit_ID"]), np.tile(np.arange(5), 500)), name
    days = np.asarray(demographics["Days_Since_Start"]).reshape(500, 5)
    assert (days[:, 0] == 0).all()
    shift = days[:, 1:] - 90 * np.arange(1, 5)
    assert shift.min() == -7 and shift.max() == 7  # every jitter reached, none past
    assert (np.diff(days, axis=1) > 0).all()
    # Demographics are the patient's at every visit.
    per_patient = demographics.to_pandas().groupby("Patient_ID")[["Age", "Sex", "BMI", "Group"]].nunique()
    assert (per_patient == 1).all().all()
    exact = generate_cohort(dataclasses.replace(cohort, visits=Visits(count=3, days_between=30)))
    assert np.asarray(exact["demographics"]["Days_Since_Start"]).tolist()[:6] == [0, 30, 60, 0, 30, 60]


@pytest.mark.parametrize("gene_type", ["rna-seq", "microarray"])
def test_visit_zero_is_the_cohort_without_visits(gene_type):
    """Modules, effects, a cohort transition and proteins following genes: the first visit's values are
    the plain cohort's, bit for bit."""
    plain = Cohort(
        patients=400,
        genes=30,
        proteins=40,
        gene_type=gene_type,
        modules=Modules(size=10),
        protein_gene_correlation=0.6,
        effects=(Effect(group="Disease", gene_range=(0, 5), proteins=(1,)),),
        transitions=(Transition(source="Control", target="Disease", share=0.1),),
        seed=11,
    )
    visits = Visits(
        count=3,
        noise=0.4,
        trends=(Trend(group="Disease", gene_range=(3, 9), proteins=(0,)),),
        transitions=(VisitTransition(source="Control", target="Disease", share=0.3, visit=1),),
    )
    before, after = generate_cohort(plain), generate_cohort(dataclasses.replace(plain, visits=visits))
    for name in ("genes", "proteins"):
        assert np.array_equal(frame(after[name], 0), frame(before[name])), name
        assert not np.array_equal(frame(after[name], 1), frame(before[name])), name
    first = after["demographics"].filter(pc.equal(after["demographics"]["Visit_ID"], 0))
    for column in ("Patient_ID", "Age", "Sex", "BMI", "Group", "Group_Before"):
        assert first[column].equals(before["demographics"][column]), column


@pytest.mark.parametrize("gene_type", ["rna-seq", "microarray"])
def test_trends_move_the_groups_means_by_their_fold_change_per_visit(gene_type):
    trend = Trend(group="Disease", gene_range=(0, 5), proteins=(1,), fold_change=(1.2, 1.4))
    cohort = Cohort(
        patients=20_000,
        genes=10,
        proteins=3,
        gene_type=gene_type,
        visits=Visits(count=4, noise=0.5, trends=(trend,)),
        seed=4,
    )
    tables = Tables(cohort)
    made = generate_cohort(cohort)
    disease = np.asarray(made["demographics"]["Group"].cast(pa.string())) == "Disease"
    genes = frame(made["genes"]).reshape(20_000, 4, 10)
    folds = tables.genes.trends[1]
    assert np.all((folds[:5] >= 1.2) & (folds[:5] <= 1.4)) and (folds[5:] == 1).all()
    assert (tables.genes.trends[0] == 1).all()  # controls have no trend
    for visit in (1, 3):
        sick, well = genes[disease[::4], visit], genes[~disease[::4], visit]
        base_sick, base_well = genes[disease[::4], 0], genes[~disease[::4], 0]
        if gene_type == "rna-seq":
            assert np.allclose(sick.mean(0) / base_sick.mean(0), folds**visit, rtol=0.05)
            assert np.allclose(well.mean(0) / base_well.mean(0), 1, rtol=0.04)
        else:  # log2 intensities: the log2 of the fold change per visit is added
            assert np.allclose(sick.mean(0) - base_sick.mean(0), visit * np.log2(folds), atol=0.05)
            assert np.allclose(well.mean(0) - base_well.mean(0), 0, atol=0.05)
    proteins = frame(made["proteins"]).reshape(20_000, 4, 3)
    ratio = proteins[disease[::4], 3].mean(0) / proteins[disease[::4], 0].mean(0)
    assert np.allclose(ratio, tables.proteins.trends[1] ** 3, rtol=0.05) and ratio[1] > 1.7


def test_noise_sets_how_far_a_trajectory_wanders():
    cohort = Cohort(
        patients=20_000,
        genes=20,
        proteins=0,
        gene_type="microarray",
        modules=Modules(size=10, correlation=(0.5, 0.5)),
        visits=Visits(count=3, noise=0.5),
        seed=5,
    )
    values = frame(generate_cohort(cohort)["genes"]).reshape(20_000, 3, 20)
    latent = (values - values.mean(0)) / values.std(0)
    step = np.mean([np.corrcoef(latent[:, 0, g], latent[:, 1, g])[0, 1] for g in range(20)])
    two = np.mean([np.corrcoef(latent[:, 0, g], latent[:, 2, g])[0, 1] for g in range(20)])
    assert step == pytest.approx(np.sqrt(0.75), abs=0.01) and two == pytest.approx(0.75, abs=0.01)
    # Each visit keeps the feature's spread and the module's correlation.
    assert np.allclose(values.std(0)[2], values.std(0)[0], rtol=0.03)
    assert np.corrcoef(values[:, 2, 0], values[:, 2, 1])[0, 1] == pytest.approx(0.5, abs=0.03)
    still = dataclasses.replace(cohort, patients=100, visits=Visits(count=3, noise=0.0))
    repeated = frame(generate_cohort(still)["genes"]).reshape(100, 3, 20)
    assert np.array_equal(repeated[:, 0], repeated[:, 2])


def test_transitions_at_a_visit_move_exactly_their_share_from_then_on():
    effect = Effect(group="Disease", gene_range=(0, 5), fold_change=(3, 3))
    moving = VisitTransition(source="Control", target="Disease", share=0.25, visit=2)
    base = Cohort(patients=2001, genes=12, proteins=2, effects=(effect,), visits=Visits(count=4), seed=6)
    cohort = dataclasses.replace(base, visits=Visits(count=4, transitions=(moving,)))
    made, plain = generate_cohort(cohort), generate_cohort(base)
    demographics = made["demographics"].to_pandas()
    first = demographics[demographics.Visit_ID == 0]
    controls = int((first.Group == "Control").sum())
    moved = round(0.25 * controls)
    for visit in range(4):
        rows = demographics[demographics.Visit_ID == visit]
        expected = controls - (moved if visit >= 2 else 0)
        assert (rows.Group == "Control").sum() == expected, visit
        assert rows.Transitioned.sum() == (moved if visit >= 2 else 0)
    truth = first.Transition_Visit.notna().to_numpy()
    assert truth.sum() == moved and set(first.Transition_Visit.dropna()) == {2}
    assert set(first.Group_Before[truth]) == {"Control"}
    genes, genes_plain = frame(made["genes"]).reshape(2001, 4, 12), frame(plain["genes"]).reshape(2001, 4, 12)
    assert np.array_equal(genes[:, :2], genes_plain[:, :2])  # nobody changes before the visit
    assert np.array_equal(genes[~truth], genes_plain[~truth])  # nor does anyone who stays
    assert np.array_equal(genes[truth][:, 2:, 5:], genes_plain[truth][:, 2:, 5:])  # effects only
    ratio = genes[truth][:, 2:, :5].mean() / genes_plain[truth][:, 2:, :5].mean()
    assert ratio == pytest.approx(3, rel=0.1)


@pytest.mark.slow
def test_any_block_of_patients_gives_the_same_bytes_and_the_tables_join(tmp_path):
    cohort = Cohort(
        patients=300,
        genes=15,
        proteins=4,
        modules=Modules(size=5),
        visits=Visits(
            count=3,
            jitter_days=3,
            trends=(Trend(group="Disease", genes=(1, 2)),),
            transitions=(VisitTransition(source="Disease", target="Control", share=0.2, visit=1),),
            age="Age",
            evolve={"BMI": Evolution(trend=0.01, noise=1.0)},
        ),
        seed=7,
    )
    whole = generate_cohort(cohort)
    tables = Tables(cohort)
    for name in ("demographics", "genes", "proteins"):
        for batch in (1, 37):
            pieces = pa.Table.from_batches(list(tables.batches(name, batch)))  # type: ignore[arg-type]
            assert pieces.equals(whole[name]), (name, batch)
    written = write_cohort(cohort, tmp_path / "cohort")
    keys = ["Patient_ID", "Visit_ID"]
    demographics = pq.read_table(written["demographics"])
    joined = demographics.join(pq.read_table(written["genes"]), keys).join(
        pq.read_table(written["proteins"]), keys
    )
    assert joined.num_rows == 900 and joined.num_columns == demographics.num_columns + 15 + 4
    for layout, width in (("long", 15), ("matrix", 1)):
        other = generate_cohort(cohort, layout)["genes"]
        assert other.column_names[:2] == keys and other.num_rows == 900 * width
    long = generate_cohort(cohort, "long")["genes"]
    assert np.array_equal(np.asarray(long["Value"]).reshape(900, 15), frame(whole["genes"]))


def test_age_grows_with_the_days_and_evolving_columns_follow_the_seeds_rule():
    cohort = Cohort(
        patients=50,
        genes=1,
        proteins=0,
        visits=Visits(
            count=4, days_between=365, jitter_days=20, age="Age", evolve={"BMI": Evolution(trend=0.1)}
        ),
    )
    demographics = generate_cohort(cohort)["demographics"].to_pandas()
    plain = generate_cohort(dataclasses.replace(cohort, visits=None))["demographics"].to_pandas()
    age = demographics.Age.to_numpy().reshape(50, 4)
    days = demographics.Days_Since_Start.to_numpy().reshape(50, 4)
    assert np.allclose(age, plain.Age.to_numpy()[:, None] + days / 365.25)
    assert (age[:, 3] - age[:, 0] > 2.8).all()
    bmi = demographics.BMI.to_numpy().reshape(50, 4)
    assert np.allclose(bmi, plain.BMI.to_numpy()[:, None] * 1.1 ** np.arange(4))
    noisy = dataclasses.replace(
        cohort, patients=5000, visits=Visits(count=2, evolve={"BMI": Evolution(trend=0.1, noise=0.5)})
    )
    steps = generate_cohort(noisy)["demographics"].to_pandas().BMI.to_numpy().reshape(5000, 2)
    change = steps[:, 1] / steps[:, 0] - 1  # trend * (1 + noise * e): mean 0.1, spread 0.05
    assert change.mean() == pytest.approx(0.1, abs=0.003) and change.std() == pytest.approx(0.05, rel=0.05)


def test_blocks_of_patients_shrink_with_their_visits():
    plain = Cohort(patients=10**6, genes=20_000, proteins=0)
    visits = dataclasses.replace(plain, visits=Visits(count=8))
    assert patients_per_batch(visits) == patients_per_batch(plain) // 8


@pytest.mark.parametrize(
    ("visits", "message"),
    [
        ({"count": 0}, "visits: count=0 is not an integer in [1, 1000]"),
        ({"count": 3, "noise": 1.5}, "noise=1.5"),
        ({"count": 3, "days_between": 10, "jitter_days": 5}, "visits.jitter_days=5 is too large"),
        (
            {
                "count": 3,
                "transitions": [{"source": "Control", "target": "Disease", "share": 0.1, "visit": 3}],
            },
            "visits.transitions[0].visit=3 is past the last visit; allowed: 1 to 2",
        ),
        (
            {"count": 3, "transitions": [{"source": "Sick", "target": "Disease", "share": 0.1, "visit": 1}]},
            "visits.transitions[0].source='Sick' is not a group",
        ),
        (
            {
                "count": 3,
                "transitions": [{"source": "Control", "target": "Disease", "share": 0.6, "visit": 1}],
            },
            "visits.transitions[0]: the transitions from 'Control' move shares summing to 1.1",
        ),
        (
            {"count": 3, "trends": [{"group": "Sick", "genes": [0]}]},
            "visits.trends[0].group='Sick' is not a group",
        ),
        ({"count": 3, "trends": [{"group": "Disease", "gene_range": [0, 30]}]}, "gene 20 is past"),
        ({"count": 3, "trends": [{"group": "Disease", "fold_change": [2, 1]}]}, "fold_change=[2.0, 1.0]"),
        ({"count": 3, "age": "Height"}, "visits.age='Height' is not a demographic column; allowed: Age, Sex"),
        ({"count": 3, "evolve": {"Weight": {"trend": 0.1}}}, "visits.evolve names 'Weight'"),
        ({"count": 3, "evolve": {"BMI": {"trend": 0.1, "speed": 1}}}, "speed"),
        ({"count": 3, "colour": 1}, "colour"),
    ],
)
def test_bad_visits_get_one_clear_message(visits, message):
    document = {
        "patients": 10,
        "genes": 20,
        "transitions": [{"source": "Control", "target": "Disease", "share": 0.5}],
        "visits": visits,
    }
    with pytest.raises(SchemaError, match=r"^cohort") as raised:
        Cohort.from_dict(document)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_an_age_of_text_is_refused_before_the_folder_is_made(tmp_path):
    cohort = Cohort.from_dict({"patients": 10, "genes": 5, "visits": {"count": 2, "age": "Sex"}})
    with pytest.raises(SchemaError) as raised:
        write_cohort(cohort, tmp_path / "out")
    assert str(raised.value).startswith("cohort: visits.age='Sex' is a column of dictionary<values=string")
    assert str(raised.value).endswith("allowed: a column of numbers") and not (tmp_path / "out").exists()


def test_too_many_trend_tables_are_refused_before_anything_is_made():
    with pytest.raises(SchemaError, match=r"visits.trends need 1998000 count tables.*at most 300000"):
        Cohort(
            patients=10,
            genes=2000,
            visits=Visits(count=1000, trends=(Trend(group="Disease", gene_range=(0, 2000)),)),
        )
    # Microarray trends need no tables.
    Cohort(
        patients=10,
        genes=2000,
        gene_type="microarray",
        visits=Visits(count=1000, trends=(Trend(group="Disease", gene_range=(0, 2000)),)),
    )


def test_non_numeric_evolving_columns_are_refused_when_made():
    cohort = Cohort(
        patients=5, genes=1, proteins=0, visits=Visits(count=2, evolve={"Sex": Evolution(trend=0.1)})
    )
    with pytest.raises(SchemaError, match=r"visits.evolve names 'Sex', which holds dictionary.*not numbers"):
        generate_cohort(cohort)


def test_the_readmes_cohort_file_is_a_valid_cohort():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    (document,) = [b for b in blocks if re.search(r"^visits:", b, flags=re.MULTILINE)]  # not max_visits:
    cohort = Cohort.from_dict(yaml.safe_load(document))
    assert cohort.visits is not None and cohort.visits.count == 4 and len(cohort.demographic_effects) == 2
    small = dataclasses.replace(cohort, patients=40, genes=200, proteins=10)
    assert generate_cohort(small)["genes"].num_rows == 160


def test_visits_without_trends_cost_no_parameters_of_their_own():
    plain = Tables(Cohort(patients=10, genes=500, proteins=5, visits=Visits(count=1000)))
    assert plain.genes.table_of.shape == (2, 500) and plain.proteins.locs.shape == (2, 5)
    trend = Trend(group="Disease", genes=(0,), proteins=(0,))
    trending = Tables(Cohort(patients=10, genes=500, proteins=5, visits=Visits(count=4, trends=(trend,))))
    assert trending.genes.table_of.shape == (2 + 3, 500)
    assert trending.genes.rows is not None and trending.genes.rows.tolist() == [0, 1, 0, 2, 0, 3, 0, 4]
    with pytest.raises(SchemaError, match=r"visits.trends need 39960000 per-visit parameters"):
        Cohort(
            patients=10, genes=40_000, proteins=0, visits=Visits(count=1000, trends=(Trend(group="Disease"),))
        )
    with pytest.raises(
        SchemaError, match=r"protein 0 is past the cohort's 0 proteins; allowed: none \(the cohort"
    ):
        Cohort(patients=10, genes=4, proteins=0, visits=Visits(count=2, trends=(trend,)))


def test_thread_count_does_not_change_a_longitudinal_cohort(threads):
    cohort = Cohort(
        patients=700,
        genes=40,
        proteins=6,
        protein_gene_correlation=0.5,
        visits=Visits(count=3, jitter_days=5, trends=(Trend(group="Disease", genes=(0, 1)),)),
        seed=12,
    )
    threads(1)
    one = generate_cohort(cohort)
    threads(2)
    two = generate_cohort(cohort)
    assert all(one[name].equals(two[name]) for name in one)
