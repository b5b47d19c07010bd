"""The ``entity_id`` field type: whose series a row belongs to, in a schema with entities."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from fastsynth.buffers import numpy_buffer_array, values_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.specs import ceiling

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["EntityIdField"]


@FIELDS.register("entity_id")
@dataclass(frozen=True, kw_only=True)
class EntityIdField(Field):
    """Which entity's series a row belongs to (see the schema's ``entities``): its number, or with a
    ``prefix`` a name such as ``sensor-0042`` (a dictionary column, one string per entity). A schema with
    entities gets one, named by ``entities.id_field``, unless it declares it."""

    prefix: str | None = None
    """Names are this prefix and the entity number, zero-padded to the width of the largest; None for
    integer ids."""

    def check_schema(self, schema: Schema) -> None:
        """Under limits, names whose dictionary (every entity's, in every batch, even of one row) would
        pass the dictionary ceiling are refused."""
        limit = ceiling("dictionary")
        if limit is None or self.prefix is None or schema.entities is None:
            return
        count = schema.entities.count
        size = count * (len(self.prefix.encode()) + len(str(count - 1)))
        if size > limit[0]:
            raise self.error(
                f"prefix of {len(self.prefix):,} characters names {count:,} entities in {size:,} bytes, "
                f"which every batch carries, over the limit; allowed: at most {limit[0]:,} bytes "
                f"({limit[1]}): a shorter prefix, or fewer entities"
            )

    def arrow_type(self) -> pa.DataType:
        return pa.int64() if self.prefix is None else pa.dictionary(pa.int32(), pa.string())

    def generate(self, block: Block) -> pa.Array:
        _, entities = block.timeline()
        if self.prefix is None:
            return numpy_buffer_array(pa.int64(), entities)
        indices = numpy_buffer_array(pa.int32(), entities.astype(np.int32))
        names = _entity_names(self.prefix, block.entities.count)
        return pa.DictionaryArray.from_arrays(indices, names, safe=False)


@functools.lru_cache(maxsize=8)
def _entity_names(prefix: str, count: int) -> pa.Array:
    width = len(str(count - 1))
    return values_array([f"{prefix}{e:0{width}d}" for e in range(count)])
