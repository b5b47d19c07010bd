"""Every refusal as problem details (RFC 9457, ``application/problem+json``): fastsynth's own with the
status ``fastsynth.errors.status_of`` gives (the Flight server's too), Litestar's (a malformed body, no
such route, a missing token, a body too large) in the same shape, and a crash as a 500 that is logged
and says nothing of the server's insides."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.types import ExceptionHandlersMap

from fastsynth.errors import FastsynthError, problem_details, status_of

__all__ = [
    "EXCEPTION_HANDLERS",
    "NAMED",
    "PROBLEM_MEDIA_TYPE",
    "READING",
    "REMOVING",
    "WRITING",
    "Problem",
    "problem",
    "refusals",
]

log = logging.getLogger("fastsynth.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class Problem:
    """Why a request was refused (RFC 9457 problem details)."""

    type: str
    """Always ``about:blank``: the status says what kind of problem it is."""
    title: str
    """The status's phrase (``Bad Request``)."""
    status: int
    detail: str
    """The field at fault, the value it got and what is allowed."""
    field: str | None = None
    """The field or option the detail names first, when it names one."""


_DESCRIPTIONS = {
    400: "Bad input: the detail names the field, the value and what is allowed (or a Host not served)",
    401: "No token, or not the server's (send Authorization: Bearer TOKEN)",
    403: "A request sent from another site's page (its Origin, or Sec-Fetch-Site: cross-site)",
    404: "No generator, streamer or stream of that name",
    409: "A clash with what runs (an ended stream, a streamer attached already) or a file that exists",
    413: "A body larger than the server takes",
    415: "A body that is not application/json",
    429: "As many event streams open as the server serves at once",
}


def refusals(*statuses: int) -> dict[int, ResponseSpec]:
    """The refusals a handler may answer, for its OpenAPI document (``responses=refusals(401, 404)``),
    in place of Litestar's own 400 body."""
    return {
        status: ResponseSpec(Problem, description=_DESCRIPTIONS[status], media_type=PROBLEM_MEDIA_TYPE)
        for status in statuses
    }


READING = refusals(400, 401, 403)
"""What a read without parameters may answer: a Host not served, no token, or another site's page."""
NAMED = refusals(400, 401, 403, 404)
REMOVING = refusals(400, 401, 403, 404, 415)
"""What a DELETE naming a generator or streamer may answer."""
"""What a request naming a generator or streamer in its path may answer."""
WRITING = refusals(400, 401, 403, 404, 409, 413, 415)
"""What a request with a JSON body may answer."""


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response[Problem]:
    """The response refusing a request with ``status``, explained by ``detail``."""
    body = Problem(**problem_details(status, detail))
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _refused(request: Request, exc: FastsynthError) -> Response[Problem]:
    return problem(status_of(exc), str(exc))


def _invalid(request: Request, exc: ValidationException) -> Response[Problem]:
    """msgspec's findings as one message: ``body: Expected `object`, got `array```."""
    found = exc.extra if isinstance(exc.extra, list) else []
    if found and isinstance(found[0], dict):
        where = found[0].get("key")
        place = "body" if where in (None, "data") else f"field {where!r}"
        return problem(400, f"{place}: {found[0].get('message')}")
    return problem(400, str(exc.detail))


def _http(request: Request, exc: HTTPException) -> Response[Problem]:
    if exc.status_code in (404, 405):  # no such route: say which request missed
        return problem(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}")
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


def _too_deep(request: Request, exc: RecursionError) -> Response[Problem]:
    """msgspec reads JSON recursively and gives up on a body nested thousands deep."""
    return problem(400, "body: nested too deeply to read; send a body nested at most a few levels")


def _crashed(request: Request, exc: Exception) -> Response[Problem]:
    log.exception("%s %s failed", request.method, request.url.path)
    return problem(500, f"internal error ({type(exc).__name__}); the server's log has the details")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    FastsynthError: _refused,
    ValidationException: _invalid,
    HTTPException: _http,
    RecursionError: _too_deep,
    Exception: _crashed,
}
"""For ``Litestar(exception_handlers=...)``; the most specific class of an error picks its handler."""
