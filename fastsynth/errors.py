"""fastsynth's exceptions: one root, and subclasses that also inherit the matching builtin.

Every message names the thing at fault, the value it got and what is allowed, e.g.
``field 'age': min=90 is greater than max=18``. Front ends print the message alone, with no traceback;
the servers answer it with the status ``status_of`` gives, the one table both of them use.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

__all__ = [
    "STATUSES",
    "Busy",
    "Conflict",
    "FastsynthError",
    "MissingDependencyError",
    "NotFound",
    "SchemaError",
    "SinkError",
    "UsageError",
    "field_of",
    "problem_details",
    "status_of",
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


class NotFound(FastsynthError, LookupError):
    """A generator or streamer of that name does not exist."""


class Conflict(FastsynthError):
    """The request clashes with the current state: a name taken, a generator already running."""


class Busy(FastsynthError):
    """A server already serves as many requests of this kind as it takes at once (its limits)."""


STATUSES: dict[type[BaseException], int] = {
    NotFound: 404,
    Conflict: 409,
    Busy: 429,
    FastsynthError: 400,
}
"""The HTTP status of each refusal, for the REST API's responses and the ``status`` in a Flight error's
``extra_info``. Every other FastsynthError (a bad schema, a bad argument, a sink that cannot open, a
missing extra) is the request's fault: 400."""


def status_of(exc: BaseException) -> int:
    """The status answering ``exc``: its nearest class in ``STATUSES``; 500 for an error fastsynth did
    not raise on purpose."""
    for kind in type(exc).__mro__:
        if kind in STATUSES:
            return STATUSES[kind]
    return 500


def field_error(field: str, message: str) -> SchemaError:
    """A SchemaError about one field, in the house format ``field 'name': message``."""
    return SchemaError(f"field {field!r}: {message}")


_FIELD = re.compile(
    r"field '(?P<field>[^']+)'"  # field 'age': ...
    r"|unknown (?:key|setting|option) '?(?P<key>[\w.]+)"  # unknown key 'colour'
    r"|(?P<option>[A-Za-z_][\w.-]*)(?:\[[^\]]*\])*="  # rows=-1, quantiles[1]=inf
)


def field_of(message: str) -> str | None:
    """The field or option a refusal's message names first, for the ``field`` of the servers' answers.

    >>> field_of("field 'age': min=90 is greater than max=18"), field_of("rows=-1 is not an integer >= 0")
    ('age', 'rows')
    >>> field_of("body: unknown key 'colour'; allowed: name"), field_of("generator 'x' does not exist")
    ('colour', None)
    """
    found = _FIELD.search(message)
    if found is None:
        return None
    return next(v for v in found.groupdict().values() if v is not None)


def problem_details(status: int, detail: str) -> dict[str, Any]:
    """A refusal as problem details (RFC 9457), the one shape both servers answer with: the REST API
    as its body, the Flight server as its errors' ``extra_info``.

    >>> problem_details(404, "generator 'x' does not exist")["title"]
    'Not Found'
    """
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "field": field_of(detail),
    }
