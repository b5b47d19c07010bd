"""The base class every field type derives from, the block of rows it fills, and the field registry.

A field type is a frozen dataclass registered under its type name. Its dataclass attributes are the
options a schema may give (each with a docstring); ``__post_init__`` validates them; ``generate`` turns a
``Block`` of rows into an Arrow array with no nulls (the schema applies ``null_rate``). Every random
number comes from the block's keys, so row ``i`` is the same whatever the batch it falls in::

    @FIELDS.register("dice")
    @dataclass(frozen=True, kw_only=True)
    class Dice(Field):
        sides: int = 6
        \"\"\"Number of faces.\"\"\"

        def arrow_type(self) -> pa.DataType:
            return pa.int64()

        def generate(self, block: Block) -> pa.Array:
            return pa.array(block.integers(1, self.sides))
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import empty
from fastsynth.entities import ONE_SERIES, Entities, Segments
from fastsynth.errors import FastsynthError, SchemaError, field_error
from fastsynth.kernels import numeric as kn
from fastsynth.registry import Registry
from fastsynth.specs import Bounds, ceiling, check, from_document, on_time, options_of, to_document

if TYPE_CHECKING:  # the schema is made of fields: it is the layer above, seen here only in annotations
    from fastsynth.schema import Schema

__all__ = ["FIELDS", "Block", "Field", "RunContext", "column_key"]

FIELDS: Registry[type[Field]] = Registry(
    "field type", "fastsynth.fields", SchemaError, name_attribute="type_name"
)


def column_key(seed: int, name: str) -> int:
    """The 64-bit key of a column: a stable hash of (seed, name), the same on every platform."""
    digest = hashlib.blake2b(f"{seed}\x00{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


T = TypeVar("T")


class RunContext:
    """What one run of a schema (a ``generate`` call, a stream, a Dask task) keeps from batch to batch:
    caches that make later batches cheaper and never change their values, such as where each AR
    recursion stopped. Specs stay plain data; generation owns the run and hands it to every block.

    Only the ``size`` values used last are kept: a long-lived run asked for many seeds (a server's
    generator) would otherwise hold an AR carry per seed for good."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._guard = threading.Lock()
        # A fixed set of locks shared out by key: as many keys as come, and nothing to clean up.
        self._locks = tuple(threading.Lock() for _ in range(32))

    @contextmanager
    def hold(self, key: Hashable, make: Callable[[], T]) -> Iterator[T]:
        """The value kept under ``key`` (made by ``make`` the first time), held by this thread alone
        until the ``with`` block ends, so a kernel may update it in place. A value dropped while in
        use is only remade the next time: the values are caches."""
        # Holds never nest within one run (the drift reference is made in a run of its own), so one
        # thread takes one of these locks at a time and they cannot deadlock.
        with self._locks[hash(key) % len(self._locks)]:
            with self._guard:
                value = self._values.get(key)
            if value is None:
                value = make()
            with self._guard:
                self._values[key] = value
                self._values.move_to_end(key)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            yield value


@dataclass(frozen=True)
class Block:
    """Rows ``[start, start + size)`` of one column, with the keys their randomness comes from."""

    name: str
    """The column's name."""
    seed: int
    """The dataset's seed."""
    start: int
    """Index of the first row."""
    size: int
    """Number of rows."""
    schema: Schema | None = field(default=None, compare=False)
    """The Schema the column belongs to, for fields that follow other columns (None when alone)."""
    made: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Columns (and shared intermediates) of the same rows made so far, for the blocks of one batch."""
    run: RunContext = field(default_factory=RunContext, compare=False, repr=False)
    """The run the batch belongs to (a fresh one when the block stands alone)."""
    ready: Callable[[str, pa.Array], pa.Array] | None = field(default=None, compare=False, repr=False)
    """What the batch does to a column once it is made, before any column reads it: the schema's drift
    events, so that the columns computed from a drifted column see it drifted."""

    @property
    def entities(self) -> Entities:
        """How the schema's rows map to (entity, step): one series unless it declares entities."""
        return (self.schema.entities if self.schema is not None else None) or ONE_SERIES

    def timeline(self) -> tuple[np.ndarray, np.ndarray]:
        """(step, entity) of each row, computed once per batch."""
        if "\x00timeline" not in self.made:
            self.made["\x00timeline"] = self.entities.locate(self.start, self.size)
        return self.made["\x00timeline"]

    def segments(self, chunk: int) -> Segments:
        """The rows as runs of one entity's consecutive steps, cut at multiples of ``chunk`` steps."""
        return self.entities.segments(self.start, self.size, chunk)

    def correlated_normal(self) -> np.ndarray | None:
        """The Gaussian copula's normals for this column if the schema correlates it, else None: ``Y =
        L Z``, with ``Z`` one normal stream per column of the group, made once per batch and group."""
        hit = None if self.schema is None else self.schema.copula_of(self.name)
        if hit is None:
            return None
        index, position, factor, columns = hit
        cache_key = f"\x00copula{index}"
        if cache_key not in self.made:
            z = np.empty((len(columns), self.size))
            code = kn.FLOAT_DISTRIBUTIONS["normal"]
            for row, column in enumerate(columns):
                kn.fill_float(
                    z[row], self.key_of(column, "copula"), self.start, code, 0.0, 1.0, -np.inf, np.inf, 0.0
                )
            y = np.empty_like(z)
            kn.mix_rows(y, factor, z)  # a kernel, not BLAS: row i's values never depend on the batch
            self.made[cache_key] = y
        result: np.ndarray = self.made[cache_key][position]
        return result

    def column(self, name: str) -> pa.Array:
        """Column ``name`` of the schema for the same rows (made once per batch, then reused)."""
        if name not in self.made:
            target = self.schema.column_named(name) if self.schema is not None else None
            if target is None:
                raise SchemaError(f"field {self.name!r}: refers to column {name!r}, which the schema lacks")
            assert self.schema is not None
            for needed in self.schema.build_order(name, self.made):  # dependencies first: no recursion
                if needed in self.made:  # made meanwhile: ``ready`` may make a drift's time column
                    continue
                block = Block(
                    needed, self.seed, self.start, self.size, self.schema, self.made, self.run, self.ready
                )
                array = self.schema.column_named(needed).column(block)  # type: ignore[union-attr]
                self.made[needed] = array if self.ready is None else self.ready(needed, array)
        return self.made[name]

    @cached_property
    def key(self) -> np.uint64:
        """The column's key."""
        return np.uint64(column_key(self.seed, self.name))

    def subkey(self, salt: str) -> np.uint64:
        """An independent key for another use of randomness in the same column (nulls, parts)."""
        return self.key_of(self.name, salt)

    def key_of(self, column: str, salt: str = "") -> np.uint64:
        """The key of ``column`` (another column's, to agree with it), or of one of its uses."""
        return np.uint64(column_key(self.seed, f"{column}\x00{salt}" if salt else column))

    def _key(self, salt: str) -> np.uint64:
        return self.subkey(salt) if salt else self.key

    def uniform(self, low: float = 0.0, high: float = 1.0, *, salt: str = "") -> np.ndarray:
        """Uniform floats in [low, high), one per row."""
        out = empty(self.size, np.float64)
        code = kn.FLOAT_DISTRIBUTIONS["uniform"]
        kn.fill_float(out, self._key(salt), self.start, code, float(low), float(high), -np.inf, np.inf, 0.0)
        return out

    def normal(self, mean: float = 0.0, std: float = 1.0, *, salt: str = "") -> np.ndarray:
        """Normal floats, one per row."""
        out = empty(self.size, np.float64)
        code = kn.FLOAT_DISTRIBUTIONS["normal"]
        kn.fill_float(out, self._key(salt), self.start, code, float(mean), float(std), -np.inf, np.inf, 0.0)
        return out

    def integers(self, low: int, high: int, *, salt: str = "") -> np.ndarray:
        """Uniform integers in [low, high] (both inclusive), one per row."""
        out = empty(self.size, np.int64)
        kn.fill_uniform_int(out, self._key(salt), self.start, low, np.uint64((high - low + 1) % 2**64))
        return out

    def bits(self, p: float, *, salt: str = "") -> pa.Buffer:
        """An Arrow bitmap whose bit ``j`` is set with probability ``p``."""
        out = empty((self.size + 7) // 8, np.uint8)
        kn.fill_bits(out, self._key(salt), self.start, self.size, float(p))
        return pa.py_buffer(out)


_TEXT_FROM_COLUMNS = ("template", "expr")
"""Field types whose text is made from other columns."""


@dataclass(frozen=True, kw_only=True)
class Field:
    """Base of every field type. Subclasses are frozen, keyword-only dataclasses."""

    type_name: ClassVar[str] = ""
    """The name the type is registered under (set by ``FIELDS.register``)."""

    name: str
    """The column's name."""
    null_rate: Annotated[float, Bounds(0, 1)] = 0.0
    """Probability that a row is null, in [0, 1]."""

    def __post_init__(self) -> None:
        # Every option against its annotation, for fields made in Python as for those made from specs.
        check(self, where=f"field {self.name!r}")

    # -- what subclasses implement ------------------------------------------------------------------

    def arrow_type(self) -> pa.DataType:
        """The Arrow type of the column."""
        raise NotImplementedError

    def generate(self, block: Block) -> pa.Array:
        """The block's values as an Arrow array of ``arrow_type()``, with no nulls."""
        raise NotImplementedError

    def nullable(self, schema: Schema | None = None) -> bool:
        """Whether the column can hold nulls inside ``schema``: its own null_rate, or a column it reads."""
        if self.null_rate > 0 or schema is None:
            return self.null_rate > 0
        known = schema.column_nullable(self.name)
        if known is not None and schema.column_named(self.name) is self:
            return known
        return any(bool(schema.column_nullable(name)) for name in self.dependencies(schema))

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        """The columns of ``schema`` whose values this field reads (the schema refuses cycles)."""
        return ()

    def check_schema(self, schema: Schema) -> None:
        """Check what this field needs from the rest of ``schema`` (columns it refers to)."""

    def capacity(self, schema: Schema | None = None) -> int | None:
        """How many rows can be made at most (distinct values run out) inside ``schema``, or None."""
        return None

    def check_text_sources(self, schema: Schema, names: tuple[str, ...]) -> None:
        """Under a server's ceilings, refuse text made from columns that are themselves text made from
        other columns: each such step multiplies a row's length (a template of 3,000 placeholders of a
        10,000-character column is 30 MB a row; one more step, 100 GB). One step stays within what a
        batch's memory budget can take, a row at a time."""
        limit = ceiling("text")
        if limit is None:
            return
        for name in names:
            other = schema.column_named(name)
            made = other is not None and other.type_name in _TEXT_FROM_COLUMNS and other.dependencies(schema)
            if made and pa.types.is_string(other.arrow_type()):  # type: ignore[union-attr]
                raise self.error(
                    f"reads {name!r}, text made from other columns itself; allowed here: text made from "
                    f"columns that are not ({', '.join(_TEXT_FROM_COLUMNS)} of text) ({limit[1]})"
                )

    def capacity_exceeded(self, rows: int, capacity: int) -> str:
        """Why ``rows`` rows cannot be made when ``capacity()`` is ``capacity`` (for the message)."""
        return f"unique values run out: rows up to {rows} requested but only {capacity} distinct values exist"

    def column(self, block: Block) -> pa.Array:
        """The block's values, checked against ``arrow_type()``, with ``null_rate`` applied."""
        on_time(f"field {self.name!r}")  # a server's bound on its first rows (``time_limit``)
        array = self.generate(block)
        if array.type != self.arrow_type() or len(array) != block.size:
            raise FastsynthError(
                f"field {self.name!r}: generate() returned {len(array)} values of type {array.type}, "
                f"expected {block.size} of type {self.arrow_type()}"
            )
        if self.null_rate > 0:
            array = _with_nulls(array, block.bits(1.0 - self.null_rate, salt="null"))
        return array

    # -- shared behaviour ---------------------------------------------------------------------------

    def error(self, message: str) -> SchemaError:
        """A SchemaError naming this field."""
        return field_error(self.name, message)

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        """The options a schema may give, with their type annotations."""
        return options_of(cls, exclude={"name"})

    @classmethod
    def from_spec(cls, name: str, spec: dict[str, Any]) -> Field:
        """Build a field from its schema entry (without ``type``), checking every option's type."""
        return from_document(
            cls,
            spec,
            where=f"field {name!r}",
            noun="option",
            of=f"type {cls.type_name!r}",
            extra={"name": name},
        )

    def to_spec(self) -> dict[str, Any]:
        """The schema entry that rebuilds this field: its type and every option not at its default."""
        spec: dict[str, Any] = {"type": self.type_name}
        for f in dataclasses.fields(self):
            if f.name == "name" or not f.init:
                continue
            value = getattr(self, f.name)
            if f.default is dataclasses.MISSING or value != f.default:
                spec[f.name] = to_document(value)
        return spec


def _with_nulls(array: pa.Array, validity: pa.Buffer) -> pa.Array:
    """``array`` with the rows whose validity bit is clear set to null."""
    if isinstance(array, pa.DictionaryArray):
        return pa.DictionaryArray.from_arrays(_with_nulls(array.indices, validity), array.dictionary)
    if array.offset == 0 and array.null_count == 0 and array.type.num_buffers > 1:
        buffers = array.buffers()
        buffers[0] = validity
        return pa.Array.from_buffers(array.type, len(array), buffers[: array.type.num_buffers])
    mask = pa.Array.from_buffers(pa.bool_(), len(array), [None, validity])
    return pc.if_else(mask, array, pa.scalar(None, array.type))
