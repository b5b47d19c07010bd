"""Hyperplane: river's labels on river's features, the weight path against a plain numpy walk, river's
distributions, rows independent of batches, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from numba.core import types
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import generator_from_document
from fastsynth.concepts.hyperplane import Hyperplane
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.hyperplane import (
    flip_key,
    hyperplane_closed,
    hyperplane_labels,
    hyperplane_walk,
)
from tests import naive


def river_rows(n: int, **options: object) -> tuple[np.ndarray, np.ndarray]:
    rows = list(synth.Hyperplane(**options).take(n))  # type: ignore[arg-type]
    x = np.array([list(features.values()) for features, _ in rows])
    return x, np.array([label for _, label in rows])


@pytest.mark.slow
@pytest.mark.parametrize(("n_features", "n_drift", "mag"), [(10, 2, 0.0), (10, 5, 0.001), (3, 3, 0.01)])
def test_labels_are_rivers_on_rivers_features(n_features, n_drift, mag):
    """With the stream's key as river's seed the weights start as river's; without reversals (sigma
    up to 0.01) and noise they move in closed form, and label river's rows as river does."""
    options = dict(n_features=n_features, n_drift_features=n_drift, mag_change=mag, noise_percentage=0.0)
    x, y = river_rows(20_000, seed=7, sigma=0.0, **options)
    generator = Hyperplane(sigma=0.0, **options)
    weights = generator.weights(np.arange(20_000), key=7)
    labels = np.empty(20_000, np.int8)
    hyperplane_labels(x, weights, labels)
    assert np.array_equal(labels, y)


@pytest.mark.parametrize(("n_features", "sigma"), [(4, 0.5), (4, 0.0), (40, 0.5), (40, 0.0)])
def test_fill_labels_with_the_weights(n_features, sigma):
    """The kernels label their own features with the weights ``weights`` gives, reversals and all (40
    features go through the kernels' scratch array rather than a tuple of buffers)."""
    options = dict(n_features=n_features, n_drift_features=3, mag_change=0.01, sigma=sigma)
    generator = Hyperplane(noise_percentage=0.0, **options)  # type: ignore[arg-type]
    columns, y = generator.sample(30_000, start=12_345, key=3)
    x = np.column_stack([columns[str(f)] for f in range(n_features)])
    labels = np.empty(30_000, np.int8)
    hyperplane_labels(x, generator.weights(np.arange(12_345, 42_345), key=3), labels)
    assert np.array_equal(labels, y)


_KERNELS = {"closed": hyperplane_closed, "walk": hyperplane_walk}


def test_one_compilation_serves_every_width_of_a_tuple():
    """Up to 16 features go to the kernels as a tuple padded to 16 buffers: numba compiles a kernel
    again for each length of tuple (seconds each), never for a new width here."""
    before = {name: set(kernel.signatures) for name, kernel in _KERNELS.items()}
    for n_features in (2, 5, 11):
        for sigma in (0.0, 0.5):  # closed form, then reversals (the walk)
            generator = Hyperplane(n_features=n_features, n_drift_features=2, mag_change=0.01, sigma=sigma)
            generator.sample(100, start=0, key=3)
    for name, kernel in _KERNELS.items():
        assert len(set(kernel.signatures) - before[name]) <= 1, name
        tuples = {t for signature in kernel.signatures for t in signature if isinstance(t, types.BaseTuple)}
        assert tuples == {types.UniTuple(types.float64[::1], 16)}, (name, tuples)


def reference_steps(key: int, n_drift: int, threshold: int, rows: int) -> np.ndarray:
    """Net steps of each drift weight at rows 0 .. rows-1, walked row by row in numpy from the rng's
    plain reference: a reversal after row t is half of the 64 bits of pair t // 2 below threshold."""
    reversal_key = int(flip_key(np.uint64(key)))
    t = np.arange(rows, dtype=np.int64)
    steps = np.empty((rows, n_drift), np.int64)
    for f in range(n_drift):
        bits = naive.at(naive.stream(reversal_key, f), t >> 1)
        half = np.where(t & 1, bits >> np.uint64(32), bits & np.uint64(0xFFFFFFFF))
        direction = np.concatenate(([1], np.cumprod(np.where(half < threshold, -1, 1))[:-1]))
        steps[:, f] = np.concatenate(([0], np.cumsum(direction)[:-1]))
    return steps


@pytest.mark.slow
def test_weight_path_is_the_row_by_row_walk():
    """Weights at any rows, in any order, from a fresh or a warm cache, are those of the plain walk:
    1.2M rows cross the cache's first mark (every 256 blocks of 4096 rows)."""
    generator = Hyperplane(n_features=5, n_drift_features=3, mag_change=0.001, sigma=0.3)
    n = 1_200_000
    expected = generator.state(9).weights + np.zeros((n, 5))
    expected[:, :3] += 0.001 * reference_steps(9, 3, int(generator.threshold), n)
    rng = np.random.default_rng(0)
    path = generator.state(9)
    picks = [
        np.arange(1_150_000, 1_160_000),  # far first: one parallel pass over the rows before
        np.arange(1_048_000, 1_049_000),  # just before a mark, then on it
        np.arange(1_048_576, 1_050_000),
        rng.integers(0, n, 5000),  # unsorted, repeated
        np.array([n - 1, 0, 4095, 4096, 4097]),
    ]
    for rows in picks:
        assert np.array_equal(generator.weights(rows, key=9, state=path), expected[rows])
        assert np.array_equal(generator.weights(rows, key=9), expected[rows])


def test_reversal_rate():
    """Directions reverse at river's rate, sigma - 0.01 per row and drift weight."""
    generator = Hyperplane(n_features=2, n_drift_features=2, mag_change=1.0, sigma=0.21)
    weights = generator.weights(np.arange(200_001), key=5)
    steps = np.rint(weights - generator.state(5).weights).astype(np.int64)
    reversals = np.count_nonzero(np.diff(np.diff(steps, axis=0), axis=0), axis=0)
    assert np.allclose(reversals / 200_000, 0.2, atol=0.004)


def test_distributions_are_rivers():
    options = dict(n_features=6, n_drift_features=3, mag_change=0.001, noise_percentage=0.1, sigma=0.1)
    x, y = river_rows(100_000, seed=11, **options)
    columns, ours = Hyperplane(**options).sample(100_000, key=11)  # type: ignore[arg-type]
    for f in range(6):
        assert stats.ks_2samp(x[:, f], columns[str(f)]).pvalue > 0.001
    assert abs(y.mean() - ours.mean()) < 0.01


def test_noise_is_rivers_rate():
    """River flips a label when ``0.01 + random() <= noise_percentage``: 0.29 of them for 0.3."""
    clean = Hyperplane(noise_percentage=0.0, mag_change=0.001).sample(100_000, key=2)
    noisy = Hyperplane(noise_percentage=0.3, mag_change=0.001).sample(100_000, key=2)
    for f in clean[0]:
        assert np.array_equal(clean[0][f], noisy[0][f])
    assert abs(np.mean(clean[1] != noisy[1]) - 0.29) < 0.005


@pytest.mark.parametrize("sigma", [0.0, 0.4])
def test_rows_do_not_depend_on_the_batch(sigma):
    generator = Hyperplane(mag_change=0.01, sigma=sigma)
    whole, y = generator.sample(20_000, start=3_000, key=4)
    for start, size in [(3_000, 1), (7_777, 4_096), (19_000, 4_000)]:
        part, y_part = generator.sample(size, start=start, key=4)
        window = slice(start - 3_000, start - 3_000 + size)
        assert np.array_equal(y_part, y[window])
        for name, values in part.items():
            assert np.array_equal(values, whole[name][window])


@pytest.mark.parametrize("sigma", [0.0, 0.4])
def test_desired_classes(sigma):
    generator = Hyperplane(mag_change=0.01, sigma=sigma, noise_percentage=0.3)
    desired = np.random.default_rng(1).integers(0, 2, 10_000)
    _, y = generator.sample(10_000, start=50, key=6, desired=desired)
    assert np.array_equal(y, desired)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"n_drift_features": 11}, ["n_drift_features=11", "n_features=10", "[0, 10]"]),
        ({"sigma": 1.5}, ["sigma=1.5", "[0, 1]"]),
        ({"mag_change": -0.1}, ["mag_change=-0.1", "[0, 1]"]),
        ({"n_features": 0}, ["n_features=0", "[1, 1000]"]),
        ({"noise": 0.1}, ["'noise'", "noise_percentage"]),
    ],
)
def test_bad_parameters(options, words):
    with pytest.raises(SchemaError) as error:
        generator_from_document({"type": "hyperplane", **options}, "schema: generator")
    assert all(word in str(error.value) for word in ["schema: generator", *words])


def test_rows_do_not_depend_on_the_threads(threads):
    generator = Hyperplane(mag_change=0.01, sigma=0.4)
    many = generator.sample(30_000, start=9_000, key=5)
    threads(1)
    one = generator.sample(30_000, start=9_000, key=5)
    assert np.array_equal(one[1], many[1])
    assert all(np.array_equal(one[0][name], values) for name, values in many[0].items())
