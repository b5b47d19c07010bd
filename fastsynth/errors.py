"""fastsynth's exceptions: one root, and subclasses that also inherit the matching builtin.

Every message names the thing at fault, the value it got and what is allowed, e.g.
``field 'age': min=90 is greater than max=18``. Front ends print the message alone, with no traceback.
"""

from __future__ import annotations

__all__ = [
    "FastsynthError",
    "MissingDependencyError",
    "SchemaError",
    "SinkError",
    "UsageError",
]


class FastsynthError(Exception):
    """Root of every error fastsynth raises on purpose."""


class SchemaError(FastsynthError, ValueError):
    """A schema or field specification is malformed or impossible."""


class UsageError(FastsynthError, ValueError):
    """An argument to the API or the CLI is out of range or inconsistent."""


class SinkError(FastsynthError, OSError):
    """An output cannot be opened or written."""


class MissingDependencyError(FastsynthError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"this feature needs '{package}': pip install 'fastsynth[{extra}]'")
        self.package = package
        self.extra = extra


def field_error(field: str, message: str) -> SchemaError:
    """A SchemaError about one field, in the house format ``field 'name': message``."""
    return SchemaError(f"field {field!r}: {message}")
