"""The ``category`` field type: values from a fixed list, with optional probabilities."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.fields.base import FIELDS, Block, Field, empty, numpy_buffer_array, values_array
from fastsynth.fields.weights import alias_tables
from fastsynth.kernels import numeric as kn

__all__ = ["CategoryField"]

_PROBABILITY_TOLERANCE = 1e-6


@FIELDS.register("category")
@dataclass(frozen=True, kw_only=True)
class CategoryField(Field):
    """One of ``categories`` per row, dictionary-encoded in Arrow (the smallest index type that fits)."""

    type_name = "category"

    categories: tuple[Any, ...]
    """The values: strings, integers, numbers or booleans, all of one kind, no duplicates."""
    probabilities: tuple[float, ...] | None = None
    """Probability of each category, summing to 1; equal probabilities when absent."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.categories:
            raise self.error("categories=[] is empty; give at least one category")
        kinds = {type(c) for c in self.categories}
        if len(kinds) > 1 or not kinds <= {str, int, float, bool}:
            names = sorted(k.__name__ for k in kinds)
            raise self.error(
                f"categories mix or use unsupported kinds {names}; use one of str, int, float, bool"
            )
        repeated = [c for c, count in Counter(self.categories).items() if count > 1]
        if repeated:
            raise self.error(f"categories lists {repeated[0]!r} more than once")
        if self.probabilities is None:
            return
        p = self.probabilities
        if len(p) != len(self.categories):
            raise self.error(
                f"probabilities has {len(p)} entries but categories has {len(self.categories)}; "
                "give one probability per category"
            )
        bad = [x for x in p if not (math.isfinite(x) and x >= 0)]
        if bad:
            raise self.error(f"probabilities contains {bad[0]!r}; allowed: finite numbers >= 0")
        total = math.fsum(p)
        if abs(total - 1.0) > _PROBABILITY_TOLERANCE:
            raise self.error(f"probabilities sum to {total:g}, not 1")

    @cached_property
    def _dictionary(self) -> pa.Array:
        return values_array(list(self.categories))

    @cached_property
    def _alias_tables(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self.categories)
        p = [1.0 / k] * k if self.probabilities is None else list(self.probabilities)
        return alias_tables(p)

    @cached_property
    def _index_dtype(self) -> np.dtype:
        k = len(self.categories)
        return np.dtype(np.int8 if k <= 127 else np.int16 if k <= 32767 else np.int32)

    def arrow_type(self) -> pa.DataType:
        return pa.dictionary(pa.from_numpy_dtype(self._index_dtype), self._dictionary.type)

    def generate(self, block: Block) -> pa.Array:
        indices = empty(block.size, self._index_dtype)
        threshold, alias = self._alias_tables
        kn.fill_alias(indices, block.key, block.start, threshold, alias)
        index_array = numpy_buffer_array(pa.from_numpy_dtype(self._index_dtype), indices)
        return pa.DictionaryArray.from_arrays(index_array, self._dictionary, safe=False)
