"""Friedman and FriedmanDrift: river's targets on river's features (with river's own noise and coins
replayed), river's distributions, rows independent of batches, and clear errors."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import generator_from_document
from fastsynth.concepts.friedman import Friedman, FriedmanDrift
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.friedman import FRIEDMAN, GRA, GSG, LEA, friedman_targets

DRIFTS = [
    ("lea", (2_000, 5_000, 8_000), 0),
    ("gra", (3_000, 7_000), 0),
    ("gsg", (3_000, 7_000), 1_500),
]


def river_noise_and_coins(seed: int, n: int, points: tuple[int, ...], window: int) -> tuple[list, list]:
    """River's N(0, 1) noise of each row (its generator after the row's ten features) and the coins of
    its 'gsg' transitions (a second generator on the same seed, drawn only inside a window)."""
    rows, coins = random.Random(seed), random.Random(seed)
    noise, old = [], []
    for i in range(n):
        for _ in range(10):
            rows.random()
        noise.append(rows.gauss(0, 1))
        ends = (*points[1:], 2**62)
        in_window = any(p <= i < min(p + window, end) for p, end in zip(points, ends, strict=False))
        old.append(bool(coins.getrandbits(1)) if in_window else False)
    return noise, old


@pytest.mark.slow
@pytest.mark.parametrize(("drift_type", "position", "window"), [("none", (), 0), *DRIFTS])
def test_targets_are_rivers_on_rivers_features(drift_type, position, window):
    n = 10_000
    if drift_type == "none":
        river = synth.Friedman(seed=3)
        kind, points = FRIEDMAN, (2**62, 2**62, 2**62)
    else:
        river = synth.FriedmanDrift(
            drift_type=drift_type, position=position, transition_window=window, seed=3
        )
        kind = {"lea": LEA, "gra": GRA, "gsg": GSG}[drift_type]
        points = (*position, 2**62)[:3]
    taken = list(river.take(n))
    x = np.array([list(features.values()) for features, _ in taken])
    y = np.array([target for _, target in taken])
    noise, old = river_noise_and_coins(3, n, points[:2] if drift_type == "gsg" else (), window)
    ours = np.empty(n)
    friedman_targets(kind, *points, window, np.arange(n), np.array(old), x, ours)
    assert np.allclose(ours + np.array(noise), y, rtol=0, atol=1e-9)


def river_sample(river: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    taken = list(river.take(n))  # type: ignore[attr-defined]
    return np.array([list(x.values()) for x, _ in taken]), np.array([y for _, y in taken])


def test_distributions_are_rivers():
    x, y = river_sample(synth.Friedman(seed=4), 100_000)
    columns, ours = Friedman().sample(100_000, key=4)
    for f in range(10):
        assert stats.ks_2samp(x[:, f], columns[str(f)]).pvalue > 0.001
    assert ours.dtype == np.float64
    assert stats.ks_2samp(y, ours).pvalue > 0.001


@pytest.mark.parametrize(("drift_type", "position", "window"), DRIFTS)
def test_drifting_targets_are_distributed_as_rivers(drift_type, position, window):
    """Concept by concept (the features are Friedman's, checked above; 30k rows, river being slow)."""
    position = tuple(3 * p for p in position)
    river = synth.FriedmanDrift(drift_type=drift_type, position=position, transition_window=window, seed=4)
    _, y = river_sample(river, 30_000)
    generator = FriedmanDrift(drift_type=drift_type, position=position, transition_window=window)
    _, ours = generator.sample(30_000, key=4)
    for lo, hi in itertools.pairwise((0, *position, 30_000)):
        assert stats.ks_2samp(y[lo:hi], ours[lo:hi]).pvalue > 0.001


def test_gradual_transition_mixes_half_and_half():
    """In a 'gsg' window a row takes the old concept or the new one with equal chance: the old one's
    target is known from the features, so half the rows match it (to within the noise)."""
    generator = FriedmanDrift(drift_type="gsg", position=(1_000, 200_000), transition_window=100_000)
    columns, y = generator.sample(100_000, start=1_000, key=8)
    x = np.column_stack([columns[str(f)] for f in range(10)])
    rows = np.arange(1_000, 101_000)
    old, new = np.empty(100_000), np.empty(100_000)
    friedman_targets(GSG, 1_000, 200_000, 2**62, 100_000, rows, np.ones(100_000, np.bool_), x, old)
    friedman_targets(GSG, 1_000, 200_000, 2**62, 100_000, rows, np.zeros(100_000, np.bool_), x, new)
    closer_old = np.abs(y - old) < np.abs(y - new)
    assert abs(closer_old.mean() - 0.5) < 0.02


def test_regression_target():
    assert Friedman().classes() is None and str(Friedman().target_type()) == "double"
    assert FriedmanDrift().points == (50_000, 100_000, 150_000)
    assert FriedmanDrift(drift_type="gra").points == (50_000, 100_000)


@pytest.mark.parametrize("document", [{"type": "friedman"}, {"type": "friedman_drift", "drift_type": "gsg"}])
def test_rows_do_not_depend_on_the_batch(document):
    generator = generator_from_document(document, "test")
    whole, y = generator.sample(20_000, start=45_000, key=4)
    for start, size in [(45_000, 1), (49_999, 5_001), (60_000, 5_000)]:
        part, y_part = generator.sample(size, start=start, key=4)
        window = slice(start - 45_000, start - 45_000 + size)
        assert np.array_equal(y_part, y[window])
        for name, values in part.items():
            assert np.array_equal(values, whole[name][window])


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"drift_type": "abc"}, ["drift_type='abc'", "lea, gra, gsg"]),
        ({"position": [1, 2]}, ["position=[1, 2]", "3 increasing", "'lea'"]),
        ({"drift_type": "gra", "position": [1, 2, 3]}, ["position=[1, 2, 3]", "2 increasing", "'gra'"]),
        ({"position": [5, 5, 9]}, ["position=[5, 5, 9]", "not increasing"]),
        ({"position": [-1, 5, 9]}, ["position[0]=-1", ">= 0"]),
        (
            {"drift_type": "gsg", "position": [100, 150], "transition_window": 60},
            ["transition_window=60", "[0, 50]"],
        ),
        ({"n_features": 5}, ["'n_features'", "position"]),
    ],
)
def test_bad_parameters(document, words):
    with pytest.raises(SchemaError) as error:
        generator_from_document({"type": "friedman_drift", **document}, "schema: generator")
    assert all(word in str(error.value) for word in ["schema: generator", *words])


def test_rows_do_not_depend_on_the_threads(threads):
    generator = FriedmanDrift(drift_type="gsg", position=(10_000, 20_000), transition_window=5_000)
    many = generator.sample(30_000, start=9_000, key=5)
    threads(1)
    one = generator.sample(30_000, start=9_000, key=5)
    assert np.array_equal(one[1], many[1])
    assert all(np.array_equal(one[0][name], values) for name, values in many[0].items())
