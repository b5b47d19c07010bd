"""Any river stream as a generator: a ``river.datasets.synth`` class by name (type ``river``), or, from
Python, a user's own river stream object (``from_river``).

These run at river's speed (river makes a Python dict per row; see ``fastsynth.adapters.river_streams``),
not at kernel speed: they are for the streams the kernels do not cover, and make every river stream
usable through fastsynth's sinks, servers and engine::

    {"type": "river", "stream": "Mv"}
    {"type": "river", "stream": "Agrawal", "params": {"classification_function": 3, "perturbation": 0.1}}

Columns are river's keys as text, typed from the first row (bool, int64, float64, string); a None, or a
key a row lacks, is a null. Their buffers hold river's Python values as they are (``dtype`` object,
None for a null), made into Arrow with ``pa.array(values, type=feature.arrow_type)``. The target is a
class (int8) where river says the stream classifies, else river's type; a multi-output target (a dict,
as Logical's) is a struct column.

Rows are made in order: a batch continues the pass the batch before stopped, and rows before it are
made again from the seed (see the adapter). ``desired`` (balanced classes by redraws) is not available:
river's streams that balance take their own ``balance_classes`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.adapters import river_streams as rs
from fastsynth.concepts.base import GENERATORS, Feature, Generator, Rows
from fastsynth.errors import SchemaError, UsageError
from fastsynth.seeds import DEFAULT_SEED
from fastsynth.specs import Invalid, ceiling

__all__ = ["River", "RiverFeature", "RiverObject", "from_river"]


@dataclass(frozen=True)
class RiverFeature(Feature):
    """A river column: its buffer holds river's Python values (None for a null), whatever the type."""

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(object)


class _RiverGenerator(Generator):
    """What both kinds share: columns from the first row, rows read in order from the adapter."""

    balances = False  # river makes its rows in order; some streams have a balance option of their own

    def sequential(self) -> bool:
        return True

    @property
    def _source(self) -> rs.Source:
        raise NotImplementedError

    @cached_property
    def _layout(self) -> rs.Layout:
        return rs.layout(self._source, DEFAULT_SEED)

    def features(self) -> tuple[Feature, ...]:
        shape = self._layout
        return tuple(RiverFeature(n, t) for n, t in zip(shape.names, shape.types, strict=True))

    def target_type(self) -> pa.DataType:
        return self._layout.target

    def classes(self) -> int | None:
        return self._layout.classes

    def fill(self, out: Rows) -> int:
        """Rows ``out.rows`` (int64 indices), at river's speed. An ascending contiguous range is one read,
        which continues the pass the previous batch left off; other rows are read as the contiguous
        runs of their sorted distinct values, in order, then put in place. Rows before every open
        pass's position are made again from the seed, with all the rows before them: asking for row
        1,000,000 after row 1,000,001 costs a million rows of river (10 s at 100,000 rows/s)."""
        if out.desired.size and int(out.desired.max()) >= 0:
            raise SchemaError(
                f"generator {self.type_name!r}: balanced classes are not available for river streams, "
                "which make rows in order; use the stream's own balance option (params "
                "balance_classes=true for Agrawal, Mixed, Sine, STAGGER)"
            )
        n = out.rows.shape[0]
        if n == 0:
            return 0
        shape, source, seed = self._layout, self._source, int(out.key)
        first = int(out.rows[0])
        if (
            first >= 0
            and int(out.rows[-1]) - first == n - 1
            and (n == 1 or bool(np.all(np.diff(out.rows) == 1)))
        ):
            values, ys = rs.read(source, seed, first, n, shape)
            for buffer, column in zip(out.columns, values, strict=True):
                buffer[:] = column
            _put_target(out.target, ys, shape)
            return 0
        if int(out.rows.min()) < 0:
            raise UsageError(f"rows must be >= 0; got {int(out.rows.min())}")
        distinct, where = np.unique(out.rows, return_inverse=True)
        breaks = np.flatnonzero(np.diff(distinct) != 1) + 1
        parts = [
            rs.read(source, seed, int(run[0]), run.shape[0], shape) for run in np.split(distinct, breaks)
        ]
        for f, buffer in enumerate(out.columns):
            buffer[:] = np.concatenate([part[0][f] for part in parts])[where]
        made = np.empty(distinct.shape[0], out.target.dtype)
        _put_target(made, np.concatenate([part[1] for part in parts]), shape)
        out.target[:] = made[where]
        return 0


def _put_target(target: np.ndarray, ys: np.ndarray, shape: rs.Layout) -> None:
    try:
        target[:] = ys
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"river's target values do not fit {shape.target}: {exc}") from None


@GENERATORS.register("river")
@dataclass(frozen=True, kw_only=True)
class River(_RiverGenerator):
    """A ``river.datasets.synth`` stream, made by river row by row."""

    stream: str
    """The class in ``river.datasets.synth``: Agrawal, AnomalySine, ConceptDriftStream, Friedman,
    FriedmanDrift, Hyperplane, LED, LEDDrift, Logical, Mixed, Mv, Planes2D, RandomRBF, RandomRBFDrift,
    RandomTree, SEA, Sine, STAGGER, Waveform (those of the installed river)."""
    params: dict[str, Any] | None = None
    """Its keyword arguments, as river names them; ``seed`` (and ``seed_sample``) come from the key,
    other seeds (``seed_model``, ``seed_tree``) from the key too unless given. Where river takes a stream
    (ConceptDriftStream), a nested ``{"stream": ..., "params": {...}}``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if ceiling("work") is not None:  # ceilings are in force: a server reads the document
            raise Invalid(
                "type 'river' is not served: it runs river's own code row by row, with parameters no "
                "limit can bound (a stream's length, its centroids); use it from Python or the command line"
            )
        try:
            source = rs.SynthStream.of(self.stream, self.params)
        except SchemaError as exc:
            raise Invalid(str(exc)) from None
        object.__setattr__(self, "_synth", source)

    def __hash__(self) -> int:
        return hash(self._source)

    @property
    def _source(self) -> rs.Source:
        source: rs.SynthStream = self.__dict__["_synth"]
        return source


@dataclass(frozen=True, kw_only=True)
class RiverObject(_RiverGenerator):
    """A user's own stream object, from Python only (``from_river``): equal and hashed by identity, and
    without a document form. Its own seed decides its rows; keys are ignored (see
    ``river_streams.ObjectStream``)."""

    stream: Any
    """Anything iterable yielding ``(x: dict, y)``: a river dataset, a generator..."""

    type_name = "river_object"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_object", rs.ObjectStream(self.stream))

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def _source(self) -> rs.Source:
        source: rs.ObjectStream = self.__dict__["_object"]
        return source

    def key(self, dataset_seed: int) -> np.uint64:
        """Any key: the object's own seed decides its rows."""
        return np.uint64(id(self.stream) % 2**64)

    def to_document(self) -> dict[str, Any]:
        raise UsageError(
            "a river stream object given from Python has no document form; a document names a "
            'river.datasets.synth class instead: {"type": "river", "stream": ..., "params": {...}}'
        )


def from_river(stream: Any) -> RiverObject:
    """A generator over a user's own river stream object (or any iterable of ``(x: dict, y)``)."""
    return RiverObject(stream=stream)
