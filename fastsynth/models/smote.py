"""``smote``: SMOTE (Chawla et al. 2002) as a row source. Each made row takes a class of the ``target``
column, a sample of that class and one of the sample's ``k`` nearest neighbours of the same class, and
lies on the segment between the two: ``sample + u * (neighbour - sample)``, one uniform ``u`` per row.

By default the classes come in equal shares, exactly over every group of as many rows as there are
classes (the point of SMOTE: a balanced training set); ``shares: original`` keeps the data's shares.

Fitting: the neighbours are searched by scikit-learn's ``NearestNeighbors`` within each class, on the
number columns standardised over the whole data (nulls at the mean). Other columns are categories,
handled as SMOTE-NC does: in the search, a differing category adds the class's median standard deviation
of the numbers (``Med``, Chawla's penalty) to the distance, and a made row takes, in each category column,
the category most frequent among its sample's ``k`` neighbours (a tie goes to the sample's own category,
then to the first in the data). Number columns are integers, floats and times; integers and times are
rounded to whole units and every column keeps its type. A null, NaN or infinite number stays as it is in
its sample's rows; a neighbour's gives the sample's value.

A class with fewer than ``k + 1`` rows uses all its other rows as neighbours; a class of one row makes
copies of it. The model file keeps the data's rows (sorted by class), each row's neighbours (row
numbers) and the modal category's row number per category column, as Arrow tables.
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
from fastsynth.kernels.concepts.balance import balanced_classes
from fastsynth.kernels.models import smote as kernels
from fastsynth.models import draws
from fastsynth.models.base import METHODS, Model, model_key
from fastsynth.models.resample import combination_codes
from fastsynth.specs import Bounds, Spec, from_document

__all__ = ["Smote"]

_WHERE = "fit: method 'smote'"


@dataclass(frozen=True)
class _Options(Spec):
    k: Annotated[int, Bounds(1)] = 5
    """How many nearest neighbours of its class each sample may be interpolated towards (as
    imbalanced-learn's ``k_neighbors``)."""
    shares: Literal["balanced", "original"] = "balanced"
    """The classes' shares of the made rows: equal (exact over each group of as many rows as there are
    classes), or those of the data (drawn)."""


def _number(kind: pa.DataType) -> bool:
    """Whether SMOTE interpolates the column (else it is a category)."""
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_temporal(kind)


def _whole(kind: pa.DataType) -> bool:
    """Whether the column's numbers are rounded: integers and times (counts of a unit)."""
    return not pa.types.is_floating(kind)


_UINT64_SHIFT = np.uint64(2**63)
"""uint64 values minus 2**63 fit int64 in the same order and at the same distances."""


def _as_numbers(column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, valid, present): int64 for integers and times (uint64 shifted down by 2**63), float64
    for floats, nulls as zero; ``valid`` where a value is a finite number (not null, NaN or infinite:
    none to search or interpolate by), ``present`` where it is not null."""
    kind = column.type
    if pa.types.is_temporal(kind):
        column = column.view(pa.int32() if kind.bit_width == 32 else pa.int64())
    present = ~column.is_null().to_numpy(zero_copy_only=False)
    raw = column.fill_null(0).to_numpy(zero_copy_only=False)
    if pa.types.is_floating(kind):
        values = raw.astype(np.float64)
        return values, present & np.isfinite(values), present
    if pa.types.is_uint64(kind):
        return (raw.astype(np.uint64) ^ _UINT64_SHIFT).view(np.int64), present, present
    return raw.astype(np.int64), present, present


def _from_numbers(values: np.ndarray, present: np.ndarray, kind: pa.DataType) -> pa.Array:
    mask = None if present.all() else ~present
    if pa.types.is_temporal(kind):
        storage = pa.int32() if kind.bit_width == 32 else pa.int64()
        return pa.array(values, mask=mask).cast(storage).view(kind)
    if pa.types.is_uint64(kind):
        return pa.array(values.view(np.uint64) ^ _UINT64_SHIFT, mask=mask)
    return pa.array(values, mask=mask).cast(kind, safe=False)


@METHODS.register("smote")
class Smote(Model):
    """Rows interpolated between same-class nearest neighbours of the data."""

    def __init__(
        self,
        rows: pa.Table,
        neighbours: pa.Table,
        modes: pa.Table,
        classes: pa.Table,
        target: str,
        k: int,
        shares: str,
    ) -> None:
        self.rows = rows.combine_chunks()
        self.target = target
        self.k = k
        self.shares = shares
        self.neighbours = neighbours.combine_chunks()
        self.modes = modes.combine_chunks()
        self.classes = classes.combine_chunks()
        self._check()
        self._count = self.classes.column("count").to_numpy().astype(np.int64)
        self._first = np.concatenate([[0], np.cumsum(self._count)[:-1]]).astype(np.int64)
        self._known = np.minimum(self._count - 1, k).astype(np.int64)
        self._picks = (
            np.column_stack([c.to_numpy() for c in self.neighbours.columns]).astype(np.int64)
            if self.neighbours.num_columns
            else np.zeros((self.rows.num_rows, 0), np.int64)
        )
        self._numbers = {
            name: _as_numbers(self.rows.column(name).chunk(0))
            for name in self.rows.column_names
            if name != target and _number(self.rows.schema.field(name).type)
        }
        self._modes = {name: self.modes.column(name).to_numpy() for name in self.modes.column_names}

    def _check(self) -> None:
        """Refuse tables that do not fit together (a hand-edited model file)."""
        where = "schema: model 'smote'"
        names = self.rows.column_names
        counts = self.classes.column("count").to_numpy() if "count" in self.classes.column_names else None
        if self.target not in names or counts is None or "class" not in self.classes.column_names:
            raise SchemaError(
                f"{where}: target={self.target!r} and the tables 'rows', 'classes' do not match"
            )
        if int(counts.sum()) != self.rows.num_rows or (counts < 1).any():
            raise SchemaError(f"{where}: the classes' counts do not add up to the {self.rows.num_rows} rows")
        if self.neighbours.num_rows != self.rows.num_rows or self.neighbours.num_columns != self.k:
            raise SchemaError(f"{where}: table 'neighbours' is not {self.k} columns of one row per data row")
        for column in self.neighbours.columns:
            picked = column.to_numpy()
            if len(picked) and (picked.min() < 0 or picked.max() >= self.rows.num_rows):
                raise SchemaError(f"{where}: table 'neighbours' names rows outside the data")
        categories = [n for n in names if n != self.target and not _number(self.rows.schema.field(n).type)]
        # A table of no columns keeps no row count: no category columns, no rows to check.
        rows = self.modes.num_rows if categories else self.rows.num_rows
        if sorted(self.modes.column_names) != sorted(categories) or rows != self.rows.num_rows:
            raise SchemaError(f"{where}: table 'modes' is not one column per category column {categories}")

    @classmethod
    def fit(
        cls,
        table: pa.Table,
        options: Mapping[str, Any],
        *,
        seed: int,
        target: str | None,
        given: Sequence[str] = (),
    ) -> Smote:
        settings = from_document(_Options, dict(options), where=_WHERE, error=UsageError)
        if target is None:
            raise UsageError(
                f"{_WHERE} needs target=, the class column; columns: {', '.join(table.column_names)}"
            )
        if target not in table.column_names:
            raise UsageError(
                f"{_WHERE}: target={target!r} is not a column; columns: {', '.join(table.column_names)}"
            )
        if set(given) - {target}:
            raise UsageError(
                f"{_WHERE}: only the target {target!r} can be given, not {sorted(set(given) - {target})}"
            )
        features = [n for n in table.column_names if n != target]
        if not features:
            raise UsageError(f"{_WHERE}: the data has no column besides target={target!r} to interpolate")
        if pa.types.is_dictionary(table.schema.field(target).type):
            # Classes as their values: the classes are the model's own, not a batch's dictionary.
            plain = table.column(target).cast(table.schema.field(target).type.value_type)
            table = table.set_column(table.column_names.index(target), target, plain)
        labels = table.column(target)
        if labels.null_count:
            raise UsageError(
                f"{_WHERE}: target={target!r} has {labels.null_count} nulls; every row needs a class"
            )
        for name in features:
            kind = table.schema.field(name).type
            if not _number(kind) and (pa.types.is_nested(kind) or pa.types.is_decimal(kind)):
                raise UsageError(
                    f"{_WHERE}: column {name!r} is {kind}; SMOTE takes numbers, times and categories "
                    "(strings, booleans, dictionaries)"
                )
        values = pc.unique(labels).sort()
        if len(values) < 2:
            raise UsageError(
                f"{_WHERE}: target={target!r} has one class ({values[0].as_py()!r}); SMOTE needs two or more"
            )
        codes = pc.index_in(labels, value_set=values).to_numpy(zero_copy_only=False).astype(np.int64)
        order = np.argsort(codes, kind="stable")
        rows = table.take(pa.array(order)).combine_chunks()
        counts = np.bincount(codes, minlength=len(values)).astype(np.int64)
        # No class has more neighbours than its other rows: a larger k makes the same rows, and its
        # table of neighbours (k columns) would only be padding, as large as k asks.
        k = max(1, min(settings.k, int(counts.max()) - 1))
        neighbours, modes = _neighbours(rows, target, counts, k)
        classes = pa.table({"class": values, "count": pa.array(counts, pa.int64())})
        return cls(rows, neighbours, modes, classes, target, k, settings.shares)

    def arrow_schema(self) -> pa.Schema:
        return self.rows.schema

    def givable(self) -> frozenset[str]:
        return frozenset({self.target})

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        classes = self._classes(seed, start, size, given)
        sample = np.empty(size, np.int64)
        neighbour = np.empty(size, np.int64)
        gap = np.empty(size, np.float64)
        key = model_key(seed, "smote", "pick")
        kernels.pick(
            sample, neighbour, gap, classes, start, self._first, self._count, self._known, self._picks, key
        )
        out: dict[str, pa.Array] = {}
        for name in self.rows.column_names:
            kind = self.rows.schema.field(name).type
            if name == self.target:
                out[name] = self.classes.column("class").chunk(0).take(pa.array(classes))
            elif name in self._numbers:
                values, valid, present = self._numbers[name]
                made = np.empty(size, values.dtype)
                interpolate = (
                    kernels.interpolate_float if values.dtype == np.float64 else kernels.interpolate_int
                )
                interpolate(made, values, valid, sample, neighbour, gap)
                own = ~valid[sample]  # a sample without a number keeps its null, NaN or infinity
                made[own] = values[sample[own]]
                out[name] = _from_numbers(made, present[sample], kind)
            else:
                out[name] = self.rows.column(name).chunk(0).take(pa.array(self._modes[name][sample]))
        return out

    def _classes(self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None) -> np.ndarray:
        """The class (its number) of each row: given, balanced or in the data's shares."""
        if given:
            unknown = set(given) - {self.target}
            if unknown:
                raise UsageError(
                    f"smote: only the target {self.target!r} can be given, not {sorted(unknown)}"
                )
            wanted = given[self.target]
            if len(wanted) != size:
                raise UsageError(f"smote: {len(wanted)} given {self.target!r} values for {size} rows")
            known, asked = combination_codes(
                self.classes.select(["class"]).rename_columns([self.target]), pa.table({self.target: wanted})
            )
            where = np.minimum(np.searchsorted(known, asked), len(known) - 1)
            missing = known[where] != asked
            if missing.any():
                value = wanted[int(np.flatnonzero(missing)[0])].as_py()
                raise UsageError(f"smote: no row of the data has {self.target}={value!r}")
            return where.astype(np.int64)
        classes = np.empty(size, np.int64)
        if self.shares == "balanced":
            rows = np.arange(start, start + size, dtype=np.int64)
            balanced_classes(classes, rows, rows, len(self._count), model_key(seed, "smote", "balance"))
            return classes
        drawn = draws.integers(model_key(seed, "smote", "class"), start, size, self.rows.num_rows)
        return np.searchsorted(np.cumsum(self._count), drawn, side="right").astype(np.int64)

    def to_document(self) -> dict[str, Any]:
        return {"target": self.target, "k": self.k, "shares": self.shares}

    def tables(self) -> dict[str, pa.Table]:
        return {
            "rows": self.rows,
            "neighbours": self.neighbours,
            "modes": self.modes,
            "classes": self.classes,
        }

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> Smote:
        body = dict(document)
        target = body.pop("target", None)
        if not isinstance(target, str):
            raise SchemaError(f"schema: model 'smote': target={target!r} is not a column name")
        settings = from_document(_Options, body, where="schema: model 'smote'")
        missing = [n for n in ("rows", "neighbours", "modes", "classes") if n not in tables]
        if missing:
            raise SchemaError(
                f"schema: model 'smote' keeps its tables {missing} in its model file; load that (.fsm)"
            )
        return cls(
            tables["rows"],
            tables["neighbours"],
            tables["modes"],
            tables["classes"],
            target,
            settings.k,
            settings.shares,
        )


def _neighbours(rows: pa.Table, target: str, counts: np.ndarray, k: int) -> tuple[pa.Table, pa.Table]:
    """(each row's ``k`` nearest neighbours of its class, as row numbers, padded with the row itself
    where its class has fewer; per category column, the row number of the category its neighbours hold
    most), for ``rows`` sorted by class with ``counts`` rows per class."""
    neighbors = optional_import("sklearn.neighbors", "real", "scikit-learn")
    names = [n for n in rows.column_names if n != target]
    numbers = [n for n in names if _number(rows.schema.field(n).type)]
    categories = [n for n in names if n not in numbers]
    scaled = np.column_stack(
        [_standardised(rows.column(n).chunk(0)) for n in numbers] or [np.zeros((rows.num_rows, 0))]
    )
    codes = np.column_stack(
        [_codes(rows.column(n).chunk(0)) for n in categories] or [np.zeros((rows.num_rows, 0), np.int64)]
    )
    firsts = [_first_rows(codes[:, j]) for j in range(len(categories))]
    found = np.repeat(np.arange(rows.num_rows, dtype=np.int64)[:, None], k, axis=1)
    modes = np.repeat(np.arange(rows.num_rows, dtype=np.int64)[:, None], len(categories), axis=1)
    first = 0
    for count in counts:
        block = slice(first, first + count)
        known = min(k, int(count) - 1)
        if known > 0:
            space = _space(scaled[block], codes[block])
            search = neighbors.NearestNeighbors(n_neighbors=known + 1, algorithm=_algorithm(space)).fit(space)
            near = search.kneighbors(space, return_distance=False)
            near = _without_self(near) + first
            found[block, :known] = near
            for j in range(len(categories)):
                modal = _modal(codes[block, j], codes[near, j])
                # The sample's own row when the mode is its category, else the category's first row.
                modes[block, j] = np.where(
                    modal == codes[block, j], np.arange(first, first + count), firsts[j][modal]
                )
        first += int(count)
    neighbour_table = pa.table({f"n{j + 1}": pa.array(found[:, j], pa.int64()) for j in range(k)})
    mode_table = pa.table({n: pa.array(modes[:, j], pa.int64()) for j, n in enumerate(categories)})
    return neighbour_table, mode_table


def _algorithm(space: np.ndarray) -> str:
    """scikit-learn's search for one class: a k-d tree (its "auto") prunes little past a few dimensions,
    where comparing every pair is faster while the pairs are few: 18,000 rows of 10 normal columns took
    12.3 s by tree, 3.6 s by pairs (2 cores)."""
    rows, dimensions = space.shape
    return "brute" if dimensions > 6 and rows <= 50_000 else "auto"


def _standardised(column: pa.Array) -> np.ndarray:
    """The column as float64 in standard deviations from its mean; nulls at the mean."""
    values, valid, _ = _as_numbers(column)
    values = values.astype(np.float64)
    if not valid.any():
        return np.zeros(len(values))
    mean = values[valid].mean()
    spread = values[valid].std()
    out = (values - mean) / (spread if spread > 0 and np.isfinite(spread) else 1.0)
    out[~valid] = 0.0
    return out


def _codes(column: pa.Array) -> np.ndarray:
    """One integer per distinct value of a category column (null its own)."""
    encoded = pc.dictionary_encode(column)
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64)


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """For each code, the first row holding it."""
    out = np.zeros(int(codes.max()) + 1 if len(codes) else 0, np.int64)
    present, first = np.unique(codes, return_index=True)
    out[present] = first
    return out


def _space(scaled: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The coordinates of one class's rows for the neighbour search: the standardised numbers, then
    each category one-hot at ``Med / sqrt(2)``, so that a differing category adds ``Med ** 2`` to the
    squared distance (Chawla et al.'s SMOTE-NC; ``Med`` the median standard deviation of the class's
    numbers, 1 when it has none or they do not vary)."""
    if codes.shape[1] == 0:
        return scaled
    spreads = scaled.std(axis=0) if scaled.shape[1] else np.zeros(0)
    med = float(np.median(spreads)) if len(spreads) else 0.0
    med = med if med > 0 else 1.0
    parts = [scaled]
    for j in range(codes.shape[1]):
        present, local = np.unique(codes[:, j], return_inverse=True)
        hot = np.zeros((codes.shape[0], len(present)))
        hot[np.arange(codes.shape[0]), local] = med / np.sqrt(2.0)
        parts.append(hot)
    return np.hstack(parts)


def _without_self(near: np.ndarray) -> np.ndarray:
    """Each row's neighbours but itself: ``near`` has one column too many, usually the row itself first;
    with duplicate rows the search may list a twin first and the row later, or not at all (then the
    farthest goes)."""
    n, width = near.shape
    own = near == np.arange(n)[:, None]
    own[~own.any(axis=1), width - 1] = True
    own &= np.cumsum(own, axis=1) == 1  # the row listed twice cannot happen, but keep one drop per row
    return near[~own].reshape(n, width - 1)


def _modal(own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Per row, the code most frequent among ``theirs`` (rows by neighbours); a tie goes to ``own``, then
    to the smallest code."""
    counts = (theirs[:, :, None] == theirs[:, None, :]).sum(axis=2)
    # More neighbours always win; among equal counts the own category, then the smallest code.
    score = (2 * counts + (theirs == own[:, None])) * (int(theirs.max()) + 1) - theirs
    return theirs[np.arange(len(theirs)), score.argmax(axis=1)]
