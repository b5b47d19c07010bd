"""The concept-drift benchmark generators (river's ``datasets.synth`` family) at kernel speed, each
registered by its name in ``GENERATORS``."""

from fastsynth.concepts import led, random_tree, sea, waveform
from fastsynth.concepts.base import GENERATORS, Feature, Generator, generator_from_document

__all__ = [
    "GENERATORS",
    "Feature",
    "Generator",
    "generator_from_document",
    "led",
    "random_tree",
    "sea",
    "waveform",
]
