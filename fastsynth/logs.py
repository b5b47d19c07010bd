"""Logging for long runs: plain lines, or one JSON object per line for log pipelines.

Engine and sink records carry fields (``stream``, ``event``, ``rows``, ...) as ``extra``; the JSON form
writes them beside the time, level, logger and message."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

__all__ = ["NOTICES", "JsonFormatter", "configure_logging", "notices_on_terminal"]

NOTICES = "fastsynth.notices"
"""The logger of one-off notices a person at a terminal should see (kernels compiling on first use)."""

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time (UTC, ISO 8601), level, logger, message, then its fields."""

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str)


def configure_logging(level: str = "INFO", format: str = "text") -> None:
    """Send fastsynth's records to standard error at ``level``, as ``text`` or ``json`` lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger = logging.getLogger("fastsynth")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    _notices_to(None)  # the notices are records of the log now, in its format


def notices_on_terminal() -> None:
    """Print the notices (``NOTICES``) to standard error as plain lines, when it is a terminal: for
    commands that configure no log. Elsewhere (a pipe, a file, a test) they stay silent."""
    if sys.stderr.isatty():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("fastsynth: %(message)s"))
        _notices_to(handler)


def _notices_to(handler: logging.Handler | None) -> None:
    logger = logging.getLogger(NOTICES)
    logger.handlers[:] = [] if handler is None else [handler]
    logger.setLevel(logging.NOTSET if handler is None else logging.INFO)
    logger.propagate = handler is None
