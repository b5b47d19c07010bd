"""Agrawal against river's ``Agrawal``: the ten labelling functions on river's own rows and on the
boundaries, feature distributions and class shares, perturbation, rows of a desired class, and errors.

river makes about 15,000 Agrawal rows a second, so its samples here are 20,000 rows and 10,000
perturbed ones (taken once), against fastsynth's 100,000."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import GENERATORS, generator_from_document
from fastsynth.concepts.agrawal import Agrawal
from fastsynth.concepts.base import Rows
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.agrawal import agrawal_labels

NAMES = ("salary", "commission", "age", "elevel", "car", "zipcode", "hvalue", "hyears", "loan")
CONTINUOUS = ("salary", "commission", "hvalue", "loan")
DISCRETE = ("age", "elevel", "car", "zipcode", "hyears")
ROWS = 100_000


def river_rows(count, **options):
    rows = list(synth.Agrawal(seed=11, **options).take(count))
    features = {name: np.array([float(x[name]) for x, _ in rows]) for name in NAMES}
    return features, np.array([y for _, y in rows])


@pytest.fixture(scope="module")
def river_plain():
    return river_rows(20_000)


@pytest.fixture(scope="module")
def river_perturbed():
    return river_rows(10_000, perturbation=0.2)


def rivers_label(function, features):
    """river's own function ``function`` on each row of ``features``."""
    label = getattr(synth.Agrawal, f"_classification_function_{function}")
    rows = zip(*(features[name].tolist() for name in NAMES), strict=True)
    return np.array([label(*row) for row in rows])


def our_label(function, features):
    out = np.empty(len(features["salary"]), np.int8)
    f = features
    agrawal_labels(
        function,
        f["salary"].astype(np.float64),
        f["commission"].astype(np.float64),
        f["age"].astype(np.int64),
        f["elevel"].astype(np.int64),
        f["zipcode"].astype(np.int64),
        f["hvalue"].astype(np.float64),
        f["hyears"].astype(np.int64),
        f["loan"].astype(np.float64),
        out,
    )
    return out


def boundary_rows():
    """Every combination of the values where river's functions change their mind."""
    grid = {
        "salary": [20000.0, 25000.0, 50000.0, 74999.5, 75000.0, 100000.0, 125000.0, 149999.0],
        "commission": [0.0, 10000.0, 25000.0],
        "age": [20, 39, 40, 59, 60, 80],
        "elevel": [0, 1, 2, 3, 4],
        "car": [1],
        "zipcode": [0, 8],
        "hvalue": [0.0, 150000.0],
        "hyears": [19, 20, 30],
        "loan": [0.0, 75000.0, 100000.0, 300000.0, 400000.0, 500000.0],
    }
    combos = list(itertools.product(*grid.values()))
    columns = {name: np.array([c[k] for c in combos]) for k, name in enumerate(grid)}
    # Rows whose disposable income is exactly 1 (class 1, not above 1): 2 * 30001.5 / 3 - 20000 under
    # functions 6 and 7, 2 * 15001.5 / 3 - 10000 under 8 and 9.
    exact = {"commission": 0.0, "age": 30, "elevel": 0, "car": 1, "zipcode": 0, "hvalue": 0.0, "hyears": 1}
    exact |= {"loan": 0.0}
    extra = [exact | {"salary": 30001.5}, exact | {"salary": 15001.5}]
    return {name: np.append(columns[name], [row[name] for row in extra]) for name in NAMES}


@pytest.mark.parametrize("function", range(10))
@pytest.mark.slow
def test_labels_equal_rivers_on_rivers_rows_and_boundaries(river_plain, function):
    features, labels = river_plain
    expected = labels if function == 0 else rivers_label(function, features)
    np.testing.assert_array_equal(our_label(function, features), expected)
    edges = boundary_rows()
    np.testing.assert_array_equal(our_label(function, edges), rivers_label(function, edges))


def test_rivers_stream_labels_with_its_functions(river_plain):
    """The relabelling above stands for river's stream: its labels are its function 0's."""
    features, labels = river_plain
    np.testing.assert_array_equal(rivers_label(0, features), labels)


def assert_same_distributions(ours, theirs, names=NAMES):
    for name in names:
        if name in DISCRETE:
            values = np.union1d(ours[name], theirs[name])
            table = [[np.sum(sample[name] == v) for v in values] for sample in (ours, theirs)]
            p = stats.chi2_contingency(table).pvalue
        else:
            p = stats.ks_2samp(ours[name], theirs[name]).pvalue
        assert p > 0.001, f"{name}: p={p}"


def test_features_are_distributed_as_rivers(river_plain):
    features, _ = Agrawal().sample(ROWS, key=5)
    assert_same_distributions(features, river_plain[0])
    # The dependencies river builds in: commission only below a salary of 75k, hvalue by zipcode.
    low = features["salary"] < 75000
    assert (features["commission"][~low] == 0).all()
    assert features["commission"][low].min() >= 10000 and features["commission"].max() < 85000
    ratio = features["hvalue"] / np.maximum(8 - features["zipcode"], 1) / 100000
    assert ratio[features["zipcode"] < 8].min() >= 0.5 and ratio.max() < 1.5
    assert (features["hvalue"][features["zipcode"] == 8] == 0).all()
    assert features["age"].min() == 20 and features["age"].max() == 80
    assert features["car"].min() == 1 and features["car"].max() == 20


@pytest.mark.parametrize("function", range(10))
def test_class_shares_match_rivers(river_plain, function):
    _, ours = Agrawal(classification_function=function).sample(ROWS, key=5)
    theirs = rivers_label(function, river_plain[0]) if function else river_plain[1]
    assert abs(ours.mean() - theirs.mean()) < 0.015, (ours.mean(), theirs.mean())


def test_perturbation_moves_features_as_rivers(river_perturbed):
    ours, _ = Agrawal(perturbation=0.2).sample(ROWS, key=5)
    theirs = river_perturbed[0]
    assert_same_distributions(ours, theirs, ("salary", "commission", "age", "hyears", "loan", "car"))
    # river's swapped bounds: a perturbed hvalue is (9 - zipcode) * 100k or 0, in river's shares.
    for sample in (ours, theirs):
        top = (9 - sample["zipcode"]) * 100000.0
        assert ((sample["hvalue"] == 0) | (sample["hvalue"] == top)).all()
    table = [[np.sum((s["hvalue"] == 0) == flag) for flag in (False, True)] for s in (ours, theirs)]
    assert stats.chi2_contingency(table).pvalue > 0.001


def test_perturbation_keeps_the_unperturbed_label_and_untouched_features():
    plain, y_plain = Agrawal(classification_function=1).sample(5000, key=3)
    moved, y_moved = Agrawal(classification_function=1, perturbation=0.5).sample(5000, key=3)
    np.testing.assert_array_equal(y_moved, y_plain)
    for name in ("elevel", "car", "zipcode"):
        np.testing.assert_array_equal(moved[name], plain[name])
    assert not np.array_equal(moved["salary"], plain["salary"])
    assert moved["salary"].min() >= 20000 and moved["salary"].max() <= 150000
    assert moved["age"].min() >= 20 and moved["age"].max() <= 80
    positive = moved["commission"] > 0
    assert moved["commission"][positive].min() >= 10000 and moved["commission"].max() <= 75000


@pytest.mark.parametrize("function", range(10))
def test_desired_gives_the_class_asked_for(function):
    size = 4000
    desired = np.arange(size, dtype=np.int64) % 2
    generator = Agrawal(classification_function=function, perturbation=0.1)
    columns = [np.empty(size, f.dtype) for f in generator.features()]
    rows, target = np.arange(size, dtype=np.int64), np.empty(size, np.int8)
    missed = generator.fill(Rows(rows, np.uint64(2), (), desired, columns, target))
    np.testing.assert_array_equal(target, desired)
    assert missed == 0


@pytest.mark.parametrize("function", [7, 9])
def test_rare_class_rows_are_rivers_rows_of_that_class(function):
    """Functions 7 and 9 draw their rare class 1 from a region of low incomes that holds all of it:
    its rows must be distributed as the class-1 rows of plain draws."""
    generator = Agrawal(classification_function=function)
    wanted, target = generator.sample(10_000, key=9, desired=np.ones(10_000, np.int64))
    assert (target == 1).all()
    plain, y = generator.sample(1_000_000, key=8)
    assert_same_distributions(wanted, {name: plain[name][y == 1] for name in NAMES})


def test_rows_do_not_depend_on_the_batch():
    generator = Agrawal(classification_function=9, perturbation=0.3)
    desired = np.arange(3000) % 2
    whole, y = generator.sample(3000, key=4, desired=desired)
    part, y_part = generator.sample(1000, start=1700, key=4, desired=desired[1700:2700])
    for name in NAMES:
        np.testing.assert_array_equal(part[name], whole[name][1700:2700])
    np.testing.assert_array_equal(y_part, y[1700:2700])
    other, _ = generator.sample(3000, key=5)
    assert not np.array_equal(other["salary"], whole["salary"])


def test_schema_and_registry():
    generator = generator_from_document({"type": "agrawal", "classification_function": 4}, "schema: g")
    assert generator == Agrawal(classification_function=4)
    assert GENERATORS.get("agrawal") is Agrawal
    assert generator.feature_names() == NAMES
    types = {f.name: f.arrow_type for f in generator.features()}
    assert types["salary"] == pa.float64() and types["age"] == pa.int64() and types["hvalue"] == pa.float64()
    assert generator.to_document() == {"type": "agrawal", "classification_function": 4}
    features, target = generator.sample(10)
    assert target.dtype == np.int8 and features["car"].dtype == np.int64


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("classification_function", 10, "0, 1, 2, 3, 4, 5, 6, 7, 8, 9"),
        ("classification_function", -1, "0, 1, 2"),
        ("perturbation", 1.5, "[0, 1]"),
        ("perturbation", -0.1, "[0, 1]"),
        ("balance_classes", True, "classification_function, perturbation, seed"),
        ("seed", 1.5, "an integer"),
    ],
)
def test_bad_parameters_are_named(option, value, allowed):
    with pytest.raises(SchemaError) as error:
        generator_from_document({"type": "agrawal", option: value}, "schema: generator")
    message = str(error.value)
    assert "schema: generator" in message and option in message and allowed in message
    if option != "balance_classes":
        assert f"={value}" in message
