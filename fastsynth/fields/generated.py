"""The columns of a schema's ``generator`` (``fastsynth.concepts.stream``), ``model``
(``fastsynth.synthesis``) or ``cohort`` (``fastsynth.clinical.source``): sources that make several
columns at once. The schema adds one field per column the source makes; the first of them a batch asks
for makes them all, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import pyarrow as pa

from fastsynth.errors import SchemaError
from fastsynth.fields.base import Block, Field
from fastsynth.registry import Registry

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["SOURCES", "CohortColumn", "GeneratedColumn", "ModelColumn", "RowSource"]


@runtime_checkable
class RowSource(Protocol):
    """What makes several columns of the same rows at once: a concept stream, a fitted model."""

    def column_types(self) -> dict[str, pa.DataType]: ...

    def nullable(self, name: str) -> bool: ...

    def capacity(self) -> int | None: ...

    def make(self, seed: int, start: int, size: int) -> dict[str, pa.Array]: ...


SOURCES: Registry[Any] = Registry("row source", "fastsynth.sources", SchemaError)
"""Row sources a schema document names by key, each a class with ``from_dict(document)``: ``cohort``
(a clinical cohort's table) lives above the schema layer, so the schema finds it here by name, declared
as an entry point in pyproject.toml as the fitting methods of ``fastsynth.synthesis`` are."""


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


@dataclass(frozen=True, kw_only=True)
class CohortColumn(GeneratedColumn):
    """One column of a clinical cohort's table (``fastsynth.clinical.source``). Schemas write the
    ``cohort``."""

    type_name: ClassVar[str] = "cohort"

    def capacity_exceeded(self, rows: int, capacity: int) -> str:
        return (
            f"rows up to {rows} requested but the cohort has {capacity} rows (its patients, times their "
            f"visits); allowed: at most {capacity} rows (or more cohort.patients)"
        )
