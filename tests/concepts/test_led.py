"""led and led_drift: a noiseless row's segments give its digit, on river's rows and ours; river's
drift swaps from the same seed; segment, noise and class distributions as river's; rows independent
of batches; parameter errors."""

from __future__ import annotations

import numpy as np
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import generator_from_document
from fastsynth.concepts.led import Led, LedDrift
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.led import LED_SEGMENTS, led_labels


def river_rows(dataset, n):
    data = list(dataset.take(n))
    return np.array([list(x.values()) for x, _ in data], np.int64).T.copy(), np.array([y for _, y in data])


def labels(segments):
    out = np.empty(segments.shape[1], np.int64)
    led_labels(np.ascontiguousarray(segments, np.int64), out)
    return out


def matrix(columns, generator):
    return np.array([columns[name] for name in generator.feature_names()])


def test_segments_are_rivers_digits():
    assert LED_SEGMENTS.tolist() == synth.LED._ORIGINAL_INSTANCES


@pytest.mark.slow
@pytest.mark.parametrize("irrelevant", [False, True])
def test_rivers_noiseless_rows_relabelled_give_rivers_labels(irrelevant):
    x, y = river_rows(synth.LED(seed=3, irrelevant_features=irrelevant), 20_000)
    np.testing.assert_array_equal(labels(x[:7]), y)


@pytest.mark.parametrize("seed", [1, 112, 2024])
@pytest.mark.parametrize("n_drift", [1, 4, 7])
def test_the_drift_swaps_are_rivers_for_the_same_seed(seed, n_drift):
    river = synth.LEDDrift(seed=seed, irrelevant_features=True, n_drift_features=n_drift)
    x, y = river_rows(river, 5_000)
    (sources,) = LedDrift(irrelevant_features=True, n_drift_features=n_drift).state(seed)
    assert sources.tolist() == river._attr_idx  # swaps: each column holds the source it is swapped with
    assert sorted(sources.tolist()) == list(range(24)) and (sources[:7] != np.arange(7)).sum() == n_drift
    segments = np.empty((7, x.shape[1]), np.int64)
    for column, source in enumerate(sources):
        if source < 7:
            segments[source] = x[column]
    np.testing.assert_array_equal(labels(segments), y)


def test_drift_needs_irrelevant_attributes_as_in_river():
    assert LedDrift(n_drift_features=3).state(1)[0].tolist() == list(range(7))
    assert LedDrift(irrelevant_features=True).state(1)[0].tolist() == list(range(24))


@pytest.mark.parametrize(
    "generator",
    [Led(), Led(irrelevant_features=True), LedDrift(irrelevant_features=True, n_drift_features=5)],
)
def test_own_noiseless_rows_relabelled_give_the_target(generator):
    columns, target = generator.sample(20_000, key=7)
    (sources,) = generator.state(7)
    x = matrix(columns, generator)
    segments = np.empty((7, x.shape[1]), np.int64)
    for column, source in enumerate(sources):
        if source < 7:
            segments[source] = x[column]
    np.testing.assert_array_equal(labels(segments), target)
    assert set(np.unique(x[sources >= 7])) <= {0, 1}


def test_features_are_rivers_names_and_types():
    for generator, river in [
        (Led(), synth.LED(seed=1)),
        (Led(irrelevant_features=True), synth.LED(seed=1, irrelevant_features=True)),
        (
            LedDrift(irrelevant_features=True, n_drift_features=2),
            synth.LEDDrift(seed=1, irrelevant_features=True, n_drift_features=2),
        ),
    ]:
        x, _ = next(iter(river))
        assert generator.feature_names() == tuple(str(k) for k in x)
        columns, _ = generator.sample(5)
        assert all(columns[str(k)].dtype == np.int64 for k in x) and all(type(v) is int for v in x.values())
        assert generator.classes() == 10


@pytest.mark.slow
@pytest.mark.parametrize(
    ("generator", "river"),
    [
        (
            Led(noise_percentage=0.28, irrelevant_features=True),
            synth.LED(seed=5, noise_percentage=0.28, irrelevant_features=True),
        ),
        (
            LedDrift(noise_percentage=0.1, irrelevant_features=True, n_drift_features=4),
            synth.LEDDrift(seed=5, noise_percentage=0.1, irrelevant_features=True, n_drift_features=4),
        ),
    ],
)
def test_segments_noise_and_classes_are_distributed_as_rivers(generator, river):
    """100k rows of ours against 40k of river's (river makes about 36,000 a second); the drift's swaps
    from the same seed (5)."""
    theirs, their_y = river_rows(river, 40_000)
    columns, y = generator.sample(100_000, key=5)
    ours = matrix(columns, generator)
    assert (
        stats.chi2_contingency([np.bincount(y, minlength=10), np.bincount(their_y, minlength=10)]).pvalue
        > 1e-3
    )
    for digit in range(10):  # each column's share of ones, per digit: the segments and their noise
        mine, other = ours[:, y == digit], theirs[:, their_y == digit]
        for column in range(ours.shape[0]):
            table = [
                [mine[column].sum(), (1 - mine[column]).sum()],
                [other[column].sum(), (1 - other[column]).sum()],
            ]
            if min(map(min, table)) == 0:  # a segment no noise ever inverts (none here)
                assert table[0][1] == table[1][1] == 0 or table[0][0] == table[1][0] == 0
                continue
            assert stats.chi2_contingency(table).pvalue > 1e-4, (digit, column)
    (sources,) = generator.state(5)
    relevant = ours[np.argsort(sources)[:7]]
    inverted = (relevant != LED_SEGMENTS[y].T).mean()
    assert inverted == pytest.approx(generator.noise_percentage - 0.01, abs=0.003)  # river's 0.01 + u rule


def test_noise_at_one_percent_or_below_inverts_nothing_as_in_river():
    generator = Led(noise_percentage=0.01)
    columns, y = generator.sample(10_000)
    np.testing.assert_array_equal(labels(matrix(columns, generator)), y)


def test_rows_do_not_depend_on_the_batch():
    generator = LedDrift(noise_percentage=0.2, irrelevant_features=True, n_drift_features=3)
    columns, target = generator.sample(3_000, key=3)
    part, part_target = generator.sample(1_000, start=1_234, key=3)
    np.testing.assert_array_equal(part_target, target[1_234:2_234])
    for name in generator.feature_names():
        np.testing.assert_array_equal(part[name], columns[name][1_234:2_234])


def test_desired_classes_come_exactly():
    generator = Led(noise_percentage=0.1, irrelevant_features=True)
    desired = np.arange(3_000) % 10
    columns, target = generator.sample(3_000, key=3, desired=desired)
    np.testing.assert_array_equal(target, desired)
    free, free_target = generator.sample(3_000, key=3)
    keep = free_target == desired  # rows already of the digit asked for are unchanged
    for name in generator.feature_names():
        np.testing.assert_array_equal(columns[name][keep], free[name][keep])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "led", "noise_percentage": 1.5}, "noise_percentage=1.5 is not a number in [0, 1]"),
        ({"type": "led", "irrelevant_features": "yes"}, "irrelevant_features='yes' is not true or false"),
        ({"type": "led", "n_drift_features": 2}, "unknown parameter 'n_drift_features'"),
        ({"type": "led_drift", "n_drift_features": 8}, "n_drift_features=8 is not an integer in [0, 7]"),
        ({"type": "led_drift", "seed": 1.5}, "seed=1.5 is not an integer"),
    ],
)
def test_bad_parameters_name_the_parameter_value_and_what_is_allowed(document, message):
    with pytest.raises(SchemaError) as info:
        generator_from_document(document, "schema: generator")
    assert str(info.value).startswith("schema: generator: ")
    assert message in str(info.value)
