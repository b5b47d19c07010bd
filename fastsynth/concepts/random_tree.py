"""Random tree concepts, with river's ``RandomTree`` parameters: a tree of random splits on numeric and
categorical features, built once per seed, with a random class at each leaf."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.concepts.base import GENERATORS, MAX_ATTEMPTS, Feature, Generator
from fastsynth.kernels.concepts.random_tree import (
    Tree,
    build_tree,
    category_column,
    numeric_column,
    random_tree_rows,
)
from fastsynth.specs import Bounds, Invalid, Size, ceiling

__all__ = ["RandomTree"]


_SERVED_NODES = 1 << 16
"""The most nodes a tree asked for by a server's request may have: building one takes about 15 us a node,
and happens before the first row (the CLI and Python go to the kernel's ``MAX_NODES``)."""


@GENERATORS.register("random_tree")
@dataclass(frozen=True, kw_only=True)
class RandomTree(Generator):
    """Numeric features ``x_num_0...`` uniform in [0, 1) and categorical ones ``x_cat_0...`` (integers
    0 to ``n_categories_per_feature - 1``), labelled by a random tree. The tree is river's for
    ``seed_tree`` equal to the stream's key (``state``), so a key of 42 gives the tree of
    ``river.datasets.synth.RandomTree(seed_tree=42)``."""

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

    def features(self) -> tuple[Feature, ...]:
        numeric = (Feature(f"x_num_{k}", pa.float64()) for k in range(self.n_num_features))
        categorical = (Feature(f"x_cat_{k}", pa.int64()) for k in range(self.n_cat_features))
        return (*numeric, *categorical)

    def classes(self) -> int:
        return self.n_classes

    def state(self, seed: int) -> Tree:
        """The tree river builds with ``seed_tree=seed``, flattened (see
        ``fastsynth.kernels.concepts.random_tree``)."""
        return build_tree(
            int(seed),
            n_classes=self.n_classes,
            n_num_features=self.n_num_features,
            n_cat_features=self.n_cat_features,
            n_categories_per_feature=self.n_categories_per_feature,
            max_tree_depth=self.max_tree_depth,
            first_leaf_level=self.first_leaf_level,
            fraction_leaves_per_level=float(self.fraction_leaves_per_level),
        )

    def fill(
        self,
        rows: np.ndarray,
        key: np.uint64,
        state: Any,
        desired: np.ndarray,
        columns: Any,
        target: np.ndarray,
    ) -> int:
        n_num, n_features = self.n_num_features, self.n_num_features + self.n_cat_features
        attempt = np.empty(rows.shape[0], np.int64)
        missed = random_tree_rows(
            rows, key, *state, n_num, n_features, self.n_categories_per_feature, desired, MAX_ATTEMPTS,
            attempt, target,
        )  # fmt: skip
        for f, column in enumerate(columns):
            if f < n_num:
                numeric_column(rows, key, attempt, n_features, f, column)
            else:
                category_column(rows, key, attempt, n_features, f, self.n_categories_per_feature, column)
        return int(missed)
