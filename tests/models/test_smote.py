"""``smote``: rows on the segments between same-class nearest neighbours, classes balanced exactly."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sklearn.neighbors import NearestNeighbors

import fastsynth
from fastsynth.errors import SchemaError, UsageError

K = 5


def numbers_data(seed: int = 0) -> pa.Table:
    """Three classes, imbalanced, in overlapping clouds: two float columns and an integer one."""
    rng = np.random.default_rng(seed)
    sizes = {"common": 120, "rare": 30, "scarce": 9}
    label = np.repeat(list(sizes), list(sizes.values()))
    shift = np.repeat([0.0, 1.5, -2.0], list(sizes.values()))
    n = len(label)
    return pa.table(
        {
            "x": rng.normal(shift, 1.0),
            "y": rng.normal(0.0, 30.0, n) + 10 * shift,
            "count": pa.array(rng.integers(0, 1000, n), pa.int32()),
            "label": label,
        }
    )


def independent_segments(data: pa.Table, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per class, (start points, end points) of every segment from a sample to one of its k nearest
    same-class neighbours, found by scikit-learn on the standardised numbers."""
    names = ["x", "y", "count"]
    values = np.column_stack([data.column(n).to_numpy().astype(float) for n in names])
    scaled = (values - values.mean(axis=0)) / values.std(axis=0)
    labels = data.column("label").to_numpy(zero_copy_only=False)
    out = {}
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        near = NearestNeighbors(n_neighbors=k + 1).fit(scaled[rows]).kneighbors(scaled[rows])[1][:, 1:]
        out[label] = (np.repeat(values[rows], k, axis=0), values[rows][near.ravel()])
    return out


def test_every_row_lies_on_a_segment_between_a_sample_and_one_of_its_neighbours():
    data = numbers_data()
    made = fastsynth.generate(fastsynth.fit(data, method="smote", target="label"), 900, seed=4)
    segments = independent_segments(data, K)
    labels = made.column("label").to_numpy(zero_copy_only=False)
    points = np.column_stack([made.column(n).to_numpy().astype(float) for n in ("x", "y", "count")])
    for label, (starts, ends) in segments.items():
        mine = points[labels == label]
        assert len(mine) == 300
        # The gap u from x, then y must sit at the same u on the same segment, and the integer at u
        # rounded; some segment must hold each row.
        u = (mine[:, None, 0] - starts[None, :, 0]) / (ends[None, :, 0] - starts[None, :, 0])
        on_y = np.isclose(mine[:, None, 1], starts[None, :, 1] + u * (ends[None, :, 1] - starts[None, :, 1]))
        step = np.rint(u * (ends[None, :, 2] - starts[None, :, 2]))
        on_count = mine[:, None, 2] == starts[None, :, 2] + step
        held = on_y & on_count & (u >= 0) & (u < 1)
        assert held.any(axis=1).all(), label


def test_classes_are_balanced_exactly_in_every_group_of_rows():
    data = numbers_data()
    schema = fastsynth.fit(data, method="smote", target="label")
    made = fastsynth.generate(schema, 3 * 2000, seed=1).column("label").to_numpy(zero_copy_only=False)
    groups = made.reshape(-1, 3)
    assert (np.sort(groups, axis=1) == np.array(["common", "rare", "scarce"])).all()
    assert len({tuple(g) for g in groups}) == 6  # the order within a group is drawn, not turns


def test_original_shares_keep_the_datas_class_shares():
    data = numbers_data()
    schema = fastsynth.fit(data, method="smote", target="label", shares="original")
    made = fastsynth.generate(schema, 200_000, seed=2).column("label").to_numpy(zero_copy_only=False)
    for label, count in (("common", 120), ("rare", 30), ("scarce", 9)):
        assert (made == label).mean() == pytest.approx(count / 159, abs=0.004)


def test_columns_and_types_are_the_datas():
    rng = np.random.default_rng(3)
    n = 200
    data = pa.table(
        {
            "small": pa.array(rng.integers(-50, 50, n), pa.int8()),
            "ratio": pa.array(rng.random(n), pa.float32()),
            "when": pa.array(rng.integers(1_600_000_000, 1_700_000_000, n), pa.int64()).cast(
                pa.timestamp("s")
            ),
            "day": pa.array(rng.integers(18_000, 19_000, n), pa.int32()).cast(pa.date32()),
            "score": pa.array(np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)), from_pandas=True),
            "city": rng.choice(["Paris", "Lyon", "Nice"], n),
            "member": pa.array(rng.random(n) < 0.3),
            "label": pa.array(rng.choice([0, 1], n, p=[0.8, 0.2]), pa.int16()),
        }
    )
    made = fastsynth.generate(fastsynth.fit(data, method="smote", target="label"), 5000, seed=1)
    assert made.schema == data.schema
    for name in ("small", "when", "day", "ratio"):
        real, fake = data.column(name), made.column(name)
        assert pa.compute.min(fake).as_py() >= pa.compute.min(real).as_py(), name
        assert pa.compute.max(fake).as_py() <= pa.compute.max(real).as_py(), name
    assert set(made.column("city").to_pylist()) == {"Paris", "Lyon", "Nice"}
    assert 0 < made.column("score").null_count < 2000  # a sample's null stays null
    assert made.column("small").null_count == 0


def test_a_row_takes_the_category_its_samples_neighbours_hold():
    # Within each class, category 'near' lives around x = 0 and 'far' around x = 100: a row's
    # neighbours share its cluster, so a row made near 0 is 'near'.
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 60), rng.normal(100, 1, 60)])
    data = pa.table({"x": x, "where": ["near"] * 60 + ["far"] * 60, "label": np.tile(["a", "b"], 60)})
    made = fastsynth.generate(fastsynth.fit(data, method="smote", target="label"), 2000, seed=1)
    near = made.column("x").to_numpy() < 50
    assert (np.asarray(made.column("where").to_pylist()) == np.where(near, "near", "far")).all()
    assert 0.3 < near.mean() < 0.7


def test_a_class_of_one_row_gives_copies_of_it():
    data = pa.table({"x": [1.0, 2.0, 3.0, 4.0, 7.5], "n": [1, 2, 3, 4, 9], "label": ["a"] * 4 + ["b"]})
    made = fastsynth.generate(fastsynth.fit(data, method="smote", target="label"), 1000, seed=1)
    lone = made.filter(pa.compute.equal(made.column("label"), "b"))
    assert lone.num_rows == 500
    assert set(lone.column("x").to_pylist()) == {7.5} and set(lone.column("n").to_pylist()) == {9}
    # A class of four: each sample's neighbours are the three others (k = 5 > 3).
    other = made.filter(pa.compute.equal(made.column("label"), "a")).column("x").to_numpy()
    assert other.min() >= 1.0 and other.max() < 4.0 and np.unique(other).size > 400


def test_rows_depend_only_on_seed_and_row_number():
    schema = fastsynth.fit(numbers_data(), method="smote", target="label", shares="original")
    whole = fastsynth.generate(schema, 5000, seed=7)
    for start, size in ((0, 1234), (1234, 3000), (4234, 766)):
        assert fastsynth.generate(schema, size, seed=7, start=start, batch_size=999).equals(
            whole.slice(start, size)
        )
    assert fastsynth.generate(schema, 5000, seed=7).equals(whole)
    other = fastsynth.generate(schema, 5000, seed=8)
    assert not np.array_equal(other.column("x").to_numpy(), whole.column("x").to_numpy())
    assert fastsynth.fit(numbers_data(), method="smote", target="label", shares="original").to_dict() == (
        schema.to_dict()
    )


def test_a_model_file_makes_the_same_rows(tmp_path):
    data = numbers_data().append_column("kind", pa.array(np.tile(["u", "v", "w"], 53)))
    schema = fastsynth.fit(data, method="smote", target="label", k=3)
    schema.save(tmp_path / "smote.fsm")
    loaded = fastsynth.Schema.load(tmp_path / "smote.fsm")
    assert loaded.to_dict()["model"] == {"method": "smote", "target": "label", "k": 3, "shares": "balanced"}
    assert fastsynth.generate(loaded, 3000, seed=5).equals(fastsynth.generate(schema, 3000, seed=5))


def test_given_target_values_pick_each_rows_class():
    data = numbers_data()
    model = fastsynth.fit(data, method="smote", target="label").model
    assert model.givable() == frozenset({"label"})
    wanted = pa.array(np.random.default_rng(1).choice(["common", "scarce"], 3000, p=[0.1, 0.9]))
    made = model.make(3, 100, 3000, given={"label": wanted})
    assert made["label"].equals(wanted)
    scarce = data.filter(pa.compute.equal(data.column("label"), "scarce")).column("x").to_numpy()
    x = made["x"].to_numpy()[wanted.to_numpy(zero_copy_only=False) == "scarce"]
    assert scarce.min() <= x.min() and x.max() <= scarce.max()
    with pytest.raises(UsageError, match="smote: no row of the data has label='other'"):
        model.make(3, 0, 2, given={"label": pa.array(["common", "other"])})
    with pytest.raises(UsageError, match=r"smote: only the target 'label' can be given, not \['x'\]"):
        model.make(3, 0, 2, given={"x": pa.array([1.0, 2.0])})


@pytest.mark.parametrize(
    ("target", "options", "message"),
    [
        (None, {}, r"fit: method 'smote' needs target=, the class column; columns: x, count, label"),
        ("nope", {}, r"fit: target='nope' is not a column; columns: x, count, label"),
        ("count", {}, r"fit: method 'smote': target='count' has one class \(3\); SMOTE needs two or more"),
        ("label", {"k": 0}, r"fit: method 'smote': k=0 is not an integer >= 1"),
        ("label", {"k": 2.5}, r"fit: method 'smote': k=2.5 is not an integer"),
        (
            "label",
            {"shares": "equal"},
            r"fit: method 'smote': shares='equal' is not allowed; allowed: balanced, original",
        ),
        ("label", {"neighbours": 3}, r"fit: method 'smote': unknown key 'neighbours'; allowed: k, shares"),
    ],
)
def test_bad_fits_are_refused_clearly(target, options, message):
    data = pa.table({"x": [1.0, 2.0, 3.0], "count": [3, 3, 3], "label": ["a", "b", "a"]})
    with pytest.raises(UsageError, match=message):
        fastsynth.fit(data, method="smote", target=target, **options)


def test_data_smote_cannot_use_is_refused():
    with pytest.raises(UsageError, match="target='label' has 1 nulls; every row needs a class"):
        fastsynth.fit(pa.table({"x": [1.0, 2.0], "label": ["a", None]}), method="smote", target="label")
    with pytest.raises(UsageError, match="no column besides target='label'"):
        fastsynth.fit(pa.table({"label": ["a", "b"]}), method="smote", target="label")
    with pytest.raises(UsageError, match=r"column 'tags' is list<item: string>; SMOTE takes numbers"):
        fastsynth.fit(pa.table({"tags": [["a"], ["b"]], "label": ["a", "b"]}), method="smote", target="label")


def test_a_model_file_whose_tables_disagree_is_refused():
    model = fastsynth.fit(numbers_data(), method="smote", target="label").model
    tables = model.tables()
    cut = {**tables, "neighbours": tables["neighbours"].slice(0, 10)}
    with pytest.raises(SchemaError, match="table 'neighbours' is not 5 columns of one row per data row"):
        type(model).from_parts(model.to_document(), cut)
    with pytest.raises(SchemaError, match="keeps its tables"):
        type(model).from_parts(model.to_document(), {})


def test_nan_is_no_value_and_a_dictionary_target_gives_its_classes() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    x[::17] = np.nan
    table = pa.table(
        {
            "x": pa.array(x, from_pandas=False),
            "y": rng.normal(size=200),
            "label": pa.array(rng.choice(["a", "b"], 200, p=[0.8, 0.2])).dictionary_encode(),
        }
    )
    made = fastsynth.generate(fastsynth.fit(table, method="smote", target="label"), 1_000, seed=1)
    assert sorted(made.column("label").to_pylist()) == ["a"] * 500 + ["b"] * 500
    # NaN is no value to search or interpolate by, and stays NaN (not null) in its sample's rows
    values = made.column("x").to_numpy(zero_copy_only=False)
    assert made.column("x").null_count == 0 and 0 < np.isnan(values).mean() < 0.2


def test_nan_infinities_and_nulls_stay_as_they_are_in_their_samples_rows() -> None:
    # an infinity crashed scikit-learn's neighbour search (a ValueError traceback), and NaN came out null
    rng = np.random.default_rng(4)
    n = 600
    values = pa.array(
        np.r_[[np.nan] * 60, [np.inf] * 30, [-np.inf] * 30, rng.normal(size=n - 120)],
        mask=np.r_[np.zeros(n - 30, bool), np.ones(30, bool)],  # the last 30 normals are nulls
    )
    # "w" places the rows without a number among the others: their neighbours have numbers
    table = pa.table({"label": rng.choice(["a", "b"], n), "v": values, "w": rng.normal(size=n)})
    made = fastsynth.generate(
        fastsynth.fit(table, method="smote", target="label", shares="original"), 20_000, seed=1
    )
    out = made.column("v")
    numbers = out.fill_null(0.0).to_numpy()
    present = ~out.is_null().to_numpy(zero_copy_only=False)
    assert out.null_count / 20_000 == pytest.approx(0.05, abs=0.01)
    assert (np.isnan(numbers) & present).mean() == pytest.approx(0.10, abs=0.01)
    assert (numbers == np.inf).mean() == pytest.approx(0.05, abs=0.01)
    assert (numbers == -np.inf).mean() == pytest.approx(0.05, abs=0.01)
    finite = numbers[np.isfinite(numbers) & present]
    assert finite.min() >= np.nanmin(values.to_numpy(zero_copy_only=False)[120 : n - 30])


def test_uint64_values_on_both_sides_of_2_to_the_63_stay_in_their_segments() -> None:
    """uint64 was read as int64: 2**63 + 1 wrapped to -2**63 + 1, so the nearest neighbour of 2**63 - 1
    was 2**63 - 1000 instead of 2**63 + 1, two apart."""
    values = [2**63 - 1000, 2**63 - 1, 2**63 + 1]
    table = pa.table({"label": ["a"] * 3 + ["b"] * 3, "v": pa.array(values * 2, pa.uint64())})
    made = fastsynth.generate(fastsynth.fit(table, method="smote", target="label", k=1), 6_000, seed=1)
    out = made.column("v")
    assert out.type == pa.uint64()
    # each of the two close values takes the other as its neighbour: two thirds of the rows lie between
    # them (0.002 when they were far apart); the third value's neighbour is 2**63 - 1
    between = np.mean([2**63 - 1 <= v <= 2**63 + 1 for v in out.to_pylist()])
    assert 0.6 < between < 0.73, between
    assert min(out.to_pylist()) >= min(values) and max(out.to_pylist()) <= max(values)


def test_a_k_larger_than_any_class_is_the_largest_class_less_one() -> None:
    # k=10**12 asked numpy for a 600 x 10**12 table of neighbours: a MemoryError traceback
    table = numbers_data()
    schema = fastsynth.fit(table, method="smote", target="label", k=10**12)
    assert schema.model.k == 119  # the commonest class has 120 rows
    bigger = fastsynth.generate(schema, 500, seed=3)
    exact = fastsynth.generate(fastsynth.fit(table, method="smote", target="label", k=119), 500, seed=3)
    assert bigger.equals(exact)


@pytest.mark.parametrize("kind", [pa.int64(), pa.uint64()])
def test_integers_spanning_their_whole_type_stay_on_their_segments(kind) -> None:
    """Ends up to 2**64 - 1 apart: an int64 step wrapped round, and about a quarter of the rows of a class
    holding the type's two extremes landed near 0 whatever their gap."""
    info = np.iinfo(kind.to_pandas_dtype())
    ends = [int(info.min), int(info.max)]
    table = pa.table({"label": ["a"] * 4 + ["b"] * 2, "v": pa.array(ends * 3, kind)})
    made = fastsynth.generate(fastsynth.fit(table, method="smote", target="label", k=3), 20_000, seed=2)
    labels = made.column("label").to_numpy(zero_copy_only=False)
    values = np.array(made.column("v").to_pylist(), dtype=object)[labels == "a"]
    assert min(values) >= info.min and max(values) <= info.max
    # gaps are uniform in [0, 1): the values spread evenly over the type's range, a tenth in each tenth
    # (copies of an end, a neighbour equal to the sample, add to the two outer tenths only)
    tenths = np.histogram([float(v) for v in values], bins=10, range=(float(info.min), float(info.max)))[0]
    inner = tenths[1:-1] / len(values)
    assert (abs(inner - inner.mean()) < 0.02).all(), tenths
