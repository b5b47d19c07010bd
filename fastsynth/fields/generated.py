"""The columns of a schema's ``generator`` (``fastsynth.concepts.stream``) or ``model``
(``fastsynth.synthesis``): sources that make several columns at once. The schema adds one field per
column the source makes; the first of them a batch asks for makes them all, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import pyarrow as pa

from fastsynth.fields.base import Block, Field

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["GeneratedColumn", "ModelColumn", "RowSource"]


@runtime_checkable
class RowSource(Protocol):
    """What makes several columns of the same rows at once: a concept stream, a fitted model."""

    def column_types(self) -> dict[str, pa.DataType]: ...

    def nullable(self, name: str) -> bool: ...

    def capacity(self) -> int | None: ...

    def make(self, seed: int, start: int, size: int) -> dict[str, pa.Array]: ...


@dataclass(frozen=True, kw_only=True)
class GeneratedColumn(Field):
    """One column of a row source. Not a registered field type: schemas write a ``generator`` or a
    ``model``."""

    type_name: ClassVar[str] = "generator"

    source: RowSource

    def arrow_type(self) -> pa.DataType:
        return self.source.column_types()[self.name]

    def nullable(self, schema: Schema | None = None) -> bool:
        return self.null_rate > 0 or self.source.nullable(self.name)

    def capacity(self, schema: Schema | None = None) -> int | None:
        return self.source.capacity()

    def capacity_exceeded(self, rows: int, capacity: int) -> str:
        return f"the {self.type_name}'s blocks hold {capacity} rows; rows up to {rows} requested"

    def generate(self, block: Block) -> pa.Array:
        key = f"\x00{self.type_name}"
        made = block.made.get(key)
        if made is None:
            made = self.source.make(block.seed, block.start, block.size)
            block.made[key] = made
        return made[self.name]


@dataclass(frozen=True, kw_only=True)
class ModelColumn(GeneratedColumn):
    """One column of a fitted model (``fastsynth.synthesis``). Schemas write the ``model``."""

    type_name: ClassVar[str] = "model"
