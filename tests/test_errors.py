"""One table of statuses for both servers: a refusal answers the same over REST and over Flight."""

from __future__ import annotations

import pytest

from fastsynth.errors import (
    Conflict,
    FastsynthError,
    MissingDependencyError,
    NotFound,
    SchemaError,
    SinkError,
    UsageError,
    status_of,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UsageError("rows=-1 is not a row count >= 0"), 400),
        (SchemaError("field 'x': min=5 is greater than max=1"), 400),
        (SinkError("cannot open"), 400),
        (MissingDependencyError("litestar", "api"), 400),
        (FastsynthError("any other refusal"), 400),
        (NotFound("generator 'x' does not exist (none)"), 404),
        (Conflict("generator 'x' already exists; delete it first"), 409),
        (RuntimeError("a bug"), 500),
    ],
)
def test_every_error_has_one_status(error, status):
    assert status_of(error) == status


def test_not_found_is_also_a_lookup_error():
    with pytest.raises(LookupError):
        raise NotFound("generator 'x' does not exist (none)")
    assert not issubclass(Conflict, LookupError)
