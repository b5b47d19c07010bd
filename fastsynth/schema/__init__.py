"""Schemas: validated field specs and the loaders for the seed's formats and fastsynth's own."""

from fastsynth.schema.examples import EXAMPLES
from fastsynth.schema.limits import Limits
from fastsynth.schema.model import Schema

__all__ = ["EXAMPLES", "Limits", "Schema"]
