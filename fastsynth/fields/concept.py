"""Labels of the concept-drift benchmark streams (SEA, Sine, STAGGER), as river defines them, from
feature columns of the same row, with drift from one concept to the next around given rows.

    x0: {type: float, distribution: uniform, min: 0, max: 10}
    x1: {type: float, distribution: uniform, min: 0, max: 10}
    label:
      {type: concept, stream: sea, inputs: [x0, x1], concepts: [0, 2],
       drift: [{position: 50000, width: 1000}], noise: 0.1}

``concepts`` are the variants the stream goes through in order (SEA: 0-3, thresholds 8, 9, 7, 9.5 on
``x0 + x1``; Sine: 0-3, SINE1, reversed SINE1, SINE2, reversed SINE2 of ``(x0, x1)``; STAGGER: 0-2 on
``(size, colour, shape)``, category columns whose categories are in that order or integers 0-2);
``drift`` has one switch per concept after the first; ``noise`` flips that share of labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, read_only
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels.concept import SEA, SINE, STAGGER, concept_labels
from fastsynth.specs import Bounds, PositiveNumber, Spec

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["ConceptField", "Switch"]

_STREAMS = {"sea": (SEA, 2, 4), "sine": (SINE, 2, 4), "stagger": (STAGGER, 3, 3)}
"""name -> (kernel code, inputs it reads, variants it has)."""


@dataclass(frozen=True)
class Switch(Spec):
    """Where the stream moves to its next concept: around row ``position``, over about ``width`` rows
    (a sigmoid, as river's ConceptDriftStream)."""

    position: Annotated[float, Bounds(0)]
    width: PositiveNumber = 1.0


@FIELDS.register("concept")
@dataclass(frozen=True, kw_only=True)
class ConceptField(Field):
    """A 0/1 label from other columns of the row by a concept-drift stream's labelling function."""

    stream: Literal["sea", "sine", "stagger"]
    inputs: list[str]
    """The feature columns, in the function's order."""
    concepts: list[int] = field(default_factory=lambda: [0])
    """The variants the stream goes through, in order."""
    drift: list[Switch] = field(default_factory=list)
    """One switch per concept after the first."""
    noise: Annotated[float, Bounds(0, 1)] = 0.0
    """Share of labels flipped."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _, reads, variants = _STREAMS[self.stream]
        if len(self.inputs) != reads:
            raise self.error(f"inputs={self.inputs!r}: stream {self.stream!r} reads {reads} columns")
        if not self.concepts or not all(0 <= v < variants for v in self.concepts):
            raise self.error(
                f"concepts={self.concepts!r}: variants of {self.stream!r} are 0 to {variants - 1}"
            )
        if len(self.drift) != len(self.concepts) - 1:
            raise self.error(
                f"drift has {len(self.drift)} switches for {len(self.concepts)} concepts; give one switch "
                "per concept after the first"
            )

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return tuple(self.inputs)

    def check_schema(self, schema: Schema) -> None:
        for name in self.inputs:
            column = schema.column_named(name)
            if name == self.name or column is None:
                raise self.error(f"inputs: {name!r} is not another column ({schema.column_names_text()})")
            kind = pa.types
            arrow = column.arrow_type()
            if not (kind.is_integer(arrow) or kind.is_floating(arrow) or kind.is_dictionary(arrow)):
                raise self.error(f"inputs: column {name!r} is {arrow}, not numbers or categories")

    def arrow_type(self) -> pa.DataType:
        return pa.int8()

    def generate(self, block: Block) -> pa.Array:
        features = [read_only(_numbers(block.column(name))) for name in self.inputs]
        while len(features) < 3:
            features.append(features[0])
        out = empty(block.size, np.int8)
        positions = np.array([s.position for s in self.drift], dtype=np.float64)
        widths = np.array([s.width for s in self.drift], dtype=np.float64)
        concept_labels(
            out,
            *features,
            _STREAMS[self.stream][0],
            np.array(self.concepts, dtype=np.int64),
            positions,
            widths,
            float(self.noise),
            block.key,
            block.start,
        )
        return pa.Array.from_buffers(pa.int8(), block.size, [None, pa.py_buffer(out)])


def _numbers(array: pa.Array) -> np.ndarray:
    """A column as float64 values; a category column as its codes."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.indices
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)
