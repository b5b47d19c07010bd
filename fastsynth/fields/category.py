"""The ``category`` field type: values from a fixed list, with optional probabilities."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import empty, numpy_buffer_array, read_only, values_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.fields.weights import alias_tables
from fastsynth.kernels import numeric as kn
from fastsynth.kernels.copula import normal_quantiles
from fastsynth.specs import Size, show

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["CategoryField", "normal_thresholds"]

_PROBABILITY_TOLERANCE = 1e-6


def _check_choices(field: Field, where: str, categories: Any, probabilities: Any) -> None:
    """Validate one list of categories and its optional probabilities; ``where`` prefixes messages."""
    if not isinstance(categories, tuple) or not categories:
        raise field.error(
            f"{where}categories={list(categories or [])!r} is empty; give at least one category"
        )
    kinds = {type(c) for c in categories}
    if len(kinds) > 1 or not kinds <= {str, int, float, bool}:
        names = sorted(k.__name__ for k in kinds)
        raise field.error(
            f"{where}categories mix or use unsupported kinds {names}; use one of str, int, float, bool"
        )
    outside = [c for c in categories if type(c) is int and not -(2**63) <= c < 2**63]
    if outside:
        raise field.error(
            f"{where}categories holds {show(outside[0])}, outside int64; allowed: -2**63 to 2**63 - 1"
        )
    unordered = [c for c in categories if isinstance(c, float) and math.isnan(c)]
    if unordered:
        raise field.error(
            f"{where}categories holds nan, which equals nothing; allowed: numbers other than nan"
        )
    repeated = [c for c, count in Counter(categories).items() if count > 1]
    if repeated:
        raise field.error(f"{where}categories lists {repeated[0]!r} more than once")
    if probabilities is None:
        return
    if len(probabilities) != len(categories):
        raise field.error(
            f"{where}probabilities has {len(probabilities)} entries but categories has {len(categories)}; "
            "give one probability per category"
        )
    bad = [x for x in probabilities if not (math.isfinite(x) and x >= 0)]
    if bad:
        raise field.error(f"{where}probabilities contains {bad[0]!r}; allowed: finite numbers >= 0")
    total = math.fsum(probabilities)
    if abs(total - 1.0) > _PROBABILITY_TOLERANCE:
        raise field.error(f"{where}probabilities sum to {total:g}, not 1")


def normal_thresholds(probabilities: Any) -> np.ndarray:
    """The normal quantiles of choices' cumulative probabilities: a copula's normal ``y`` picks the
    first choice whose threshold exceeds it. The last is ``inf`` (given probabilities may sum to
    1 +- 1e-6), so a choice of probability 0 at the end is never taken."""
    cumulative = np.cumsum(np.asarray(probabilities, dtype=np.float64))
    cumulative /= cumulative[-1]
    cumulative[cumulative >= 1.0] = 1.0
    return normal_quantiles(cumulative)


def _index_dtype(count: int) -> np.dtype:
    return np.dtype(np.int8 if count <= 127 else np.int16 if count <= 32767 else np.int32)


@FIELDS.register("category")
@dataclass(frozen=True, kw_only=True)
class CategoryField(Field):
    """One of ``categories`` per row, dictionary-encoded in Arrow (the smallest index type that fits).

    With ``depends_on``, the row's value of another category column picks the list: ``categories`` and
    ``probabilities`` then map each of that column's values (as text) to a list, e.g. cities by country.
    """

    categories: Annotated[tuple[Any, ...] | dict[str, tuple[Any, ...]], Size("categories", "entries")]
    """The values (strings, integers, numbers or booleans, one kind, no duplicates), or with
    ``depends_on`` a mapping from each value of that column to such a list."""
    probabilities: tuple[float, ...] | dict[str, tuple[float, ...]] | None = None
    """Probability of each category, summing to 1 (a mapping like ``categories`` with ``depends_on``);
    equal probabilities when absent."""
    depends_on: str | None = None
    """Name of the category column whose value chooses the list of categories."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.depends_on is None:
            if isinstance(self.categories, dict) or isinstance(self.probabilities, dict):
                raise self.error("categories or probabilities is a mapping, which needs depends_on")
            _check_choices(self, "", self.categories, self.probabilities)
            return
        if not isinstance(self.categories, dict) or not self.categories:
            raise self.error(
                f"with depends_on={self.depends_on!r}, categories must map each of its values to a list"
            )
        if self.probabilities is not None and not isinstance(self.probabilities, dict):
            raise self.error("with depends_on, probabilities must be a mapping like categories")
        probabilities = self.probabilities or {}
        extra = sorted(set(probabilities) - set(self.categories))
        if extra:
            raise self.error(f"probabilities has key {extra[0]!r}, which categories lacks")
        for parent, children in self.categories.items():
            _check_choices(self, f"categories[{parent!r}]: ", children, probabilities.get(parent))
        kinds = {type(c) for children in self.categories.values() for c in children}
        if len(kinds) > 1:
            raise self.error(
                f"the category lists mix kinds {sorted(k.__name__ for k in kinds)}; use one kind"
            )

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return () if self.depends_on is None else (self.depends_on,)

    def correlatable(self) -> bool:
        """A Gaussian copula can drive the column unless another column chooses its list."""
        return self.depends_on is None

    @cached_property
    def _thresholds(self) -> np.ndarray:
        return normal_thresholds(self.probabilities or [1.0] * len(self.categories))

    def from_normal(self, y: np.ndarray) -> np.ndarray:
        """The dictionary indices of the categories at the quantiles of standard normals ``y``: each
        category takes its interval of cumulative probability, in the order listed."""
        out = empty(len(y), self._index_dtype)
        kn.choice_from_normal(out, y, self._thresholds)
        return out

    def check_schema(self, schema: Schema) -> None:
        if self.depends_on is None:
            return
        parent = schema.column_named(self.depends_on)
        if not isinstance(parent, CategoryField) or parent is self:
            raise self.error(f"depends_on={self.depends_on!r} is not another category column of the schema")
        values = [str(v) for v in parent._dictionary.to_pylist()]
        missing = [v for v in values if v not in self.categories]
        if missing:
            raise self.error(f"categories has no list for {self.depends_on}={missing[0]!r}")
        unknown = sorted(set(self.categories) - set(values))
        if unknown:
            raise self.error(
                f"categories has a list for {unknown[0]!r}, which {self.depends_on!r} never takes"
            )

    @cached_property
    def _dictionary(self) -> pa.Array:
        if isinstance(self.categories, dict):
            union = dict.fromkeys(c for children in self.categories.values() for c in children)
            return values_array(list(union))
        return values_array(list(self.categories))

    @cached_property
    def _index_dtype(self) -> np.dtype:
        return _index_dtype(len(self._dictionary))

    def arrow_type(self) -> pa.DataType:
        return pa.dictionary(pa.from_numpy_dtype(self._index_dtype), self._dictionary.type)

    def _tables(self, groups: list[tuple[Any, ...]], probabilities: list[Any]) -> tuple[np.ndarray, ...]:
        """Alias tables of each group, concatenated, with each group's first entry and size, and the
        dictionary index of every entry."""
        position = {v: i for i, v in enumerate(self._dictionary.to_pylist())}
        thresholds, aliases, firsts, sizes = [], [], [], []
        union: list[Any] = []
        for children, p in zip(groups, probabilities, strict=True):
            t, a = alias_tables(p or [1.0] * len(children))
            firsts.append(len(union))
            sizes.append(len(children))
            thresholds.append(t)
            aliases.append(a)
            union += [position[c] for c in children]
        return (
            np.concatenate(thresholds),
            np.concatenate(aliases).astype(np.int64),
            np.array(firsts, np.int64),
            np.array(sizes, np.int64),
            np.array(union, np.int64),
        )

    @cached_property
    def _flat_tables(self) -> tuple[np.ndarray, ...]:
        return self._tables([self.categories], [self.probabilities])  # type: ignore[list-item]

    def _group_tables(self, parent: CategoryField) -> tuple[np.ndarray, ...]:
        assert isinstance(self.categories, dict)
        keys = [str(v) for v in parent._dictionary.to_pylist()]
        probabilities = self.probabilities if isinstance(self.probabilities, dict) else {}
        return self._tables([self.categories[k] for k in keys], [probabilities.get(k) for k in keys])

    def generate(self, block: Block) -> pa.Array:
        y = block.correlated_normal()
        parent = None
        if y is not None:  # a copula drives the column (never with depends_on: not correlatable)
            indices = self.from_normal(y)
        else:
            indices = empty(block.size, self._index_dtype)
            if self.depends_on is None:
                groups = np.zeros(0, np.int8)
                tables = self._flat_tables
            else:
                assert block.schema is not None  # check_schema found the parent column
                parent_field = block.schema.column_named(self.depends_on)
                assert isinstance(parent_field, CategoryField)
                parent = block.column(self.depends_on)
                groups = parent.indices.fill_null(0).to_numpy()
                tables = self._group_tables(parent_field)
            kn.fill_grouped_alias(indices, block.key, block.start, read_only(groups), *tables)
        index_array = numpy_buffer_array(pa.from_numpy_dtype(self._index_dtype), indices)
        array = pa.DictionaryArray.from_arrays(index_array, self._dictionary, safe=False)
        if parent is not None and parent.null_count:
            array = pc.if_else(parent.is_valid(), array, pa.nulls(block.size, array.type))
        return array
