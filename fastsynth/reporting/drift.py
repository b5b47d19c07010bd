"""The drift report: how each column moves over blocks or windows of one table, against its first block
or a reference table, beside the ground truth when the data came with a drift log.

Statistics, per column and block, against the baseline (the first block, or the reference):
- ``js``: the Jensen-Shannon *distance* (the square root of the divergence), base 2, so in [0, 1];
  what ``scipy.spatial.distance.jensenshannon(p, q, base=2)`` and Evidently report. Numbers and times
  are counted in 20 bins between the baseline's 5% quantiles (edges from its minimum to its maximum,
  repeated edges merged; fewer bins when a typical block has fewer than about 250,000 rows, by
  Sturges' rule, see ``_js_bins``), plus an underflow, an overflow and a null bin; categories and
  booleans per category, plus a null bin.
- ``psi``: the population stability index ``sum((a - e) * ln(a / e))`` over shares, a zero share
  taken as 1e-4; numbers and times in half as many bins (10 between the baseline's deciles: every
  other edge of the JS bins), plus underflow, overflow and null bins; categories as for JS.
- ``p_value``: a chi-square test of homogeneity of the block's counts against the baseline's, in the
  JS bins (bins empty on both sides left out; expected counts from the pooled shares).
- ``drifted``: (``js > 0.1`` or ``psi > 0.2``: Evidently's JS threshold, the usual PSI one) and
  ``p_value < 0.001``. Sampling noise alone gives two samples of one distribution a JS distance of
  about ``sqrt((k - 1) (1/n + 1/m) / (8 ln 2))`` over ``k`` bins: 0.065 for 1,000 rows against 1,000
  in 15 bins, 0.03 for 10,000 against 10,000 in 19; blocks of a few hundred rows pass the distance
  thresholds on noise alone, hence the test (which, alone, flags trivial shifts of large blocks).
- ``mean``: exact (float64 sums over every row, less a typical value; booleans as the share of true);
  ``quantiles``: on a seeded sample of at most 20,000 rows per block, chosen before the pass (the
  document's ``quantiles_from``); times as ISO 8601 strings.

Passes, in bounded memory (every pass streams batches): one over the key columns (the blocks or time
column; none for windows of rows), one over the first block's rows for the baseline's bins (it stops at
the block's last row; with a reference, a seeded sample of the reference instead) and the main one over
every measured column. The baseline's bins come from a seeded sample of at most 100,000 of its rows;
its counts, like every block's, from all of them.

Ground truth: a ``_drift_weight`` column (per-block mean weight) and a drift log, given or found
beside a file input as ``NAME.drift.json`` (the name ``fastsynth drift inject`` writes): its events,
with the share of each block's rows inside each event's selection, recomputed on the data (a ``where``
condition is read on the data as it is, after drift).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.dependencies import optional_import
from fastsynth.documents import read_json
from fastsynth.errors import UsageError
from fastsynth.kernels import block_stats as kb
from fastsynth.kernels.jit import threads
from fastsynth.reporting.columns import (
    as_time,
    check_comparable,
    column_kinds,
    common_time_type,
    flat,
    numbers,
)
from fastsynth.reporting.inputs import Input

__all__ = [
    "BASELINE_ROWS",
    "BLOCK_LIMIT",
    "DEFAULT_WINDOWS",
    "JS_THRESHOLD",
    "PSI_THRESHOLD",
    "P_VALUE_THRESHOLD",
    "SAMPLE_ROWS",
    "SERIES_POINTS",
    "WEIGHT_COLUMN",
    "drift_document",
]

BLOCK_LIMIT = 1000
"""Most blocks or windows a report shows: a heatmap wider than this is noise, and every block costs
its counts in every column."""
DEFAULT_WINDOWS = 10
"""Windows the data is cut into against a reference when neither blocks nor windows are given."""
JS_THRESHOLD = 0.1
PSI_THRESHOLD = 0.2
P_VALUE_THRESHOLD = 0.001
"""A block is drifted only when its difference from the baseline is also this unlikely as noise."""
PSI_EPSILON = 1e-4
JS_BINS = 20
"""Most JS bins of numbers and times (the PSI has half as many, every other edge)."""
BASELINE_ROWS = 100_000
"""Baseline rows (seeded sample) the bins' edges are taken from."""
SAMPLE_ROWS = 20_000
"""Rows per block (seeded sample) quantiles are taken from: a quantile's rank error about 0.004."""
SAMPLE_VALUES = 20_000_000
"""Sampled values over all blocks and columns (160 MB): fewer rows per block when there are many."""
SERIES_POINTS = 500
CATEGORY_CAP = 10_000
"""Categories counted per column; later ones share one ``(other)`` count."""
WEIGHT_COLUMN = "_drift_weight"
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def drift_document(
    data: Input,
    reference: Input | None,
    *,
    blocks: str | None,
    windows: int | None,
    time_column: str | None,
    drift_log: Path | None,
    kinds: Mapping[str, str] | None,
    seed: int,
) -> dict[str, Any]:
    """The ``kind: "drift"`` document (see ``fastsynth.reporting.document``)."""
    windows = _check(data, reference, blocks, windows, time_column, kinds)
    names = data.schema.names
    layout = _layout(data, blocks, windows, time_column)
    if reference is None and layout.size < 2:
        raise UsageError(f"blocks={blocks!r} has a single value: nothing to compare it with")

    keys = [c for c in (blocks, time_column) if c is not None]
    baseline = _baseline_sample(data, reference, layout, seed)
    given = {k: v for k, v in (kinds or {}).items() if k in baseline.column_names}  # not the keys
    js_bins = _js_bins(layout.counts, reference.rows if reference is not None else int(layout.counts[0]))
    column_kind = column_kinds(baseline, given)
    if reference is not None:  # the reference is the real side: its kinds, the quality report's rule
        compared = {n: k for n, k in column_kind.items() if n in names and n not in keys}
        check_comparable(compared, reference.schema, data.schema, reference.name, data.name)
    skipped = []
    measured: list[_Column] = []
    for name in names:
        kind = column_kind.get(name, "text")
        if name in keys or name == WEIGHT_COLUMN:
            skipped.append({"column": name, "reason": "key" if name in keys else "ground truth"})
        elif not flat(data.schema.field(name).type):  # lists, structs, maps: no bins to count in
            skipped.append({"column": name, "reason": "nested"})
        elif kind == "text":
            skipped.append({"column": name, "reason": "text"})
        else:
            field_type = data.schema.field(name).type
            if reference is not None:  # times in two types: both counted in one (seconds against ms)
                field_type = common_time_type(field_type, reference.schema.field(name).type) or field_type
            measured.append(_Column.make(name, kind, baseline.column(name), field_type, js_bins))
    per_block = _sample_rows(layout.size, len([c for c in measured if c.binned]))
    sampler = _Sampler.make(layout.counts, per_block, seed)
    for column in measured:
        column.allocate(layout.size, sampler.total)

    log_path = drift_log
    if log_path is None and data.path is not None:
        beside = data.path.with_name(data.path.name + ".drift.json")
        log_path = beside if beside.is_file() else None
    events = _read_log(log_path) if log_path is not None else []
    truth = _Truth(
        events, WEIGHT_COLUMN in names, layout.size, layout.series_size, f"drift_log {str(log_path)!r}"
    )

    if reference is not None:
        for batch in reference.batches([c.name for c in measured]):
            ids = np.zeros(batch.num_rows, np.int64)
            for column in measured:
                column.add_baseline(batch.column(column.name), ids)

    read = sorted({*keys, *(c.name for c in measured), *truth.columns(names)}, key=names.index)
    _main_pass(data, read, layout, measured, sampler, truth)
    consecutive = bool(np.all(layout.last[:-1] < layout.first[1:]))
    if (blocks is None and time_column is None) or (blocks is not None and consecutive):
        # windows over rows of data in time order, or blocks that follow one another in the rows: a
        # sorted time column *is* the axis, and differs between every two blocks by construction;
        # reporting it as drifted everywhere says nothing; so is a row key (1, 2, 3, ...)
        axis = [c for c in measured if c.ordered]
        skipped.extend({"column": c.name, "reason": c.axis} for c in axis)
        measured = [c for c in measured if c not in axis]

    series_x = layout.series_x()
    document: dict[str, Any] = {
        "kind": "drift",
        "version": version("fastsynth"),
        "inputs": {
            "data": {"name": data.name, "rows": data.rows},
            "reference": None if reference is None else {"name": reference.name, "rows": reference.rows},
        },
        "by": {"blocks": blocks} if blocks is not None else {"windows": windows, "time_column": time_column},
        "reference": "reference input" if reference is not None else "first block",
        "thresholds": {"js": JS_THRESHOLD, "psi": PSI_THRESHOLD, "p_value": P_VALUE_THRESHOLD},
        "metrics": {
            "js": f"Jensen-Shannon distance, base 2 (sqrt of the divergence), in [0, 1]; numbers and times "
            f"in {js_bins} quantile bins of the baseline plus underflow, overflow and null bins",
            "psi": f"population stability index, natural log, zero shares as {PSI_EPSILON}; numbers and "
            f"times in {js_bins // 2} quantile bins of the baseline plus underflow, overflow and null bins",
            "mean": "exact, over every non-null row; booleans as the share of true",
            "p_value": "chi-square test of homogeneity of the block's counts against the baseline's in "
            "the JS bins (bins empty on both sides left out); drifted: over the js or psi threshold and "
            f"p_value < {P_VALUE_THRESHOLD}",
            "bins": {"js": js_bins, "psi": js_bins // 2},
        },
        "quantiles_from": {"method": "sample", "rows_per_block": per_block, "seed": seed},
        "baseline_sample": {"rows": baseline.num_rows, "seed": seed},
        "blocks": layout.describe(),
        "columns": [c.result(reference is not None) for c in measured],
        "skipped": skipped,
        "series_x": "time" if layout.timed else "row",
        "series": [
            {"column": c.name, "x": series_x, "values": c.series_means()}
            for c in measured
            if c.kind == "numerical"
        ],
    }
    document["drifted_columns"] = [c["column"] for c in document["columns"] if any(c["drifted"])]
    document["ground_truth"] = truth.result(log_path, layout, series_x)
    return document


def _check(
    data: Input,
    reference: Input | None,
    blocks: str | None,
    windows: int | None,
    time_column: str | None,
    kinds: Mapping[str, str] | None,
) -> int | None:
    """Refuse what cannot be reported, before reading a row; the number of windows (None for blocks)."""
    names = data.schema.names
    options = [("blocks", blocks), ("time_column", time_column), *(("kinds", k) for k in kinds or {})]
    for option, name in options:
        if name is not None and name not in names:
            raise UsageError(
                f"{option}={name!r} is not a column of {data.name!r}; allowed: {', '.join(names)}"
            )
    if blocks is not None and windows is not None:
        raise UsageError("give blocks=COLUMN or windows=N, not both")
    if blocks is not None and not _is_key_type(data.schema.field(blocks).type):
        raise UsageError(
            f"blocks={blocks!r} is {data.schema.field(blocks).type}; allowed: a column of integers, "
            "numbers, strings, booleans, dates or timestamps"
        )
    if windows is not None and not 1 <= windows <= BLOCK_LIMIT:
        raise UsageError(f"windows={windows} is not allowed; allowed: 1 to {BLOCK_LIMIT}")
    if data.rows == 0:
        raise UsageError(f"input {data.name!r} has no rows")
    if time_column is not None and not _is_time(data.schema.field(time_column).type):
        raise UsageError(
            f"time_column={time_column!r} is {data.schema.field(time_column).type}, not a timestamp or date"
        )
    if reference is not None and reference.rows == 0:  # no baseline counts: every block read as no drift
        raise UsageError(f"reference {reference.name!r} has no rows; a reference needs rows to compare with")
    if reference is not None:
        missing = [c for c in names if c not in reference.schema.names and c not in (blocks, time_column)]
        missing = [c for c in missing if c != WEIGHT_COLUMN]
        if missing:
            raise UsageError(f"reference {reference.name!r} lacks column(s) {', '.join(map(repr, missing))}")
    if blocks is None:
        windows = windows or DEFAULT_WINDOWS
        if windows > data.rows:
            raise UsageError(f"windows={windows} is more than the {data.rows} rows of {data.name!r}")
        if windows < 2 and reference is None:
            raise UsageError("windows=1 leaves nothing to compare: give windows >= 2, or a reference")
    return windows


# --- blocks and windows ---------------------------------------------------------------------------


@dataclass
class _Layout:
    """Which block (and which series point) each row is in, and what each block holds."""

    size: int
    labels: list[Any]
    counts: np.ndarray
    first: np.ndarray
    last: np.ndarray
    block_ids: Callable[[pa.RecordBatch, int], np.ndarray]
    time_column: str | None
    time_type: pa.DataType | None
    tmin: np.ndarray | None = None
    tmax: np.ndarray | None = None
    rows: int = 0
    series_size: int = 0
    span: tuple[float, float] = (0.0, 0.0)

    @property
    def timed(self) -> bool:
        return self.time_column is not None

    def series_ids(self, batch: pa.RecordBatch, row0: int) -> np.ndarray:
        if self.time_column is None:
            return _row_windows(row0, batch.num_rows, self.rows, self.series_size)
        return _time_windows(numbers(batch.column(self.time_column)), self.span, self.series_size)

    def series_x(self) -> list[Any]:
        n = self.series_size
        if self.time_column is None:
            starts = -(-np.arange(n + 1) * self.rows // n)
            return [int((starts[k] + starts[k + 1] - 1) // 2) for k in range(n)]
        lo, hi = self.span
        middles = lo + (np.arange(n) + 0.5) * (hi - lo) / n
        return _iso(middles, self.time_type)

    def describe(self) -> list[dict[str, Any]]:
        if self.tmin is not None and self.tmax is not None:
            start, end = _iso(self.tmin, self.time_type), _iso(self.tmax, self.time_type)
        else:
            start, end = (
                [int(v) if v >= 0 else None for v in self.first],
                [int(v) if v >= 0 else None for v in self.last],
            )
        return [
            {"label": self.labels[b], "rows": int(self.counts[b]), "start": start[b], "end": end[b]}
            for b in range(self.size)
        ]


def _layout(data: Input, blocks: str | None, windows: int | None, time_column: str | None) -> _Layout:
    time_type = data.schema.field(time_column).type if time_column is not None else None
    series = min(SERIES_POINTS, data.rows)
    if blocks is not None:
        return _value_blocks(data, blocks, time_column, time_type, series)
    assert windows is not None
    if time_column is None:
        n, rows = windows, data.rows
        first = -(-np.arange(n) * rows // n)
        last = -(-np.arange(1, n + 1) * rows // n) - 1
        return _Layout(
            n, [int(f) for f in first], last - first + 1, first, last,
            lambda batch, row0: _row_windows(row0, batch.num_rows, rows, n),
            None, None, rows=rows, series_size=series,
        )  # fmt: skip
    lo, hi = np.inf, -np.inf
    for batch in data.batches([time_column]):
        t = numbers(batch.column(0))
        if np.isfinite(t).any():
            lo, hi = min(lo, np.nanmin(t)), max(hi, np.nanmax(t))
    if not np.isfinite(lo):
        raise UsageError(f"time_column={time_column!r} holds no time: every value is null")
    if lo == hi and windows > 1:  # every row would fall in the first window, the others empty
        raise UsageError(
            f"time_column={time_column!r} holds a single time ({_iso(np.array([lo]), time_type)[0]}): "
            f"nothing to cut into windows={windows}; allowed: a time column with two or more times, or "
            "windows over rows"
        )
    span = (float(lo), float(hi))
    n = windows

    def ids(batch: pa.RecordBatch, row0: int) -> np.ndarray:
        return _time_windows(numbers(batch.column(time_column)), span, n)

    layout = _Layout(
        n, _iso(lo + np.arange(n) * (hi - lo) / n, time_type), *_empty_extent(n), ids, time_column, time_type,
        rows=data.rows, series_size=series, span=span,
    )  # fmt: skip
    _extent(data, [time_column], layout)
    return layout


def _empty_extent(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(n, np.int64), np.full(n, -1, np.int64), np.full(n, -1, np.int64)


def _extent(data: Input, columns: list[str], layout: _Layout) -> None:
    """Rows, first and last row, earliest and latest time of each block: one pass over the keys."""
    layout.tmin = np.full(layout.size, np.inf) if layout.timed else None
    layout.tmax = np.full(layout.size, -np.inf) if layout.timed else None
    row0 = 0
    for batch in data.batches(columns):
        ids = layout.block_ids(batch, row0)
        t = numbers(batch.column(layout.time_column)) if layout.time_column else np.empty(0)
        kb.block_extent(
            ids, row0, t, layout.counts, layout.first, layout.last,
            layout.tmin if layout.tmin is not None else np.empty(0),
            layout.tmax if layout.tmax is not None else np.empty(0),
        )  # fmt: skip
        row0 += batch.num_rows


def _value_blocks(
    data: Input, column: str, time_column: str | None, time_type: pa.DataType | None, series: int
) -> _Layout:
    """One block per distinct value: found, counted and placed in one pass over the key columns."""
    kind = data.schema.field(column).type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    known = pa.array([], kind)
    counts, first, last = _empty_extent(BLOCK_LIMIT)
    tmin, tmax = np.full(BLOCK_LIMIT, np.inf), np.full(BLOCK_LIMIT, -np.inf)
    lo, hi = np.inf, -np.inf
    row0, overflow = 0, False
    keys = [column] + ([time_column] if time_column and time_column != column else [])
    for batch in data.batches(keys):
        values = _plain(batch.column(column))
        unique = pc.unique(values)
        new = unique.filter(pc.invert(pc.is_in(unique, value_set=known))) if len(known) else unique
        if len(new):
            known = pa.concat_arrays([known, new.cast(kind)])
            if len(known) > BLOCK_LIMIT:
                overflow = True
                if len(known) > 100 * BLOCK_LIMIT:
                    break
                row0 += batch.num_rows
                continue
        if overflow:
            continue
        ids = np.asarray(pc.index_in(values, value_set=known, skip_nulls=False).fill_null(-1), np.int64)
        t = numbers(batch.column(time_column)) if time_column else np.empty(0)
        if time_column and np.isfinite(t).any():
            lo, hi = min(lo, np.nanmin(t)), max(hi, np.nanmax(t))
        kb.block_extent(ids, row0, t, counts, first, last, tmin, tmax)
        row0 += batch.num_rows
    if overflow:
        many = f"more than {100 * BLOCK_LIMIT:,}" if len(known) > 100 * BLOCK_LIMIT else f"{len(known):,}"
        raise UsageError(
            f"blocks={column!r} has {many} distinct values; at most {BLOCK_LIMIT} blocks are allowed: "
            "choose a column with fewer values, or windows=N"
        )
    n = len(known)
    if _is_time(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        order = np.asarray(pc.array_sort_indices(known, null_placement="at_end"), np.int64)
    else:
        order = np.arange(n)  # strings: in order of first appearance
    ordered = known.take(pa.array(order))
    labels = [_label(v) for v in ordered.to_pylist()]

    def block_ids(batch: pa.RecordBatch, row0: int) -> np.ndarray:
        found = pc.index_in(_plain(batch.column(column)), value_set=ordered, skip_nulls=False)
        return np.asarray(found.fill_null(-1), np.int64)

    timed = time_column is not None
    if timed and not np.isfinite(lo):
        raise UsageError(f"time_column={time_column!r} holds no time: every value is null")
    return _Layout(
        n, labels, counts[order], first[order], last[order], block_ids, time_column, time_type,
        tmin[order] if timed else None, tmax[order] if timed else None,
        rows=data.rows, series_size=series, span=(float(lo), float(hi)) if timed else (0.0, 0.0),
    )  # fmt: skip


def _row_windows(row0: int, n: int, rows: int, windows: int) -> np.ndarray:
    return (np.arange(row0, row0 + n, dtype=np.int64) * windows) // rows


def _time_windows(t: np.ndarray, span: tuple[float, float], windows: int) -> np.ndarray:
    lo, hi = span
    with np.errstate(invalid="ignore"):
        # multiplied before dividing: exact for whole units of time
        scaled = (t - lo) * windows / (hi - lo) if hi > lo else np.where(np.isnan(t), np.nan, 0.0)
        ids = np.minimum(np.floor(scaled), windows - 1)
    return np.where(np.isnan(ids), -1, ids).astype(np.int64)


# --- the baseline and the samples ----------------------------------------------------------------


def _baseline_sample(data: Input, reference: Input | None, layout: _Layout, seed: int) -> pa.Table:
    """A seeded sample of at most ``BASELINE_ROWS`` baseline rows (every column): the reference's, or
    the first block's, read up to the block's last row."""
    if reference is not None:
        table, _ = reference.load(BASELINE_ROWS, seed)
        return table
    count, last = int(layout.counts[0]), int(layout.last[0])
    sampler = _Sampler.make(np.array([count]), min(count, BASELINE_ROWS), seed)
    parts, row0 = [], 0
    for batch in data.batches():
        if row0 > last:
            break
        ids = np.where(layout.block_ids(batch, row0) == 0, 0, -1).astype(np.int64)
        slots = sampler.slots(ids)
        parts.append(batch.filter(pa.array(slots >= 0)))
        row0 += batch.num_rows
    return pa.Table.from_batches(parts, data.schema)


def _js_bins(counts: np.ndarray, baseline_rows: int) -> int:
    """JS bins for blocks of these sizes: Sturges' rule on the rows of a typical block and the baseline
    (as Evidently bins), even (the PSI takes every other edge), 4 to ``JS_BINS``. Fewer bins for small
    blocks keep sampling noise under the threshold: 1,000 rows against 1,000 in 20 bins (plus 3) are
    0.09 apart in JS distance without any drift, in 12 (plus 3) 0.065."""
    filled = counts[counts > 0]
    typical = min(float(np.median(filled)) if len(filled) else 1.0, float(max(baseline_rows, 1)))
    sturges = int(np.ceil(np.log2(2 * typical))) + 1
    return int(min(JS_BINS, max(4, sturges - sturges % 2)))


def _sample_rows(blocks: int, columns: int) -> int:
    return max(100, min(SAMPLE_ROWS, SAMPLE_VALUES // max(1, blocks * columns)))


@dataclass
class _Sampler:
    """Each block's sample rows, chosen by ordinal before the pass: the same rows whatever the batches."""

    offsets: np.ndarray
    positions: np.ndarray
    seen: np.ndarray
    cursor: np.ndarray

    @property
    def total(self) -> int:
        return int(self.offsets[-1])

    @classmethod
    def make(cls, counts: np.ndarray, per_block: int, seed: int) -> _Sampler:
        rng = np.random.default_rng(seed)
        chosen = [
            np.sort(rng.choice(int(c), size=min(int(c), per_block), replace=False)).astype(np.int64)
            for c in counts
        ]
        sizes = np.array([len(c) for c in chosen], np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        positions = np.concatenate(chosen) if chosen else np.empty(0, np.int64)
        return cls(offsets, positions, np.zeros(len(counts), np.int64), np.zeros(len(counts), np.int64))

    def slots(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty(len(ids), np.int64)
        kb.sample_slots(ids, self.seen, self.cursor, self.offsets, self.positions, out)
        return out


# --- columns --------------------------------------------------------------------------------------


@dataclass
class _Column:
    """One measured column's accumulators."""

    name: str
    kind: str
    type: pa.DataType
    edges: np.ndarray | None = None
    """Numbers and times: the JS bins' edges (baseline quantiles); None for categories."""
    coarse: np.ndarray | None = None
    """Which PSI bin each JS bin falls in."""
    shift: float = 0.0
    categories: pa.Array | None = None
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    base: np.ndarray | None = None
    """The reference's counts (reference mode), one row."""
    base_sums: np.ndarray = field(default_factory=lambda: np.zeros(1))
    base_n: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    nonnull: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    series: tuple[np.ndarray, np.ndarray] | None = None
    sample: np.ndarray = field(default_factory=lambda: np.zeros(0))
    base_sample: np.ndarray = field(default_factory=lambda: np.zeros(0))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    """Where each block's sample starts in ``sample`` (the sampler's offsets)."""
    ascending: bool = True
    """Times: whether the non-null values seen so far are in non-decreasing order; integers: in
    increasing order (each unique), as a row key's are."""
    latest: float = -np.inf

    @property
    def binned(self) -> bool:
        return self.edges is not None

    @property
    def axis(self) -> str | None:
        """What the column would be as the rows' own axis: a ``time axis`` or a ``row key``; None for
        other kinds."""
        if self.kind == "datetime":
            return "time axis"
        return "row key" if self.kind == "numerical" and pa.types.is_integer(self.type) else None

    @property
    def ordered(self) -> bool:
        """Whether the column runs along the rows as their axis does (see ``ascending``)."""
        return self.axis is not None and self.ascending

    @classmethod
    def make(
        cls, name: str, kind: str, baseline: pa.ChunkedArray, type: pa.DataType, js_bins: int
    ) -> _Column:
        column = cls(name, kind, type)
        if kind in ("numerical", "datetime"):
            values = numbers(column._as_type(baseline))
            values = values[~np.isnan(values)]
            if len(values) == 0:
                values = np.zeros(1)
            q = np.quantile(values, np.arange(js_bins + 1) / js_bins)
            column.edges = np.unique(q)
            psi_edges = np.unique(q[::2])
            column.coarse = _coarse_map(column.edges, psi_edges)
            column.shift = float(np.median(values))
            column.base_sample = values
        else:
            column.categories = pa.array([], pa.string())
        return column

    def allocate(self, blocks: int, sampled: int) -> None:
        width = len(self.edges) + 2 if self.edges is not None and len(self.edges) > 1 else 4
        self.counts = np.zeros((blocks, width if self.binned else 2), np.int64)
        self.base = np.zeros((1, self.counts.shape[1]), np.int64)
        self.sums, self.nonnull = np.zeros(blocks), np.zeros(blocks, np.int64)
        if self.binned:
            self.sample = np.full(sampled, np.nan)

    def add_baseline(self, values: pa.ChunkedArray | pa.Array, ids: np.ndarray) -> None:
        assert self.base is not None
        kb.add_sums(self._count(values, ids, self.base), ids, self.shift, self.base_sums, self.base_n)

    def add(self, values: pa.Array, ids: np.ndarray, slots: np.ndarray, series_ids: np.ndarray) -> None:
        x = self._count(values, ids, self.counts)
        if self.axis is not None and self.ascending:
            t = x[~np.isnan(x)]
            if len(t):
                if self.kind == "datetime":
                    self.ascending = bool(t[0] >= self.latest and np.all(t[1:] >= t[:-1]))
                else:
                    self.ascending = bool(t[0] > self.latest and np.all(t[1:] > t[:-1]))
                self.latest = float(t[-1])
        kb.add_sums(x, ids, self.shift, self.sums, self.nonnull)
        if self.series is not None:
            kb.add_sums(x, series_ids, self.shift, *self.series)
        if self.binned:
            chosen = slots >= 0
            self.sample[slots[chosen]] = x[chosen]

    def _count(self, values: pa.ChunkedArray | pa.Array, ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
        if self.edges is not None:
            x = numbers(self._as_type(values))
            kb.bin_counts(x, ids, self.edges, counts)
            return x
        codes = self._codes(_plain(values))
        if codes.max(initial=0) >= self.counts.shape[1]:
            is_base = counts is self.base
            self._grow(int(codes.max()) + 1)
            counts = self.base if is_base else self.counts  # type: ignore[assignment]
        kb.code_counts(codes, ids, counts)
        if pa.types.is_boolean(self.type):  # the mean of a boolean: its share of true
            return np.asarray(pc.cast(_plain(values), pa.float64()).fill_null(np.nan))
        return np.full(len(codes), np.nan)

    def _as_type(self, values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
        """Times in the column's type, the one the data and the reference are compared in."""
        return as_time(values, self.type, self.name) if _is_time(self.type) else values

    def _grow(self, width: int) -> None:
        width = max(width, 2 * self.counts.shape[1])
        self.counts = np.pad(self.counts, ((0, 0), (0, width - self.counts.shape[1])))
        assert self.base is not None
        self.base = np.pad(self.base, ((0, 0), (0, width - self.base.shape[1])))

    def _codes(self, values: pa.Array) -> np.ndarray:
        """Codes: 0 null, 1 ``(other)``, then the categories in order of first sight."""
        if not pa.types.is_string(values.type):  # booleans as "true" / "false"
            values = values.cast(pa.string())
        encoded = pc.dictionary_encode(values)
        dictionary = encoded.dictionary
        assert self.categories is not None
        found = pc.index_in(dictionary, value_set=self.categories)
        new = dictionary.filter(found.is_null())
        room = CATEGORY_CAP - len(self.categories)
        if len(new) and room > 0:
            self.categories = pa.concat_arrays([self.categories, new.slice(0, room)])
            found = pc.index_in(dictionary, value_set=self.categories)
        mapped = np.asarray(found.fill_null(-1), np.int64) + 2  # not found (beyond the cap): 1, (other)
        indices = np.asarray(encoded.indices.fill_null(-1), np.int64)
        return np.where(indices < 0, 0, mapped[np.maximum(indices, 0)] if len(mapped) else 0).astype(np.int64)

    def series_means(self) -> list[float]:
        assert self.series is not None
        sums, n = self.series
        with np.errstate(invalid="ignore", divide="ignore"):
            return list(sums / n + self.shift)

    def result(self, against_reference: bool) -> dict[str, Any]:
        assert self.base is not None
        counts = self.counts
        baseline = self.base[0] if against_reference else counts[0]
        js = _js(counts, baseline)
        psi = _psi(*(self._psi_bins(c) for c in (counts, baseline[None, :])))
        empty = counts.sum(axis=1) == 0
        p_value = _chi2_p(counts, baseline)
        js[empty], psi[empty], p_value[empty] = np.nan, np.nan, np.nan
        with np.errstate(invalid="ignore"):
            drifted = ((js > JS_THRESHOLD) | (psi > PSI_THRESHOLD)) & (p_value < P_VALUE_THRESHOLD)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.sums / self.nonnull + self.shift
        entry: dict[str, Any] = {
            "column": self.name,
            "kind": self.kind,
            "js": js,
            "psi": psi,
            "p_value": p_value,
            "mean": None,
            "quantiles": None,
            "drifted": [bool(d) for d in drifted],
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            base_mean = self.base_sums / self.base_n + self.shift
        if self.kind in ("numerical", "boolean"):
            entry["mean"] = mean
        if self.kind == "datetime":
            entry["mean"] = _iso(mean, self.type)
        if against_reference:  # the reference's own numbers, for the plots' reference lines
            entry["baseline"] = {"mean": None, "quantiles": None}
            if self.kind in ("numerical", "boolean"):
                entry["baseline"]["mean"] = float(base_mean[0])
            if self.binned:
                found = np.quantile(self.base_sample, QUANTILES)
                entry["baseline"]["mean"] = self._fmt(base_mean[0])
                entry["baseline"]["quantiles"] = {
                    str(p): self._fmt(q) for p, q in zip(QUANTILES, found, strict=True)
                }
        if self.binned:
            entry["quantiles"] = self._quantiles()
        return entry

    def _quantiles(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {str(p): [] for p in QUANTILES}
        sampler_offsets = self.offsets
        for b in range(self.counts.shape[0]):
            values = self.sample[sampler_offsets[b] : sampler_offsets[b + 1]]
            values = values[~np.isnan(values)]
            found = np.quantile(values, QUANTILES) if len(values) else [np.nan] * len(QUANTILES)
            for p, q in zip(QUANTILES, found, strict=True):
                out[str(p)].append(None if np.isnan(q) else self._fmt(q))
        return out

    def _fmt(self, value: float) -> Any:
        return _iso(np.array([value]), self.type)[0] if self.kind == "datetime" else float(value)

    def _psi_bins(self, counts: np.ndarray) -> np.ndarray:
        if self.coarse is None:
            return counts
        out = np.zeros((counts.shape[0], int(self.coarse.max()) + 1), np.int64)
        for j, c in enumerate(self.coarse):
            out[:, c] += counts[:, j]
        return out


def _coarse_map(fine: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """For each bin over ``fine`` edges (underflow, inner bins, overflow, null), its bin over
    ``coarse`` edges (a subset of ``fine``)."""
    inner_f, inner_c = max(len(fine) - 1, 1), max(len(coarse) - 1, 1)
    inner = [
        min(int(np.searchsorted(coarse, fine[j - 1], side="right")), inner_c) for j in range(1, inner_f + 1)
    ]
    return np.array([0, *inner, inner_c + 1, inner_c + 2], np.int64)


def _js(counts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Jensen-Shannon distance, base 2, of each row of ``counts`` from ``baseline`` (as scipy's
    ``jensenshannon(p, q, base=2)``: shares normalised, then sqrt of the mean KL to the midpoint)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / counts.sum(axis=1, keepdims=True)
        q = baseline / baseline.sum()
        m = (p + q) / 2
        kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum(axis=1)
        kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum(axis=1)
    return np.sqrt(np.maximum((kl_p + kl_q) / 2, 0.0) / np.log(2))


def _chi2_p(counts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """The p-value of a chi-square test of homogeneity of each row of ``counts`` against ``baseline``
    (the 2 x k table of the two, as ``scipy.stats.chi2_contingency(..., correction=False)``), bins
    empty on both sides left out; 1 when a single bin is left."""
    special = optional_import("scipy.special", extra="report", package="scipy")
    baseline = np.asarray(baseline, np.float64)[None, :]
    counts = np.asarray(counts, np.float64)
    pooled = counts + baseline
    n, m = counts.sum(axis=1, keepdims=True), baseline.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pooled / (n + m)
        e_block, e_base = n * share, m * share
        terms = np.where(
            pooled > 0,
            (counts - e_block) ** 2 / e_block + (baseline - e_base) ** 2 / e_base,
            0.0,
        )
    statistic = np.nan_to_num(terms, nan=0.0, posinf=0.0).sum(axis=1)
    dof = (pooled > 0).sum(axis=1) - 1
    p = np.ones(len(counts))
    tested = dof > 0
    p[tested] = special.chdtrc(dof[tested], statistic[tested])
    return p


def _psi(counts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        a = counts / counts.sum(axis=1, keepdims=True)
        e = baseline[0] / baseline[0].sum()
    a, e = np.where(a == 0, PSI_EPSILON, a), np.where(e == 0, PSI_EPSILON, e)
    return ((a - e) * np.log(a / e)).sum(axis=1)


# --- the main pass ---------------------------------------------------------------------------------


def _main_pass(
    data: Input, read: list[str], layout: _Layout, measured: list[_Column], sampler: _Sampler, truth: _Truth
) -> None:
    for column in measured:
        column.offsets = sampler.offsets
        if column.kind == "numerical":
            n = layout.series_size
            column.series = (np.zeros(n), np.zeros(n, np.int64))
    row0 = 0
    with ThreadPoolExecutor(max_workers=max(1, threads())) as pool:
        for batch in data.batches(read):
            ids = layout.block_ids(batch, row0)
            slots = sampler.slots(ids)
            series_ids = layout.series_ids(batch, row0)
            # numba kernels and pyarrow's compute release the GIL: columns run side by side.
            work = [pool.submit(c.add, batch.column(c.name), ids, slots, series_ids) for c in measured]
            truth.add(batch, row0, ids, series_ids, layout)
            for done in work:
                done.result()
            row0 += batch.num_rows


# --- ground truth ---------------------------------------------------------------------------------


def _read_log(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"drift_log {str(path)!r} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"drift_log {str(path)!r}: invalid JSON: not UTF-8 text") from None
    document = read_json(text, f"drift_log {str(path)!r}")
    drifts = document.get("drifts") if isinstance(document, dict) else None
    if not isinstance(drifts, list):
        raise UsageError(
            f"drift_log {str(path)!r} is not a fastsynth drift log (an object with a list 'drifts', as "
            "`fastsynth drift inject` writes)"
        )
    for i, event in enumerate(drifts):
        _check_event(event, f"drift_log {str(path)!r}: drifts[{i}]")
    return drifts


def _check_event(event: Any, where: str) -> None:
    """Refuse an event the report would stumble on, naming it, the key and what is allowed (keys the
    report does not read are left alone)."""
    if not isinstance(event, dict):
        kind = type(event).__name__
        raise UsageError(f"{where} is {kind}, not an object as `fastsynth drift inject` writes")

    def refuse(key: str, allowed: str) -> None:
        raise UsageError(f"{where}: {key}={event_value(key)!r} is not allowed; allowed: {allowed}")

    def event_value(key: str) -> Any:
        value: Any = event
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    if "index" in event and not _is_int(event["index"]):
        refuse("index", "an integer")
    for key in ("name", "type"):
        if event.get(key) is not None and not isinstance(event[key], str):
            refuse(key, "a string or null")
    columns = event.get("columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        refuse("columns", "a list of column names")
    for key in ("profile", "selection", "rows"):
        if event.get(key) is not None and not isinstance(event[key], dict):
            refuse(key, "an object or null")
    for key in ("first", "last"):
        value = (event.get("rows") or {}).get(key)
        if value is not None and not (_is_int(value) and value >= 0):
            refuse(f"rows.{key}", "a row number (an integer >= 0) or null")
    profile = event.get("profile") or {}
    if profile.get("type") is not None and not isinstance(profile["type"], str):
        refuse("profile.type", "a string or null")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Truth:
    """The ground truth over the blocks: each event's share of every block's rows, and the weights."""

    def __init__(
        self, events: list[dict[str, Any]], weighted: bool, blocks: int, series: int, log: str = "drift log"
    ) -> None:
        from fastsynth.drift.selection import Selection

        self.events = events
        self.selections = [
            Selection.from_drift(e.get("selection") or {}, f"{log}: drifts[{i}].selection")
            for i, e in enumerate(events)
        ]
        self.weighted = weighted
        self.inside = np.zeros((len(events), blocks), np.int64)
        self.any = (np.zeros(blocks), np.zeros(blocks, np.int64))
        self.series = (np.zeros(series), np.zeros(series, np.int64))
        self.times: dict[int, float] = {}

    @property
    def present(self) -> bool:
        return self.weighted or bool(self.events)

    def columns(self, names: list[str]) -> list[str]:
        wanted = [WEIGHT_COLUMN] if self.weighted else []
        for selection in self.selections:
            if selection.kind == "where":
                return names
            if selection.kind in ("blocks", "time"):
                wanted.append(selection.spec.column)  # type: ignore[union-attr]
        return [w for w in wanted if w in names]

    def add(
        self, batch: pa.RecordBatch, row0: int, ids: np.ndarray, series_ids: np.ndarray, layout: _Layout
    ) -> None:
        if not self.present:
            return
        n = batch.num_rows
        union = np.zeros(n, np.bool_)
        table = None
        for e, (entry, selection) in enumerate(zip(self.events, self.selections, strict=True)):
            if selection.kind == "all":
                mask = np.ones(n, np.bool_)
            elif selection.kind == "rows":
                spec = selection.spec
                rows = np.arange(row0, row0 + n)
                end = spec.end if spec.end is not None else np.iinfo(np.int64).max  # type: ignore[union-attr]
                mask = (rows >= spec.start) & (rows < end) & ((rows - spec.start) % spec.step == 0)  # type: ignore[union-attr]
            else:
                table = table if table is not None else pa.Table.from_batches([batch])
                mask = np.zeros(n, np.bool_)
                with contextlib.suppress(UsageError):  # raised when no row of the batch is in it
                    mask[selection.select(table, "drift log").rows] = True
            union |= mask
            inside = ids[mask]
            self.inside[e] += np.bincount(inside[inside >= 0], minlength=self.inside.shape[1])
            if layout.timed:
                for key in ("first", "last"):
                    r = (entry.get("rows") or {}).get(key)
                    if isinstance(r, int) and row0 <= r < row0 + n:
                        self.times[r] = float(numbers(batch.column(layout.time_column).slice(r - row0, 1))[0])
        weight = numbers(batch.column(WEIGHT_COLUMN)) if self.weighted else union.astype(np.float64)
        kb.add_sums(weight, ids, 0.0, *self.any)
        kb.add_sums(weight, series_ids, 0.0, *self.series)

    def result(self, log: Path | None, layout: _Layout, series_x: list[Any]) -> dict[str, Any] | None:
        if not self.present:
            return None
        with np.errstate(invalid="ignore", divide="ignore"):
            blocks = self.any[0] / self.any[1]
            series = self.series[0] / self.series[1]
            shares = self.inside / layout.counts
        sources = ([f"column {WEIGHT_COLUMN}"] if self.weighted else []) + (
            [f"drift log {log.name}"] if self.events and log is not None else []
        )
        events = []
        for e, entry in enumerate(self.events):
            rows = entry.get("rows") or {}
            first, last = rows.get("first"), rows.get("last")
            if layout.timed:
                first, last = (
                    _iso(np.array([self.times[r]]), layout.time_type)[0] if r in self.times else None
                    for r in (first, last)
                )
            events.append(
                {
                    "index": entry.get("index", e),
                    "name": entry.get("name"),
                    "type": entry.get("type"),
                    "columns": entry.get("columns", []),
                    "profile": (entry.get("profile") or {}).get("type"),
                    "selection": entry.get("selection") or {},
                    "start": first,
                    "end": last,
                    "blocks": shares[e],
                }
            )
        touched = sorted({c for entry in self.events for c in entry.get("columns", [])})
        return {
            "source": " and ".join(sources),
            "measure": "mean drift weight" if self.weighted else "share of rows inside an event",
            "blocks": blocks,
            "columns": touched if self.events else None,
            "events": events,
            "series": {"x": series_x, "values": series},
        }


# --- values ---------------------------------------------------------------------------------------


def _plain(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One array, dictionary-decoded."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values


def _is_key_type(t: pa.DataType) -> bool:
    """Types a blocks column may have: ones pyarrow finds the distinct values of and sorts."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or _is_time(t)
    )


def _is_time(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_timestamp(t) or pa.types.is_date(t)


def _iso(values: np.ndarray, t: pa.DataType | None) -> list[Any]:
    """Numbers from ``numbers()`` of a time column back to ISO 8601 strings (None for NaN)."""
    assert t is not None
    if pa.types.is_dictionary(t):
        t = t.value_type
    values = np.asarray(values, np.float64)
    if not _is_time(t):
        return [None if not np.isfinite(v) else float(v) for v in values]
    ok = np.isfinite(values)
    ints = pa.array(np.where(ok, np.round(np.where(ok, values, 0)), 0).astype(np.int64), mask=~ok)
    storage = pa.int32() if pa.types.is_date32(t) else pa.int64()
    return [None if v is None else v.isoformat() for v in ints.cast(storage).cast(t).to_pylist()]


def _label(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
