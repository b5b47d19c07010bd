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
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels.concept import SEA, SINE, STAGGER, concept_labels

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["ConceptField"]

_STREAMS = {"sea": (SEA, 2, 4), "sine": (SINE, 2, 4), "stagger": (STAGGER, 3, 3)}
"""name -> (kernel code, inputs it reads, variants it has)."""


@FIELDS.register("concept")
@dataclass(frozen=True, kw_only=True)
class ConceptField(Field):
    """A 0/1 label from other columns of the row by a concept-drift stream's labelling function."""

    stream: str
    """sea, sine or stagger."""
    inputs: list[str]
    """The feature columns, in the function's order."""
    concepts: list[int] = field(default_factory=lambda: [0])
    """The variants the stream goes through, in order."""
    drift: list[dict[str, Any]] = field(default_factory=list)
    """One switch per concept after the first: ``{position: row, width: rows}``."""
    noise: float = 0.0
    """Share of labels flipped, in [0, 1]."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.stream not in _STREAMS:
            raise self.error(f"stream={self.stream!r}; allowed: {', '.join(_STREAMS)}")
        _, reads, variants = _STREAMS[self.stream]
        if not isinstance(self.inputs, list) or len(self.inputs) != reads:
            raise self.error(f"inputs={self.inputs!r}: stream {self.stream!r} reads {reads} columns")
        if not self.concepts or any(
            isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < variants for v in self.concepts
        ):
            raise self.error(
                f"concepts={self.concepts!r}: variants of {self.stream!r} are 0 to {variants - 1}"
            )
        if len(self.drift) != len(self.concepts) - 1:
            raise self.error(
                f"drift has {len(self.drift)} switches for {len(self.concepts)} concepts; give one switch "
                "per concept after the first"
            )
        for switch in self.drift:
            if (
                not isinstance(switch, dict)
                or set(switch) - {"position", "width"}
                or "position" not in switch
            ):
                raise self.error(f"drift switch {switch!r}: give {{position: row, width: rows}}")
            position = switch["position"]
            if isinstance(position, bool) or not isinstance(position, int | float) or position < 0:
                raise self.error(f"drift switch {switch!r}: position={position!r} is not a row number >= 0")
            width = switch.get("width", 1)
            if isinstance(width, bool) or not isinstance(width, int | float) or not width > 0:
                raise self.error(f"drift switch {switch!r}: width={width!r} is not a positive number of rows")
        if (
            isinstance(self.noise, bool)
            or not isinstance(self.noise, int | float)
            or not 0 <= self.noise <= 1
        ):
            raise self.error(f"noise={self.noise!r} is outside [0, 1]")

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return tuple(self.inputs)

    def check_schema(self, schema: Schema) -> None:
        columns = {f.name: f for f in schema.fields}
        for name in self.inputs:
            if name == self.name or name not in columns:
                raise self.error(f"inputs: {name!r} is not another column ({', '.join(columns)})")
            kind = pa.types
            arrow = columns[name].arrow_type()
            if not (kind.is_integer(arrow) or kind.is_floating(arrow) or kind.is_dictionary(arrow)):
                raise self.error(f"inputs: column {name!r} is {arrow}, not numbers or categories")

    def arrow_type(self) -> pa.DataType:
        return pa.int8()

    def generate(self, block: Block) -> pa.Array:
        features = [_numbers(block.column(name)) for name in self.inputs]
        while len(features) < 3:
            features.append(features[0])
        out = empty(block.size, np.int8)
        positions = np.array([float(s["position"]) for s in self.drift], dtype=np.float64)
        widths = np.array([float(s.get("width", 1)) for s in self.drift], dtype=np.float64)
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
