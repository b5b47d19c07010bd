"""Random RBF: river's centroids for the same seed, river's weighted choice, river's moving centroids at
any row in closed form, river's distributions, rows independent of batches, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from river.datasets import synth
from river.datasets.synth.random_rbf import random_index_based_on_weights
from scipy import stats

import fastsynth
from fastsynth.concepts import generator_from_document
from fastsynth.concepts.base import Rows
from fastsynth.concepts.random_rbf import RandomRBF, RandomRBFDrift
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.random_rbf import centres_at, guide_table, picks

OPTIONS = dict(n_classes=3, n_features=4, n_centroids=20)


def test_centroids_are_rivers():
    """The stream's key as river's seed_model gives river's centres, classes, deviations, weights and
    (drifting) directions."""
    river = synth.RandomRBFDrift(seed_model=5, change_speed=0.02, n_drift_centroids=6, **OPTIONS)
    iter(river).__next__()  # river builds its centroids on the first row
    ours = RandomRBFDrift(change_speed=0.02, n_drift_centroids=6, **OPTIONS).state(5)
    river_centres = np.array([c.centre for c in river.centroids])
    assert np.array_equal(ours.centres[6:], river_centres[6:])  # the first 6 have moved once
    assert np.allclose(centres_at(ours.centres, ours.velocities, 1), river_centres, rtol=0, atol=1e-15)
    assert np.array_equal(ours.labels, [c.class_label for c in river.centroids])
    assert np.array_equal(ours.deviations, [c.std_dev for c in river.centroids])
    assert np.array_equal(ours.weights, river.centroid_weights)
    assert np.allclose(ours.velocities, np.abs(np.array(river.centroid_speed)) * 0.02, rtol=0, atol=1e-15)
    still = RandomRBF(**OPTIONS).state(5)
    assert np.array_equal(still.centres, ours.centres) and still.velocities.shape == (0, 4)


@pytest.mark.parametrize("kind", ["random_rbf", "random_rbf_drift"])
def test_rivers_seed_model_in_a_schema_gives_rivers_centroids(kind):
    options = {**OPTIONS, "seed_model": 7, **({"n_drift_centroids": 6} if kind == "random_rbf_drift" else {})}
    generator = generator_from_document({"type": kind, **options}, "schema: generator")
    river = (synth.RandomRBF if kind == "random_rbf" else synth.RandomRBFDrift)(**options)
    iter(river).__next__()
    for key in (1, 2):  # any key: the generator's seed and options no longer choose the centroids
        ours = generator.state(key)
        assert np.array_equal(ours.labels, [c.class_label for c in river.centroids])
        assert np.array_equal(ours.weights, river.centroid_weights)
    table = fastsynth.generate(fastsynth.Schema.from_dict({"generator": {"type": kind, **options}}), 10)
    assert table.num_rows == 10 and table.column_names[-1] == "target"


class Fixed:
    """Stands in for river's random generator: ``random()`` gives the values asked for."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = iter(values.tolist())

    def random(self) -> float:
        return next(self.values)


def test_weighted_choice_is_rivers():
    weights = np.random.default_rng(3).random(50)
    weights[[0, 7, 8, 49]] = 0.0  # centroids that can never be chosen
    cumulative = np.cumsum(weights)
    edges = np.arange(256) / 256  # the guide table's buckets' starts, and just below them
    u = np.concatenate(
        (np.random.default_rng(4).random(20_000), edges, np.nextafter(edges, -1)[1:], [1 - 2**-53])
    )
    ours = np.empty(u.shape[0], np.int64)
    picks(cumulative, guide_table(cumulative), u, ours)
    fixed = Fixed(u)
    assert ours.tolist() == [random_index_based_on_weights(weights.tolist(), fixed) for _ in u]


@pytest.mark.parametrize("change_speed", [0.05, -0.3, 1.7])
def test_moving_centroids_are_rivers(change_speed):
    """River moves every centroid before each row and bounces it off 0 and 1; row ``k - 1`` is drawn
    after ``k`` moves, which the closed form reaches directly."""
    river = synth.RandomRBFDrift(seed_model=8, change_speed=change_speed, n_drift_centroids=7, **OPTIONS)
    generator = RandomRBFDrift(change_speed=change_speed, n_drift_centroids=7, **OPTIONS)
    state = generator.state(8)
    rows = iter(river)
    moves = 0
    for target in (1, 2, 10, 333, 2_000):
        while moves < target:
            next(rows)
            moves += 1
        expected = np.array([c.centre for c in river.centroids])
        assert np.allclose(generator.centres(moves - 1, state=state), expected, rtol=0, atol=1e-9)


def river_path(c: float, v: float, moves: int) -> list[float]:
    """River's loop for one coordinate: its position after 0, 1, ... ``moves`` moves."""
    path = [c]
    for _ in range(moves):
        c += v
        if c > 1 or c < 0:
            c, v = (1.0 if c > 1 else 0.0), -v
        path.append(c)
    return path


def test_moving_coordinates_exactly_as_rivers_loop():
    """With speeds and starts that are multiples of 2**-12 river's sums are exact, and so must the
    closed form be, at every move and at moves far beyond (the path is periodic once it turns)."""
    starts = np.array([[37, 0, 4095, 2048]]) / 4096
    velocities = np.array([[4, -32, 3, -4095]]) / 4096
    paths = [river_path(starts[0, f], velocities[0, f], 20_000) for f in range(4)]
    expected = np.array(paths).T
    got = np.array([centres_at(starts, velocities, k)[0] for k in range(20_001)])
    assert np.array_equal(got, expected)
    for f in range(4):
        period = next(p for p in range(2, 20_000) if paths[f][10_000 + p] == paths[f][10_000] and
                      paths[f][10_001 + p] == paths[f][10_001])  # fmt: skip
        far = 10**12 + 10_000
        at = 10_000 + (far - 10_000) % period
        assert centres_at(starts, velocities, far)[0, f] == paths[f][at]


def test_far_rows_stay_in_bounds():
    centres = np.random.default_rng(0).random((50, 6))
    velocities = np.random.default_rng(1).random((50, 6)) * 0.01 - 0.005
    for moves in (10**6, 10**9 + 7, 2**62):
        positions = centres_at(centres, velocities, moves)
        assert np.all((positions >= 0.0) & (positions <= 1.0))


@pytest.mark.parametrize(
    ("kind", "extra"),
    [("RandomRBF", {}), ("RandomRBFDrift", {"change_speed": 0.001, "n_drift_centroids": 4})],
)
def test_distributions_are_rivers(kind, extra):
    river = getattr(synth, kind)(seed_model=5, seed_sample=9, **OPTIONS, **extra)
    rows = list(river.take(100_000))
    x = np.array([list(features.values()) for features, _ in rows])
    y = np.array([label for _, label in rows])
    generator = generator_from_document(
        {"type": "random_rbf" if not extra else "random_rbf_drift", **OPTIONS, **extra}, "test"
    )
    columns, ours = generator.sample(100_000, key=5)
    for f in range(4):
        assert stats.ks_2samp(x[:, f], columns[str(f)]).pvalue > 0.001
    state = generator.state(5)
    share = np.bincount(state.labels, weights=state.weights, minlength=3) / state.weights.sum()
    for labels in (y, ours):
        assert stats.chisquare(np.bincount(labels, minlength=3), share * 100_000).pvalue > 0.001


def test_rows_lie_around_their_centroids():
    """A row is its centroid's centre plus a random direction times a normal times the deviation: with
    one centroid per class, a row's distance from its class's centre over the centroid's deviation is
    the absolute value of a standard normal."""
    generator = RandomRBF(n_classes=2, n_features=3, n_centroids=2)
    state = generator.state(3)
    assert sorted(state.labels) == [0, 1]  # seed 3: one centroid per class
    columns, y = generator.sample(20_000, key=3)
    x = np.column_stack([columns[str(f)] for f in range(3)])
    centroid = np.argsort(state.labels)[y]  # the centroid of each row's class
    distance = np.linalg.norm(x - state.centres[centroid], axis=1)
    deviation = state.deviations[centroid]
    assert stats.kstest(distance / deviation, stats.chi(1).cdf).pvalue > 0.001  # |N(0, 1)|


@pytest.mark.parametrize("extra", [{}, {"change_speed": 0.01}, {"change_speed": 0.01, "n_features": 30}])
def test_rows_do_not_depend_on_the_batch(extra):
    generator = generator_from_document(
        {"type": "random_rbf" if not extra else "random_rbf_drift", **extra}, "test"
    )
    whole, y = generator.sample(10_000, start=500, key=4)
    for start, size in [(500, 1), (2_345, 3_000), (10_000, 500)]:
        part, y_part = generator.sample(size, start=start, key=4)
        window = slice(start - 500, start - 500 + size)
        assert np.array_equal(y_part, y[window])
        for name, values in part.items():
            assert np.array_equal(values, whole[name][window])


def test_desired_classes():
    generator = RandomRBFDrift(n_classes=5, n_centroids=30, change_speed=0.01)
    desired = np.random.default_rng(1).integers(0, 5, 10_000)
    state = generator.state(6)
    present = np.isin(desired, state.labels)
    rows = np.arange(10_000, dtype=np.int64)
    columns = [np.empty(10_000) for _ in range(10)]
    y = np.empty(10_000, np.int8)
    missed = generator.fill(Rows(rows, np.uint64(6), state, desired, columns, y))
    assert np.array_equal(y[present], desired[present])
    assert missed == np.count_nonzero(~present)


def test_buffers_of_any_layout_are_filled_and_missing_ones_refused():
    """Buffers the kernels cannot take as one tuple (a strided view, float32) go through the scratch
    array, with the same values; a buffer short of the width is refused before a kernel writes."""
    generator = RandomRBF(n_features=3, n_centroids=8)
    state = generator.state(2)
    rows, desired = np.arange(500, dtype=np.int64), np.full(500, -1, np.int64)
    expected, y = generator.sample(500, key=2)
    matrix = np.empty((500, 3))
    for columns in ([matrix[:, f] for f in range(3)], [np.empty(500, np.float32) for _ in range(3)]):
        target = np.empty(500, np.int8)
        generator.fill(Rows(rows, np.uint64(2), state, desired, columns, target))
        np.testing.assert_array_equal(target, y)
        for f, name in enumerate(generator.feature_names()):
            np.testing.assert_array_equal(columns[f], expected[name].astype(columns[f].dtype))
    with pytest.raises(ValueError, match="3 feature buffers of 500 rows each are needed; got 2"):
        generator.fill(Rows(rows, np.uint64(2), state, desired, [np.empty(500)] * 2, np.empty(500, np.int8)))


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"type": "random_rbf", "n_classes": 1}, ["n_classes=1", "[2, 127]"]),
        ({"type": "random_rbf", "n_centroids": 0}, ["n_centroids=0", "[1, 100000]"]),
        ({"type": "random_rbf_drift", "n_drift_centroids": -1}, ["n_drift_centroids=-1", ">= 0"]),
        ({"type": "random_rbf_drift", "change_speed": "fast"}, ["change_speed='fast'", "a number"]),
        ({"type": "random_rbf", "change_speed": 0.1}, ["'change_speed'", "n_centroids"]),
    ],
)
def test_bad_parameters(document, words):
    with pytest.raises(SchemaError) as error:
        generator_from_document(document, "schema: generator")
    assert all(word in str(error.value) for word in ["schema: generator", *words])


def test_more_drift_centroids_than_centroids_move_them_all():
    """As river, which warns and uses n_centroids."""
    generator = RandomRBFDrift(n_centroids=4, n_drift_centroids=50, change_speed=0.1)
    assert generator.state(2).velocities.shape == (4, 10)


def test_rows_do_not_depend_on_the_threads(threads):
    generator = RandomRBFDrift(change_speed=0.01)
    many = generator.sample(30_000, start=9_000, key=5)
    threads(1)
    one = generator.sample(30_000, start=9_000, key=5)
    assert np.array_equal(one[1], many[1])
    assert all(np.array_equal(one[0][name], values) for name, values in many[0].items())
