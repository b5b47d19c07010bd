"""waveform: river's base waves and class pairs; per-class means, correlations and distributions of
every feature as river's; noise features standard normal; rows independent of batches; errors."""

from __future__ import annotations

import numpy as np
import pytest
from river.datasets import synth
from scipy import stats

from fastsynth.concepts import generator_from_document
from fastsynth.concepts.waveform import Waveform
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.waveform import WAVE_PAIRS, WAVES, waveform_mean

RIVER_ROWS = 20_000  # river makes about 15,000 rows a second with noise features
ROWS = 100_000


@pytest.fixture(scope="module")
def river():
    data = list(synth.Waveform(seed=1, has_noise=True).take(RIVER_ROWS))
    return np.array([list(x.values()) for x, _ in data]).T.copy(), np.array([y for _, y in data])


@pytest.fixture(scope="module")
def ours():
    generator = Waveform(has_noise=True)
    columns, y = generator.sample(ROWS, key=11)
    return np.array([columns[name] for name in generator.feature_names()]), y


def test_waves_and_class_pairs_are_rivers():
    assert WAVES.tolist() == synth.Waveform._H_FUNCTION
    for label in range(3):  # river's choice_a, choice_b
        assert WAVE_PAIRS[label].tolist() == [1 if label == 2 else 0, 1 if label == 0 else 2]


def test_the_noiseless_mix_is_rivers_formula():
    waves = synth.Waveform._H_FUNCTION
    for label in range(3):
        a, b = (1 if label == 2 else 0), (1 if label == 0 else 2)
        for u in (0.0, 0.3, 0.999):
            for c in range(21):
                assert waveform_mean(label, u, c) == u * waves[a][c] + (1.0 - u) * waves[b][c]


def test_features_are_rivers_names_and_types():
    for has_noise, count in [(False, 21), (True, 40)]:
        x, _ = next(iter(synth.Waveform(seed=1, has_noise=has_noise)))
        generator = Waveform(has_noise=has_noise)
        assert generator.feature_names() == tuple(str(k) for k in x) and len(x) == count
        columns, _ = generator.sample(5)
        assert all(column.dtype == np.float64 for column in columns.values())
    assert Waveform().classes() == 3


def test_the_first_21_features_do_not_depend_on_the_noise_features():
    short, y = Waveform().sample(2_000, key=4)
    long, long_y = Waveform(has_noise=True).sample(2_000, key=4)
    np.testing.assert_array_equal(y, long_y)
    for name, column in short.items():
        np.testing.assert_array_equal(column, long[name])


@pytest.mark.slow
def test_classes_are_balanced_as_rivers(river, ours):
    table = [np.bincount(ours[1], minlength=3), np.bincount(river[1], minlength=3)]
    assert stats.chi2_contingency(table).pvalue > 1e-3


@pytest.mark.slow
def test_per_class_means_are_rivers_and_the_mixes(river, ours):
    for label in range(3):
        mine = ours[0][:21, ours[1] == label].mean(axis=1)
        theirs = river[0][:21, river[1] == label].mean(axis=1)
        expected = 0.5 * (WAVES[WAVE_PAIRS[label, 0]] + WAVES[WAVE_PAIRS[label, 1]])
        np.testing.assert_allclose(mine, theirs, atol=0.12)  # 5 standard errors of river's 6,700 rows
        np.testing.assert_allclose(mine, expected, atol=0.05)


@pytest.mark.slow
def test_per_class_correlations_are_rivers(river, ours):
    """The shared weight couples a class's features: two waves' peaks move against each other."""
    for label in range(3):
        mine = np.corrcoef(ours[0][:21, ours[1] == label])
        theirs = np.corrcoef(river[0][:21, river[1] == label])
        np.testing.assert_allclose(mine, theirs, atol=0.06)
    assert np.corrcoef(ours[0][:, ours[1] == 0])[6, 14] < -0.4  # class 0 mixes waves 0 and 1


@pytest.mark.slow
def test_every_feature_is_distributed_as_rivers_in_every_class(river, ours):
    for label in range(3):
        mine, theirs = ours[0][:, ours[1] == label], river[0][:, river[1] == label]
        for c in range(40):
            assert stats.ks_2samp(mine[c], theirs[c]).pvalue > 1e-3, (label, c)


@pytest.mark.slow
def test_noise_features_are_standard_normal_and_independent(ours):
    noise = ours[0][21:]
    for c in range(19):
        assert stats.kstest(noise[c], "norm").pvalue > 1e-3, c
    # with one another and with the class: 190 correlations of 100k rows, standard error 0.003
    pairs = np.corrcoef(np.vstack([noise, ours[1]]))[np.triu_indices(20, 1)]
    assert np.abs(pairs).max() < 0.015


def test_rows_do_not_depend_on_the_batch():
    generator = Waveform(has_noise=True)
    columns, target = generator.sample(3_000, key=3)
    part, part_target = generator.sample(1_000, start=1_234, key=3)
    np.testing.assert_array_equal(part_target, target[1_234:2_234])
    for name in generator.feature_names():
        np.testing.assert_array_equal(part[name], columns[name][1_234:2_234])


def test_desired_classes_come_exactly():
    generator = Waveform()
    desired = np.arange(3_000) % 3
    columns, target = generator.sample(3_000, key=3, desired=desired)
    np.testing.assert_array_equal(target, desired)
    free, free_target = generator.sample(3_000, key=3)
    keep = free_target == desired  # rows already of the class asked for are unchanged
    for name in generator.feature_names():
        np.testing.assert_array_equal(columns[name][keep], free[name][keep])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"has_noise": 1.5}, "has_noise=1.5 is not true or false"),
        ({"n_features": 40}, "unknown parameter 'n_features'"),
        ({"seed": "one"}, "seed='one' is not an integer"),
    ],
)
def test_bad_parameters_name_the_parameter_value_and_what_is_allowed(document, message):
    with pytest.raises(SchemaError) as info:
        generator_from_document({"type": "waveform", **document}, "schema: generator")
    assert str(info.value).startswith("schema: generator: ")
    assert message in str(info.value)
