"""Sine against river's ``Sine``: the four labelling functions on river's own rows, feature
distributions (with river's two noise features) and class shares, rows of a desired class, and
errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import GENERATORS, generator_from_document
from fastsynth.concepts.sine import Sine
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.sine import sine_labels

ROWS = 100_000


def river_rows(function, count):
    rows = list(synth.Sine(classification_function=function, has_noise=True, seed=3).take(count))
    features = {str(k): np.array([x[k] for x, _ in rows]) for k in range(4)}
    return features, np.array([y for _, y in rows])


@pytest.fixture(scope="module", params=[0, 1, 2, 3])
def river(request):
    return request.param, *river_rows(request.param, ROWS)


@pytest.mark.slow
def test_labels_equal_rivers_on_rivers_rows(river):
    function, features, labels = river
    out = np.empty(labels.shape[0], np.int8)
    sine_labels(function, features["0"], features["1"], out)
    np.testing.assert_array_equal(out, labels)


def test_features_and_class_shares_match_rivers(river):
    function, theirs, their_labels = river
    ours, labels = Sine(classification_function=function, has_noise=True).sample(ROWS, key=5)
    for name in ("0", "1", "2", "3"):
        assert stats.ks_2samp(ours[name], theirs[name]).pvalue > 0.001, name
    assert abs(labels.mean() - their_labels.mean()) < 0.01


def test_noise_features_are_added_to_the_same_rows():
    plain, target = Sine(classification_function=2).sample(2000, key=6)
    noisy, noisy_target = Sine(classification_function=2, has_noise=True).sample(2000, key=6)
    assert list(plain) == ["0", "1"] and list(noisy) == ["0", "1", "2", "3"]
    for name in ("0", "1"):
        np.testing.assert_array_equal(noisy[name], plain[name])
    np.testing.assert_array_equal(noisy_target, target)
    assert abs(np.corrcoef(noisy["2"], noisy["3"])[0, 1]) < 0.1


@pytest.mark.parametrize("function", [0, 1, 2, 3])
def test_desired_and_batches(function):
    generator = Sine(classification_function=function, has_noise=True)
    desired = (np.arange(3000) % 2).astype(np.int64)
    whole, target = generator.sample(3000, key=4, desired=desired)
    np.testing.assert_array_equal(target, desired)
    out = np.empty(3000, np.int8)
    sine_labels(function, whole["0"], whole["1"], out)
    np.testing.assert_array_equal(out, desired)
    part, part_target = generator.sample(1000, start=77, key=4, desired=desired[77:1077])
    for name in whole:
        np.testing.assert_array_equal(part[name], whole[name][77:1077])
    np.testing.assert_array_equal(part_target, target[77:1077])


def test_schema_and_registry():
    document = {"type": "sine", "classification_function": 3, "has_noise": True}
    generator = generator_from_document(document, "schema: g")
    assert generator == Sine(classification_function=3, has_noise=True) and GENERATORS.get("sine") is Sine
    assert generator.to_document() == document
    assert [(f.name, f.arrow_type) for f in generator.features()] == [
        (str(k), pa.float64()) for k in range(4)
    ]


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("classification_function", 4, "allowed: 0, 1, 2, 3"),
        ("has_noise", "yes", "has_noise="),
        ("balance_classes", True, "allowed: classification_function, has_noise"),
    ],
)
def test_bad_parameters_are_named(option, value, allowed):
    with pytest.raises(SchemaError) as error:
        generator_from_document({"type": "sine", option: value}, "schema: generator")
    message = str(error.value)
    assert "schema: generator" in message and option in message and allowed in message
