"""The columns of a schema's ``generator`` (``fastsynth.concepts.stream``): the schema adds one field per
column the generator makes; the first of them a batch asks for makes them all, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import pyarrow as pa

from fastsynth.concepts.stream import ConceptStream
from fastsynth.fields.base import Block, Field

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["GeneratedColumn"]


@dataclass(frozen=True, kw_only=True)
class GeneratedColumn(Field):
    """One column of a concept stream. Not a registered field type: schemas write the ``generator``."""

    type_name: ClassVar[str] = "generator"

    stream: ConceptStream

    def arrow_type(self) -> pa.DataType:
        return self.stream.column_types()[self.name]

    def nullable(self, schema: Schema | None = None) -> bool:
        return self.null_rate > 0 or self.stream.nullable(self.name)

    def capacity(self, schema: Schema | None = None) -> int | None:
        return self.stream.capacity()

    def capacity_exceeded(self, rows: int, capacity: int) -> str:
        return f"the generator's blocks hold {capacity} rows; rows up to {rows} requested"

    def generate(self, block: Block) -> pa.Array:
        made = block.made.get("\x00generator")
        if made is None:
            made = self.stream.make(block.seed, block.start, block.size)
            block.made["\x00generator"] = made
        return made[self.name]
