"""fastsynth: synthetic tabular and time-series data at hardware speed.

>>> import fastsynth
>>> table = fastsynth.generate({"age": {"type": "int", "min": 18, "max": 90}}, 5, seed=1)
>>> table.num_rows
5
"""

from importlib.metadata import version

from fastsynth.drift import inject_drift
from fastsynth.errors import FastsynthError, MissingDependencyError, SchemaError, SinkError, UsageError
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.generation import generate, iter_batches
from fastsynth.reporting import Report, report
from fastsynth.schema import Schema
from fastsynth.sinks import SINKS, Sink, open_sink
from fastsynth.synthesis import fit, fit_blocks

__all__ = [
    "FIELDS",
    "SINKS",
    "Block",
    "FastsynthError",
    "Field",
    "MissingDependencyError",
    "Report",
    "Schema",
    "SchemaError",
    "Sink",
    "SinkError",
    "UsageError",
    "fit",
    "fit_blocks",
    "generate",
    "inject_drift",
    "iter_batches",
    "open_sink",
    "report",
]

__version__ = version("fastsynth")
"""The installed distribution's version (pyproject.toml is the one place it is written)."""
