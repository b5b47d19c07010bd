"""Field types, one module per family, each registered by its type name in ``FIELDS``."""

from fastsynth.fields import (
    category,
    concept,
    empirical,
    expression,
    faker_provider,
    finance,
    identity,
    numeric,
    series,
    template,
    temporal,
    text,
)
from fastsynth.fields.base import FIELDS, Block, Field

__all__ = [
    "FIELDS",
    "Block",
    "Field",
    "category",
    "concept",
    "empirical",
    "expression",
    "faker_provider",
    "finance",
    "identity",
    "numeric",
    "series",
    "template",
    "temporal",
    "text",
]
