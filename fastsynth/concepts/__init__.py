"""The concept-drift benchmark generators (river's ``datasets.synth`` family) at kernel speed, each
registered by its name in ``GENERATORS``, and ``river`` for any river stream at river's speed."""

from fastsynth.concepts import agrawal, mixed, river, sea, sine, stagger
from fastsynth.concepts.base import GENERATORS, Feature, Generator, generator_from_document

__all__ = [
    "GENERATORS",
    "Feature",
    "Generator",
    "agrawal",
    "generator_from_document",
    "mixed",
    "river",
    "sea",
    "sine",
    "stagger",
]
