"""Per-block statistics for drift reports, one streamed batch at a time.

Every kernel adds one batch into accumulators the caller keeps across batches (counts, compensated
sums, per-block row counters), so the result is the same whatever the batch boundaries: rows are added
in their order and nothing depends on where a batch ends. A row whose block id is negative belongs to
no block (a null time, say) and is skipped.
"""

from __future__ import annotations

import numpy as np

from fastsynth.kernels.jit import kernel

__all__ = ["add_sums", "bin_counts", "block_extent", "code_counts", "sample_slots"]


@kernel
def _bin(edges: np.ndarray, inner: int, v: float) -> int:
    """The bin of ``v``: 0 below ``edges[0]`` (underflow), ``1..inner`` between the edges (the last
    closed at ``edges[-1]``; one bin ``[c, c]`` when there is a single edge), ``inner + 1`` above
    ``edges[-1]`` (overflow)."""
    if v < edges[0]:
        return 0
    if v > edges[edges.shape[0] - 1]:
        return inner + 1
    lo, hi = 0, edges.shape[0]
    while lo < hi:  # first edge greater than v (numpy's searchsorted side="right")
        mid = (lo + hi) >> 1
        if edges[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, inner)


@kernel
def bin_counts(values: np.ndarray, ids: np.ndarray, edges: np.ndarray, counts: np.ndarray) -> None:
    """Add each row of ``values`` to ``counts[ids[i], bin]``: bins as ``_bin`` over ``edges`` (sorted,
    distinct), then the null bin (NaN) last; ``counts`` has ``max(len(edges) - 1, 1) + 3`` columns."""
    inner = max(edges.shape[0] - 1, 1)
    null = inner + 2
    for i in range(values.shape[0]):
        b = ids[i]
        if b < 0:
            continue
        v = values[i]
        if np.isnan(v):
            counts[b, null] += 1
        else:
            counts[b, _bin(edges, inner, v)] += 1


@kernel
def add_sums(
    values: np.ndarray, ids: np.ndarray, shift: float, sums: np.ndarray, comps: np.ndarray, n: np.ndarray
) -> None:
    """Add ``values - shift`` (NaN skipped) to ``sums[ids[i]]`` with Kahan compensation kept in
    ``comps``, and count them in ``n``: means exact to float64 rounding over any number of rows. The
    shift (a typical value) keeps large magnitudes such as timestamps from eating the precision."""
    for i in range(values.shape[0]):
        b = ids[i]
        if b < 0:
            continue
        v = values[i]
        if np.isnan(v):
            continue
        y = (v - shift) - comps[b]
        t = sums[b] + y
        comps[b] = (t - sums[b]) - y
        sums[b] = t
        n[b] += 1


@kernel
def code_counts(codes: np.ndarray, ids: np.ndarray, counts: np.ndarray) -> None:
    """Add each row to ``counts[ids[i], codes[i]]`` (codes already mapped to the report's categories)."""
    for i in range(codes.shape[0]):
        b = ids[i]
        if b >= 0:
            counts[b, codes[i]] += 1


@kernel
def block_extent(
    ids: np.ndarray,
    row0: int,
    times: np.ndarray,
    counts: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    tmin: np.ndarray,
    tmax: np.ndarray,
) -> None:
    """Rows of each block, its first and last row index (``first`` starts at -1), and its earliest
    and latest time (``times`` may be empty: no time column; NaN times are left out)."""
    timed = times.shape[0] > 0
    for i in range(ids.shape[0]):
        b = ids[i]
        if b < 0:
            continue
        counts[b] += 1
        if first[b] < 0:
            first[b] = row0 + i
        last[b] = row0 + i
        if timed:
            t = times[i]
            if not np.isnan(t):
                if t < tmin[b]:
                    tmin[b] = t
                if t > tmax[b]:
                    tmax[b] = t


@kernel
def sample_slots(
    ids: np.ndarray,
    seen: np.ndarray,
    cursor: np.ndarray,
    offsets: np.ndarray,
    positions: np.ndarray,
    slots: np.ndarray,
) -> None:
    """Which rows are in each block's sample, and where they go: the sample of block ``b`` is its rows
    of ordinal (0 for the block's first row) ``positions[offsets[b]:offsets[b + 1]]`` (sorted), chosen
    before the pass. ``seen`` counts each block's rows so far and ``cursor`` the sample rows found;
    ``slots[i]`` is the row's index into the flat sample, or -1."""
    for i in range(ids.shape[0]):
        slots[i] = -1
        b = ids[i]
        if b < 0:
            continue
        ordinal = seen[b]
        seen[b] += 1
        p = offsets[b] + cursor[b]
        if p < offsets[b + 1] and positions[p] == ordinal:
            slots[i] = p
            cursor[b] += 1
