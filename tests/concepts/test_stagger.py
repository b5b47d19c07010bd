"""STAGGER against river's ``STAGGER``: the three labelling functions on river's own rows, feature
distributions (each and jointly) and class shares, rows of a desired class, and errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import GENERATORS, generator_from_document
from fastsynth.concepts.stagger import Stagger
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.stagger import stagger_labels

ROWS = 100_000
NAMES = ("size", "color", "shape")


def river_rows(function, count):
    rows = list(synth.STAGGER(classification_function=function, seed=3).take(count))
    assert all(type(x[name]) is int for x, _ in rows[:100] for name in NAMES)  # river yields int codes
    features = {name: np.array([x[name] for x, _ in rows]) for name in NAMES}
    return features, np.array([y for _, y in rows])


@pytest.fixture(scope="module", params=[0, 1, 2])
def river(request):
    return request.param, *river_rows(request.param, ROWS)


@pytest.mark.slow
def test_labels_equal_rivers_on_rivers_rows(river):
    function, features, labels = river
    out = np.empty(labels.shape[0], np.int8)
    stagger_labels(function, features["size"], features["color"], features["shape"], out)
    np.testing.assert_array_equal(out, labels)


def cells(features):
    """Each row's cell among the 27 combinations."""
    return features["size"] * 9 + features["color"] * 3 + features["shape"]


def test_features_and_class_shares_match_rivers(river):
    function, theirs, their_labels = river
    ours, labels = Stagger(classification_function=function).sample(ROWS, key=5)
    for name in NAMES:
        assert set(np.unique(ours[name])) == {0, 1, 2}
    table = [np.bincount(cells(s), minlength=27) for s in (ours, theirs)]
    assert stats.chi2_contingency(table).pvalue > 0.001
    assert stats.chisquare(table[0]).pvalue > 0.001  # uniform over the 27 combinations
    assert abs(labels.mean() - their_labels.mean()) < 0.01


@pytest.mark.parametrize("function", [0, 1, 2])
def test_desired_and_batches(function):
    generator = Stagger(classification_function=function)
    desired = (np.arange(5000) % 2).astype(np.int64)
    whole, target = generator.sample(5000, key=4, desired=desired)
    np.testing.assert_array_equal(target, desired)
    # Rows of each class are spread over that class's cells as river's rejection spreads them.
    for label in (0, 1):
        counts = np.bincount(cells(whole)[target == label], minlength=27)
        assert stats.chisquare(counts[counts > 0]).pvalue > 0.001
    part, part_target = generator.sample(1000, start=3001, key=4, desired=desired[3001:4001])
    for name in NAMES:
        np.testing.assert_array_equal(part[name], whole[name][3001:4001])
    np.testing.assert_array_equal(part_target, target[3001:4001])


def test_schema_and_registry():
    generator = generator_from_document({"type": "stagger", "classification_function": 2}, "schema: g")
    assert generator == Stagger(classification_function=2) and GENERATORS.get("stagger") is Stagger
    assert [(f.name, f.arrow_type) for f in generator.features()] == [(n, pa.int64()) for n in NAMES]
    features, target = generator.sample(5)
    assert features["size"].dtype == np.int64 and target.dtype == np.int8


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("classification_function", 3, "allowed: 0, 1, 2"),
        ("classification_function", None, "allowed: 0, 1, 2"),
        ("balance_classes", False, "allowed: classification_function"),
    ],
)
def test_bad_parameters_are_named(option, value, allowed):
    with pytest.raises(SchemaError) as error:
        generator_from_document({"type": "stagger", option: value}, "schema: generator")
    message = str(error.value)
    assert "schema: generator" in message and option in message and allowed in message
