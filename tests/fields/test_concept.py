"""Concept-drift stream labels (SEA, Sine, STAGGER) against river's own labelling functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from river.datasets import synth

import fastsynth
from fastsynth.errors import SchemaError


def uniform(low: float, high: float) -> dict:
    return {"type": "float", "distribution": "uniform", "min": low, "max": high}


def sea(**label) -> dict:
    spec = {"type": "concept", "stream": "sea", "inputs": ["x0", "x1"], **label}
    return {"x0": uniform(0, 10), "x1": uniform(0, 10), "x2": uniform(0, 10), "y": spec}


def columns(schema, rows, **options):
    table = fastsynth.generate(schema, rows, **options)
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def test_sea_labels_follow_the_threshold_of_each_concept_around_the_switch():
    schema = sea(concepts=[0, 3], drift=[{"position": 100_000, "width": 2000}])
    c = columns(schema, 200_000, seed=1)
    total = c["x0"] + c["x1"]
    before, after = slice(0, 90_000), slice(110_000, 200_000)
    assert np.array_equal(c["y"][before], (total[before] > 8).astype(np.int8))
    assert np.array_equal(c["y"][after], (total[after] > 9.5).astype(np.int8))
    # Inside the window the new concept's share follows river's sigmoid 1 / (1 + exp(-4 (i - p) / w)).
    differ = (total > 8) != (total > 9.5)  # rows whose label tells the concepts apart
    for offset, band in ((-2000, 400), (0, 400), (2000, 400)):
        rows = np.arange(100_000 + offset - band, 100_000 + offset + band)
        rows = rows[differ[rows]]
        share = float(np.mean(c["y"][rows] == (total[rows] > 9.5)))
        assert abs(share - 1 / (1 + math.exp(-4 * offset / 2000))) < 0.06


def test_noise_flips_that_share_of_labels():
    c = columns(sea(noise=0.1), 400_000, seed=2)
    flipped = np.mean(c["y"] != (c["x0"] + c["x1"] > 8))
    assert abs(flipped - 0.1) < 0.003


@pytest.mark.parametrize("variant", range(4))
def test_sine_labels_equal_rivers_functions(variant):
    schema = {
        "a": uniform(0, 1),
        "b": uniform(0, 1),
        "y": {"type": "concept", "stream": "sine", "inputs": ["a", "b"], "concepts": [variant]},
    }
    c = columns(schema, 20_000, seed=3)
    function = synth.Sine(classification_function=variant)._functions[variant]
    assert c["y"].tolist() == [function(a, b) for a, b in zip(c["a"], c["b"], strict=True)]


@pytest.mark.parametrize("variant", range(3))
def test_stagger_labels_equal_rivers_functions_on_category_columns(variant):
    schema = {
        "size": {"type": "category", "categories": ["small", "medium", "large"]},
        "colour": {"type": "category", "categories": ["red", "blue", "green"]},
        "shape": {"type": "category", "categories": ["circle", "square", "triangle"]},
        "y": {
            "type": "concept",
            "stream": "stagger",
            "inputs": ["size", "colour", "shape"],
            "concepts": [variant],
        },
    }
    table = fastsynth.generate(schema, 5000, seed=4)
    codes = [table.column(n).combine_chunks().indices.to_pylist() for n in ("size", "colour", "shape")]
    function = synth.STAGGER(classification_function=variant)._functions[variant]
    assert table.column("y").to_pylist() == [function(s, c, h) for s, c, h in zip(*codes, strict=True)]


def test_labels_do_not_depend_on_batches_threads_or_start(threads):
    schema = sea(concepts=[0, 1, 2], drift=[{"position": 3000, "width": 500}, {"position": 7000}], noise=0.05)
    whole = fastsynth.generate(schema, 10_000, seed=5)
    threads(1)
    pieces = fastsynth.generate(schema, 10_000, seed=5, batch_size=777)
    assert pieces.equals(whole)
    assert fastsynth.generate(schema, 100, seed=5, start=6950).equals(whole.slice(6950, 100))


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ({"stream": "agrawal"}, "stream='agrawal' is not allowed; allowed: sea, sine, stagger"),
        ({"inputs": ["x0"]}, "inputs=['x0']: stream 'sea' reads 2 columns"),
        ({"concepts": [0, 4], "drift": [{"position": 5}]}, "concepts=[0, 4]: variants of 'sea' are 0 to 3"),
        ({"concepts": [0, 1]}, "drift has 0 switches for 2 concepts"),
        (
            {"concepts": [0, 1], "drift": [{"when": 5}]},
            "drift[0]: unknown key 'when'; allowed: position, width",
        ),
        (
            {"concepts": [0, 1], "drift": [{"position": 5, "width": 0}]},
            "drift[0]: width=0 is not a number > 0",
        ),
        (
            {"concepts": [0, 1], "drift": [{"position": "soon"}]},
            "drift[0]: position='soon' is not a number >= 0",
        ),
        ({"noise": 1.5}, "noise=1.5 is not a number in [0, 1]"),
        ({"inputs": ["x0", "nope"]}, "inputs: 'nope' is not another column"),
    ],
)
def test_bad_labels_are_refused(label, message):
    schema = sea()
    schema["y"] = {**schema["y"], **label}
    with pytest.raises(SchemaError, match="field 'y'") as caught:
        fastsynth.generate(schema, 10)
    assert message in str(caught.value)


def test_text_inputs_are_refused():
    schema = {"n": {"type": "name"}, "m": {"type": "name"}}
    schema["y"] = {"type": "concept", "stream": "sine", "inputs": ["n", "m"]}
    with pytest.raises(SchemaError, match="inputs: column 'n' is string, not numbers or categories"):
        fastsynth.Schema.from_dict(schema)
