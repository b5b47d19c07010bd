"""How many rows a server puts in one batch: as many as asked, but no more than fit in ``BATCH_BYTES``,
measured on the schema itself. Limits cap each option of a request, but not their product: a thousand
columns of long sentences make rows of megabytes, and a batch of the usual size would then need
gigabytes."""

from __future__ import annotations

from fastsynth.generation import make_batch
from fastsynth.schema import Schema
from fastsynth.specs import time_limit

__all__ = ["BATCH_BYTES", "row_width", "rows_per_batch"]

BATCH_BYTES = 64 << 20
"""The most a batch of a server's may hold, so a request's rows are made in bounded memory."""
_PROBE_ROWS = 16


def rows_per_batch(schema: Schema, wanted: int, seed: int, seconds: int) -> int:
    """``wanted``, or fewer rows (at least one) when rows of ``schema`` are so wide that ``wanted`` of
    them would pass ``BATCH_BYTES``. Measuring them is refused once it passes ``seconds``
    (``limits.max_build_seconds``): a batch's cost that no option bounds alone (a template of a
    thousand paragraphs) would otherwise hold a worker, and every batch after, for minutes."""
    with time_limit(seconds, "max_build_seconds"):
        return max(1, min(wanted, BATCH_BYTES // row_width(schema, seed)))


def row_width(schema: Schema, seed: int) -> int:
    """The bytes a row of ``schema`` takes in Arrow, with a margin of two. Widths vary from row to row
    (a sentence's words), so the estimate takes a few rows, when one is small enough to take them."""
    width = max(1, make_batch(schema, 0, 1, seed, drift=False).nbytes)
    if width * _PROBE_ROWS <= BATCH_BYTES:
        probe = make_batch(schema, 0, _PROBE_ROWS, seed, drift=False).nbytes
        width = max(width, -(-probe // _PROBE_ROWS))
    return 2 * width
