"""The concept-drift benchmark generators (river's ``datasets.synth`` family) at kernel speed, each
registered by its name in ``GENERATORS``, and ``river`` for any river stream at river's speed."""

from fastsynth.concepts import (
    agrawal,
    friedman,
    hyperplane,
    led,
    mixed,
    random_rbf,
    random_tree,
    river,
    sea,
    sine,
    stagger,
    waveform,
)
from fastsynth.concepts.base import GENERATORS, Feature, Generator, generator_from_document

__all__ = [
    "GENERATORS",
    "Feature",
    "Generator",
    "agrawal",
    "friedman",
    "generator_from_document",
    "hyperplane",
    "led",
    "mixed",
    "random_rbf",
    "random_tree",
    "river",
    "sea",
    "sine",
    "stagger",
    "waveform",
]
