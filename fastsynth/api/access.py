"""What every request passes before its handler runs: a Host the server answers to, the bearer token
(when the server has one) and, for a body, the JSON media type. A web page the user visits can send
"simple" cross-site requests (form posts, ``text/plain`` bodies) but cannot set ``Authorization`` or
``Content-Type: application/json`` without a CORS preflight the server does not grant; a page that
rebinds its own name to 127.0.0.1 still sends its own name as the Host. Together these keep other sites
out."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.handlers import BaseRouteHandler

from fastsynth.service.access import authorized

__all__ = ["PUBLIC", "check_request", "served_hosts"]

PUBLIC = {"public": True}
"""``opt`` of the handlers anyone may call: liveness alone."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def check_request(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A Litestar guard (``Litestar(guards=[check_request])``) on every route."""
    hosts: frozenset[str] | None = connection.app.state.hosts
    host = _host_name(connection.headers.get("host", ""))
    if hosts is not None and host not in hosts:
        raise HTTPException(
            status_code=400, detail=f"Host={host!r} is not served here; allowed: {', '.join(sorted(hosts))}"
        )
    if handler.opt.get("public"):
        return
    token = connection.app.state.service.settings.api_token
    if not authorized(connection.headers.get("authorization"), token):
        raise NotAuthorizedException(
            "this server needs a token: send the header Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="fastsynth"'},
        )
    if connection.scope.get("method") in _BODY_METHODS and _has_body(connection):
        media_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise HTTPException(
                status_code=415,
                detail=f"Content-Type={media_type or None!r} is not allowed; send bodies as application/json",
            )


def _has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    length = connection.headers.get("content-length")
    return "transfer-encoding" in connection.headers or (length is not None and length.strip() != "0")


def served_hosts(bound: str, configured: tuple[str, ...]) -> frozenset[str] | None:
    """The Host names answered: the bound address, the loopback names and ``configured``; any (None)
    when bound to every interface with no names configured, where the token guards the server.

    >>> sorted(served_hosts("127.0.0.1", ("synth.internal",)))
    ['127.0.0.1', '::1', 'localhost', 'synth.internal']
    """
    if bound in ("0.0.0.0", "::") and not configured:
        return None
    return frozenset(_host_name(h) for h in (bound, "localhost", "127.0.0.1", "::1", *configured))


def _host_name(host: str) -> str:
    """A Host header's name, without the port and an IPv6 address's brackets, in lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
