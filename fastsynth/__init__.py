"""fastsynth: synthetic tabular and time-series data at hardware speed.

>>> import fastsynth
>>> table = fastsynth.generate({"age": {"type": "int", "min": 18, "max": 90}}, 5, seed=1)
>>> table.num_rows
5
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from fastsynth.drift import inject_drift
    from fastsynth.errors import FastsynthError, MissingDependencyError, SchemaError, SinkError, UsageError
    from fastsynth.fields.base import FIELDS, Block, Field
    from fastsynth.generation import generate, iter_batches
    from fastsynth.reporting import Report, report
    from fastsynth.schema import Schema
    from fastsynth.sinks import SINKS, Sink, open_sink
    from fastsynth.synthesis import fit, fit_blocks

# Where each public name lives. They are imported on first use (PEP 562), so that a command which needs
# none of them (``fastsynth --help``) does not pay for numba, pyarrow and polars at start-up.
_HOMES = {
    "inject_drift": "fastsynth.drift",
    "FastsynthError": "fastsynth.errors",
    "MissingDependencyError": "fastsynth.errors",
    "SchemaError": "fastsynth.errors",
    "SinkError": "fastsynth.errors",
    "UsageError": "fastsynth.errors",
    "FIELDS": "fastsynth.fields.base",
    "Block": "fastsynth.fields.base",
    "Field": "fastsynth.fields.base",
    "generate": "fastsynth.generation",
    "iter_batches": "fastsynth.generation",
    "Report": "fastsynth.reporting",
    "report": "fastsynth.reporting",
    "Schema": "fastsynth.schema",
    "SINKS": "fastsynth.sinks",
    "Sink": "fastsynth.sinks",
    "open_sink": "fastsynth.sinks",
    "fit": "fastsynth.synthesis",
    "fit_blocks": "fastsynth.synthesis",
}

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


def __getattr__(name: str) -> Any:
    if name == "__version__":  # the installed distribution's (pyproject.toml is where it is written)
        from importlib.metadata import version

        globals()[name] = version("fastsynth")
        return globals()[name]
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'fastsynth' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES, "__version__"])
