"""What every request passes before its handler runs: a Host the server answers to, the bearer token
(when the server has one), no other site's ``Origin`` or ``Sec-Fetch-Site: cross-site`` (reads too:
they carry data) and, for a request that changes something, only JSON as its media type. A web page
the user visits can send "simple" cross-site requests (form posts, ``text/plain`` bodies, empty
POSTs, reads) to a server without a token, but browsers name the page's site or origin in them, and
it cannot send ``Content-Type: application/json`` without a CORS preflight the server does not
grant; a page that rebinds its own name to 127.0.0.1 still sends its own name as the Host. Together
these keep other sites out."""

from __future__ import annotations

import re
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from fastsynth.service.access import authorized

__all__ = ["PUBLIC", "check_request", "served_hosts"]

PUBLIC = {"public": True}
"""``opt`` of the handlers anyone may call: liveness, and the console's page and static files (they
hold no data)."""

_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HOST = re.compile(r"(?P<name>\[[0-9a-fA-F:.]+\]|[^:\[\]@/\s]+)(?::(?P<port>\d{1,5}))?")


def check_request(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A Litestar guard (``Litestar(guards=[check_request])``) on every route."""
    hosts: frozenset[str] | None = connection.app.state.hosts
    header = connection.headers.get("host", "")
    host = _host_name(header)
    if host is None or (hosts is not None and host not in hosts):
        allowed = ", ".join(sorted(hosts)) if hosts is not None else "a host name or address"
        raise HTTPException(status_code=400, detail=f"Host={header!r} is not served here; allowed: {allowed}")
    if handler.opt.get("public"):
        return
    token = connection.app.state.service.settings.api_token
    if not authorized(connection.headers.get("authorization"), token):
        raise NotAuthorizedException(
            "this server needs a token: send the header Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="fastsynth"'},
        )
    _check_site(connection, header)
    if connection.scope.get("method") not in _CHANGING:
        return
    media_type = connection.headers.get("content-type")
    if media_type is not None and media_type.split(";")[0].strip().lower() != "application/json":
        raise HTTPException(
            status_code=415,
            detail=f"Content-Type={media_type!r} is not allowed; send bodies as application/json",
        )
    if media_type is None and _has_body(connection):
        raise HTTPException(
            status_code=415, detail="Content-Type=None is not allowed; send bodies as application/json"
        )


def _check_site(connection: ASGIConnection[Any, Any, Any, Any], host: str) -> None:
    """Refuse a request another site's page makes, reads included: without a token, a page could
    otherwise read the status and data of a server on the user's machine (``<img>``, ``fetch`` with
    ``no-cors``, ``EventSource``). Clients that send neither header (curl, httpx) pass."""
    origin = connection.headers.get("origin")
    if origin is not None and origin in connection.app.state.origins:
        return  # a site the server's owner allowed (api.cors_origins)
    site = connection.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() == "cross-site":
        raise PermissionDeniedException(
            f"Sec-Fetch-Site={site!r}: the request comes from another site's page; allowed: the server's "
            "own pages, clients that are not browsers, and the origins in api.cors_origins"
        )
    if origin is not None and origin.split("://")[-1] != host:
        raise PermissionDeniedException(
            f"Origin={origin!r} is another site; allowed: the server's own origin and api.cors_origins"
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
    return frozenset(h.strip("[]").lower() for h in (bound, "localhost", "127.0.0.1", "::1", *configured))


def _host_name(host: str) -> str | None:
    """A Host header's name, without the port and an IPv6 address's brackets, in lower case; None for
    anything that is not ``name[:port]``.

    >>> _host_name("LocalHost:8000"), _host_name("[::1]:80"), _host_name("localhost:80@evil.com")
    ('localhost', '::1', None)
    """
    found = _HOST.fullmatch(host.strip())
    if found is None or (found["port"] is not None and not 0 < int(found["port"]) < 65536):
        return None
    return found["name"].strip("[]").lower()
