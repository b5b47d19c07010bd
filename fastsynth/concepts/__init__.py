"""The concept-drift benchmark generators (river's ``datasets.synth`` family) at kernel speed, each
registered by its name in ``GENERATORS``."""

from fastsynth.concepts import friedman, hyperplane, random_rbf, sea
from fastsynth.concepts.base import GENERATORS, Feature, Generator, generator_from_document

__all__ = [
    "GENERATORS",
    "Feature",
    "Generator",
    "friedman",
    "generator_from_document",
    "hyperplane",
    "random_rbf",
    "sea",
]
