"""Mixed against river's ``Mixed``: both labelling functions on river's own rows, feature
distributions and class shares, rows of a desired class, and errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import GENERATORS, generator_from_document
from fastsynth.concepts.mixed import Mixed
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.mixed import mixed_labels

ROWS = 100_000


def river_rows(function, count):
    rows = list(synth.Mixed(classification_function=function, seed=3).take(count))
    features = {str(k): np.array([x[k] for x, _ in rows]) for k in range(4)}
    return features, np.array([y for _, y in rows])


@pytest.fixture(scope="module", params=[0, 1])
def river(request):
    return request.param, *river_rows(request.param, ROWS)


@pytest.mark.slow
def test_labels_equal_rivers_on_rivers_rows(river):
    function, features, labels = river
    out = np.empty(labels.shape[0], np.int8)
    mixed_labels(function, features["0"], features["1"], features["2"], features["3"], out)
    np.testing.assert_array_equal(out, labels)


def test_features_and_class_shares_match_rivers(river):
    function, theirs, their_labels = river
    ours, labels = Mixed(classification_function=function).sample(ROWS, key=5)
    for name in ("0", "1"):
        assert set(np.unique(ours[name])) == {0, 1}
        table = [[np.sum(s[name] == v) for v in (0, 1)] for s in (ours, theirs)]
        assert stats.chi2_contingency(table).pvalue > 0.001, name
    # The booleans come from two bits of one draw: they must be independent of each other.
    pairs = [[np.sum((ours["0"] == a) & (ours["1"] == b)) for b in (0, 1)] for a in (0, 1)]
    assert stats.chi2_contingency(pairs).pvalue > 0.001
    for name in ("2", "3"):
        assert stats.ks_2samp(ours[name], theirs[name]).pvalue > 0.001, name
    assert abs(labels.mean() - their_labels.mean()) < 0.01


@pytest.mark.parametrize("function", [0, 1])
def test_desired_and_batches(function):
    generator = Mixed(classification_function=function)
    desired = (np.arange(3000) // 3) % 2
    whole, target = generator.sample(3000, key=4, desired=desired)
    np.testing.assert_array_equal(target, desired)
    part, part_target = generator.sample(900, start=1234, key=4, desired=desired[1234:2134])
    for name in whole:
        np.testing.assert_array_equal(part[name], whole[name][1234:2134])
    np.testing.assert_array_equal(part_target, target[1234:2134])
    plain, plain_target = generator.sample(3000, key=4)
    # A row whose first draw is already of the asked class keeps it.
    same = plain_target == desired
    np.testing.assert_array_equal(plain["2"][same], whole["2"][same])


def test_schema_and_registry():
    generator = generator_from_document({"type": "mixed", "classification_function": 1}, "schema: g")
    assert generator == Mixed(classification_function=1) and GENERATORS.get("mixed") is Mixed
    assert [(f.name, f.arrow_type) for f in generator.features()] == [
        ("0", pa.bool_()),
        ("1", pa.bool_()),
        ("2", pa.float64()),
        ("3", pa.float64()),
    ]
    features, target = generator.sample(5)
    assert features["0"].dtype == np.uint8 and target.dtype == np.int8


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("classification_function", 2, "allowed: 0, 1"),
        ("classification_function", "1", "allowed: 0, 1"),
        ("balance_classes", True, "allowed: classification_function"),
    ],
)
def test_bad_parameters_are_named(option, value, allowed):
    with pytest.raises(SchemaError) as error:
        generator_from_document({"type": "mixed", option: value}, "schema: generator")
    message = str(error.value)
    assert "schema: generator" in message and option in message and allowed in message
