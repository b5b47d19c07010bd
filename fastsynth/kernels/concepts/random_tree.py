"""Random tree concepts (Domingos and Hulten, 2000), as river's ``RandomTree``.

The tree is built once, by ``build_tree``, with Python's ``random.Random(seed)`` making the same calls
in the same order as river's ``_generate_random_tree`` does with ``seed_tree``: the same seed gives
river's tree exactly. It is then flattened into arrays the kernels walk (``Tree``): node ``n`` splits
on ``feature[n]`` (-1 at a leaf, whose class is ``leaf_class[n]``), its children are the consecutive
nodes from ``first_child[n]``: two for a numeric feature (below ``threshold[n]``, then the rest), one
per category for a categorical one. A walk takes the tree's height in steps, a leaf staying put.

Rows are river's: numeric features uniform in [0, 1), categorical ones uniform integers in
[0, n_categories). Feature ``f`` of attempt ``a`` of row ``i`` is draw ``a * n_features + f``, so the
label kernel recomputes the few features on a row's path, and each column is then filled by a kernel
of its own from the attempt the row settled on.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, parallel_kernel

__all__ = [
    "category_column",
    "numeric_column",
    "random_tree_labels",
    "random_tree_rows",
    "tree_step",
]


@inline_kernel
def tree_step(node, feature, threshold, first_child, n_num, value, category):
    """The node after ``node`` for a row whose value of the node's split feature is ``value`` (a
    numeric feature) or ``category`` (a categorical one): the first child when the value is below the
    threshold (river's ``<``), else the second; the category's own child; a leaf stays where it is.
    Branch-free, so that a fixed number of steps (the tree's height) takes any row to its leaf."""
    f = feature[node]
    offset = np.int64(value >= threshold[node]) if f < n_num else category
    return node if f < 0 else first_child[node] + offset


@parallel_kernel
def random_tree_labels(feature, threshold, first_child, leaf_class, height, n_num, values, out):
    """``out[j]`` = the class the tree gives features ``values[:, j]`` (one row of ``values`` per
    feature, numeric ones first, categories as floats): river's ``_classify_instance``."""
    for j in prange(out.shape[0]):
        node = 0
        for _ in range(height):
            value = values[max(feature[node], 0), j]
            node = tree_step(node, feature, threshold, first_child, n_num, value, np.int64(value))
        out[j] = leaf_class[node]


@inline_kernel
def _step(node, bits, feature, threshold, first_child, n_num, n_categories):
    """``tree_step`` with the split feature drawn from ``bits``: uniform in [0, 1) when numeric, a
    uniform category when categorical (both made, one kept)."""
    return tree_step(
        node,
        feature,
        threshold,
        first_child,
        n_num,
        rng.unit(bits),
        np.int64(rng.bounded(bits, n_categories)),
    )


@parallel_kernel
def random_tree_rows(
    rows, key, feature, threshold, first_child, leaf_class, height, n_num, n_features, n_categories, desired,
    max_attempts, attempt, y,
):  # fmt: skip
    """The label ``y[j]`` of row ``rows[j]`` and the attempt ``attempt[j]`` whose features the row
    keeps (the first whose label is ``desired[j]``, when that is >= 0); returns how many rows ran out
    of attempts.

    First attempts are walked four rows at a time, in step: a walk is a chain of dependent loads and
    hashes, and four independent chains keep the core busy (24 against 55 ms a million rows on one
    core for river's default tree)."""
    streams = rng.streams(key, n_features)
    nc = np.uint64(n_categories)
    n = rows.shape[0]
    missed = 0
    for g in prange((n + 3) // 4):
        j = 4 * g
        i0, i1, i2, i3 = rows[j], rows[min(j + 1, n - 1)], rows[min(j + 2, n - 1)], rows[min(j + 3, n - 1)]
        a = b = c = d = 0
        for _ in range(height):
            a = _step(a, rng.at(streams[max(feature[a], 0)], i0), feature, threshold, first_child, n_num, nc)
            b = _step(b, rng.at(streams[max(feature[b], 0)], i1), feature, threshold, first_child, n_num, nc)
            c = _step(c, rng.at(streams[max(feature[c], 0)], i2), feature, threshold, first_child, n_num, nc)
            d = _step(d, rng.at(streams[max(feature[d], 0)], i3), feature, threshold, first_child, n_num, nc)
        for k in range(min(4, n - j)):
            node = a if k == 0 else b if k == 1 else c if k == 2 else d
            jk, label = j + k, leaf_class[node]
            attempt[jk], y[jk] = 0, label
            if desired[jk] < 0 or label == desired[jk]:
                continue
            for tries in range(1, max_attempts):  # a class asked for and not drawn: further attempts
                base = tries * n_features
                node = 0
                for _ in range(height):
                    bits = rng.hoisted(streams, key, rows[jk], base + max(feature[node], 0))
                    node = _step(node, bits, feature, threshold, first_child, n_num, nc)
                label = leaf_class[node]
                attempt[jk], y[jk] = tries, label
                if label == desired[jk]:
                    break
            if y[jk] != desired[jk]:
                missed += 1
    return missed


@parallel_kernel
def numeric_column(rows, key, attempt, n_features, f, out):
    """``out[j]`` = numeric feature ``f`` of row ``rows[j]`` at its attempt ``attempt[j]``."""
    streams = rng.streams(key, n_features)
    for j in prange(rows.shape[0]):
        out[j] = rng.unit(rng.hoisted(streams, key, rows[j], attempt[j] * n_features + f))


@parallel_kernel
def category_column(rows, key, attempt, n_features, f, n_categories, out):
    """``out[j]`` = categorical feature ``f`` of row ``rows[j]`` at its attempt ``attempt[j]``."""
    streams = rng.streams(key, n_features)
    n = np.uint64(n_categories)
    for j in prange(rows.shape[0]):
        out[j] = rng.bounded(rng.hoisted(streams, key, rows[j], attempt[j] * n_features + f), n)
