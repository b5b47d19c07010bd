"""Reports a server makes (``POST /report``): of the rows a generator makes, over windows or blocks
(drift); or of those rows against a table the request sends (quality). A report reads its rows whole,
so their count and bytes are capped before anything is made, and one report is made at a time."""

from __future__ import annotations

import threading
from typing import Any

import msgspec
import pyarrow as pa

from fastsynth.errors import Conflict, UsageError
from fastsynth.generation import generate
from fastsynth.reporting import report
from fastsynth.schema import Schema
from fastsynth.service.budget import row_width
from fastsynth.specs import show

__all__ = ["DEFAULT_ROWS", "REPORT_BYTES", "REPORT_CELLS", "REPORT_ROWS", "make_report"]

REPORT_ROWS = 1_000_000
"""The most rows a report of a server's reads: plenty for every statistic it shows."""
REPORT_BYTES = 256 << 20
"""... and the most bytes they may take in memory."""
DEFAULT_ROWS = 100_000
"""The rows a report of a generated schema makes when the request gives neither rows nor data."""
_DEFAULT_WINDOWS = 10
REPORT_CELLS = 20_000
"""The most columns x blocks a drift page draws here (its heatmaps and plots grow with them)."""
_RECORDS = list[dict[str, str | int | float | bool | None]]
# Litestar adds "; charset=utf-8" to text types itself (the response is str): not named here twice
_MEDIA = {"html": "text/html", "json": "application/json"}
_one_at_a_time = threading.Lock()


def make_report(
    schema: Schema,
    seed: int,
    *,
    rows: int | None,
    start: int,
    windows: int | None,
    blocks: str | None,
    data: Any,
    format: str,
) -> tuple[str, str]:
    """The report's page or JSON, and its media type. Everything it reads and makes (the real rows,
    the generator's, the page) is sized and made under one lock, one report at a time."""
    if format not in _MEDIA:
        raise UsageError(f"format={format!r} is not allowed; allowed: {', '.join(_MEDIA)}")
    if data is not None and (windows is not None or blocks is not None):
        raise UsageError("a report with data compares it with the generator's rows: drop windows and blocks")
    if not _one_at_a_time.acquire(blocking=False):
        raise Conflict("another report is being made; ask again when it is done")
    try:
        most = min(REPORT_ROWS, max(1, REPORT_BYTES // row_width(schema, seed)))
        real = None if data is None else _table(data, most)
        count = (real.num_rows if real is not None else DEFAULT_ROWS) if rows is None else rows
        if not 1 <= count <= most:
            raise UsageError(f"rows={count:,} is not allowed in a report here; allowed: 1 to {most:,}")
        made = generate(schema, count, seed=seed, start=start)
        if real is not None:
            result = report(real, made, seed=seed)
        else:
            result = report(
                made,
                blocks=blocks,
                windows=_DEFAULT_WINDOWS if blocks is None and windows is None else windows,
                time_column=schema.time_field if blocks is None else None,
                seed=seed,
            )
        if format == "json":
            return result.to_json(), _MEDIA[format]
        _check_page(result.document)
        return result.html(), _MEDIA[format]
    finally:
        _one_at_a_time.release()


def _table(data: Any, most: int) -> pa.Table:
    """The request's records as a table: a list of at most ``most`` objects of numbers, strings,
    booleans and nulls, the values of a key sharing one type. Checked in this order, so no request
    makes more than ``most`` records' worth of work, and nothing nested reaches Arrow."""
    if not isinstance(data, list) or not data:
        raise UsageError(f"data: {show(data)} is not a list of objects with rows; send the real rows")
    if len(data) > most:
        raise UsageError(f"data has {len(data):,} records; allowed: 1 to {most:,}")
    try:
        msgspec.convert(data, _RECORDS)
    except msgspec.ValidationError as exc:
        raise UsageError(f"data: {exc}; allowed: objects of numbers, strings, booleans and null") from None
    try:
        return pa.Table.from_pylist(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
        raise UsageError(
            f"data: the records do not make a table ({str(exc).splitlines()[0]}); "
            "allowed: objects whose values of each key share one type, integers within 64 bits"
        ) from None


def _check_page(document: dict[str, Any]) -> None:
    """A page draws a cell or a bar a column and block: refuse one that would be tens of megabytes."""
    if document["kind"] != "drift":
        return
    cells = len(document["columns"]) * len(document["blocks"])
    if cells > REPORT_CELLS:
        raise UsageError(
            f"a page of {len(document['columns'])} columns x {len(document['blocks'])} blocks is more than "
            f"a report page draws here ({REPORT_CELLS:,} cells); ask for format=json, or fewer windows"
        )
