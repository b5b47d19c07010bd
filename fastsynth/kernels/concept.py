"""Labels of the classic concept-drift benchmark streams, computed from the row's feature columns.

A stream moves through a sequence of concepts (variants of its labelling function). Switch ``s`` happens
around row ``positions[s]`` over about ``widths[s]`` rows: row ``i`` is past it with probability
``1 / (1 + exp(-4 (i - positions[s]) / widths[s]))``, the sigmoid of river's ``ConceptDriftStream``, drawn
per row and switch from a counter-based stream, so a label depends on its row alone.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, parallel_kernel

__all__ = ["SEA", "SINE", "STAGGER", "concept_labels"]

SEA, SINE, STAGGER = 0, 1, 2
_SEA_THRESHOLDS = np.array([8.0, 9.0, 7.0, 9.5])


@inline_kernel
def _label(kind, variant, a, b, c, thresholds):
    """The label (0 or 1) of features ``a, b, c`` under ``variant`` of the stream ``kind``."""
    if kind == SEA:  # the sum of the first two features above a threshold
        return 1 if a + b > thresholds[variant] else 0
    if kind == SINE:  # below a sine curve; odd variants reversed
        curve = math.sin(b) if variant < 2 else 0.5 + 0.3 * math.sin(3.0 * math.pi * b)
        below = a < curve
        return (1 if below else 0) if variant % 2 == 0 else (0 if below else 1)
    # STAGGER: size, colour, shape coded 0, 1, 2
    if variant == 0:
        return 1 if a == 0 and b == 0 else 0  # small and red
    if variant == 1:
        return 1 if b == 2 or c == 0 else 0  # green, or a circle
    return 1 if a == 1 or a == 2 else 0  # medium or large


@parallel_kernel
def concept_labels(out, a, b, c, kind, variants, positions, widths, noise, key, start):
    """``out[j]`` = the label of row ``start + j`` from its features ``a[j], b[j], c[j]``: the concept
    ``variants[k]`` after ``k`` switches, flipped with probability ``noise``."""
    thresholds = _SEA_THRESHOLDS
    noise_stream = rng.stream(key, positions.shape[0])
    for j in prange(out.shape[0]):
        i = start + j
        k = 0
        for s in range(positions.shape[0]):
            x = -4.0 * (i - positions[s]) / widths[s]
            past = 1.0 / (1.0 + math.exp(min(x, 700.0)))
            if rng.unit(rng.draw(key, i, s)) < past:
                k = s + 1
            else:
                break
        label = _label(kind, variants[k], a[j], b[j], c[j], thresholds)
        if noise > 0.0 and rng.unit(rng.at(noise_stream, i)) < noise:
            label = 1 - label
        out[j] = label
