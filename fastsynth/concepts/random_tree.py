"""Random tree concepts, with river's ``RandomTree`` parameters: a tree of random splits on numeric and
categorical features, built once per seed, with a random class at each leaf."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Annotated, NamedTuple

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator, Rows
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.random_tree import (
    category_column,
    numeric_column,
    random_tree_rows,
)
from fastsynth.specs import Bounds, Invalid, Size, ceiling

__all__ = ["MAX_NODES", "RandomTree", "Tree", "build_tree"]

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


_SERVED_NODES = 1 << 16
"""The most nodes a tree asked for by a server's request may have: building one takes about 15 us a node,
and happens before the first row (the CLI and Python go to the kernel's ``MAX_NODES``)."""


@GENERATORS.register("random_tree")
@dataclass(frozen=True, kw_only=True)
class RandomTree(Generator):
    """Numeric features ``x_num_0...`` uniform in [0, 1) and categorical ones ``x_cat_0...`` (integers
    0 to ``n_categories_per_feature - 1``), labelled by a random tree: river's, built by its algorithm
    from ``seed_tree`` (``seed_tree: 42`` gives the tree of ``river.datasets.synth.RandomTree(seed_tree=
    42)``), or from the generator's key when ``seed_tree`` is not given."""

    n_classes: Annotated[int, Bounds(1, 127)] = 2
    """How many classes the leaves take."""
    n_num_features: Annotated[int, Bounds(0, 10_000), Size("fields")] = 5
    """How many numeric features."""
    n_cat_features: Annotated[int, Bounds(0, 10_000), Size("fields")] = 5
    """How many categorical features."""
    n_categories_per_feature: Annotated[int, Bounds(1, 1_000_000), Size("categories")] = 5
    """How many values each categorical feature takes."""
    max_tree_depth: Annotated[int, Bounds(0)] = 5
    """The depth at which every node is a leaf."""
    first_leaf_level: Annotated[int, Bounds(0)] = 3
    """The first depth at which a node may be a leaf before ``max_tree_depth``."""
    fraction_leaves_per_level: Annotated[float, Bounds(0, 1)] = 0.15
    """The probability that a node from ``first_leaf_level`` on is a leaf."""
    seed_tree: int | None = None
    """River's seed of the tree; by default the generator's key (from ``seed`` and the options)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_num_features + self.n_cat_features == 0:
            raise Invalid(
                "n_num_features=0 and n_cat_features=0 leave the tree nothing to split on; "
                "allowed: at least one feature"
            )
        if ceiling("work") is not None:  # a server: the tree is built before the first row, bound it now
            branches = max(2, self.n_categories_per_feature if self.n_cat_features else 2)
            most = sum(branches**level for level in range(min(self.max_tree_depth, 64) + 1))
            if most > _SERVED_NODES:
                raise Invalid(
                    f"max_tree_depth={self.max_tree_depth} with n_categories_per_feature="
                    f"{self.n_categories_per_feature} makes a tree of up to {most:,} nodes; allowed from a "
                    f"server: at most {_SERVED_NODES:,} (a shallower tree or fewer categories)"
                )

    def setup_seconds(self) -> float:
        branches = max(2, self.n_categories_per_feature if self.n_cat_features else 2)
        nodes = sum(branches**level for level in range(min(self.max_tree_depth, 64) + 1))
        return 15e-6 * min(nodes, _SERVED_NODES)  # the most a server builds (see __post_init__)

    def features(self) -> tuple[Feature, ...]:
        numeric = (Feature(f"x_num_{k}", pa.float64()) for k in range(self.n_num_features))
        categorical = (Feature(f"x_cat_{k}", pa.int64()) for k in range(self.n_cat_features))
        return (*numeric, *categorical)

    def classes(self) -> int:
        return self.n_classes

    def state(self, seed: int) -> Tree:
        """The tree river builds with ``seed_tree`` (or, not given, ``seed``: the generator's key),
        flattened (see ``fastsynth.kernels.concepts.random_tree``)."""
        return build_tree(
            int(seed) if self.seed_tree is None else self.seed_tree,
            n_classes=self.n_classes,
            n_num_features=self.n_num_features,
            n_cat_features=self.n_cat_features,
            n_categories_per_feature=self.n_categories_per_feature,
            max_tree_depth=self.max_tree_depth,
            first_leaf_level=self.first_leaf_level,
            fraction_leaves_per_level=float(self.fraction_leaves_per_level),
        )

    def fill(self, out: Rows) -> int:
        n_num, n_features = self.n_num_features, self.n_num_features + self.n_cat_features
        attempt = np.empty(out.rows.shape[0], np.int64)
        missed = random_tree_rows(
            out.rows, out.key, *out.state, n_num, n_features, self.n_categories_per_feature, out.desired,
            MAX_ATTEMPTS, attempt, out.target,
        )  # fmt: skip
        for f, column in enumerate(out.columns):
            if f < n_num:
                numeric_column(out.rows, out.key, attempt, n_features, f, column)
            else:
                category_column(
                    out.rows, out.key, attempt, n_features, f, self.n_categories_per_feature, column
                )
        return int(missed)
