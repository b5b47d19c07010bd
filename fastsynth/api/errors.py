"""Every refusal as a JSON body ``{"error": "..."}``: fastsynth's own with the status
``fastsynth.errors.status_of`` gives (the Flight server's too), Litestar's (a malformed body, no such
route) in the same shape, and a crash as a 500 that is logged."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.types import ExceptionHandlersMap

from fastsynth.errors import FastsynthError, status_of

__all__ = ["EXCEPTION_HANDLERS", "REFUSALS", "Refusal"]

log = logging.getLogger("fastsynth.api")


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused."""

    error: str
    """The field at fault, the value it got and what is allowed."""


REFUSALS = {
    status: ResponseSpec(Refusal, description=description)
    for status, description in (
        (400, "Bad input"),
        (404, "No generator or streamer of that name"),
        (409, "A clash with what runs"),
    )
}
"""The refusals for the OpenAPI document of a handler (``responses=REFUSALS``), in place of Litestar's
own 400 body."""


def _error(status: int, message: str) -> Response[Refusal]:
    return Response(Refusal(message), status_code=status)


def _refused(request: Request, exc: FastsynthError) -> Response[Refusal]:
    return _error(status_of(exc), str(exc))


def _invalid(request: Request, exc: ValidationException) -> Response[Refusal]:
    """msgspec's findings as one message: ``body field 'rows': Expected `int`, got `str```."""
    found = exc.extra if isinstance(exc.extra, list) else []
    if found and isinstance(found[0], dict):
        where = found[0].get("key")
        place = "body" if where in (None, "data") else f"field {where!r}"
        return _error(400, f"{place}: {found[0].get('message')}")
    return _error(400, str(exc.detail))


def _http(request: Request, exc: HTTPException) -> Response[Refusal]:
    if exc.status_code in (404, 405):  # no such route: say which request missed
        return _error(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}")
    return _error(exc.status_code, str(exc.detail))


def _crashed(request: Request, exc: Exception) -> Response[Refusal]:
    log.exception("%s %s failed", request.method, request.url.path)
    return _error(500, f"internal error: {type(exc).__name__}: {exc}")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    FastsynthError: _refused,
    ValidationException: _invalid,
    HTTPException: _http,
    Exception: _crashed,
}
"""For ``Litestar(exception_handlers=...)``; the most specific class of an error picks its handler."""
