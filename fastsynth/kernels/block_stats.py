"""Per-block statistics for drift reports, one streamed batch at a time.

Every kernel adds one batch into accumulators the caller keeps across batches (counts, sums, per-block
row counters), so the result is the same whatever the batch boundaries: rows are added
in their order and nothing depends on where a batch ends. A row whose block id is negative belongs to
no block (a null time, say) and is skipped.
"""

from __future__ import annotations

import numpy as np

from fastsynth.kernels.jit import kernel

__all__ = ["add_sums", "bin_counts", "block_extent", "code_counts", "sample_slots"]


@kernel
def bin_counts(values: np.ndarray, ids: np.ndarray, edges: np.ndarray, counts: np.ndarray) -> None:
    """Add each row of ``values`` to ``counts[ids[i], bin]``. Bins over ``edges`` (sorted, distinct):
    0 below ``edges[0]`` (underflow), ``1..inner`` between the edges (the last closed at ``edges[-1]``;
    one bin ``[c, c]`` for a single edge), ``inner + 1`` above ``edges[-1]`` (overflow), then the null
    bin (NaN) last; ``counts`` has ``inner + 3`` columns, ``inner = max(len(edges) - 1, 1)``.

    Counting the edges at or below ``v`` (numpy's ``searchsorted(side="right")``) over all of the few
    (at most 21) edges vectorises: 6.6 ms a million rows against 26 ms for a binary search, whose
    branches a random value mispredicts."""
    m = edges.shape[0]
    inner = max(m - 1, 1)
    low, high = edges[0], edges[m - 1]
    for i in range(values.shape[0]):
        b = ids[i]
        if b < 0:
            continue
        v = values[i]
        if np.isnan(v):
            counts[b, inner + 2] += 1
        elif v < low:
            counts[b, 0] += 1
        elif v > high:
            counts[b, inner + 1] += 1
        else:
            j = 0
            for k in range(m):
                j += edges[k] <= v
            counts[b, min(j, inner)] += 1


@kernel
def add_sums(values: np.ndarray, ids: np.ndarray, shift: float, sums: np.ndarray, n: np.ndarray) -> None:
    """Add ``values - shift`` (NaN skipped) to ``sums[ids[i]]`` and count them in ``n``. The shift (a
    typical value of the column) keeps large magnitudes such as timestamps from eating the precision;
    plain float64 sums are then good to about 1e-12 relative over a block of a billion rows (Kahan's
    compensation cost 7 ms a million rows against 4)."""
    for i in range(values.shape[0]):
        b = ids[i]
        if b < 0:
            continue
        v = values[i]
        if np.isnan(v):
            continue
        sums[b] += v - shift
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
