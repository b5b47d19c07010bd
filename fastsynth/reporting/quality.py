"""Column shapes and column pair trends, scored as SDMetrics 0.32's single-table ``QualityReport``
scores them, from Arrow tables, without pandas:

- shapes: per column, 1 - the Kolmogorov-Smirnov distance (numbers, times) or 1 - the total variation
  distance (categories, booleans), nulls left out; the property is the mean over columns;
- trends: per pair of columns, 1 - |r_real - r_synthetic| / 2 for two continuous columns (Pearson, on
  the rows where both are present), and 1 - the total variation distance of the two contingency tables
  otherwise (nulls a category of their own; a continuous column cut into the 10 bins of
  ``np.histogram_bin_edges`` over its own table, as SDMetrics cuts each table separately). A pair
  counts towards the property only when the real data holds the relation: |r_real| > 0.5, or real
  Cramér's V > 0.3 (the report's default thresholds); the property is the mean over counted pairs.
- the score is the mean of the two properties.

Where SDMetrics differs and we do not follow: it samples 50,000 rows (unseeded) for each contingency
pair of a larger table; we count every row. It rounds numbers to 14 decimals before the KS test; we
do not (it only merges values that differ in the 15th digit).

Each column is prepared once (sorted values, bin codes, category codes over a dictionary shared by both
tables), then every pair is counted by one parallel kernel.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.kernels.quality import ks_distance, pair_correlations, pair_counts
from fastsynth.reporting.columns import numbers

__all__ = ["ASSOCIATION_THRESHOLD", "CORRELATION_THRESHOLD", "shapes_and_trends"]

CORRELATION_THRESHOLD = 0.5
"""A pair of continuous columns counts when the real |Pearson r| exceeds this (SDMetrics' default)."""
ASSOCIATION_THRESHOLD = 0.3
"""A pair scored by contingency counts when the real Cramér's V exceeds this (SDMetrics' default)."""

CONTINUOUS = ("numerical", "datetime")
DISCRETE = ("categorical", "boolean")
PAIR_BINS = 10  # np.histogram_bin_edges' default, which SDMetrics uses to cut continuous columns
PLOT_BINS = 30
PLOT_BARS = 20
OTHER = "(other)"

# nanoseconds per unit: SDMetrics compares times as pandas' int64 nanoseconds
_NS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}


@dataclass
class _Continuous:
    real: np.ndarray  # float64, NaN for nulls (times in ns)
    synthetic: np.ndarray
    real_sorted: np.ndarray  # the non-null values, sorted
    synthetic_sorted: np.ndarray
    real_bins: np.ndarray | None  # int32 codes 0..11 as np.digitize gives them (NaN -> 11); None: failed
    synthetic_bins: np.ndarray | None
    constant: bool  # one distinct value in either table: SDMetrics refuses a correlation


@dataclass
class _Discrete:
    categories: list[Any]  # the shared dictionary's values; code len(categories) is null
    real: np.ndarray  # int32 codes
    synthetic: np.ndarray

    @property
    def levels(self) -> int:
        return len(self.categories) + 1


def shapes_and_trends(real: pa.Table, synthetic: pa.Table, kinds: Mapping[str, str]) -> dict[str, Any]:
    """``{score, column_shapes, column_pair_trends}`` of the quality document (see
    ``fastsynth.reporting.document``) for the columns of ``real`` whose kind is not ``text``."""
    names = [c for c in real.column_names if kinds.get(c) in CONTINUOUS + DISCRETE]
    with ThreadPoolExecutor(2) as pool:  # sorting and dictionary encoding release the GIL
        columns = pool.map(lambda c: _prepare(real, synthetic, c, kinds[c]), names)
        prepared = dict(zip(names, columns, strict=True))
    shapes = _shapes(names, prepared, kinds)
    trends = _trends(names, prepared)
    parts = [p["score"] for p in (shapes, trends) if p["score"] is not None and not math.isnan(p["score"])]
    return {
        "score": float(np.mean(parts)) if parts else None,
        "column_shapes": shapes,
        "column_pair_trends": trends,
    }


# -- preparing columns ------------------------------------------------------------------------------


def _prepare(real: pa.Table, synthetic: pa.Table, name: str, kind: str) -> _Continuous | _Discrete:
    if kind in CONTINUOUS:
        r = _values(real.column(name))
        s = _values(synthetic.column(name))
        r_sorted, s_sorted = _sorted(r), _sorted(s)
        constant = any(len(v) and v[0] == v[-1] for v in (r_sorted, s_sorted))
        return _Continuous(r, s, r_sorted, s_sorted, _bins(r, r_sorted), _bins(s, s_sorted), bool(constant))
    return _discrete(real.column(name), synthetic.column(name))


def _values(column: pa.ChunkedArray) -> np.ndarray:
    """float64 with NaN for nulls; times as nanoseconds since the epoch, as pandas gives them."""
    values = numbers(column)
    t = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_timestamp(t) or pa.types.is_duration(t) or pa.types.is_time(t):
        values = values * _NS[t.unit]
    elif pa.types.is_date32(t):
        values = values * 86_400e9
    elif pa.types.is_date64(t):
        values = values * 1e6
    return values


def _sorted(values: np.ndarray) -> np.ndarray:
    """The present (non-NaN) values, sorted."""
    missing = int(np.count_nonzero(np.isnan(values)))
    return np.sort(values)[: len(values) - missing]  # NaN sorts last


def _bins(values: np.ndarray, ordered: np.ndarray) -> np.ndarray | None:
    """np.digitize(values, np.histogram_bin_edges(present values)), as SDMetrics cuts a continuous
    column for a contingency table; None when the edges are undefined (infinite values)."""
    span = (float(ordered[0]), float(ordered[-1])) if len(ordered) else None
    if span is not None and not (math.isfinite(span[0]) and math.isfinite(span[1])):
        return None
    edges = np.histogram_bin_edges(ordered[:0] if span is None else ordered[[0, -1]], PAIR_BINS, span)
    # digitize with increasing edges is searchsorted(right); NaN sorts past the last edge, into 11
    return np.searchsorted(edges, values, side="right").astype(np.int32)


def _discrete(real: pa.ChunkedArray, synthetic: pa.ChunkedArray) -> _Discrete:
    """Codes of both tables over one dictionary; nulls (and float NaN, which pandas drops as null)
    get the code after the last category."""
    both = pa.chunked_array(real.chunks + synthetic.chunks, type=real.type)
    if pa.types.is_dictionary(both.type):
        both = both.cast(both.type.value_type)
    if pa.types.is_floating(both.type):
        both = pc.if_else(pc.is_nan(both), pa.scalar(None, both.type), both)
    encoded = (
        both.combine_chunks().dictionary_encode()
        if len(both)
        else pa.array([], pa.int32()).dictionary_encode()
    )
    categories = encoded.dictionary.to_pylist()
    codes = np.asarray(encoded.indices.cast(pa.int32()).fill_null(len(categories)))
    return _Discrete(categories, codes[: len(real)], codes[len(real) :])


# -- column shapes ----------------------------------------------------------------------------------


def _shapes(
    names: list[str], prepared: dict[str, _Continuous | _Discrete], kinds: Mapping[str, str]
) -> dict[str, Any]:
    columns = []
    for name in names:
        column = prepared[name]
        if isinstance(column, _Continuous):
            metric, score = "KSComplement", _ks_complement(column)
            plot = _histogram(column, kinds[name] == "datetime")
        else:
            metric, score = "TVComplement", _tv_complement(column)
            plot = _bars(column)
        columns.append({"column": name, "kind": kinds[name], "metric": metric, "score": score, "plot": plot})
    scores = [c["score"] for c in columns if not math.isnan(c["score"])]
    return {"score": float(np.mean(scores)) if scores else math.nan, "columns": columns}


def _ks_complement(column: _Continuous) -> float:
    if not len(column.real_sorted) or not len(column.synthetic_sorted):
        return math.nan  # SDMetrics: an empty side gives NaN
    return 1.0 - float(ks_distance(column.real_sorted, column.synthetic_sorted))


def _tv_complement(column: _Discrete) -> float:
    """1 - total variation over the real categories, as ``sdmetrics.utils.get_frequencies`` counts
    them: a category only the synthetic table has is given a real count of 1e-6."""
    k = len(column.categories)
    r = np.bincount(column.real, minlength=k + 1)[:k].astype(np.float64)
    s = np.bincount(column.synthetic, minlength=k + 1)[:k].astype(np.float64)
    if not r.sum() or not s.sum():
        return math.nan  # SDMetrics refuses (IncomputableMetricError) and reports NaN
    r[(r == 0) & (s > 0)] = 1e-6
    return 1.0 - 0.5 * float(np.abs(s / s.sum() - r / r.sum()).sum())


def _histogram(column: _Continuous, times: bool) -> dict[str, Any]:
    """Shares of each table's present values in 30 bins over the finite range of both; times' edges in
    milliseconds since the epoch (what JavaScript dates take)."""
    finite = [_finite(v) for v in (column.real_sorted, column.synthetic_sorted)]
    finite = [v for v in finite if len(v)]
    if not finite:
        edges = np.array([0.0, 1.0])
    else:
        lo = min(float(v[0]) for v in finite)
        hi = max(float(v[-1]) for v in finite)
        edges = np.histogram_bin_edges(np.empty(0), PLOT_BINS, (lo, hi))
    shares = []
    for v in (column.real_sorted, column.synthetic_sorted):
        cuts = np.searchsorted(v, edges, side="left")
        cuts[-1] = np.searchsorted(v, edges[-1], side="right")  # the last bin is closed, as np.histogram's
        counts = np.diff(cuts)
        shares.append(counts / len(v) if len(v) else np.zeros(len(counts)))
    plot: dict[str, Any] = {"type": "histogram", "edges": (edges / 1e6 if times else edges).tolist()}
    if times:
        plot["unit"] = "ms"
    plot["real"], plot["synthetic"] = shares[0].tolist(), shares[1].tolist()
    return plot


def _finite(ordered: np.ndarray) -> np.ndarray:
    """The finite values of a sorted array (infinities can only be at its ends)."""
    if not len(ordered) or (math.isfinite(ordered[0]) and math.isfinite(ordered[-1])):
        return ordered
    return ordered[np.isfinite(ordered)]


def _bars(column: _Discrete) -> dict[str, Any]:
    """Shares of the present values of each table: the 20 categories most frequent in the real table,
    then ``(other)`` for the rest when there are more."""
    k = len(column.categories)
    r = np.bincount(column.real, minlength=k + 1)[:k].astype(np.float64)
    s = np.bincount(column.synthetic, minlength=k + 1)[:k].astype(np.float64)
    r = r / r.sum() if r.sum() else r
    s = s / s.sum() if s.sum() else s
    order = np.lexsort((-s, -r))  # by real share, then synthetic share for categories real lacks
    top = order[:PLOT_BARS]
    labels = [_label(column.categories[i]) for i in top]
    real, synthetic = r[top].tolist(), s[top].tolist()
    if k > PLOT_BARS:
        rest = order[PLOT_BARS:]
        labels.append(OTHER)
        real.append(float(r[rest].sum()))
        synthetic.append(float(s[rest].sum()))
    return {"type": "bars", "categories": labels, "real": real, "synthetic": synthetic}


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- column pair trends -----------------------------------------------------------------------------


def _trends(names: list[str], prepared: dict[str, _Continuous | _Discrete]) -> dict[str, Any]:
    pairs = list(itertools.combinations(names, 2))
    correlated = [(a, b) for a, b in pairs if _both_continuous(prepared, a, b)]
    counted = [(a, b) for a, b in pairs if not _both_continuous(prepared, a, b)]
    correlations = _correlations(correlated, prepared)
    contingencies = _contingencies(counted, prepared)
    entries = []
    for a, b in pairs:
        entries.append(correlations[(a, b)] if (a, b) in correlations else contingencies[(a, b)])
    scores = [e["score"] for e in entries if e["score"] is not None and not math.isnan(e["score"])]
    return {
        "score": float(np.mean(scores)) if scores else math.nan,
        "thresholds": {"correlation": CORRELATION_THRESHOLD, "association": ASSOCIATION_THRESHOLD},
        "pairs": entries,
        "matrix": _matrix(names, prepared, entries),
    }


def _both_continuous(prepared: dict[str, _Continuous | _Discrete], a: str, b: str) -> bool:
    return isinstance(prepared[a], _Continuous) and isinstance(prepared[b], _Continuous)


def _correlations(
    pairs: list[tuple[str, str]], prepared: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    """CorrelationSimilarity of each pair; it counts when |r_real| > 0.5. SDMetrics refuses a pair
    with a constant column (NaN, not counted)."""
    if not pairs:
        return {}
    used = sorted({c for pair in pairs for c in pair}, key=[c for c in prepared].index)
    index = {c: i for i, c in enumerate(used)}
    first = np.array([index[a] for a, _ in pairs], np.int64)
    second = np.array([index[b] for _, b in pairs], np.int64)
    out = {}
    rs = []
    for side in ("real", "synthetic"):
        values = np.stack([getattr(prepared[c], side) for c in used])
        r = np.empty(len(pairs))
        pair_correlations(values, first, second, r)
        rs.append(r)
    for p, (a, b) in enumerate(pairs):
        r_real, r_synthetic = float(rs[0][p]), float(rs[1][p])
        if prepared[a].constant or prepared[b].constant:
            r_real = r_synthetic = math.nan
        score = 1.0 - abs(r_real - r_synthetic) / 2
        if math.isnan(r_real) or abs(r_real) <= CORRELATION_THRESHOLD or math.isnan(score):
            score = math.nan
        out[(a, b)] = {
            "columns": [a, b],
            "metric": "CorrelationSimilarity",
            "score": score,
            "real": r_real,
            "synthetic": r_synthetic,
        }
    return out


def _codes(column: _Continuous | _Discrete, side: str) -> tuple[np.ndarray | None, int]:
    if isinstance(column, _Discrete):
        return getattr(column, side), column.levels
    return getattr(column, f"{side}_bins"), PAIR_BINS + 2


def _contingencies(
    pairs: list[tuple[str, str]], prepared: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    """ContingencySimilarity of each pair (continuous columns by their bin codes); it counts when
    the real Cramér's V exceeds 0.3."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    usable = []
    for a, b in pairs:
        if any(
            _codes(prepared[c], "real")[0] is None or _codes(prepared[c], "synthetic")[0] is None
            for c in (a, b)
        ):
            # SDMetrics could not cut the continuous column (infinite values): NaN, not counted
            out[(a, b)] = _contingency_entry(a, b, math.nan, math.nan)
        else:
            usable.append((a, b))
    if not usable:
        return out
    used = sorted({c for pair in usable for c in pair}, key=[c for c in prepared].index)
    index = {c: i for i, c in enumerate(used)}
    levels = np.array([_codes(prepared[c], "real")[1] for c in used], np.int64)
    first = np.array([index[a] for a, _ in usable], np.int64)
    second = np.array([index[b] for _, b in usable], np.int64)
    sizes = levels[first] * levels[second]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    tables = []
    for side in ("real", "synthetic"):
        codes = np.stack([_codes(prepared[c], side)[0] for c in used])  # type: ignore[misc]
        counts = np.zeros(int(sizes.sum()), np.int64)
        pair_counts(codes, first, second, levels, offsets, counts)
        tables.append(counts)
    for p, (a, b) in enumerate(usable):
        shape = (int(levels[first[p]]), int(levels[second[p]]))
        cut = slice(int(offsets[p]), int(offsets[p] + sizes[p]))
        r = tables[0][cut].reshape(shape)
        s = tables[1][cut].reshape(shape)
        association = cramers_v(r)
        score = 1.0 - 0.5 * float(np.abs(r / r.sum() - s / s.sum()).sum())
        if math.isnan(association) or association <= ASSOCIATION_THRESHOLD:
            score = math.nan
        out[(a, b)] = _contingency_entry(a, b, score, association)
    return out


def _contingency_entry(a: str, b: str, score: float, association: float) -> dict[str, Any]:
    return {
        "columns": [a, b],
        "metric": "ContingencySimilarity",
        "score": score,
        "real": None,
        "synthetic": None,
        "association": association,
    }


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table over its non-empty rows and columns, as
    ``scipy.stats.contingency.association(method="cramer")`` (no continuity correction); NaN when
    fewer than two rows or columns remain."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0].astype(np.float64)
    if min(table.shape) < 2:
        return math.nan
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return math.sqrt(chi2 / n / (min(table.shape) - 1))


def _matrix(names: list[str], prepared: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Square matrices over the compared columns: the pair scores, and the real and synthetic
    correlations of continuous pairs (1 on the diagonal of continuous columns; null elsewhere)."""
    n = len(names)
    where = {c: i for i, c in enumerate(names)}
    score: list[list[float | None]] = [[None] * n for _ in range(n)]
    real: list[list[float | None]] = [[None] * n for _ in range(n)]
    synthetic: list[list[float | None]] = [[None] * n for _ in range(n)]
    for i, c in enumerate(names):
        score[i][i] = 1.0
        if isinstance(prepared[c], _Continuous):
            real[i][i] = synthetic[i][i] = 1.0
    for e in entries:
        i, j = where[e["columns"][0]], where[e["columns"][1]]
        score[i][j] = score[j][i] = e["score"]
        real[i][j] = real[j][i] = e["real"]
        synthetic[i][j] = synthetic[j][i] = e["synthetic"]
    return {"columns": names, "real": real, "synthetic": synthetic, "score": score}
