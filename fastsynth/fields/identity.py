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

    def generate(self, block: Block) -> pa.Array:
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
            raise self.error(f"value={self.value!r} is not a string, integer, number or boolean")

    def arrow_type(self) -> pa.DataType:
        return values_array([self.value]).type

    def generate(self, block: Block) -> pa.Array:
        zeros = numpy_buffer_array(pa.int32(), np.zeros(block.size, np.int32))
        return values_array([self.value]).take(zeros)
