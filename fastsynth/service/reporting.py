"""Reports a server makes (``POST /report``): of the rows a generator makes, over windows or blocks
(drift); or of those rows against a table the request sends (quality). A report reads its rows whole,
so their count and bytes are capped before anything is made, and one report is made at a time."""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa

from fastsynth.errors import Conflict, UsageError
from fastsynth.generation import generate
from fastsynth.reporting import report
from fastsynth.schema import Schema
from fastsynth.service.budget import row_width

__all__ = ["REPORT_BYTES", "REPORT_ROWS", "make_report"]

REPORT_ROWS = 1_000_000
"""The most rows a report of a server's reads: plenty for every statistic it shows."""
REPORT_BYTES = 256 << 20
"""... and the most bytes they may take in memory."""
_DEFAULT_ROWS = 100_000
_DEFAULT_WINDOWS = 10
_MEDIA = {"html": "text/html; charset=utf-8", "json": "application/json"}
_one_at_a_time = threading.Lock()


def make_report(
    schema: Schema,
    seed: int,
    *,
    rows: int | None,
    start: int,
    windows: int | None,
    blocks: str | None,
    data: list[dict[str, Any]] | None,
    format: str,
) -> tuple[str, str]:
    """The report's page or JSON, and its media type."""
    if format not in _MEDIA:
        raise UsageError(f"format={format!r} is not allowed; allowed: {', '.join(_MEDIA)}")
    real = None if data is None else _table(data)
    count = (real.num_rows if real is not None else _DEFAULT_ROWS) if rows is None else rows
    most = min(REPORT_ROWS, max(1, REPORT_BYTES // row_width(schema, seed)))
    if not 1 <= count <= most:
        raise UsageError(f"rows={count:,} is not allowed in a report here; allowed: 1 to {most:,}")
    if real is not None and (windows is not None or blocks is not None):
        raise UsageError("a report with data compares it with the generator's rows: drop windows and blocks")
    if not _one_at_a_time.acquire(blocking=False):
        raise Conflict("another report is being made; ask again when it is done")
    try:
        made = generate(schema, count, seed=seed, start=start)
        if real is not None:
            result = report(real, made, seed=seed)
        else:
            if blocks is None and windows is None:
                windows = _DEFAULT_WINDOWS
            result = report(
                made,
                blocks=blocks,
                windows=windows,
                time_column=schema.time_field if blocks is None else None,
                seed=seed,
            )
    finally:
        _one_at_a_time.release()
    return (result.html() if format == "html" else result.to_json()), _MEDIA[format]


def _table(data: list[dict[str, Any]]) -> pa.Table:
    """The request's records as a table; values of one column must share a JSON type."""
    if not data:
        raise UsageError("data=[] has no rows; send the real rows as a list of objects")
    try:
        return pa.Table.from_pylist(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise UsageError(
            f"data: the records do not make a table ({str(exc).splitlines()[0]}); "
            "allowed: objects whose values of each key share one type"
        ) from None
