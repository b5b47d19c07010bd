"""Labels of the classic concept-drift benchmark streams, computed from the row's feature columns, and
the concept a row belongs to in a stream that drifts from one concept to the next.

A stream moves through a sequence of concepts (variants of its labelling function, or whole
generators). Switch ``s`` happens around row ``positions[s]`` over about ``widths[s]`` rows: row ``i``
is past it with probability ``1 / (1 + exp(-4 (i - positions[s]) / widths[s]))``, the sigmoid of
river's ``ConceptDriftStream`` (a width of 0 switches at the position exactly), drawn per row and switch
from a counter-based stream, so a row's concept depends on the row alone.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, parallel_kernel

__all__ = [
    "SEA",
    "SEA_THRESHOLDS",
    "SINE",
    "STAGGER",
    "concept_at",
    "concept_labels",
    "concepts_of_rows",
    "sea_label",
    "sine_label",
    "stagger_label",
]

SEA, SINE, STAGGER = 0, 1, 2
SEA_THRESHOLDS = np.array([8.0, 9.0, 7.0, 9.5])
"""The threshold of each SEA variant, 0 to 3, on the sum of the first two features."""


@inline_kernel
def sea_label(variant, a, b):
    """SEA: whether the first two features sum above the variant's threshold."""
    return 1 if a + b > SEA_THRESHOLDS[variant] else 0


@inline_kernel
def sine_label(variant, a, b):
    """Sine: below a sine curve (SINE1 for variants 0, 1, SINE2 for 2, 3); odd variants reversed."""
    curve = math.sin(b) if variant < 2 else 0.5 + 0.3 * math.sin(3.0 * math.pi * b)
    below = a < curve
    return (1 if below else 0) if variant % 2 == 0 else (0 if below else 1)


@inline_kernel
def stagger_label(variant, size, colour, shape):
    """STAGGER on (size, colour, shape) coded 0, 1, 2: small and red; green or a circle; medium or
    large."""
    if variant == 0:
        return 1 if size == 0 and colour == 0 else 0
    if variant == 1:
        return 1 if colour == 2 or shape == 0 else 0
    return 1 if size == 1 or size == 2 else 0


@inline_kernel
def _label(kind, variant, a, b, c):
    """The label (0 or 1) of features ``a, b, c`` under ``variant`` of the stream ``kind``."""
    if kind == SEA:
        return sea_label(variant, a, b)
    if kind == SINE:
        return sine_label(variant, a, b)
    return stagger_label(variant, a, b, c)


@inline_kernel
def concept_at(i, positions, widths, key):
    """How many switches row ``i`` is past: its concept's index in the sequence."""
    k = 0
    for s in range(positions.shape[0]):
        if widths[s] <= 0.0:
            past = i >= positions[s]
        else:
            x = -4.0 * (i - positions[s]) / widths[s]
            past = rng.unit(rng.draw(key, i, s)) < 1.0 / (1.0 + math.exp(min(x, 700.0)))
        if not past:
            break
        k = s + 1
    return k


@parallel_kernel
def concepts_of_rows(out, positions, widths, key, start):
    """``out[j]`` = the concept index of row ``start + j``."""
    for j in prange(out.shape[0]):
        out[j] = concept_at(start + j, positions, widths, key)


@parallel_kernel
def concept_labels(out, a, b, c, kind, variants, positions, widths, noise, key, start):
    """``out[j]`` = the label of row ``start + j`` from its features ``a[j], b[j], c[j]``: the concept
    ``variants[k]`` after ``k`` switches, flipped with probability ``noise``."""
    noise_stream = rng.stream(key, positions.shape[0])
    for j in prange(out.shape[0]):
        i = start + j
        label = _label(kind, variants[concept_at(i, positions, widths, key)], a[j], b[j], c[j])
        if noise > 0.0 and rng.unit(rng.at(noise_stream, i)) < noise:
            label = 1 - label
        out[j] = label
