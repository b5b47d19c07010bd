"""The base of the concept-drift benchmark generators (river's ``datasets.synth`` family) and their
registry.

A generator is a frozen spec with river's parameter names. It declares its feature columns and its
target, and fills any set of rows: row ``i`` depends only on (key, i), as every column does, so
batches, offsets, threads and Dask workers give the same bytes. State river builds sequentially once
(a random tree, RBF centroids) is built once per seed by ``state`` and handed to the kernels::

    @GENERATORS.register("coin")
    @dataclass(frozen=True, kw_only=True)
    class Coin(Generator):
        bias: Annotated[float, Bounds(0, 1)] = 0.5

        def features(self):
            return (Feature("flip", pa.float64()),)

        def fill(self, out):
            rows, key, state, desired, columns, target = out
            return coin_kernel(rows, key, self.bias, desired, columns[0], target)  # rows out of attempts
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pyarrow as pa

from fastsynth.errors import SchemaError
from fastsynth.registry import Registry
from fastsynth.specs import Spec, from_document, to_document

__all__ = [
    "GENERATORS",
    "MAX_ATTEMPTS",
    "Feature",
    "Generator",
    "Rows",
    "buffer_dtype",
    "copy_back",
    "dataset_key",
    "generator_from_document",
    "kernel_columns",
    "subkey",
]

GENERATORS: Registry[type[Generator]] = Registry(
    "generator", "fastsynth.generators", SchemaError, name_attribute="type_name"
)

MAX_ATTEMPTS = 1000
"""Draws a row may take to reach the class ``desired`` asks for (balanced classes), as river's
generators redraw until the class they want comes; past it the row keeps its last draw and the kernel
counts it, so that a class a generator almost never makes is reported rather than looped on."""


@dataclass(frozen=True)
class Feature:
    """One column a generator makes: its name (river's key, as a string) and Arrow type."""

    name: str
    arrow_type: pa.DataType

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the buffer the kernel fills (see ``buffer_dtype``)."""
        return buffer_dtype(self.arrow_type)


def buffer_dtype(arrow_type: pa.DataType) -> np.dtype[Any]:
    """The numpy dtype of a buffer of ``arrow_type`` values: booleans one byte each; strings and nested
    types (a struct target) Python objects, made into Arrow by ``pa.array(values, type=arrow_type)``."""
    if pa.types.is_boolean(arrow_type):
        return np.dtype(np.uint8)
    if pa.types.is_nested(arrow_type):
        return np.dtype(object)
    return np.dtype(arrow_type.to_pandas_dtype())


class Rows(NamedTuple):
    """The rows a generator is asked to fill (see ``Generator.fill``)."""

    rows: np.ndarray
    """The row numbers (int64), any set of them."""
    key: np.uint64
    """Where every random draw comes from, with the row number and the draw's number."""
    state: Any
    """What ``state`` built for this generator and key."""
    desired: np.ndarray
    """The class each row is to take, or -1 for any."""
    columns: Sequence[np.ndarray]
    """One buffer per feature, to fill."""
    target: np.ndarray
    """The target's buffer, to fill."""


@dataclass(frozen=True, kw_only=True)
class Generator(Spec):
    """Base of the generators. Subclasses are frozen keyword-only dataclasses whose options are
    river's parameters (checked against their annotations when built)."""

    type_name: ClassVar[str] = ""
    """The name the generator is registered under (``sea``, ``agrawal``...)."""
    balances: ClassVar[bool] = True
    """Whether ``fill`` makes the class ``desired`` asks for (a stream's ``balance``)."""

    seed: int | None = None
    """The seed of this generator's rows and state (a tree, centroids); by default the dataset's. The
    same generator with the same seed makes the same rows, wherever it appears in a stream."""

    # -- what subclasses implement ------------------------------------------------------------------

    def features(self) -> tuple[Feature, ...]:
        """The feature columns, in river's order."""
        raise NotImplementedError

    def target_type(self) -> pa.DataType:
        """The Arrow type of the target: a class index (int8 by default) or a float for regression."""
        return pa.int8()

    def classes(self) -> int | None:
        """How many classes the target takes (0 to ``classes() - 1``), or None for regression."""
        return 2

    def setup_seconds(self) -> float:
        """About how long ``state`` takes (0 when it is nothing to speak of), so that a server can bound
        a stream's concepts together before building any of them."""
        return 0.0

    def state(self, seed: int) -> Hashable | tuple[np.ndarray, ...]:
        """What river builds once before its first row (a tree, centroids), from ``seed``; () when
        nothing. Computed once per generator and seed, then passed to every ``fill``."""
        return ()

    def fill(self, out: Rows) -> int:
        """Fill ``out.columns[f][j]`` (one buffer per feature, of ``Feature.dtype``) and
        ``out.target[j]`` with row ``out.rows[j]``. ``out.desired[j] >= 0`` asks for that class: redraw
        the row's features (draws past the first attempt's) until the label is it, at most
        ``MAX_ATTEMPTS`` times. Return how many rows ran out of attempts."""
        raise NotImplementedError

    def sequential(self) -> bool:
        """Whether row ``i`` costs making the rows before it (work linear in ``i``, not constant)."""
        return False

    # -- shared behaviour ---------------------------------------------------------------------------

    def sample(
        self, size: int, *, start: int = 0, key: int = 1, desired: np.ndarray | None = None
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Rows ``[start, start + size)`` as ({feature: values}, target), for tests and exploration;
        schemas make them through ``ConceptStream``."""
        rows = np.arange(start, start + size, dtype=np.int64)
        columns = [np.empty(size, f.dtype) for f in self.features()]
        target = np.empty(size, buffer_dtype(self.target_type()))
        wanted = np.full(size, -1, np.int64) if desired is None else np.asarray(desired, np.int64)
        self.fill(Rows(rows, np.uint64(key), self.state(key), wanted, columns, target))
        return dict(zip(self.feature_names(), columns, strict=True)), target

    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features())

    def to_document(self) -> dict[str, Any]:
        """The generator as a document: its type and every option not at its default."""
        return {"type": self.type_name, **to_document(self)}

    def key(self, dataset_seed: int) -> np.uint64:
        """The 64-bit key of this generator's randomness: from its ``seed`` (or the dataset's) and its
        configuration, so that a concept a stream returns to is the same concept (the same tree)."""
        options = {k: v for k, v in self.to_document().items() if k != "seed"}
        seed = dataset_seed if self.seed is None else self.seed
        return _hash(f"{seed}\x00generator\x00{json.dumps(options, sort_keys=True)}")


def dataset_key(seed: int, salt: str) -> np.uint64:
    """A key of the dataset's seed for one use (a stream's switches, its missing values)."""
    return _hash(f"{seed}\x00{salt}")


def subkey(key: np.uint64, salt: str) -> np.uint64:
    """An independent key for another use of a generator's randomness (its switches, virtual drift)."""
    return _hash(f"{int(key)}\x00{salt}")


def _hash(text: str) -> np.uint64:
    """A stable 64-bit hash (Python's own ``hash`` of a string changes from process to process)."""
    return np.uint64(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little"))


_TUPLE_MOST = 16
"""Kernels take up to this many feature buffers as a tuple, padded to this length with an empty buffer:
numba compiles a kernel again for each length of tuple (about 5 s each, for each kernel), so one
compilation serves every width. The kernels count features from their parameters, never from the
tuple. Wider rows, or buffers of another type than the engine's, go through one (features x rows)
scratch array and a copy, one compilation for any width (a tuple of 100 buffers takes over 30 s to
compile)."""

_PAD = np.empty(0)
"""The padding: never read or written, and writable like the engine's buffers so that the tuple keeps
one type (numba indexes a tuple by a row's feature number only when all its items have one type)."""


def kernel_columns(columns: Sequence[np.ndarray], n: int, width: int) -> tuple[np.ndarray, ...] | np.ndarray:
    """The buffers of a generator of ``width`` features, ``n`` rows each, as its kernels take them: a
    tuple of ``_TUPLE_MOST``, or a scratch array (hand it to ``copy_back`` after the kernel)."""
    if len(columns) != width or any(len(column) != n for column in columns):
        # the kernels write without bounds checks: a missing buffer would be written past its end
        lengths = ", ".join(str(len(column)) for column in columns)
        raise ValueError(
            f"{width} feature buffers of {n} rows each are needed; got {len(columns)} of {lengths}"
        )
    if width <= _TUPLE_MOST and all(_same_type_as_pad(column) for column in columns):
        return (*columns, *(_PAD,) * (_TUPLE_MOST - width))
    return np.empty((width, n))


def _same_type_as_pad(column: np.ndarray) -> bool:
    flags = column.flags
    return column.dtype == _PAD.dtype and flags.c_contiguous and flags.writeable and flags.aligned


def copy_back(scratch: tuple[np.ndarray, ...] | np.ndarray, columns: Sequence[np.ndarray]) -> None:
    """Copy a scratch array's rows into the feature buffers (nothing to do for a tuple)."""
    if isinstance(scratch, np.ndarray):
        for f, column in enumerate(columns):
            column[:] = scratch[f]


def generator_from_document(document: Any, where: str) -> Generator:
    """A generator from ``{"type": "sea", "variant": 1, ...}``, or a SchemaError naming ``where``, the
    option, the value and what is allowed."""
    if isinstance(document, Generator):
        return document
    if not isinstance(document, dict):
        raise SchemaError(f"{where}: {document!r} is not an object with a 'type'")
    name = document.get("type")
    if not isinstance(name, str):
        raise SchemaError(
            f"{where}: type={name!r} is not a generator; allowed: {', '.join(GENERATORS.names())}"
        )
    try:
        cls = GENERATORS.get(name)
    except SchemaError as exc:
        raise SchemaError(f"{where}: {exc}") from None
    options = {k: v for k, v in document.items() if k != "type"}
    return from_document(cls, options, where=where, noun="parameter", of=f"generator {name!r}")
