"""Clinical cohorts: the omics' distributions are what the cohort asks for, effects touch only what they
name, transitions move exactly their share and nothing else, and any block of patients gives the same
bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from math import erfc

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import fastsynth.clinical
from fastsynth.clinical import (
    Cohort,
    Effect,
    Modules,
    Tables,
    Transition,
    Trend,
    Visits,
    generate_cohort,
    write_cohort,
)
from fastsynth.errors import SchemaError, SinkError, UsageError
from fastsynth.kernels import omics
from fastsynth.sinks.binary import MAX_THREADS
from fastsynth.sinks.parquet_join import JoinedWriter


def implied_moments(counts: np.ndarray, edges: np.ndarray) -> tuple[float, float, float]:
    """The mean, variance and total probability of the counts a table gives a standard normal latent
    value: exactly, knot interval by knot interval (the kernel's own mapping, integrated)."""

    def phi(z: np.ndarray | float) -> np.ndarray:
        return 0.5 * np.vectorize(erfc)(-np.asarray(z, dtype=float) / np.sqrt(2.0))

    knots = -omics.SPREAD + np.arange(len(counts)) * (2.0 * omics.SPREAD / (len(counts) - 1))
    values, weights = [counts[0], counts[-1]], [phi(knots[0]), 1.0 - phi(knots[-1])]
    for k in range(1, len(counts)):
        low, span, a, b = int(counts[k - 1]), int(counts[k] - counts[k - 1]), edges[k - 1], edges[k]
        # Up to knot k - 1's edge, its count; past it, the straight line to knot k's edge.
        values.append(low)
        weights.append(phi(min(a, knots[k])) - phi(knots[k - 1]))
        if span and a < knots[k]:
            cuts = np.minimum(a + (b - a) * np.arange(span + 1) / span, knots[k])
            values += list(range(low + 1, low + span + 1))
            weights += list(np.diff(phi(cuts)))
    v, w = np.asarray(values, float), np.asarray(weights)
    mean = float((v * w).sum())
    return mean, float(((v - mean) ** 2 * w).sum()), float(w.sum())


@pytest.mark.parametrize(
    ("mean", "dispersion"),
    [
        (80, 1.0),
        (5000, 1.0),
        (80, 0.1),
        (80, 5.0),
        (3, 0.5),
        (1, 1e-6),
        (1000, 1e-6),
        (2000, 1e-3),
        (2e5, 0.01),
    ],
)
def test_count_tables_hold_the_negative_binomials_moments(mean, dispersion):
    """Large means with small dispersions too, where P(0) underflows to zero."""
    counts, edges = omics.nb_tables(np.array([float(mean)]), np.array([dispersion]))
    got_mean, got_variance, total = implied_moments(counts[0], edges[0])
    assert total == pytest.approx(1.0, abs=1e-9)
    assert got_mean == pytest.approx(mean, rel=5e-4)
    assert got_variance == pytest.approx(mean + dispersion * mean**2, rel=5e-4)
    assert len(set(counts[0].tolist())) > 1


@pytest.mark.slow
def test_a_tables_counts_rise_with_the_latent_value_and_stay_inside_it():
    counts, edges = omics.nb_tables(np.array([3.0, 402.0, 1e6]), np.array([0.5, 0.96, 5.0]))
    grid = np.concatenate(
        [np.linspace(-8, 8, 20_001), -omics.SPREAD + np.arange(256) * (2 * omics.SPREAD / 255)]
    )
    grid.sort()
    flat = counts.ravel(), edges.ravel()
    for t in range(3):
        start = np.uint64(t * omics.KNOTS)
        got = np.array([omics._quantile(x, start, *flat) for x in grid])
        assert (np.diff(got) >= 0).all()
        assert got[0] == counts[t, 0] and got[-1] == counts[t, -1]
        for x in (np.nan, -np.inf, np.inf, -1e308, 1e308):
            assert counts[t, 0] <= omics._quantile(x, start, *flat) <= counts[t, -1]


def naive_count(x: float, counts: np.ndarray, edges: np.ndarray) -> int:
    """``omics._quantile``'s mapping written out on one table's two rows, in Python."""
    place = (x + omics.SPREAD) * ((omics.KNOTS - 1) / (2.0 * omics.SPREAD))
    if not place > 0.0:
        return int(counts[0])
    if place >= omics.KNOTS - 1:
        return int(counts[-1])
    i = int(place) + 1
    low, span = int(counts[i - 1]), float(counts[i] - counts[i - 1])
    width = edges[i] - edges[i - 1] if edges[i] > edges[i - 1] else 1.0
    return low + int(np.ceil(min(max((x - edges[i - 1]) / width * span, 0.0), span)))


def test_each_group_draws_from_its_own_table():
    """Three groups whose tables are spread over five (``table_of``), patients of every group in the
    block: the kernels' counts are the mapping of each latent value through its group's table."""
    counts, edges = omics.nb_tables(
        np.array([3.0, 40.0, 900.0, 7.5, 2e4]), np.array([0.5, 1.0, 0.2, 3.0, 0.05])
    )
    genes, patients = 7, 60
    table_of = np.array([[0, 1, 2, 3, 4, 0, 1], [4, 3, 2, 1, 0, 4, 3], [2, 2, 0, 4, 1, 3, 0]])
    groups = np.random.default_rng(2).integers(0, 3, patients)
    modules, rhos, key = np.array([0, 0, 1, 1, 1, 2, 2]), np.array([0.0, 0.5, 0.9]), np.uint64(99)
    out = np.empty((patients, genes), np.int32)
    omics.fill_counts(out, 40, key, modules, rhos, groups, table_of, counts, edges)
    latents = np.empty((patients, genes))
    flat = np.zeros((1, genes))
    omics.fill_intensities(
        latents, 40, key, modules, rhos, np.zeros(patients, np.int64), flat, np.ones(genes), False,
        np.zeros((0, 0)), 0.0, genes,
    )  # fmt: skip
    expected = [
        [naive_count(latents[r, g], counts[table_of[groups[r], g]], edges[table_of[groups[r], g]])
         for g in range(genes)]
        for r in range(patients)
    ]  # fmt: skip
    assert np.array_equal(out, expected)
    again = np.empty_like(out)
    omics.counts_of(again, latents, groups, table_of, counts, edges)
    assert np.array_equal(again, out)


def test_counts_follow_each_genes_negative_binomial():
    tables = Tables(Cohort(patients=20_000, genes=40, proteins=0, seed=3))
    counts = tables.matrix("genes", 0, 20_000)
    assert counts.dtype == np.int32 and counts.min() >= 0
    features = tables.genes
    means = features.means
    variances = means + features.dispersions * means**2
    assert np.allclose(counts.mean(0), means, rtol=4 * np.sqrt(variances / 20_000) / means + 1e-9)
    assert np.allclose(counts.var(0), variances, rtol=0.12)


def test_microarray_and_protein_moments():
    cohort = Cohort(patients=20_000, genes=30, proteins=30, gene_type="microarray", seed=4)
    tables = Tables(cohort)
    genes = tables.matrix("genes", 0, 20_000)
    assert genes.dtype == np.float64
    features = tables.genes
    assert np.allclose(genes.mean(0), features.locs[0], atol=4 * features.scales / np.sqrt(20_000))
    assert np.allclose(genes.std(0), features.scales, rtol=0.03)
    proteins = tables.matrix("proteins", 0, 20_000)
    assert proteins.min() > 0
    logs = np.log(proteins)
    assert np.allclose(logs.mean(0), tables.proteins.locs[0], atol=0.02)
    assert np.allclose(logs.std(0), tables.proteins.scales, rtol=0.03)


def test_module_correlations_stay_in_the_requested_range():
    cohort = Cohort(
        patients=20_000,
        genes=60,
        proteins=0,
        gene_type="microarray",
        modules=Modules(size=20, correlation=(0.4, 0.6)),
    )
    values = Tables(cohort).matrix("genes", 0, 20_000)
    corr = np.corrcoef(values.T)
    within = [
        corr[i, j] for m in range(3) for i in range(20 * m, 20 * m + 20) for j in range(i + 1, 20 * m + 20)
    ]
    between = [corr[i, j] for i in range(20) for j in range(20, 60)]
    assert min(within) > 0.37 and max(within) < 0.63
    assert max(abs(c) for c in between) < 0.05
    # Counts keep their ranks' correlation through the copula.
    counts = Tables(
        Cohort(patients=20_000, genes=20, proteins=0, modules=Modules(size=20, correlation=(0.5, 0.5)))
    ).matrix("genes", 0, 20_000)
    ranks = np.argsort(np.argsort(counts[:, [0, 1]], axis=0), axis=0)
    assert 0.4 < np.corrcoef(ranks.T)[0, 1] < 0.55


def test_disease_effects_touch_only_the_named_genes_of_the_named_group():
    base = Cohort(patients=20_000, genes=50, proteins=10, seed=5)
    effect = Effect(group="Disease", gene_range=(0, 10), proteins=(3,), fold_change=(2.0, 3.0))
    affected = Cohort(patients=20_000, genes=50, proteins=10, seed=5, effects=(effect,))
    tables, plain = Tables(affected), Tables(base)
    group = np.asarray(tables.demographics(0, 20_000).column("Group").to_pylist())
    disease = group == "Disease"
    genes, before = tables.matrix("genes", 0, 20_000), plain.matrix("genes", 0, 20_000)
    assert np.array_equal(genes[:, 10:], before[:, 10:]) and np.array_equal(genes[~disease], before[~disease])
    ratio = genes[disease, :10].mean(0) / before[disease, :10].mean(0)
    folds = tables.genes.fold_changes[1, :10]
    assert np.all((folds >= 2) & (folds <= 3)) and np.allclose(ratio, folds, rtol=0.08)
    proteins, plain_proteins = tables.matrix("proteins", 0, 20_000), plain.matrix("proteins", 0, 20_000)
    changed = ~np.isclose(proteins, plain_proteins).all(0)
    assert changed.tolist() == [i == 3 for i in range(10)]


def test_transitions_move_exactly_their_share_and_leave_everyone_else_identical():
    effect = Effect(group="Disease", gene_range=(0, 5))
    moved = Transition(source="Control", target="Disease", share=0.2)
    base = Cohort(patients=5001, genes=20, proteins=5, seed=6, effects=(effect,))
    drifted = Cohort(patients=5001, genes=20, proteins=5, seed=6, effects=(effect,), transitions=(moved,))
    before, after = generate_cohort(base), generate_cohort(drifted)
    demographics = after["demographics"]
    controls = pc.sum(pc.equal(before["demographics"]["Group"].cast(pa.string()), "Control")).as_py()
    assert controls in (2500, 2501)
    transitioned = np.asarray(demographics["Transitioned"].to_pylist())
    assert transitioned.sum() == round(0.2 * controls)
    assert set(demographics.filter(demographics["Transitioned"])["Group_Before"].to_pylist()) == {"Control"}
    assert set(demographics.filter(demographics["Transitioned"])["Group"].to_pylist()) == {"Disease"}
    genes_before = before["genes"].to_pandas().to_numpy()
    genes_after = after["genes"].to_pandas().to_numpy()
    assert np.array_equal(genes_before[~transitioned], genes_after[~transitioned])
    assert not np.array_equal(genes_before[transitioned, 1:6], genes_after[transitioned, 1:6])
    assert np.array_equal(genes_before[transitioned, 6:], genes_after[transitioned, 6:])  # effects only


def test_any_block_of_patients_gives_the_same_bytes(tmp_path):
    cohort = Cohort(patients=1000, genes=30, proteins=4, seed=7, modules=Modules(size=10))
    whole = generate_cohort(cohort)
    tables = Tables(cohort)
    for name in ("demographics", "genes", "proteins"):
        pieces = pa.Table.from_batches(list(tables.batches(name, 137)))  # type: ignore[arg-type]
        assert pieces.equals(whole[name]), name
    written = write_cohort(cohort, tmp_path / "cohort")
    joined = pq.read_table(written["demographics"]).join(pq.read_table(written["genes"]), "Patient_ID")
    joined = joined.join(pq.read_table(written["proteins"]), "Patient_ID")
    assert joined.num_rows == 1000 and joined.num_columns == whole["demographics"].num_columns + 30 + 4
    assert pq.read_table(written["genes"]).equals(whole["genes"])


def _recording(init, calls):
    def record(self, *args, **options):
        calls.append(args[2])  # (stream, schema, threads)
        init(self, *args, **options)

    return record


def test_parquet_files_encoded_on_every_core_are_one_threads_bytes(tmp_path, monkeypatch):
    """``write_cohort`` encodes Parquet row groups on every core by default, but in the wide layout: the
    files are the bytes pyarrow's one writer makes (ten row groups here, a block of 10 patients each)."""
    monkeypatch.setattr(fastsynth.clinical, "BATCH_BYTES", 8 * 40 * 10)
    monkeypatch.setattr(fastsynth.clinical, "threads", lambda: 3)  # the cores of any machine the test is on
    encoders = []
    monkeypatch.setattr(JoinedWriter, "__init__", _recording(JoinedWriter.__init__, encoders))
    cohort = Cohort(patients=100, genes=40, proteins=6, seed=9)
    default = write_cohort(cohort, tmp_path / "default", layout="matrix")
    one = write_cohort(cohort, tmp_path / "one", layout="matrix", threads=1)
    assert pq.ParquetFile(default["genes"]).metadata.num_row_groups == 10
    assert encoders == [3, 3, 3]  # the three default files, none of the others
    write_cohort(cohort, tmp_path / "wide")  # a column per gene: one thread
    write_cohort(cohort, tmp_path / "grouped", layout="long", row_group_size=50)  # the user's groups: one
    assert len(encoders) == 3
    monkeypatch.setattr(fastsynth.clinical, "threads", lambda: 200)  # more cores than the sink takes
    write_cohort(cohort, tmp_path / "many", layout="long")
    assert encoders[3:] == [MAX_THREADS] * 3
    for name, path in default.items():
        assert path.read_bytes() == one[name].read_bytes(), name


def _dictionary_pages(path) -> set[bool]:
    """For each column of a Parquet file, whether its first row group has a dictionary page."""
    group = pq.ParquetFile(path).metadata.row_group(0)
    return {group.column(i).has_dictionary_page for i in range(group.num_columns)}


def test_the_wide_layouts_omics_are_not_dictionary_encoded_unless_asked(tmp_path):
    cohort = Cohort(patients=50, genes=30, proteins=4, seed=2)
    default = write_cohort(cohort, tmp_path / "default")
    assert _dictionary_pages(default["genes"]) == _dictionary_pages(default["proteins"]) == {False}
    assert True in _dictionary_pages(default["demographics"])  # the sink's own default there
    asked = write_cohort(cohort, tmp_path / "asked", dictionary=True)
    assert _dictionary_pages(asked["genes"]) == {True}
    assert pq.read_table(asked["genes"]).equals(pq.read_table(default["genes"]))


def test_csv_of_a_matrix_is_refused_before_any_file_is_written(tmp_path):
    with pytest.raises(UsageError, match="layout='matrix' puts a patient's values in one list column"):
        write_cohort(Cohort(patients=5, genes=4, proteins=2), tmp_path / "out", format="csv", layout="matrix")
    assert not (tmp_path / "out").exists()


def test_a_file_that_cannot_be_written_stops_the_blocks_made_ahead_at_once(tmp_path, monkeypatch):
    """The blocks of a file are made ahead in a thread; the error must stop it even while its traceback
    is held (as a notebook holds the last one), not keep it and its block until the traceback goes."""
    monkeypatch.setattr(fastsynth.clinical, "BATCH_BYTES", 8 * 40 * 10)  # blocks of 10 patients
    with pytest.raises(UsageError) as failure:  # the sink refuses it once the first block is made
        write_cohort(Cohort(patients=100, genes=40, proteins=6, seed=9), tmp_path / "out", compression="no")
    assert failure.value.__traceback__ is not None  # held
    assert [t.name for t in threading.enumerate() if t.name == "fastsynth-prefetch"] == []
    assert list((tmp_path / "out").iterdir()) == []  # nothing published, nothing left aside


def test_the_three_files_are_published_together_or_not_at_all(tmp_path, monkeypatch):
    """An earlier cohort's files stay whole and together when writing a new one fails midway."""
    old = write_cohort(Cohort(patients=30, genes=5, proteins=2, seed=1), tmp_path)
    before = {name: path.read_bytes() for name, path in old.items()}
    write_table = fastsynth.clinical._write_table

    def disk_full_at_the_genes(tables, name, *args):
        if name == "genes":
            raise OSError("disk full")
        return write_table(tables, name, *args)

    monkeypatch.setattr(fastsynth.clinical, "_write_table", disk_full_at_the_genes)
    with pytest.raises(OSError, match="disk full"):
        write_cohort(Cohort(patients=30, genes=5, proteins=2, seed=2), tmp_path)
    assert {name: path.read_bytes() for name, path in old.items()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{name}.parquet" for name in ("demographics", "genes", "proteins")
    ]
    monkeypatch.undo()
    (tmp_path / "genes.parquet").unlink()
    (tmp_path / "genes.parquet").mkdir()
    with pytest.raises(SinkError) as refused:  # refused before any file is written
        write_cohort(Cohort(patients=30, genes=5, proteins=2, seed=2), tmp_path)
    assert str(refused.value).endswith("genes.parquet': a folder has that name")
    assert (tmp_path / "demographics.parquet").read_bytes() == before["demographics"]


@pytest.mark.parametrize("layout", ["long", "matrix"])
def test_long_and_matrix_layouts_hold_the_same_values(layout):
    cohort = Cohort(patients=50, genes=8, proteins=2, seed=8)
    wide = generate_cohort(cohort)["genes"].to_pandas().set_index("Patient_ID").to_numpy()
    other = generate_cohort(cohort, layout)["genes"]
    if layout == "long":
        assert other.column_names == ["Patient_ID", "Gene", "Value"]
        values = np.asarray(other["Value"]).reshape(50, 8)
    else:
        values = np.stack(other["expression"].to_numpy(zero_copy_only=False))
    assert np.array_equal(values, wide)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"patients": 10, "groups": {"Control": 0.5, "Disease": 0.6}}, "the groups' shares sum to 1.1"),
        ({"patients": 10, "groups": {"Control": 1.5}}, "groups"),
        (
            {"patients": 10, "genes": 5, "effects": [{"group": "Disease", "gene_range": [0, 8]}]},
            "gene 5 is past",
        ),
        (
            {"patients": 10, "effects": [{"group": "Sick", "genes": [0]}]},
            "effects[0].group='Sick' is not a group",
        ),
        ({"patients": 10, "counts": {"dispersion": [-1, 1]}}, "dispersion"),
        (
            {"patients": 10, "transitions": [{"source": "Control", "target": "Disease", "share": 2}]},
            "share=2",
        ),
        (
            {"patients": 10, "transitions": [{"source": "Control", "target": "Disease", "share": 0.7}] * 2},
            "transitions[1]: the transitions from 'Control' move shares summing to 1.4",
        ),
        ({"patients": 10, "transitions": [{"source": "Control", "target": "Control", "share": 0.1}]}, "both"),
        (
            {"patients": 10, "modules": {"size": 5, "correlation": [0.6, 0.2]}},
            "modules.correlation=[0.6, 0.2]",
        ),
        ({"patients": 10, "effects": [{"group": "Disease", "gene_range": [8, 2]}]}, "gene_range=[8, 2]"),
        ({"patients": 10, "effects": [{"group": "Disease", "fold_change": [3, 2]}]}, "fold_change=[3.0, 2"),
        ({"patients": 10, "demographics": {"Group": {"type": "bool"}}}, "demographics names 'Group'"),
        (
            {"patients": 10, "groups": {f"g{i}": 1 / 200 for i in range(200)}},
            "200 groups; allowed: at most 127",
        ),
        ({"patients": 10, "counts": {"log_mean": 30}}, "log_mean=30"),
    ],
)
def test_bad_cohorts_get_one_clear_message(document, message):
    with pytest.raises(SchemaError, match=r"^cohort") as raised:
        Cohort.from_dict(document)
    assert message in str(raised.value)


def test_proteins_follow_their_genes_by_the_correlation_asked():
    cohort = Cohort(
        patients=20_000, genes=200, proteins=60, gene_type="microarray", protein_gene_correlation=0.8, seed=9
    )
    tables = Tables(cohort)
    genes, proteins = tables.matrix("genes", 0, 20_000), np.log(tables.matrix("proteins", 0, 20_000))
    linked = [np.corrcoef(genes[:, j], proteins[:, j])[0, 1] for j in range(60)]
    assert min(linked) > 0.77 and max(linked) < 0.83
    assert abs(np.corrcoef(genes[:, 0], proteins[:, 1])[0, 1]) < 0.05
    # Proteins past the last gene keep their spread, following noise of their own.
    few = Tables(dataclasses.replace(cohort, genes=10, proteins=20))
    logs = np.log(few.matrix("proteins", 0, 20_000))
    assert np.allclose(logs.std(0), few.proteins.scales, rtol=0.03)


def test_no_genes_in_the_matrix_layout_is_a_table_of_ids():
    tables = generate_cohort(Cohort(patients=5, genes=0, proteins=2), "matrix")
    assert tables["genes"].column_names == ["Patient_ID"] and tables["genes"].num_rows == 5


PINNED = {
    "counts, effects and transitions": (
        Cohort(
            patients=300,
            genes=150,
            proteins=12,
            seed=11,
            modules=Modules(size=40),
            effects=(Effect(group="Disease", gene_range=(0, 20), proteins=(1, 3)),),
            transitions=(Transition(source="Control", target="Disease", share=0.3),),
        ),
        "9b6fa8e640e2e37f",
    ),
    "counts at visits": (
        Cohort(
            patients=60,
            genes=90,
            proteins=5,
            seed=12,
            visits=Visits(count=3, trends=(Trend(group="Disease", gene_range=(0, 10)),)),
        ),
        "de88b9f0d64eafb3",
    ),
    "microarray, proteins following genes": (
        Cohort(
            patients=200, genes=70, proteins=30, seed=13, gene_type="microarray", protein_gene_correlation=0.6
        ),
        "06af8759ae656222",
    ),
}
"""Digests of cohorts' omics as fastsynth made them when they were pinned (floats rounded to 1e-6, so that
a last bit's difference in a math library's ``exp`` would almost never show): a faster kernel must keep
them, since a seed is a promise of the same data."""


@pytest.mark.parametrize("name", PINNED)
def test_the_bytes_of_a_seed_stay_the_same(name):
    cohort, expected = PINNED[name]
    tables, digest = Tables(cohort), hashlib.sha256()
    for kind in ("genes", "proteins"):
        values = tables.matrix(kind, 0, cohort.patients)
        digest.update(
            np.ascontiguousarray(np.round(values, 6) if values.dtype.kind == "f" else values).tobytes()
        )
    assert digest.hexdigest()[:16] == expected
