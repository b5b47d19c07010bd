"""river streams as columns: any ``river.datasets.synth`` class, or a user's own river stream object,
read in order and handed over as object arrays of column values, rows ``start`` to ``start + n``.

This adapter runs at river's speed, not at kernel speed. river makes one Python dict per row, so per-row
Python is inherent here; what this module adds is kept to C loops over those dicts (``itertools.islice``
to take a chunk of rows, ``operator.itemgetter`` mapped over them to pull each column). Measured on two
busy cores, 100k-200k rows, Arrow arrays included: 0.9x to 2x river's own ``list(take(n))`` (which
is slowed by keeping every dict alive; see ``read``), 0.5x to 0.9x a bare ``for x, y in take(n)`` loop
that keeps nothing. The fast path for the classic generators is their numba kernels
(``fastsynth.concepts``); this is the bridge for everything else.

river streams are sequential: row ``i`` exists only after rows ``0 .. i-1`` were made. So each stream
configuration and seed keeps a few open iterators with their positions (``READERS``): consecutive
batches continue one where the last batch stopped, a later start skips the rows between (made and
dropped: the cost of making them), and rows before every open iterator's position start a new pass
from the seed that skips to them, which costs making all the rows before them again
(``start / river's rate`` seconds: 10 s for row 1,000,000 of a stream that makes 100,000 rows/s).

river is imported when a stream is first described or read, never by ``import fastsynth``.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import math
import numbers
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType, ModuleType
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.dependencies import optional_import
from fastsynth.errors import FastsynthError, SchemaError, UsageError
from fastsynth.specs import show

__all__ = [
    "CHUNK",
    "KEY_SEEDS",
    "PROBE_ROWS",
    "READERS",
    "TYPE_ROWS",
    "Layout",
    "ObjectStream",
    "Readers",
    "Source",
    "SynthStream",
    "layout",
    "read",
    "synth_classes",
]

KEY_SEEDS = ("seed", "seed_sample")
"""river's arguments that take the stream's key itself. Other ``seed_*`` arguments (``seed_model``,
``seed_tree``: the concept river builds once) take a value derived from the key and their name, unless
given, so that a pinned concept can be sampled under many keys."""

TYPE_ROWS = 100
"""Rows the column types are worked out from (kept for the reads that follow): a column of ints in
which a float shows becomes float64."""

PROBE_ROWS = 1000
"""Rows read, at most, while a feature has been None in every row so far (its type still unknown;
float64 if it stays so)."""


def _river(module: str) -> ModuleType:
    return optional_import(module, "river")


@cache
def synth_classes() -> Mapping[str, type]:
    """The stream classes of ``river.datasets.synth`` by name: the names river lists in that module's
    ``__all__`` that are dataset classes defined in it. Nothing else is ever looked up, so a stream name
    from a document cannot reach any other object (no import paths, no dunder attributes)."""
    synth, base = _river("river.datasets.synth"), _river("river.datasets.base")
    classes = {}
    for name in getattr(synth, "__all__", ()):
        cls = getattr(synth, name, None)
        if (
            isinstance(cls, type)
            and issubclass(cls, base.Dataset)
            and cls.__module__.startswith("river.datasets.synth.")
            and not name.startswith("_")
        ):
            classes[name] = cls
    return MappingProxyType(classes)


def _classes_of(dataset: Any) -> int | None:
    """How many classes river says a dataset's target takes: 2 for binary classification, its
    ``n_classes`` for multi-class, None otherwise (regression, multi-output, unknown)."""
    task = getattr(dataset, "task", None)
    if task is None:  # not a river dataset (a list, a generator): river need not be installed
        return None
    base = _river("river.datasets.base")
    if task == base.BINARY_CLF:
        return 2
    n = getattr(dataset, "n_classes", None)
    if task == base.MULTI_CLF and isinstance(n, int) and n > 0:
        return n
    return None


# -- sources ----------------------------------------------------------------------------------------


class Source:
    """Where rows come from: something whose ``open(seed)`` starts a pass over the rows."""

    max_readers = 4
    """Passes kept open at once per seed (batches asked out of order each continue one)."""

    def open(self, seed: int | None) -> Iterator[tuple[Any, Any]]:
        raise NotImplementedError

    def seed_of(self, key: int) -> int | None:
        """The seed a pass under ``key`` uses (None when the stream ignores keys)."""
        return key

    def classes(self) -> int | None:
        """Classes of the target as river states them (see ``_classes_of``)."""
        return None

    def describe(self) -> str:
        raise NotImplementedError


_TYPE_NAMES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}
_TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string"}


@dataclass(frozen=True)
class SynthStream(Source):
    """A ``river.datasets.synth`` class and its keyword arguments, checked (``of``) and hashable:
    lists are tuples, nested streams (ConceptDriftStream's ``stream``, ``drift_stream``) SynthStreams."""

    name: str
    arguments: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, name: Any, params: Any = None) -> SynthStream:
        """The stream ``name`` with ``params``, or a SchemaError naming the option, the value and what
        is allowed (river's own refusal, worded, for values only river can judge)."""
        classes = synth_classes()
        if not isinstance(name, str) or name not in classes:
            raise SchemaError(
                f"stream={show(name)} is not a river.datasets.synth class; allowed: {', '.join(classes)}"
            )
        if params is None:
            params = {}
        if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
            raise SchemaError(f"params={show(params)} is not an object with text keys")
        signature = _signature(classes[name])
        allowed = [p for p in signature if p not in KEY_SEEDS]
        arguments = []
        for option, value in params.items():
            if option in KEY_SEEDS and option in signature:
                raise SchemaError(
                    f"params[{option!r}]={show(value)}: river's {option} is taken from the stream's key "
                    "(the dataset's seed); leave it out"
                )
            if option not in signature or option.startswith("_"):
                raise SchemaError(
                    f"params: unknown keyword {option!r} for river's {name}; allowed: {', '.join(allowed)}"
                )
            arguments.append((option, _argument(name, option, value, signature[option])))
        stream = cls(name, tuple(sorted(arguments)))
        stream.build(0)  # river checks most values when built; the rest show when the first row is made
        return stream

    def build(self, key: int) -> Any:
        """river's dataset object, its seeds from ``key``."""
        cls = synth_classes()[self.name]
        kwargs = {  # a nested stream seeded apart from its parent and sibling (river's defaults share one)
            k: v.build(derived_seed(key, k)) if isinstance(v, SynthStream) else v for k, v in self.arguments
        }
        for option in _signature(cls):
            if option in KEY_SEEDS:
                kwargs[option] = key
            elif option.startswith("seed_") and option not in kwargs:
                kwargs[option] = derived_seed(key, option)
        try:
            return cls(**kwargs)
        except Exception as exc:  # river's own checks: TypeError, ValueError, AttributeError...
            raise SchemaError(f"river's {self.describe()} refuses its params: {_reason(exc)}") from None

    def open(self, seed: int | None) -> Iterator[tuple[Any, Any]]:
        return iter(self.build(0 if seed is None else seed))

    def classes(self) -> int | None:
        return _classes_of(self.build(0))

    def describe(self) -> str:
        shown = ", ".join(
            f"{k}={v.describe() if isinstance(v, SynthStream) else show(v)}" for k, v in self.arguments
        )
        return f"{self.name}({shown})"

    def document(self) -> dict[str, Any]:
        """The arguments as given in a document (nested streams as ``{"stream", "params"}``)."""

        def plain(value: Any) -> Any:
            if isinstance(value, SynthStream):
                return {"stream": value.name, "params": value.document()}
            return list(value) if isinstance(value, tuple) else value

        return {k: plain(v) for k, v in self.arguments}


@cache
def _signature(cls: type) -> Mapping[str, inspect.Parameter]:
    """A river class's keyword parameters (no ``*args``/``**kwargs``)."""
    return MappingProxyType(
        {
            p.name: p
            for p in inspect.signature(cls).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
    )


def _argument(stream: str, option: str, value: Any, parameter: inspect.Parameter) -> Any:
    """``value`` for river's ``option`` as plain data: null, true/false, numbers, strings, lists of them,
    or a nested stream where river takes a dataset; checked against river's annotation where it is a
    plain type."""
    where = f"params[{option!r}]={show(value)}"
    annotation = parameter.annotation if isinstance(parameter.annotation, str) else ""
    takes_stream = "Dataset" in annotation
    if isinstance(value, Mapping):
        if not takes_stream:
            raise SchemaError(f"{where} is not a number, string, true/false, null or list of them")
        unknown = set(value) - {"stream", "params"}
        if "stream" not in value or unknown:
            raise SchemaError(f'{where} is not a nested stream {{"stream": name, "params": {{...}}}}')
        try:
            return SynthStream.of(value["stream"], value.get("params"))
        except SchemaError as exc:
            raise SchemaError(f"params[{option!r}]: {exc}") from None
    if takes_stream and value is not None:
        raise SchemaError(f'{where} is not a nested stream {{"stream": name, "params": {{...}}}}')
    if isinstance(value, list | tuple):
        if not all(_plain(v) for v in value):
            raise SchemaError(f"{where} is not a list of numbers, strings, true/false or null")
        return tuple(value)
    if not _plain(value):
        raise SchemaError(f"{where} is not a number, string, true/false, null or list of them")
    optional = annotation.endswith("| None")
    expected = annotation.removesuffix("| None").strip()
    if expected in _TYPE_NAMES and not (value is None and optional):
        types = _TYPE_NAMES[expected]
        if not isinstance(value, types) or (expected != "bool" and isinstance(value, bool)):
            words = _TYPE_WORDS[expected] + (" or null" if optional else "")
            raise SchemaError(f"{where} is not {words} (river's {stream} takes {option}: {annotation})")
    return value


def _plain(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool | int | str)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def derived_seed(key: int, name: str) -> int:
    """A seed for river's ``name`` argument under ``key``, apart from the key itself (63 bits: both
    ``random.Random`` and numpy take it)."""
    digest = hashlib.blake2b(f"{key}\x00{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class ObjectStream(Source):
    """A user's own stream object: anything iterable yielding ``(x: dict, y)``, such as a river
    dataset built in Python. The object's own seed decides its rows (keys are ignored), and a restart
    iterates it again: give it a seed, or rows read again after a restart differ. A one-pass iterator
    (a generator object) cannot restart: rows before its position are gone. One pass at a time
    (``max_readers`` 1): two passes over one object may share its state (river keeps its random
    generator on the object)."""

    max_readers = 1

    def __init__(self, stream: Any) -> None:
        if isinstance(stream, str | bytes | Mapping) or not isinstance(stream, Iterable):
            raise UsageError(
                f"stream={show(stream)} is not a stream object; allowed: a river dataset or any iterable "
                "of (x: dict, y) pairs"
            )
        self.stream = stream
        self._one_pass = isinstance(stream, Iterator)  # a generator object, not a dataset
        self._opened = False
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        return (ObjectStream, (self.stream,))

    def open(self, seed: int | None) -> Iterator[tuple[Any, Any]]:
        with self._lock:
            if self._one_pass and self._opened:
                raise UsageError(
                    f"{self.describe()} is a one-pass iterator: the rows before its position are gone "
                    "and cannot be made again; ask for rows in order, or pass a re-iterable stream "
                    "(a river dataset)"
                )
            self._opened = True
        return iter(self.stream)

    def seed_of(self, key: int) -> int | None:
        return None

    def classes(self) -> int | None:
        return _classes_of(self.stream)

    def describe(self) -> str:
        return f"stream object {type(self.stream).__name__}"


# -- readers ----------------------------------------------------------------------------------------


class _Reader:
    """One pass over a stream: its iterator and how many rows it has given."""

    __slots__ = ("busy", "iterator", "position", "used")

    def __init__(self, iterator: Iterator[tuple[Any, Any]]) -> None:
        self.iterator = iterator
        self.position = 0
        self.busy = False
        self.used = 0

    def take(self, start: int, n: int) -> list[tuple[Any, Any]]:
        """Rows ``[start, start + n)`` (``start >= position``), fewer if the stream ends."""
        if start > self.position:  # made and dropped, in C: itertools' consume recipe
            next(itertools.islice(self.iterator, start - self.position, start - self.position), None)
            self.position = start
        rows = list(itertools.islice(self.iterator, n))
        self.position += len(rows)
        return rows

    def peek(self, n: int) -> list[tuple[Any, Any]]:
        """The next ``n`` rows (fewer if the stream ends), left in place for ``take``."""
        rows = list(itertools.islice(self.iterator, n))
        self.iterator = itertools.chain(rows, self.iterator)
        return rows


class Readers:
    """Open passes per (source, seed), at most ``source.max_readers`` each, for at most ``max_streams``
    streams (the least recently used dropped first). A batch takes the idle pass furthest along that
    has not passed its start; failing that, a new pass while there is room, else an idle pass restarts."""

    def __init__(self, max_streams: int = 64) -> None:
        self.max_streams = max_streams
        self._pools: OrderedDict[Hashable, list[_Reader]] = OrderedDict()
        self._changed = threading.Condition()
        self._clock = itertools.count()

    def run(self, source: Source, seed: int | None, start: int, work: Callable[[_Reader], Any]) -> Any:
        """``work(reader)`` on a pass at or before ``start``, which no other thread uses meanwhile; a pass
        whose work fails is dropped (its position is unknown)."""
        key = (source, seed)
        with self._changed:
            while True:
                pool = self._pool(key)
                idle = [r for r in pool if not r.busy]
                behind = [r for r in idle if r.position <= start]
                if behind:
                    reader = max(behind, key=lambda r: r.position)
                    break
                if len(pool) < source.max_readers:
                    reader = _Reader(iter(()))
                    reader.position = -1  # opened below, outside the lock
                    pool.append(reader)
                    break
                if idle:
                    reader = min(idle, key=lambda r: r.used)
                    reader.position = -1
                    break
                self._changed.wait()
            reader.busy = True
            reader.used = next(self._clock)
        ok = False
        try:
            if reader.position < 0:
                reader.iterator, reader.position = source.open(seed), 0
            result = work(reader)
            ok = True
            return result
        finally:
            with self._changed:
                reader.busy = False
                if not ok:
                    pool = self._pools.get(key, [])
                    if reader in pool:
                        pool.remove(reader)
                self._changed.notify_all()

    def _pool(self, key: Hashable) -> list[_Reader]:
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = []
            for old in list(self._pools)[: max(0, len(self._pools) - self.max_streams)]:
                if not any(r.busy for r in self._pools[old]):
                    del self._pools[old]
        self._pools.move_to_end(key)
        return pool

    def clear(self) -> None:
        """Forget every idle pass (tests; a passes' memory back)."""
        with self._changed:
            for key in list(self._pools):
                self._pools[key] = [r for r in self._pools[key] if r.busy]
                if not self._pools[key]:
                    del self._pools[key]


READERS = Readers()
"""The open passes of this process."""


# -- layout: names and types from the first rows ----------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A stream's columns, from its first row: river's keys and their names as text, the Arrow types of
    the values, and the target's type and classes."""

    keys: tuple[Hashable, ...]
    names: tuple[str, ...]
    types: tuple[pa.DataType, ...]
    target: pa.DataType
    classes: int | None
    target_keys: tuple[Hashable, ...] = ()
    """river's keys of a multi-output target (a dict, as Logical's), made a struct column."""


_LAYOUTS: dict[Hashable, Layout] = {}
_LAYOUTS_LOCK = threading.Lock()


def layout(source: Source, seed: int) -> Layout:
    """The columns of ``source``, from its first row under ``seed`` (and later rows, up to
    ``PROBE_ROWS``, for features whose first value is None: those still None are taken as float64).
    Worked out once per source; the rows read stay for the batches that follow."""
    with _LAYOUTS_LOCK:
        found = _LAYOUTS.get(source)
    if found is not None:
        return found
    made = READERS.run(source, source.seed_of(seed), 0, lambda reader: _probe(source, reader))
    if not isinstance(source, SynthStream):
        return made  # a user's object: its generator keeps it (kept here, it would keep the object)
    with _LAYOUTS_LOCK:
        if len(_LAYOUTS) >= 1024:
            _LAYOUTS.clear()
        return _LAYOUTS.setdefault(source, made)


def _probe(source: Source, reader: _Reader) -> Layout:
    try:
        rows = reader.peek(TYPE_ROWS)
    except FastsynthError:
        raise
    except Exception as exc:
        raise SchemaError(f"{source.describe()} fails on its first rows: {_reason(exc)}") from None
    if not rows:
        raise SchemaError(f"{source.describe()} makes no rows")
    for row in rows:
        if not isinstance(row, tuple) or len(row) != 2 or not isinstance(row[0], Mapping):
            raise SchemaError(f"{source.describe()} yields {show(row)}; allowed: (x: dict, y) pairs")
    x, y = rows[0]
    keys = tuple(x)
    names = tuple(str(k) for k in keys)
    if len(set(names)) < len(names):
        raise SchemaError(f"{source.describe()} has features whose names clash as text: {show(keys)}")
    if any(all(r[0].get(k) is None for r in rows) for k in keys):
        rows = reader.peek(PROBE_ROWS)
    types = tuple(
        _arrow_type([r[0].get(k) for r in rows], f"{source.describe()}: feature {name!r}")
        for k, name in zip(keys, names, strict=True)
    )
    where = f"{source.describe()}: target"
    if isinstance(y, Mapping):
        target_keys = tuple(y)
        fields = [
            pa.field(str(k), _arrow_type([r[1].get(k) for r in rows], f"{where} {str(k)!r}"))
            for k in target_keys
        ]
        return Layout(keys, names, types, pa.struct(fields), None, target_keys)
    if y is None:
        raise SchemaError(f"{where} is None in the first row; allowed: a class, a number or a dict")
    target = _arrow_type([r[1] for r in rows], where)
    classes = source.classes()
    if pa.types.is_boolean(target):
        return Layout(keys, names, types, pa.int8(), 2)
    if pa.types.is_integer(target) and classes is not None:
        return Layout(keys, names, types, pa.int8() if classes <= 127 else pa.int64(), classes)
    return Layout(keys, names, types, target, None)


def _kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


_KIND_TYPES = {
    frozenset({"bool"}): pa.bool_(),
    frozenset({"int"}): pa.int64(),
    frozenset({"bool", "int"}): pa.int64(),
    frozenset({"float"}): pa.float64(),
    frozenset({"int", "float"}): pa.float64(),
    frozenset({"bool", "int", "float"}): pa.float64(),
    frozenset({"bool", "float"}): pa.float64(),
    frozenset({"str"}): pa.string(),
    frozenset(): pa.float64(),  # None in every row looked at
}


def _arrow_type(values: list[Any], where: str) -> pa.DataType:
    """The type of the values of one column in the rows looked at: ints and floats together make
    float64 (river's Agrawal gives a commission of int 0 or a float)."""
    kinds = frozenset(_kind(v) for v in values if v is not None)
    found = _KIND_TYPES.get(kinds)
    if found is None:
        odd = next(
            (v for v in values if v is not None and _kind(v) not in ("bool", "int", "float", "str")), None
        )
        shown = (
            f"a value of type {type(odd).__name__} ({show(odd)})"
            if odd is not None
            else (f"values of types {', '.join(sorted(kinds))}")
        )
        raise SchemaError(f"{where} has {shown}; allowed: bool, int, float or str values, None for a null")
    return found


# -- reading ----------------------------------------------------------------------------------------


def read(source: Source, key: int, start: int, n: int, shape: Layout) -> tuple[list[np.ndarray], np.ndarray]:
    """Rows ``[start, start + n)`` of ``source`` under ``key`` as (one object array of values per
    feature, an object array of targets): river's values as they are, None where a row lacks a key or
    holds None. A SchemaError when the stream ends before ``start + n``.

    Rows are taken ``CHUNK`` at a time and their values moved into the arrays at once, so that only a
    few hundred of river's dicts are alive at a time: Python's garbage collector then has little to walk,
    and river runs near the speed of a bare ``for x, y in take(n)`` loop. Holding every row's dict, as
    ``list(take(n))`` does, makes river itself 1.1 to 4 times slower; 4,096-row chunks were 3 times
    slower than 256-row ones on Sine."""
    columns = [np.empty(n, object) for _ in shape.keys]
    targets = np.empty(n, object)
    if n <= 0:
        return columns, targets

    def work(reader: _Reader) -> int:
        done = 0
        while done < n:
            rows = reader.take(start + done, min(CHUNK, n - done))
            if not rows:
                break
            _move(rows, shape, columns, targets, done, source, start)
            done += len(rows)
        return done

    try:
        done = READERS.run(source, source.seed_of(key), start, work)
    except FastsynthError:
        raise
    except Exception as exc:  # river's, or the user's stream's, own failure
        raise SchemaError(
            f"{source.describe()} fails making rows [{start}, {start + n}): {_reason(exc)}"
        ) from None
    if done < n:
        raise SchemaError(
            f"{source.describe()} ends after {start + done} rows; rows up to {start + n} were asked"
        )
    return columns, targets


CHUNK = 256
"""Rows taken from river at a time (see ``read``)."""


def _move(
    rows: list[tuple[Any, Any]],
    shape: Layout,
    columns: list[np.ndarray],
    targets: np.ndarray,
    at: int,
    source: Source,
    start: int,
) -> None:
    """One chunk's values into the arrays from ``at`` on: a C loop per column (``itemgetter`` mapped
    over the dicts), a Python loop only for a column some row lacks."""
    m = len(rows)
    xs = list(map(operator.itemgetter(0), rows))
    ys = list(map(operator.itemgetter(1), rows))
    for column, k, name, arrow_type in zip(columns, shape.keys, shape.names, shape.types, strict=True):
        try:
            values = list(map(operator.itemgetter(k), xs))
        except KeyError:  # a row without this key: a null there
            values = [x.get(k) for x in xs]
        if arrow_type == pa.int64():
            _check_integers(values, source, name, start + at)
        column[at : at + m] = values
    if shape.target_keys and any(not isinstance(k, str) for k in shape.target_keys):
        ys = [{str(k): v for k, v in y.items()} for y in ys]
    targets[at : at + m] = ys


_INTEGER_TYPES = frozenset({int, bool, type(None)})


def _check_integers(column: list[Any], source: Source, name: str, start: int) -> None:
    """Refuse a float in an int64 column rather than let Arrow truncate it: a set of the value types,
    a C loop (a few percent of river's time for a stream of integer features such as Planes2D)."""
    odd = [
        t for t in set(map(type, column)) if t not in _INTEGER_TYPES and not issubclass(t, numbers.Integral)
    ]
    if odd:
        at, value = next((j, v) for j, v in enumerate(column) if type(v) in odd)
        raise SchemaError(
            f"{source.describe()}: feature {name!r} was int64 in the first {TYPE_ROWS} rows, but row "
            f"{start + at} holds {show(value)}; allowed: integers (or None)"
        )
