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

import random
from typing import NamedTuple

import numpy as np
from numba import prange

from fastsynth.errors import SchemaError
from fastsynth.kernels import rng
from fastsynth.kernels.jit import inline_kernel, kernel, parallel_kernel

__all__ = [
    "MAX_NODES",
    "Tree",
    "build_tree",
    "category_column",
    "numeric_column",
    "random_tree_labels",
    "random_tree_rows",
    "tree_step",
]

MAX_NODES = 1 << 20
"""The most nodes a tree may have: deep trees with wide categorical splits and few early leaves grow
exponentially, and building one in Python (as river does) takes about a second per million nodes."""


class Tree(NamedTuple):
    """A tree flattened for the kernels: node ``n`` splits on ``feature[n]`` (-1 at a leaf) at
    ``threshold[n]`` (numeric features), its children are the nodes from ``first_child[n]`` on, a
    leaf's class is ``leaf_class[n]``; ``height`` is the depth of the deepest leaf."""

    feature: np.ndarray
    threshold: np.ndarray
    first_child: np.ndarray
    leaf_class: np.ndarray
    height: int


def build_tree(
    seed: int,
    *,
    n_classes: int,
    n_num_features: int,
    n_cat_features: int,
    n_categories_per_feature: int,
    max_tree_depth: int,
    first_leaf_level: int,
    fraction_leaves_per_level: float,
) -> Tree:
    """River's tree for ``seed_tree=seed``.

    Depth-first from the root, each node draws as river's does: whether it is a leaf (a uniform, only
    from ``first_leaf_level`` on and below ``max_tree_depth``), then a leaf's class, or a split's
    feature among the candidates and, for a numeric one, its threshold within the range the branch
    leaves that feature; a categorical feature is no candidate below its own split. Where a branch has
    no candidates left (only categorical features, all split on above), river fails on an empty
    range; here the node becomes a leaf, its class drawn as any leaf's."""
    draw = random.Random(seed)
    feature: list[int] = [-1]
    threshold: list[float] = [0.0]
    first_child: list[int] = [0]
    leaf_class: list[int] = [0]
    height = 0
    # Pending nodes, the next on top: (node, depth, candidates, lows, highs). Children are pushed in
    # reverse so that a node's first child's subtree is built before its second's, as river recurses.
    # River's numeric ranges start as the integers 0 and 1; as floats they give the same thresholds.
    start: tuple[float, ...] = (0.0,) * n_num_features
    end: tuple[float, ...] = (1.0,) * n_num_features
    pending = [(0, 0, tuple(range(n_num_features + n_cat_features)), start, end)]
    while pending:
        node, depth, candidates, lows, highs = pending.pop()
        # As river: the leaf test draws only when the depth is below the maximum and at the first
        # leaf level or past it.
        if (depth >= max_tree_depth) or (
            depth >= first_leaf_level and fraction_leaves_per_level >= 1.0 - draw.random()
        ):
            leaf_class[node], height = draw.randint(0, n_classes - 1), max(height, depth)
            continue
        if not candidates:
            leaf_class[node], height = draw.randint(0, n_classes - 1), max(height, depth)
            continue
        chosen = draw.randint(0, len(candidates) - 1)
        if chosen < n_num_features:  # numeric features stay first among the candidates
            low, high = lows[chosen], highs[chosen]
            split = (high - low) * draw.random() + low
            feature[node], threshold[node] = chosen, split
            children = [
                (depth + 1, candidates, lows, _replaced(highs, chosen, split)),
                (depth + 1, candidates, _replaced(lows, chosen, split), highs),
            ]
        else:
            chosen_feature = candidates[chosen]
            feature[node] = chosen_feature
            rest = tuple(c for c in candidates if c != chosen_feature)
            children = [(depth + 1, rest, lows, highs)] * n_categories_per_feature
        first = len(feature)
        if first + len(children) > MAX_NODES:
            raise SchemaError(
                f"random_tree: the tree of max_tree_depth={max_tree_depth}, "
                f"n_categories_per_feature={n_categories_per_feature}, first_leaf_level={first_leaf_level} "
                f"and fraction_leaves_per_level={fraction_leaves_per_level} has more than {MAX_NODES} "
                "nodes; allowed: a shallower or narrower tree, or more leaves per level"
            )
        first_child[node] = first
        feature.extend([-1] * len(children))
        threshold.extend([0.0] * len(children))
        first_child.extend([0] * len(children))
        leaf_class.extend([0] * len(children))
        for k in range(len(children) - 1, -1, -1):
            pending.append((first + k, *children[k]))
    return Tree(
        np.array(feature, np.int64),
        np.array(threshold, np.float64),
        np.array(first_child, np.int64),
        np.array(leaf_class, np.int64),
        height,
    )


def _replaced(values: tuple[float, ...], k: int, value: float) -> tuple[float, ...]:
    return (*values[:k], value, *values[k + 1 :])


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


@kernel
def _first_streams(key, n_features):
    """The stream keys of the first attempt's draws, hoisted out of row loops."""
    streams = np.empty(n_features, np.uint64)
    for f in range(n_features):
        streams[f] = rng.stream(key, f)
    return streams


@inline_kernel
def _bits(key, streams, i, draw, n_features):
    """The bits of draw ``draw`` of row ``i``, from ``streams`` for the first attempt's."""
    if draw < n_features:
        return rng.at(streams[draw], i)
    return rng.draw(key, i, draw)


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
    streams = _first_streams(key, n_features)
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
                    bits = _bits(key, streams, rows[jk], base + max(feature[node], 0), n_features)
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
    streams = _first_streams(key, n_features)
    for j in prange(rows.shape[0]):
        out[j] = rng.unit(_bits(key, streams, rows[j], attempt[j] * n_features + f, n_features))


@parallel_kernel
def category_column(rows, key, attempt, n_features, f, n_categories, out):
    """``out[j]`` = categorical feature ``f`` of row ``rows[j]`` at its attempt ``attempt[j]``."""
    streams = _first_streams(key, n_features)
    n = np.uint64(n_categories)
    for j in prange(rows.shape[0]):
        out[j] = rng.bounded(_bits(key, streams, rows[j], attempt[j] * n_features + f, n_features), n)
