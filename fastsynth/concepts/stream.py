"""Rows from concept-drift generators, as a schema's ``generator``: one generator, or a sequence of
concepts with drift between them, or a dataset made of blocks.

    generator: {type: agrawal, classification_function: 2}

    generator:                       # drift between concepts
      concepts: [{type: sea, variant: 0}, {type: sea, variant: 2}, {type: sea, variant: 0}]
      drift: [{position: 40000, width: 5000}, {position: 80000}]     # gradual, then abrupt back
      virtual: {position: 60000, rate: 0.1}                          # features go missing
      concept_column: concept                                        # the ground truth

    generator:                       # blocks, each with its own generator
      concepts: [{type: sea}, {type: sea, variant: 1}, {type: agrawal}]
      blocks: {total_rows: 3000}     # or rows: 1000, rows: [500, 1500, 1000], rows: {"2": 1500}
      dates: {start: 2023-01-01, step: {days: 7}}
      balance: true

Switch ``s`` (one per concept after the first) moves the stream to concept ``s + 1`` around row
``position``: at once when ``width`` is 0, else row ``i`` is past it with probability
``1 / (1 + exp(-4 (i - position) / width))``, river's ConceptDriftStream. Incremental drift is the
generators' own (hyperplane's ``mag_change``, the moving centroids of ``random_rbf_drift``).

With ``blocks``, concept ``k`` (or the one concept) makes block ``k``; blocks may use different
generators, and a feature one block's generator lacks is null there. ``balance`` gives every group of
as many rows as there are classes each class once, in a drawn order: each block's classes in equal
numbers, to one row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array, values_array
from fastsynth.concepts.base import (
    Feature,
    Generator,
    Rows,
    buffer_dtype,
    dataset_key,
    generator_from_document,
    subkey,
)
from fastsynth.errors import SchemaError, UsageError
from fastsynth.kernels import numeric as kn
from fastsynth.kernels.concept import concepts_of_rows
from fastsynth.kernels.concepts.balance import balanced_classes
from fastsynth.specs import (
    Bounds,
    Count,
    PositiveInt,
    Size,
    Spec,
    from_document,
    show,
    spend,
    to_document,
    work_left,
)

__all__ = ["Blocks", "CalendarStep", "ConceptStream", "Dates", "Switch", "Virtual"]

_WHERE = "schema: generator"
_MOST_CONCEPTS = 32_767
_MOST_RUNS = 16
"""Runs of one concept in a batch filled in place; past it (a gradual switch) rows are gathered."""


@dataclass(frozen=True)
class Switch(Spec):
    """Where the stream moves to its next concept."""

    position: Annotated[float, Bounds(0)]
    """The row around which the next concept takes over."""
    width: Annotated[float, Bounds(0)] = 0.0
    """Rows the change takes (0: abrupt)."""


@dataclass(frozen=True, kw_only=True)
class Virtual(Spec):
    """Virtual drift: from ``position`` on, feature values go missing (null) with probability
    ``rate``; the concept itself does not change."""

    position: Count = 0
    rate: Annotated[float, Bounds(0, 1)]
    columns: tuple[str, ...] | None = None
    """The features that go missing (all when not given)."""


@dataclass(frozen=True, kw_only=True)
class CalendarStep(Spec):
    """A calendar offset, as pandas' DateOffset: months and years keep the day of the month (the 31st
    becomes the last day of a shorter month), the rest are fixed durations."""

    # A thousand years at most, in any unit; how far the steps reach is checked as rows are made.
    years: Annotated[int, Bounds(-1000, 1000)] = 0
    months: Annotated[int, Bounds(-12_000, 12_000)] = 0
    weeks: Annotated[int, Bounds(-52_000, 52_000)] = 0
    days: Annotated[int, Bounds(-365_000, 365_000)] = 0
    hours: Annotated[int, Bounds(-8_760_000, 8_760_000)] = 0
    minutes: Annotated[int, Bounds(-525_600_000, 525_600_000)] = 0
    seconds: Annotated[int, Bounds(-31_536_000_000, 31_536_000_000)] = 0

    def shift(self, start: np.datetime64, steps: np.ndarray) -> np.ndarray:
        """``start + k * step`` for each ``k`` in ``steps``, as datetime64[us]."""
        k = steps.astype(np.int64)
        months = 12 * self.years + self.months
        base = np.full(k.shape, start, dtype="datetime64[us]")
        if months:
            first_month = start.astype("datetime64[M]")
            day = (start.astype("datetime64[D]") - first_month.astype("datetime64[D]")).astype(np.int64)
            time_of_day = start - start.astype("datetime64[D]")
            month = first_month + (k * months).astype("timedelta64[M]")
            first_day = month.astype("datetime64[D]")
            length = ((month + np.timedelta64(1, "M")).astype("datetime64[D]") - first_day).astype(np.int64)
            day_of_month = np.minimum(day, length - 1).astype("timedelta64[D]")
            base = (first_day + day_of_month).astype("datetime64[us]") + time_of_day
        fixed = np.timedelta64(
            ((((self.weeks * 7 + self.days) * 24 + self.hours) * 60 + self.minutes) * 60 + self.seconds)
            * 1_000_000,
            "us",
        )
        result: np.ndarray = base + k * fixed
        return result


@dataclass(frozen=True, kw_only=True)
class Dates(Spec):
    """A timestamp column: ``start + k * step``, where ``k`` counts groups of ``every`` rows (with
    blocks and no ``every``: the block's number, one timestamp per block)."""

    start: str
    """An ISO date or date-time."""
    step: CalendarStep = field(default_factory=lambda: CalendarStep(days=1))
    every: PositiveInt | None = None
    """Rows that share a timestamp."""
    column: str = "timestamp"

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            dt.datetime.fromisoformat(self.start)
        except ValueError:
            raise SchemaError(
                f"{_WHERE}: dates: start={show(self.start)} is not an ISO date such as 2023-01-01"
            ) from None

    def times(self, steps: np.ndarray) -> np.ndarray:
        """``start + k * step`` for each ``k`` in ``steps``, as int64 microseconds (UTC when ``start``
        has an offset: the calendar arithmetic is done on its local clock, as pandas does)."""
        when = dt.datetime.fromisoformat(self.start)
        offset = when.utcoffset() or dt.timedelta(0)
        local = np.datetime64(when.replace(tzinfo=None), "us")
        if len(steps):
            _check_range(self, local, int(steps.min()), int(steps.max()))
        shifted: np.ndarray = (self.step.shift(local, steps) - np.timedelta64(offset)).view(np.int64)
        return shifted

    def arrow_type(self) -> pa.DataType:
        aware = dt.datetime.fromisoformat(self.start).tzinfo is not None
        return pa.timestamp("us", tz="UTC" if aware else None)


_EPOCH = dt.datetime(1970, 1, 1)
_YEARS = (
    (dt.datetime(1, 1, 1) - _EPOCH).total_seconds(),
    (dt.datetime(9999, 12, 31) - _EPOCH).total_seconds(),
)
"""The seconds from 1970 that timestamps may reach: years 1 to 9999."""


def _check_range(dates: Dates, start: np.datetime64, first: int, last: int) -> None:
    """Refuse steps that take the timestamps past years 1 to 9999, where datetime64 would wrap around
    (a step's months and years counted at their longest)."""
    step = dates.step
    days = 366 * step.years + 31 * step.months + 7 * step.weeks + step.days
    seconds = (days * 24 + step.hours) * 3600 + step.minutes * 60 + step.seconds
    origin = float((start - np.datetime64(0, "us")) / np.timedelta64(1, "s"))
    reach = [origin + k * seconds for k in (first, last)]
    if min(reach) < _YEARS[0] or max(reach) > _YEARS[1]:
        raise UsageError(
            f"{_WHERE}: dates: {last} steps of {to_document(step)} from {dates.start} go past the years "
            "1 to 9999 that timestamps hold; allowed: a smaller step, or more rows per step"
        )


@dataclass(frozen=True, kw_only=True)
class Blocks(Spec):
    """How many rows each block holds, what it is called, and the column that says which it is."""

    count: Annotated[int, Bounds(1), Size("categories")] | None = None
    """How many blocks (by default, one per concept)."""
    total_rows: PositiveInt | None = None
    """All the blocks' rows: split equally, the remainder on the last block (as the seed does)."""
    rows: PositiveInt | tuple[PositiveInt, ...] | dict[str, PositiveInt] | None = None
    """Rows of each block: one number for all, one per block, or a map from block label to rows (the
    blocks it does not name share what is left of ``total_rows``)."""
    labels: tuple[int, ...] | tuple[str, ...] | None = None
    """The block column's values (1, 2, ... by default)."""
    column: str = "block"


@dataclass(frozen=True)
class _Document(Spec):
    concepts: Any
    drift: tuple[Switch, ...] = ()
    blocks: Blocks | None = None
    virtual: Virtual | None = None
    dates: Dates | None = None
    balance: bool = False
    target: str = "target"
    concept_column: str | None = "concept"


@dataclass(frozen=True)
class ConceptStream:
    """A schema's generator: see the module's docstring."""

    concepts: tuple[Generator, ...]
    drift: tuple[Switch, ...] = ()
    blocks: Blocks | None = None
    virtual: Virtual | None = None
    dates: Dates | None = None
    balance: bool = False
    """Equal classes: each block's (or the whole stream's) rows take the classes in turn."""
    target: str = "target"
    concept_column: str | None = "concept"
    """The ground truth: each row's concept (0, 1, ...), when there is more than one."""
    _sizes: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())
    _columns: tuple[Feature, ...] = field(init=False, repr=False, compare=False, default=())
    _types: dict[str, pa.DataType] = field(init=False, repr=False, compare=False, default_factory=dict)
    _nullable: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "concepts", tuple(self.concepts))
        object.__setattr__(self, "drift", tuple(self.drift))
        if not self.concepts:
            raise SchemaError(f"{_WHERE}: concepts is empty; give at least one generator")
        if len(self.concepts) > _MOST_CONCEPTS:
            raise SchemaError(
                f"{_WHERE}: {len(self.concepts)} concepts; allowed: at most {_MOST_CONCEPTS} (the concept "
                "column is an int16)"
            )
        budget = work_left()
        if budget is not None:  # a server: what the concepts build before their rows, all together
            distinct = set(self.concepts)
            needed = sum(c.setup_seconds() for c in distinct)
            if needed > budget[0]:
                raise SchemaError(
                    f"{_WHERE}: its {len(distinct):,} concepts build about {needed:.0f} s of state before "
                    f"their rows (centroids, trees), over the limit; allowed: at most {budget[0]} s "
                    f"({budget[1]}): fewer or smaller concepts"
                )
            spend("work", needed)
        for option in ("target", "concept_column"):
            if getattr(self, option) == "":
                raise SchemaError(f"{_WHERE}: {option}='' is not a column name")
        if self.blocks is not None:
            if self.drift:
                raise SchemaError(
                    f"{_WHERE}: drift switches and blocks both given; blocks change concept at their "
                    "boundaries, so give one or the other"
                )
            object.__setattr__(self, "_sizes", self._block_sizes(self.blocks))
        elif len(self.drift) != len(self.concepts) - 1:
            raise SchemaError(
                f"{_WHERE}: drift has {len(self.drift)} switches for {len(self.concepts)} concepts; "
                "give one switch per concept after the first"
            )
        positions = [s.position for s in self.drift]
        if positions != sorted(positions):
            raise SchemaError(f"{_WHERE}: drift positions {positions} are not in increasing order")
        object.__setattr__(self, "_columns", self._features())
        self._check_target()
        columns = self.columns()
        object.__setattr__(self, "_types", {f.name: f.arrow_type for f in columns})
        object.__setattr__(self, "_nullable", self._nullable_features())
        if len(self._types) != len(columns):
            names = [f.name for f in columns]
            twice = next(name for name in names if names.count(name) > 1)
            raise SchemaError(
                f"{_WHERE}: column {twice!r} is named twice (among features, target, block, date, concept)"
            )
        features = {f.name for f in self.features}
        for name in (self.virtual.columns or ()) if self.virtual is not None else ():
            if name not in features:
                raise SchemaError(
                    f"{_WHERE}: virtual: columns names {name!r}, which is not a feature "
                    f"({', '.join(sorted(features))})"
                )

    # -- building -----------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, document: Any) -> ConceptStream:
        """A stream from its document: one generator (an object with a ``type``) or the full form."""
        if isinstance(document, dict) and "type" in document:
            return cls((generator_from_document(document, _WHERE),))
        blocks = document.get("blocks") if isinstance(document, dict) else None
        if isinstance(blocks, dict) and isinstance(blocks.get("rows"), dict):  # YAML reads {2: 500}: block 2
            rows = {str(k) if isinstance(k, int) else k: v for k, v in blocks["rows"].items()}
            document = {**document, "blocks": {**blocks, "rows": rows}}
        top = from_document(_Document, document, where=_WHERE)
        concepts = top.concepts if isinstance(top.concepts, list | tuple) else [top.concepts]
        generators = tuple(
            generator_from_document(c, f"{_WHERE}: concepts[{k}]") for k, c in enumerate(concepts)
        )
        return cls(
            generators,
            drift=top.drift,
            blocks=top.blocks,
            virtual=top.virtual,
            dates=top.dates,
            balance=top.balance,
            target=top.target,
            concept_column=top.concept_column,
        )

    def to_dict(self) -> dict[str, Any]:
        """The document ``from_dict`` rebuilds this stream from."""
        document: dict[str, Any] = {"concepts": [g.to_document() for g in self.concepts]}
        defaults = ConceptStream(self.concepts[:1])
        for name in ("drift", "blocks", "virtual", "dates", "balance", "target", "concept_column"):
            value = getattr(self, name)
            if value != getattr(defaults, name):
                document[name] = to_document(value)
        return document

    def _block_sizes(self, blocks: Blocks) -> tuple[int, ...]:
        """Each block's rows, from ``count``, ``total_rows``, ``rows`` and the concepts."""
        where = f"{_WHERE}: blocks"
        count = blocks.count or len(self.concepts)
        if len(self.concepts) not in (1, count):
            raise SchemaError(
                f"{where}: count={count} but {len(self.concepts)} concepts; give one concept for "
                "every block, or one for all"
            )
        labels = blocks.labels or tuple(range(1, count + 1))
        if len(labels) != count:
            raise SchemaError(f"{where}: labels has {len(labels)} values for {count} blocks")
        if len(set(labels)) != count:
            raise SchemaError(f"{where}: labels={list(labels)} repeats a label")
        total, rows = blocks.total_rows, blocks.rows
        if isinstance(rows, int):
            sizes = [rows] * count
        elif isinstance(rows, tuple):
            if len(rows) != count:
                raise SchemaError(f"{where}: rows has {len(rows)} values for {count} blocks")
            sizes = list(rows)
        else:
            named = dict(rows or {})
            known = {str(label): k for k, label in enumerate(labels)}
            for label in named:
                if label not in known:
                    raise SchemaError(
                        f"{where}: rows names block {label!r}, which does not exist; blocks: "
                        f"{', '.join(known)}"
                    )
            if total is None:
                if len(named) < count:
                    raise SchemaError(
                        f"{where}: give total_rows, rows for every block, or rows per block "
                        f"(blocks: {', '.join(known)})"
                    )
                sizes = [named[str(label)] for label in labels]
            else:
                left, unnamed = total - sum(named.values()), count - len(named)
                if left < unnamed or (unnamed == 0 and left != 0):
                    raise SchemaError(
                        f"{where}: rows of the named blocks add up to {sum(named.values())}, which "
                        f"leaves {left} of total_rows={total} for {unnamed} other blocks"
                    )
                share = [left // unnamed] * unnamed if unnamed else []
                if share:
                    share[-1] += left % unnamed
                fill = iter(share)
                sizes = [named.get(str(label)) or next(fill) for label in labels]
        if total is not None and rows is not None and sum(sizes) != total:
            raise SchemaError(
                f"{where}: rows add up to {sum(sizes)}, not total_rows={total}; give one or the other, "
                "or make them agree"
            )
        if rows is None:
            if total is None:
                raise SchemaError(f"{where}: give total_rows or rows (per block)")
            if total < count:
                raise SchemaError(f"{where}: total_rows={total} is fewer than one row per block ({count})")
            sizes = [total // count] * count
            sizes[-1] += total % count
        if sum(sizes) >= 2**63:
            raise SchemaError(f"{where}: the blocks hold {sum(sizes)} rows; allowed: fewer than 2**63")
        return tuple(sizes)

    def _features(self) -> tuple[Feature, ...]:
        """The feature columns: the concepts' features in order of first appearance. Without blocks
        every concept must have the same ones; with blocks, a block lacking one leaves it null."""
        first = self.concepts[0].features()
        columns: dict[str, Feature] = {f.name: f for f in first}
        for k, concept in enumerate(self.concepts[1:], 1):
            mine = concept.features()
            if self.blocks is None and [f.name for f in mine] != [f.name for f in first]:
                raise SchemaError(
                    f"{_WHERE}: concepts[{k}] ({concept.type_name}) has features "
                    f"{[f.name for f in mine]}, concepts[0] ({self.concepts[0].type_name}) "
                    f"{[f.name for f in first]}; concepts a stream drifts between share their features "
                    "(blocks may differ)"
                )
            for f in mine:
                seen = columns.setdefault(f.name, f)
                if seen.arrow_type != f.arrow_type:
                    raise SchemaError(
                        f"{_WHERE}: feature {f.name!r} is {seen.arrow_type} in one concept and "
                        f"{f.arrow_type} in concepts[{k}] ({concept.type_name})"
                    )
        return tuple(columns.values())

    def _check_target(self) -> None:
        kinds = {c.target_type() for c in self.concepts}
        if len(kinds) > 1:
            raise SchemaError(
                f"{_WHERE}: concepts mix targets ({', '.join(sorted(map(str, kinds)))}); a stream is "
                "classification or regression throughout"
            )
        if self.balance:
            for k, concept in enumerate(self.concepts):
                if not concept.balances:
                    raise SchemaError(
                        f"{_WHERE}: balance=true but concepts[{k}] ({concept.type_name}) cannot be asked for "
                        "a class; use its own balance option, if it has one"
                    )
                if concept.classes() is None:
                    raise SchemaError(
                        f"{_WHERE}: balance=true but concepts[{k}] ({concept.type_name}) is a regression; "
                        "balance applies to classes"
                    )

    # -- what the schema sees -----------------------------------------------------------------------

    @property
    def features(self) -> tuple[Feature, ...]:
        return self._columns

    def columns(self) -> tuple[Feature, ...]:
        """Every column the stream makes, in order: timestamp, features, target, block, concept."""
        out: list[Feature] = []
        if self.dates is not None:
            out.append(Feature(self.dates.column, self.dates.arrow_type()))
        out.extend(self.features)
        out.append(Feature(self.target, self.concepts[0].target_type()))
        if self.blocks is not None:
            labels = self.blocks.labels
            text = labels is not None and isinstance(labels[0], str)
            out.append(Feature(self.blocks.column, pa.string() if text else pa.int64()))
        if self.concept_column is not None and len(self.concepts) > 1:
            out.append(Feature(self.concept_column, pa.int16()))
        return tuple(out)

    def column_types(self) -> dict[str, pa.DataType]:
        """Each column's Arrow type, by name."""
        return self._types

    def nullable(self, name: str) -> bool:
        """Whether column ``name`` can hold nulls (virtual drift, a block whose generator lacks it, an
        adapter's values)."""
        return name in self._nullable

    def _nullable_features(self) -> frozenset[str]:
        """The features that can be null: those virtual drift removes, those a block's generator lacks,
        and an adapter's (river's None)."""
        everywhere = set.intersection(*(set(c.feature_names()) for c in self.concepts))
        names = [f.name for f in self.features]
        removed = set() if self.virtual is None else set(self.virtual.columns or names)
        return frozenset(
            f.name
            for f in self.features
            if f.name in removed or f.name not in everywhere or f.dtype.kind == "O"
        )

    def sequential(self) -> list[str]:
        """The concepts whose row ``i`` costs making the rows before it (river's streams, hyperplane's
        reversals), by type: a server bounds how far into them a request may start."""
        return [c.type_name for c in self.concepts if c.sequential()]

    def capacity(self) -> int | None:
        """The rows there are: the blocks' total, or None (a stream without blocks is endless)."""
        return sum(self._sizes) if self.blocks is not None else None

    # -- making rows --------------------------------------------------------------------------------

    def make(self, seed: int, start: int, size: int) -> dict[str, pa.Array]:
        """Rows ``[start, start + size)`` of every column."""
        rows = np.arange(start, start + size, dtype=np.int64)
        stream = dataset_key(seed, "concept stream")  # which rows switch, go missing, take which class
        concept, block, position = self._locate(stream, rows)
        buffers = [_buffer(size, f.dtype) for f in self.features]
        target = _buffer(size, buffer_dtype(self.concepts[0].target_type()))
        present = np.zeros((len(self.features), size), dtype=bool) if self.blocks is not None else None
        index = {f.name: n for n, f in enumerate(self.features)}
        keys = [g.key(seed) for g in self.concepts]
        states: dict[tuple[Generator, int], Any] = {}
        for c, part, numbers, key in self._units(keys, rows, concept, block, position):
            generator = self.concepts[c]
            names, own = generator.feature_names(), generator.features()
            shared = [buffers[index[name]] for name in names]
            # A run of rows fills the output in place; rows a gradual switch scattered, or values of
            # another kind than the column's (a kernel's numbers into an adapter's Python values), go
            # through buffers of their own.
            in_place = isinstance(part, slice) and all(
                b.dtype == f.dtype for b, f in zip(shared, own, strict=True)
            )
            if in_place:
                columns, out_target = [b[part] for b in shared], target[part]
            else:
                columns = [_buffer(len(numbers), f.dtype) for f in own]
                out_target = _buffer(len(numbers), target.dtype)
            desired = self._desired(stream, generator, rows[part], position[part])
            known = (generator, int(keys[c]))
            if known not in states:  # once a batch, whatever the switches between concepts
                states[known] = _state(generator, keys[c])
            missed = generator.fill(Rows(numbers, key, states[known], desired, columns, out_target))
            if missed:
                raise UsageError(
                    f"{_WHERE}: balance: generator {generator.type_name!r} did not make the wanted "
                    f"class for {missed} rows within its draws; it makes that class too rarely to "
                    "balance: set balance to false"
                )
            if not in_place:
                for buffer, values in zip(shared, columns, strict=True):
                    buffer[part] = values
                target[part] = out_target
            if present is not None:
                for name in names:
                    present[index[name], part] = True
        out: dict[str, pa.Array] = {}
        if self.dates is not None:
            steps = (
                block if self.dates.every is None and block is not None else rows // (self.dates.every or 1)
            )
            out[self.dates.column] = numpy_buffer_array(self.dates.arrow_type(), self.dates.times(steps))
        for n, f in enumerate(self.features):
            valid = None if present is None else present[n]
            if self.virtual is not None and (self.virtual.columns is None or f.name in self.virtual.columns):
                kept = self._kept(stream, f.name, rows)
                valid = kept if valid is None else valid & kept
            out[f.name] = _array(f.arrow_type, buffers[n], valid)
        out[self.target] = _array(self.concepts[0].target_type(), target, None)
        if self.blocks is not None and block is not None:
            labels = values_array(list(self.blocks.labels or range(1, len(self._sizes) + 1)))
            out[self.blocks.column] = labels.take(numpy_buffer_array(pa.int64(), block))  # pa.array: pandas
        if self.concept_column is not None and len(self.concepts) > 1:
            out[self.concept_column] = numpy_buffer_array(pa.int16(), concept.astype(np.int16))
        return out

    def _units(
        self,
        keys: list[np.uint64],
        rows: np.ndarray,
        concept: np.ndarray,
        block: np.ndarray | None,
        position: np.ndarray,
    ) -> Iterator[tuple[int, slice | np.ndarray, np.ndarray, np.uint64]]:
        """What to fill, concept by concept: (the concept, the rows' places in the batch, the row numbers
        its generator sees, its key). A stream's generators see the stream's row numbers; a block's
        generator starts at its own row 0, with a key of the block's, as the seed starts each block's."""
        if block is None:
            for c in np.unique(concept).tolist() if len(self.concepts) > 1 else [0]:
                for part in _parts_of(concept, c, len(self.concepts)):
                    yield c, part, rows[part], keys[c]
            return
        edges = (np.flatnonzero(np.diff(block)) + 1).tolist()
        for lo, hi in zip([0, *edges], [*edges, len(block)], strict=True):
            b = int(block[lo])
            c = b if len(self.concepts) > 1 else 0
            yield c, slice(lo, hi), position[lo:hi], subkey(keys[c], f"block\x00{b}")

    def _locate(
        self, stream: np.uint64, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Each row's concept, block (or None) and position in its block (or in the stream)."""
        if self.blocks is None:
            concept = np.zeros(rows.shape[0], np.int64)
            if self.drift:
                positions = np.array([s.position for s in self.drift], dtype=np.float64)
                widths = np.array([s.width for s in self.drift], dtype=np.float64)
                key = subkey(stream, "switches")
                concepts_of_rows(concept, positions, widths, key, int(rows[0]) if len(rows) else 0)
            return concept, None, rows
        ends = np.cumsum(self._sizes)
        block = np.searchsorted(ends, rows, side="right")
        if len(rows) and block[-1] >= len(self._sizes):
            raise UsageError(
                f"{_WHERE}: blocks hold {int(ends[-1])} rows; row {int(rows[-1])} is past the last block"
            )
        starts = ends - np.asarray(self._sizes)
        position = rows - starts[block]
        concept = block if len(self.concepts) > 1 else np.zeros_like(block)
        return concept, block, position

    def _desired(
        self, stream: np.uint64, generator: Generator, rows: np.ndarray, position: np.ndarray
    ) -> np.ndarray:
        """The class each row is to take when balancing (each class once in every group of as many rows
        as there are classes, in a drawn order), else -1 (any)."""
        classes = generator.classes()
        out = np.full(rows.shape[0], -1, np.int64)
        if self.balance and classes is not None:
            key = subkey(stream, "balance")
            balanced_classes(out, rows, position.astype(np.int64), classes, key)
        return out

    def _kept(self, stream: np.uint64, name: str, rows: np.ndarray) -> np.ndarray:
        """Which rows keep feature ``name`` under virtual drift."""
        assert self.virtual is not None
        u = np.empty(rows.shape[0])
        key = subkey(stream, f"virtual\x00{name}")
        uniform = kn.FLOAT_DISTRIBUTIONS["uniform"]
        kn.fill_float(u, key, int(rows[0]) if len(rows) else 0, uniform, 0.0, 1.0, -np.inf, np.inf, 0.0)
        result: np.ndarray = (rows < self.virtual.position) | (u >= self.virtual.rate)
        return result


@lru_cache(maxsize=16)
def _state(generator: Generator, key: np.uint64) -> Any:
    """A generator's once-built state (a tree, centroids) for one key; the last few are kept (a server
    asked for many seeds would otherwise keep one per seed)."""
    return generator.state(int(key))


def _parts_of(concept: np.ndarray, c: int, concepts: int) -> list[slice] | list[np.ndarray]:
    """The rows of concept ``c``: a few runs (slices), or their indices when they are scattered."""
    if concepts == 1:
        return [slice(0, concept.shape[0])]
    hit = np.concatenate(([False], concept == c, [False]))
    edges = np.flatnonzero(np.diff(hit.astype(np.int8)))
    if len(edges) > 2 * _MOST_RUNS:
        return [np.flatnonzero(hit[1:-1])]
    return [slice(lo, hi) for lo, hi in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True)]


def _buffer(size: int, dtype: np.dtype[Any]) -> np.ndarray:
    """A buffer for a kernel to fill (Arrow's memory), or for an adapter's Python values."""
    return np.empty(size, dtype) if dtype.kind == "O" else empty(size, dtype)


def _array(arrow_type: pa.DataType, values: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """An Arrow array over a kernel's buffer (booleans packed), null where ``valid`` is false; Python
    values (an adapter's, None for null) are converted."""
    if values.dtype.kind == "O":
        return pa.array(values, type=arrow_type, mask=None if valid is None else ~valid, from_pandas=True)
    bitmap = None if valid is None or valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    if pa.types.is_boolean(arrow_type):
        data = pa.py_buffer(np.packbits(values.astype(bool), bitorder="little"))
        return pa.Array.from_buffers(arrow_type, len(values), [bitmap, data])
    return pa.Array.from_buffers(arrow_type, len(values), [bitmap, pa.py_buffer(values)])
