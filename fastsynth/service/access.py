"""Who may use the servers: the bearer token both ask for, and the refusal to serve other machines
without one. The REST API and the Flight server check a request the same way, through ``authorized``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from pathlib import Path

from fastsynth.errors import UsageError

__all__ = ["authorized", "check_exposure", "is_loopback", "read_token"]

log = logging.getLogger("fastsynth.api")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address to bind, or ``localhost``) is reachable from this machine alone.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_exposure(host: str, token: str | None, insecure: bool, server: str) -> None:
    """Refuse to serve other machines without a token, unless the user said so (``--insecure-no-token``),
    and then say it in the log: anyone who reaches the port could write files and reach brokers."""
    if token is not None or is_loopback(host):
        return
    if not insecure:
        raise UsageError(
            f"the {server} would serve {host} without a token, so anyone who reaches it could use it; "
            "set one (--token-file, FASTSYNTH_API_TOKEN or --token) or pass --insecure-no-token"
        )
    log.warning(
        "%s serves %s WITHOUT a token (--insecure-no-token): anyone who reaches it may use it", server, host
    )


def read_token(token: str | None, token_file: Path | None) -> str | None:
    """The token given on the command line, or the first line of ``token_file`` (kept out of the
    process list and shell history); never both."""
    if token_file is None:
        return token
    if token is not None:
        raise UsageError("give --token or --token-file, not both")
    try:
        text = token_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--token-file {str(token_file)!r} cannot be read: {exc}") from None
    if not text or "\n" in text:
        raise UsageError(f"--token-file {str(token_file)!r} does not hold one token on one line")
    return text


def authorized(header: str | bytes | None, token: str | None) -> bool:
    """Whether an ``Authorization`` header value carries ``token`` as a bearer token (always, when no
    token is set). Compared in constant time, so timing does not tell how much of a guess was right.

    >>> authorized("Bearer s3cret", "s3cret"), authorized("Bearer nope", "s3cret"), authorized(None, None)
    (True, False, True)
    """
    if token is None:
        return True
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    scheme, _, given = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
