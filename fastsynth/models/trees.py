"""``cart`` and ``rf``: sequential tree models, one column after another (fully conditional specification,
as synthpop does).

Columns are visited in an order: the ``given`` columns first (those ``make`` will be given), then
those ``visit`` names, then the rest in table order, the ``target`` last. The first column is drawn from
its marginal; each later one has a scikit-learn decision tree (``cart``) or random forest (``rf``) fitted
on the columns before it, a classifier for a category column and a regressor for a number or time.
scikit-learn is used to fit only: each tree is exported as node arrays, with the training values of its
column that fell in each leaf (its donors), and a numba kernel (``fastsynth.kernels.models.trees``) walks
the trees for every output row and takes a donor from the leaf it reaches, as synthpop's "sample from the
leaf" does. So values are values seen in the data, of the input's types, and row ``i`` depends only on
(seed, i).

Every column is encoded as codes into its distinct values: a number or time column's sorted values, then
its missing ones (null, NaN), which its trees are not fitted on and which are drawn at their observed
rate; a category column's values in order of appearance, null a category like the others. A code's
feature (what the trees split on) is its rank, -1 for a missing number, so splits do not depend on the
scale of a column, and a timestamp keeps its precision in float32.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.dependencies import optional_import
from fastsynth.errors import SchemaError, UsageError
from fastsynth.kernels.models.trees import fill_rows
from fastsynth.models.base import METHODS, Model, model_key
from fastsynth.specs import Bounds, Spec, from_document, show

__all__ = ["Cart", "RandomForest"]

_MAX_CLASSES = 256
"""A category column with more values than this is fitted by a regressor on its codes: a classifier
keeps a value per class in every node (a 10,000-name column would take gigabytes), and the leaves' donors
still give seen values in their proportions."""


@dataclass(frozen=True)
class _CartOptions(Spec):
    max_depth: Annotated[int, Bounds(1)] | None = None
    """The deepest a tree grows (None: until leaves are as small as ``min_samples_leaf`` allows)."""
    min_samples_leaf: Annotated[int, Bounds(1)] = 5
    """The fewest training rows in a leaf: the donors a made value is drawn from."""
    visit: tuple[str, ...] = ()
    """Columns to visit first (after the given ones), each conditioned on those before it."""


@dataclass(frozen=True)
class _ForestOptions(_CartOptions):
    n_estimators: Annotated[int, Bounds(1, 1000)] = 10
    """Trees per column; each made value comes from one of them, picked at random."""
    max_features: Annotated[float, Bounds(0, 1, low_open=True)] | Literal["sqrt", "log2"] | None = None
    """Columns each split considers: a fraction, ``sqrt`` or ``log2`` of them (None: scikit-learn's
    default, all for numbers and ``sqrt`` for categories)."""


@dataclass
class _Column:
    """One column's encoding: its distinct ``values`` (what the codes index), the ``features`` the trees
    split on (float32, one per code), ``present`` codes before the missing ones (numbers and times),
    and whether it is ``ordered`` (a number or time, fitted by a regressor)."""

    values: pa.Array
    features: np.ndarray
    present: int
    ordered: bool


class _Trees(Model):
    """Sequential trees; ``cart`` and ``rf`` differ only in the scikit-learn estimator they fit."""

    _options: type[_CartOptions] = _CartOptions

    def __init__(
        self,
        settings: _CartOptions,
        schema: pa.Schema,
        visit: Sequence[str],
        given: Sequence[str],
        columns: Sequence[_Column],
        arrays: Mapping[str, np.ndarray],
    ) -> None:
        self.settings = settings
        self.schema = schema
        self.visit = tuple(visit)
        self.given = tuple(given)
        self.columns = list(columns)
        self.arrays = dict(arrays)
        self._position = {name: p for p, name in enumerate(self.visit)}

    # -- fitting -------------------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        table: pa.Table,
        options: Mapping[str, Any],
        *,
        seed: int,
        target: str | None,
        given: Sequence[str] = (),
    ) -> _Trees:
        settings = from_document(
            cls._options, dict(options), where=f"fit: method {cls.method!r}", error=UsageError, noun="option"
        )
        if table.num_rows == 0:
            raise UsageError(f"fit: method {cls.method!r}: the data has no rows")
        visit = _visit_order(table.column_names, tuple(given), settings.visit, target, cls.method)
        encoded = [_encode(table.column(name), name, cls.method) for name in visit]
        columns, codes = [c for c, _ in encoded], [k for _, k in encoded]
        matrix = np.empty((table.num_rows, len(visit)), np.float32)
        for p, column in enumerate(columns):
            matrix[:, p] = column.features[codes[p]]
        builder = _Builder()
        for p, (name, column) in enumerate(zip(visit, columns, strict=True)):
            builder.add_column(cls._fit_column(settings, p, column, codes[p], matrix, seed, name))
        arrays = builder.arrays() | {
            k: np.ascontiguousarray(v, _DTYPES[k]) for k, v in _code_arrays(columns).items()
        }
        return cls(settings, table.schema, visit, given, columns, arrays)

    @classmethod
    def _fit_column(
        cls,
        settings: _CartOptions,
        position: int,
        column: _Column,
        codes: np.ndarray,
        matrix: np.ndarray,
        seed: int,
        name: str,
    ) -> _Fitted:
        """Column ``position``'s trees, fitted on the columns before it."""
        missing = codes >= column.present
        rows = np.flatnonzero(~missing) if column.ordered else np.arange(len(codes))
        if len(rows) == 0:  # a column of missing values only: its marginal
            return _Fitted([], [], codes, codes[:0], 0.0)
        if column.ordered and missing.any():
            pool, rate = codes[missing], float(missing.mean())
        else:
            pool, rate = codes[:0], 0.0
        target = codes[rows]
        if position == 0 or len(np.unique(target)) < 2:  # the marginal (of its present values)
            return _Fitted([], [], target, pool, rate)
        classify = not column.ordered and len(column.values) <= _MAX_CLASSES
        features = matrix[rows, :position]
        estimator = cls._estimator(settings, classify, int(model_key(seed, cls.method, name) % 2**32))
        estimator.fit(features, target if classify else column.features[target])
        trees = getattr(estimator, "estimators_", [estimator])
        leaves = estimator.apply(features).reshape(len(rows), len(trees))
        return _Fitted(
            [t.tree_ for t in trees], [leaves[:, k] for k in range(len(trees))], target, pool, rate
        )

    @classmethod
    def _estimator(cls, settings: _CartOptions, classify: bool, random_state: int) -> Any:
        raise NotImplementedError

    # -- making rows ---------------------------------------------------------------------------------

    def arrow_schema(self) -> pa.Schema:
        return self.schema

    def givable(self) -> frozenset[str]:
        return frozenset(self.given)

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        given = dict(given or {})
        first = len(given)
        if set(given) != set(self.visit[:first]) or first > len(self.given):
            raise UsageError(
                f"{self.method}: given columns {', '.join(sorted(given))} are not the first of those "
                f"the model was fitted to be given ({', '.join(self.given) or 'none'}): give a prefix of "
                "these, or fit with given=[...]"
            )
        features = np.empty((size, len(self.visit)), np.float32)
        codes = np.zeros((size, len(self.visit)), np.int32)
        values: dict[str, pa.Array] = {}
        for p in range(first):
            name = self.visit[p]
            values[name], features[:, p] = self._given(name, given[name], size)
        keys = np.array([model_key(seed, self.method, name) for name in self.visit], np.uint64)
        a = self.arrays
        fill_rows(
            codes, features, first, keys, a["tree_start"], a["tree_stop"], a["roots"], a["child"],
            a["feature"], a["threshold"], a["donor_start"], a["donor_count"], a["donors"],
            a["code_features"], a["code_offset"], a["missing_node"], a["missing_rate"], start,
        )  # fmt: skip
        out: dict[str, pa.Array] = {}
        for field in self.schema:
            p = self._position[field.name]
            if field.name in values:
                out[field.name] = values[field.name]
            else:
                out[field.name] = _output(self.columns[p], codes[:, p], field.type)
        return out

    def _given(self, name: str, array: pa.Array, size: int) -> tuple[pa.Array, np.ndarray]:
        """The given values of column ``name`` in its type, and their features."""
        if len(array) != size:
            raise UsageError(f"{self.method}: given {name} has {len(array)} values for {size} rows")
        kind = self.schema.field(name).type
        try:
            typed = array if array.type == kind else array.cast(kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise UsageError(
                f"{self.method}: given {name} of type {array.type} is not {kind}: {exc}"
            ) from None
        if isinstance(typed, pa.ChunkedArray):
            typed = typed.combine_chunks()
        return typed, _features_of(self.columns[self._position[name]], typed, name, self.method)

    # -- files ---------------------------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        options = {k: v for k, v in vars(self.settings).items() if k != "visit"}
        return {"options": options, "visit": list(self.visit), "given": list(self.given)}

    def tables(self) -> dict[str, pa.Table]:
        a = self.arrays
        out = {
            "schema": self.schema.empty_table(),
            "nodes": pa.table(
                {k: a[k] for k in ("child", "feature", "threshold", "donor_start", "donor_count")}
            ),
            "donors": pa.table({"code": a["donors"]}),
            "trees": pa.table({"root": a["roots"]}),
            "columns": pa.table(
                {k: a[k] for k in ("tree_start", "tree_stop", "missing_node", "missing_rate")}
                | {"present": [c.present for c in self.columns], "ordered": [c.ordered for c in self.columns]}
            ),
        }
        for p, column in enumerate(self.columns):
            out[f"values_{p}"] = pa.table({"value": column.values, "feature": column.features})
        return out

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> _Trees:
        where = f"schema: model {cls.method!r}"
        if not isinstance(document, Mapping) or set(document) != {"options", "visit", "given"}:
            raise SchemaError(f"{where}: {show(document)} does not have exactly options, visit and given")
        settings = from_document(cls._options, document["options"], where=f"{where}: options")
        visit, given = document["visit"], document["given"]
        if not isinstance(visit, list) or not isinstance(given, list) or visit[: len(given)] != given:
            raise SchemaError(f"{where}: visit={show(visit)} does not start with given={show(given)}")
        needed = {
            "schema",
            "nodes",
            "donors",
            "trees",
            "columns",
            *(f"values_{p}" for p in range(len(visit))),
        }
        if not needed <= set(tables):
            raise SchemaError(
                f"{where} keeps its trees in its model file, which lacks tables "
                f"{', '.join(sorted(needed - set(tables)))}; load the whole .fsm file"
            )
        schema = tables["schema"].schema
        if sorted(schema.names) != sorted(visit):
            raise SchemaError(f"{where}: visit={show(visit)} are not the columns {', '.join(schema.names)}")
        spec = tables["columns"]
        columns = [
            _Column(
                tables[f"values_{p}"].column("value").combine_chunks(),
                tables[f"values_{p}"].column("feature").to_numpy().astype(np.float32),
                int(spec.column("present")[p].as_py()),
                bool(spec.column("ordered")[p].as_py()),
            )
            for p in range(len(visit))
        ]
        arrays = {
            name: tables[table].column(name).to_numpy()
            for table, names in {
                "nodes": ("child", "feature", "threshold", "donor_start", "donor_count"),
                "columns": ("tree_start", "tree_stop", "missing_node", "missing_rate"),
            }.items()
            for name in names
        }
        arrays["donors"] = tables["donors"].column("code").to_numpy()
        arrays["roots"] = tables["trees"].column("root").to_numpy()
        arrays.update(_code_arrays(columns))
        arrays = {k: np.ascontiguousarray(v, _DTYPES[k]) for k, v in arrays.items()}
        _check_arrays(arrays, [len(c.values) for c in columns], where)
        return cls(settings, schema, visit, given, columns, arrays)


@METHODS.register("cart")
class Cart(_Trees):
    """One decision tree per column (synthpop's default method)."""

    @classmethod
    def _estimator(cls, settings: _CartOptions, classify: bool, random_state: int) -> Any:
        tree = optional_import("sklearn.tree", "real", "scikit-learn")
        kind = tree.DecisionTreeClassifier if classify else tree.DecisionTreeRegressor
        return kind(
            max_depth=settings.max_depth,
            min_samples_leaf=settings.min_samples_leaf,
            random_state=random_state,
        )


@METHODS.register("rf")
class RandomForest(_Trees):
    """A random forest per column; each value is drawn from the leaf of one of its trees."""

    _options = _ForestOptions

    @classmethod
    def _estimator(cls, settings: _CartOptions, classify: bool, random_state: int) -> Any:
        assert isinstance(settings, _ForestOptions)
        ensemble = optional_import("sklearn.ensemble", "real", "scikit-learn")
        kind = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        extra = {} if settings.max_features is None else {"max_features": settings.max_features}
        return kind(
            n_estimators=settings.n_estimators,
            max_depth=settings.max_depth,
            min_samples_leaf=settings.min_samples_leaf,
            random_state=random_state,
            n_jobs=-1,
            **extra,
        )


# -- encoding ----------------------------------------------------------------------------------------


def _visit_order(
    names: Sequence[str], given: tuple[str, ...], visit: tuple[str, ...], target: str | None, method: str
) -> tuple[str, ...]:
    for option, listed in (("given", given), ("visit", visit)):
        for name in listed:
            if name not in names:
                raise UsageError(
                    f"fit: method {method!r}: {option} names {name!r}, not a column; "
                    f"columns: {', '.join(names)}"
                )
        if len(set(listed)) != len(listed):
            raise UsageError(f"fit: method {method!r}: {option}={show(list(listed))} names a column twice")
    first = [*given, *(n for n in visit if n not in given)]
    rest = [n for n in names if n not in first and n != target]
    last = [target] if target is not None and target not in first else []
    return (*first, *rest, *last)


def _ordered(kind: pa.DataType) -> bool:
    t = pa.types
    return any(
        test(kind)
        for test in (
            t.is_integer,
            t.is_floating,
            t.is_decimal,
            t.is_date,
            t.is_timestamp,
            t.is_time,
            t.is_duration,
        )
    )


def _categorical(kind: pa.DataType) -> bool:
    t = pa.types
    return any(
        test(kind) for test in (t.is_string, t.is_large_string, t.is_binary, t.is_large_binary, t.is_boolean)
    )


def _encode(chunked: pa.ChunkedArray, name: str, method: str) -> tuple[_Column, np.ndarray]:
    """Column ``name``'s distinct values and their features (see the module's docstring), and the code
    of each of its rows."""
    array = chunked.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)  # made back into the dictionary type when output
    if _ordered(array.type):
        missing = pc.is_null(array, nan_is_null=True)
        present = pc.unique(array.filter(pc.invert(missing)))
        present = present.take(pc.sort_indices(present))
        values = pa.concat_arrays([present, pc.unique(array.filter(missing))])
        features = np.full(len(values), -1.0, np.float32)
        features[: len(present)] = np.arange(len(present), dtype=np.float32)
        codes = pc.index_in(array, value_set=values, skip_nulls=False)
        return _Column(values, features, len(present), True), codes.to_numpy().astype(np.int32)
    if _categorical(array.type):
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        values = encoded.dictionary
        column = _Column(values, np.arange(len(values), dtype=np.float32), len(values), False)
        return column, encoded.indices.to_numpy().astype(np.int32)
    raise UsageError(
        f"fit: method {method!r}: column {name!r} of type {array.type} cannot be fitted; allowed: numbers, "
        "decimals, dates, times, timestamps, durations, strings, binaries, booleans and dictionaries of them"
    )


def _output(column: _Column, codes: np.ndarray, kind: pa.DataType) -> pa.Array:
    """The values of ``codes``, of type ``kind``. A dictionary column's dictionary is its seen values,
    the same in every batch (a dictionary made per batch would order them as they came)."""
    if not pa.types.is_dictionary(kind):
        return column.values.take(pa.array(codes))
    valid = column.values.is_valid().to_numpy(zero_copy_only=False)
    index = np.where(valid, np.cumsum(valid) - 1, -1)[codes]
    indices = pa.array(index, mask=index < 0).cast(kind.index_type)
    return pa.DictionaryArray.from_arrays(indices, column.values.filter(pa.array(valid)))


def _features_of(column: _Column, given: pa.Array, name: str, method: str) -> np.ndarray:
    """The features of given values of a column: the code of a seen value, for a number or time between
    two seen ones a rank between theirs (the trees split it as the data would have been)."""
    values = column.values
    plain = given.cast(given.type.value_type) if pa.types.is_dictionary(given.type) else given
    codes = pc.index_in(plain, value_set=values, skip_nulls=False)
    found = codes.is_valid().to_numpy(zero_copy_only=False)
    features = np.full(len(plain), -1.0, np.float32)
    features[found] = column.features[codes.to_numpy(zero_copy_only=False)[found].astype(np.int64)]
    if found.all():
        return features
    if not column.ordered:
        row = int(np.flatnonzero(~found)[0])
        seen = ", ".join(show(v) for v in values[:10].to_pylist())
        raise UsageError(
            f"{method}: given {name}={show(plain[row].as_py())} was not seen in the data; "
            f"seen: {seen}{', ...' if len(values) > 10 else ''}"
        )
    known = _numbers(values[: column.present])
    unseen = ~found & ~pc.is_null(plain, nan_is_null=True).to_numpy(zero_copy_only=False)
    between = np.searchsorted(known, _numbers(plain.filter(pa.array(unseen))))
    features[unseen] = between.astype(np.float32) - np.float32(0.5)
    return features


def _numbers(array: pa.Array) -> np.ndarray:
    """A number or time array as float64 (times as their integer counts), in the same order."""
    if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        array = array.cast(pa.float64()) if pa.types.is_decimal(array.type) else _as_integers(array)
    return array.to_numpy(zero_copy_only=False).astype(np.float64)


def _as_integers(array: pa.Array) -> pa.Array:
    width = pa.int32() if array.type.bit_width == 32 else pa.int64()
    return array.view(width)


# -- flattened trees -----------------------------------------------------------------------------------


@dataclass
class _Fitted:
    """One column's trees (scikit-learn ``tree_`` objects; none for a single leaf), the leaf each
    training row reached in each, and the codes of those rows (``donors``; with no trees, the one leaf's
    donors). ``missing_donors`` are drawn at ``missing_rate`` instead."""

    trees: list[Any]
    leaves: list[np.ndarray]
    donors: np.ndarray
    missing_donors: np.ndarray
    missing_rate: float


_DTYPES = {
    "child": np.int32, "feature": np.int32, "threshold": np.float64,
    "donor_start": np.int64, "donor_count": np.int64, "donors": np.int32, "roots": np.int64,
    "tree_start": np.int64, "tree_stop": np.int64, "missing_node": np.int64, "missing_rate": np.float64,
    "code_features": np.float32, "code_offset": np.int64,
}  # fmt: skip


class _Builder:
    """Collects the columns' trees into the flat arrays the kernel walks."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in _DTYPES}
        self.nodes = 0
        self.donors = 0
        self.trees = 0

    def add_column(self, fitted: _Fitted) -> None:
        start = self.trees
        for tree, leaves in zip(fitted.trees, fitted.leaves, strict=True):
            self._add_tree(tree, leaves, fitted.donors)
        if not fitted.trees:
            self.parts["roots"].append(np.array([self.nodes]))
            self.trees += 1
            self._add_leaf(fitted.donors)
        self.parts["tree_start"].append(np.array([start]))
        self.parts["tree_stop"].append(np.array([self.trees]))
        self.parts["missing_node"].append(np.array([self.nodes if fitted.missing_rate > 0 else -1]))
        self.parts["missing_rate"].append(np.array([fitted.missing_rate]))
        if fitted.missing_rate > 0:
            self._add_leaf(fitted.missing_donors)

    def _add_leaf(self, donors: np.ndarray) -> None:
        self._add_nodes(np.array([-1]), np.array([0]), np.array([0.0]), donors)

    def _add_tree(self, tree: Any, leaves: np.ndarray, donors: np.ndarray) -> None:
        """A scikit-learn tree, its nodes numbered breadth first so that a node's two children sit side
        by side (the kernel's layout), the donors of each leaf those of the training rows that reached
        it (``leaves``, in scikit-learn's numbering)."""
        left, right = tree.children_left, tree.children_right
        levels = [np.zeros(1, np.int64)]
        while True:
            parents = levels[-1][left[levels[-1]] >= 0]
            if not len(parents):
                break
            levels.append(np.stack([left[parents], right[parents]], axis=1).ravel())
        order = np.concatenate(levels)  # old numbers, in the new order
        new = np.empty(len(order), np.int64)
        new[order] = np.arange(len(order))
        split = left[order] >= 0
        child = np.where(split, new[np.where(split, left[order], 0)] + self.nodes, -1)
        feature = np.where(split, tree.feature[order], 0)
        self.parts["roots"].append(np.array([self.nodes]))
        self.trees += 1
        leaves = new[leaves]
        per_leaf = np.bincount(leaves, minlength=len(order))
        picked = donors[np.argsort(leaves, kind="stable")]
        self._add_nodes(child, feature, tree.threshold[order], picked, per_leaf)

    def _add_nodes(
        self,
        child: np.ndarray,
        feature: np.ndarray,
        threshold: np.ndarray,
        donors: np.ndarray,
        per_node: np.ndarray | None = None,
    ) -> None:
        """Nodes whose donors, node by node, are ``donors`` (``per_node[k]`` each; one node: all)."""
        counts = np.array([len(donors)]) if per_node is None else per_node
        for name, part in (("child", child), ("feature", feature), ("threshold", threshold)):
            self.parts[name].append(part)
        self.parts["donor_start"].append(self.donors + np.cumsum(counts) - counts)
        self.parts["donor_count"].append(counts)
        self.parts["donors"].append(donors)
        self.nodes += len(child)
        self.donors += len(donors)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            k: np.ascontiguousarray(np.concatenate(v) if v else np.empty(0), _DTYPES[k])
            for k, v in self.parts.items()
            if k not in ("code_features", "code_offset")
        }


def _code_arrays(columns: Sequence[_Column]) -> dict[str, np.ndarray]:
    """Every column's code features in one array, and where each column's start."""
    sizes = np.array([len(c.features) for c in columns], np.int64)
    return {
        "code_features": np.concatenate([c.features for c in columns]).astype(np.float32),
        "code_offset": np.cumsum(sizes) - sizes,
    }


def _check_arrays(a: Mapping[str, np.ndarray], sizes: Sequence[int], where: str) -> None:
    """Refuse arrays the kernel could read out of bounds or loop forever with (a damaged or edited model
    file): as written, each column's trees are contiguous, each tree's nodes a contiguous range from its
    root with children after their parent (as scikit-learn numbers them), and the leaves' donors follow
    one another in node order."""
    nodes, trees, columns = len(a["child"]), len(a["roots"]), len(sizes)

    def bad(what: str) -> SchemaError:
        return SchemaError(f"{where}: the model file's tables are inconsistent: {what}")

    if any(len(a[k]) != nodes for k in ("feature", "threshold", "donor_start", "donor_count")):
        raise bad("node columns differ in length")
    if any(len(a[k]) != columns for k in ("tree_start", "tree_stop", "missing_node", "missing_rate")):
        raise bad("the columns table does not have a row per column")
    spans = a["tree_stop"] - a["tree_start"]
    if (spans < 1).any() or (a["tree_start"] != np.cumsum(spans) - spans).any() or spans.sum() != trees:
        raise bad("the columns' trees do not follow one another in the trees table")
    if trees and (a["roots"][0] != 0 or (np.diff(a["roots"]) <= 0).any() or a["roots"][-1] >= nodes):
        raise bad("the trees' roots are not increasing nodes from 0")
    tree = np.searchsorted(a["roots"], np.arange(nodes), side="right") - 1
    end = np.append(a["roots"][1:], nodes)[tree]
    column = np.repeat(np.arange(columns), spans)[tree]
    split = a["child"] >= 0
    c = a["child"][split]
    if ((c <= np.flatnonzero(split)) | (c + 1 >= end[split])).any():
        raise bad("a node's children are not later nodes of its tree")
    if ((a["feature"][split] < 0) | (a["feature"][split] >= column[split])).any():
        raise bad("a node splits on a column not made before its own")
    counts = a["donor_count"]
    if (counts < 0).any() or (a["donor_start"] != np.cumsum(counts) - counts).any():
        raise bad("the nodes' donors do not follow one another")
    if counts.sum() != len(a["donors"]) or (counts[~split] < 1).any():
        raise bad("a leaf has no donors, or the donors table has others")
    owner = np.repeat(column, counts)
    if ((a["donors"] < 0) | (a["donors"] >= np.asarray(sizes, np.int64)[owner])).any():
        raise bad("a donor is not a code of its column's values")
    missing = a["missing_node"]
    has = missing >= 0
    if (missing >= nodes).any() or (missing < -1).any():
        raise bad("a missing leaf is not a node")
    if split[missing[has]].any() or (column[missing[has]] != np.flatnonzero(has)).any():
        raise bad("a missing leaf is not a leaf of its column")
    if ((a["missing_rate"] < 0) | (a["missing_rate"] > 1) | ((a["missing_rate"] > 0) & ~has)).any():
        raise bad("a missing rate is not in [0, 1] or has no leaf to draw from")
