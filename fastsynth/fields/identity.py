"""Identifier-like field types: ``sequence``, ``uuid`` and ``constant``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, fixed_width_strings, numpy_buffer_array, values_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels import strings as ks
from fastsynth.kernels.permutation import feistel_half_bits
from fastsynth.specs import show

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["ConstantField", "SequenceField", "UuidField"]

_UUID_LENGTH = 36
_UUID_UNIQUE_SPAN = 2**60


@FIELDS.register("sequence")
@dataclass(frozen=True, kw_only=True)
class SequenceField(Field):
    """``start + row * step``: row numbers, auto-increment keys."""

    start: int = 1
    """Value of the first row."""
    step: int = 1
    """Difference between consecutive rows (may be negative, not zero)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.step == 0:
            raise self.error("step=0 would repeat one value; allowed: any other integer")

    def arrow_type(self) -> pa.DataType:
        return pa.int64()

    def capacity(self, schema: Schema | None = None) -> int | None:
        """Rows before the values leave int64 (none for the usual start and step)."""
        room = (2**63 - 1 - self.start) if self.step > 0 else (self.start + 2**63)
        rows = room // abs(self.step) + 1
        return rows if rows < 2**62 else None

    def capacity_exceeded(self, rows: int, capacity: int) -> str:
        last = self.start + (rows - 1) * self.step
        return (
            f"start={self.start}, step={self.step} reach {last} at row {rows - 1}, outside int64's range "
            f"[-2**63, 2**63 - 1]; allowed: at most {capacity} rows"
        )

    def generate(self, block: Block) -> pa.Array:
        if block.size:
            last = self.start + (block.start + block.size - 1) * self.step
            if not -(2**63) <= last < 2**63:
                raise self.error(self.capacity_exceeded(block.start + block.size, self.capacity() or 0))
        rows = np.arange(block.start, block.start + block.size, dtype=np.int64)
        return numpy_buffer_array(pa.int64(), rows * self.step + self.start)


@FIELDS.register("uuid")
@dataclass(frozen=True, kw_only=True)
class UuidField(Field):
    """Version-4 UUIDs in canonical text form, always distinct within a dataset (up to 2**60 rows)."""

    unique: bool = True
    """Always true: 60 of the random bits are a keyed permutation of the row index."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.unique:
            raise self.error("unique=false is not offered; UUIDs are always distinct")

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def capacity(self, schema: Schema | None = None) -> int | None:
        return _UUID_UNIQUE_SPAN

    def generate(self, block: Block) -> pa.Array:
        data = empty(block.size * _UUID_LENGTH, np.uint8)
        half = feistel_half_bits(_UUID_UNIQUE_SPAN)
        ks.fill_uuid(data, block.key, block.start, np.uint64(_UUID_UNIQUE_SPAN), half)
        return fixed_width_strings(data, _UUID_LENGTH, block.size)


@FIELDS.register("constant")
@dataclass(frozen=True, kw_only=True)
class ConstantField(Field):
    """The same value on every row."""

    value: Any
    """A string, integer, number or boolean."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.value, str | int | float | bool):
            raise self.error(f"value={show(self.value)} is not a string, integer, number or boolean")
        if isinstance(self.value, int) and not -(2**63) <= self.value < 2**63:
            raise self.error(f"value={show(self.value)} is outside int64; allowed: -2**63 to 2**63 - 1")

    def arrow_type(self) -> pa.DataType:
        return values_array([self.value]).type

    def generate(self, block: Block) -> pa.Array:
        zeros = numpy_buffer_array(pa.int32(), np.zeros(block.size, np.int32))
        return values_array([self.value]).take(zeros)
