"""Field types, one module per family, each registered by its type name in ``FIELDS``."""

from fastsynth.fields import (
    category,
    concept,
    empirical,
    entity_id,
    expression,
    faker_provider,
    finance,
    identity,
    numeric,
    series,
    series_labels,
    template,
    temporal,
    text,
    time_sequence,
)
from fastsynth.fields.base import FIELDS, Block, Field

__all__ = [
    "FIELDS",
    "Block",
    "Field",
    "category",
    "concept",
    "empirical",
    "entity_id",
    "expression",
    "faker_provider",
    "finance",
    "identity",
    "numeric",
    "series",
    "series_labels",
    "template",
    "temporal",
    "text",
    "time_sequence",
]
