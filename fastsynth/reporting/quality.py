"""Column shapes and column pair trends, scored as SDMetrics 0.32's single-table ``QualityReport``
scores them, from Arrow tables, without pandas:

- shapes: per column, 1 - the Kolmogorov-Smirnov distance (numbers, times) or 1 - the total variation
  distance (categories, booleans), nulls left out; the property is the mean over columns. A column
  with values in the real table and none in the synthetic scores 0, with a warning (SDMetrics: NaN);
- trends: per pair of columns, 1 - |r_real - r_synthetic| / 2 for two continuous columns (Pearson, on
  the rows where both are present), and 1 - the total variation distance of the two contingency tables
  otherwise (nulls a category of their own; a continuous column cut into the 10 bins of
  ``np.histogram_bin_edges`` over its own table, as SDMetrics cuts each table separately). A pair
  counts towards the property only when the real data holds the relation: |r_real| > 0.5, or real
  Cramér's V > 0.3 (the report's default thresholds); the property is the mean over counted pairs.
- the score is the mean of the two properties.

Where SDMetrics differs and we do not follow: it samples 50,000 rows (unseeded) for each contingency
pair of a larger table; we count every row (at 1M rows x 20 columns its pair scores differ from ours by
up to 0.0065 from run to run, its property by 0.001: see benchmarks/README.md). It rounds numbers to 14
decimals before the KS test; we do not (that only merges values differing in the 15th digit). It counts
every category of a column in a contingency table; we lump all but the ``PAIR_LEVELS - 2`` most
frequent real ones into one level, so that memory stays bounded (no column under the cap moves). Below
50,000 rows every number agrees to 1e-6 (tests/reporting/test_quality.py).

Each column is prepared once, on its own thread (sorted values, bin codes, category codes over a
dictionary shared by both tables); then one parallel kernel counts the contingency tables of every
pair, and one sums the moments of every continuous pair, in a single pass over the rows each.
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

from fastsynth.kernels.jit import threads
from fastsynth.kernels.quality import PARTS, digitize, ks_distance, pair_counts, pair_moments
from fastsynth.reporting.columns import numbers, one_type
from fastsynth.reporting.document import OTHER

__all__ = [
    "ASSOCIATION_THRESHOLD",
    "CORRELATION_THRESHOLD",
    "PAIR_CELLS",
    "PAIR_LEVELS",
    "cramers_v",
    "pearson_matrix",
    "shapes_and_trends",
]

CORRELATION_THRESHOLD = 0.5
"""A pair of continuous columns counts when the real |Pearson r| exceeds this (SDMetrics' default)."""
ASSOCIATION_THRESHOLD = 0.3
"""A pair scored by contingency counts when the real Cramér's V exceeds this (SDMetrics' default)."""

CONTINUOUS = ("numerical", "datetime")
DISCRETE = ("categorical", "boolean")
PAIR_BINS = 10  # np.histogram_bin_edges' default, which SDMetrics uses to cut continuous columns
PAIR_LEVELS = 100
"""Most levels a category column brings to a contingency table: its ``PAIR_LEVELS - 2`` categories
most frequent in the real data, one level for all rarer ones (lumped, as SDMetrics-like tools lump
rare categories) and one for null. A pair's table is then at most 100 x 100 cells whatever the
columns hold (8 columns of 1,000 values each took 4.3 GB); pairs of columns under the cap are
scored exactly as before, a pair with a column over it on the lumped levels."""
PAIR_CELLS = 1 << 19
"""Cells of contingency tables counted in one pass over the rows: each pass holds ``PARTS`` lines of
them per table (64 MiB), whatever the number of pairs; more pairs take more passes."""
PLOT_BINS = 30
PLOT_BARS = 20
NOT_IN_REAL = "(not in real data)"
"""The one category that stands for every value only the synthetic table has."""

# nanoseconds per unit: SDMetrics compares times as pandas' int64 nanoseconds
_NS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}


@dataclass
class _Continuous:
    real: np.ndarray  # float64, NaN for nulls (times in ns): a row of the shared value matrix
    synthetic: np.ndarray
    real_sorted: np.ndarray  # the present values, sorted
    synthetic_sorted: np.ndarray
    ks: float  # the Kolmogorov-Smirnov distance; NaN when a table has no value
    binned: bool  # codes hold np.digitize's bins (NaN -> 11); False: SDMetrics could not cut the column
    constant: bool  # one distinct value in either table: SDMetrics refuses a correlation

    @property
    def levels(self) -> int:
        return PAIR_BINS + 2


@dataclass
class _Discrete:
    categories: list[Any]  # the shared dictionary's values; code len(categories) is null
    real_counts: np.ndarray  # rows per code, nulls last
    synthetic_counts: np.ndarray

    @property
    def levels(self) -> int:
        return len(self.categories) + 1


@dataclass
class _Columns:
    """Every compared column, prepared once: values of the continuous columns and codes of all
    (categories, or bins of continuous columns) as rows of matrices the pair kernels take whole."""

    names: list[str]
    kinds: Mapping[str, str]
    column: dict[str, _Continuous | _Discrete]
    values: tuple[np.ndarray, np.ndarray]  # (real, synthetic): continuous columns x rows, float64
    codes: tuple[np.ndarray, np.ndarray]  # (real, synthetic): all columns x rows, int32
    value_row: dict[str, int]


def shapes_and_trends(real: pa.Table, synthetic: pa.Table, kinds: Mapping[str, str]) -> dict[str, Any]:
    """``{score, column_shapes, column_pair_trends}`` of the quality document (see
    ``fastsynth.reporting.document``) for the columns of ``real`` whose kind is not ``text``."""
    columns = _prepare_all(real, synthetic, kinds)
    shapes = _shapes(columns)
    trends = _trends(columns)
    parts = [p["score"] for p in (shapes, trends) if not math.isnan(p["score"])]
    return {
        "score": float(np.mean(parts)) if parts else math.nan,
        "column_shapes": shapes,
        "column_pair_trends": trends,
    }


# -- preparing columns ------------------------------------------------------------------------------


def _prepare_all(real: pa.Table, synthetic: pa.Table, kinds: Mapping[str, str]) -> _Columns:
    names = [c for c in real.column_names if kinds.get(c) in CONTINUOUS + DISCRETE]
    continuous = [c for c in names if kinds[c] in CONTINUOUS]
    value_row = {c: i for i, c in enumerate(continuous)}
    values = tuple(np.empty((len(continuous), t.num_rows)) for t in (real, synthetic))
    codes = tuple(np.empty((len(names), t.num_rows), np.int32) for t in (real, synthetic))

    def prepare(i: int) -> _Continuous | _Discrete:
        name = names[i]
        if name in value_row:
            row = value_row[name]
            return _continuous(
                real.column(name),
                synthetic.column(name),
                values[0][row],
                values[1][row],
                codes[0][i],
                codes[1][i],
            )
        return _discrete(real.column(name), synthetic.column(name), codes[0][i], codes[1][i])

    # sorting, the KS walk, binning and dictionary encoding release the GIL: one column per thread
    with ThreadPoolExecutor(threads()) as pool:
        prepared = list(pool.map(prepare, range(len(names))))
    return _Columns(names, kinds, dict(zip(names, prepared, strict=True)), values, codes, value_row)  # type: ignore[arg-type]


def _continuous(
    real: pa.ChunkedArray,
    synthetic: pa.ChunkedArray,
    real_values: np.ndarray,
    synthetic_values: np.ndarray,
    real_codes: np.ndarray,
    synthetic_codes: np.ndarray,
) -> _Continuous:
    _values(real, real_values)
    _values(synthetic, synthetic_values)
    r_sorted, s_sorted = _sorted(real_values), _sorted(synthetic_values)
    binned = _bins(real_values, r_sorted, real_codes) and _bins(synthetic_values, s_sorted, synthetic_codes)
    constant = any(len(v) and v[0] == v[-1] for v in (r_sorted, s_sorted))
    ks = float(ks_distance(r_sorted, s_sorted)) if len(r_sorted) and len(s_sorted) else math.nan
    return _Continuous(real_values, synthetic_values, r_sorted, s_sorted, ks, binned, bool(constant))


def _values(column: pa.ChunkedArray, out: np.ndarray) -> None:
    """float64 with NaN for nulls; times as nanoseconds since the epoch, as pandas gives them."""
    t = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    scale = 1.0
    if pa.types.is_timestamp(t) or pa.types.is_duration(t) or pa.types.is_time(t):
        scale = _NS[t.unit]
    elif pa.types.is_date32(t):
        scale = 86_400e9
    elif pa.types.is_date64(t):
        scale = 1e6
    np.multiply(numbers(column), scale, out=out)


def _sorted(values: np.ndarray) -> np.ndarray:
    """The present (non-NaN) values, sorted."""
    ordered = np.sort(values)  # NaN sorts last
    return ordered[: int(np.searchsorted(ordered, np.nan, side="left"))]


def _edges(span: tuple[float, float], bins: int) -> np.ndarray:
    """``np.histogram_bin_edges``' edges of ``bins`` bins over ``span``; over a span wider than the
    largest float (-1e308 to 1e308), whose width numpy overflows, the ends weighed: only ends of
    opposite signs are that far apart, so neither product nor sum overflows."""
    if math.isfinite(span[1] - span[0]):
        return np.histogram_bin_edges(np.empty(0), bins, span)
    share = np.arange(bins + 1) / bins
    return span[0] * (1.0 - share) + span[1] * share


def _bins(values: np.ndarray, ordered: np.ndarray, out: np.ndarray) -> bool:
    """np.digitize(values, np.histogram_bin_edges(present values)) into ``out``, as SDMetrics cuts a
    continuous column for a contingency table; False when numpy cannot make the edges (infinities,
    or a constant time), where SDMetrics gives up on the column's pairs too."""
    span = (float(ordered[0]), float(ordered[-1])) if len(ordered) else None
    if span is not None and not (math.isfinite(span[0]) and math.isfinite(span[1])):
        return False
    try:
        edges = (
            _edges(span, PAIR_BINS) if span is not None else np.histogram_bin_edges(ordered[:0], PAIR_BINS)
        )
    except ValueError:  # a constant so large that +-0.5 is lost in rounding (a time in ns): as SDMetrics
        return False
    digitize(values, edges, out)  # NaN goes past the last edge, into 11, as np.digitize puts it
    return True


def _discrete(
    real: pa.ChunkedArray, synthetic: pa.ChunkedArray, real_codes: np.ndarray, synthetic_codes: np.ndarray
) -> _Discrete:
    """Codes of both tables over one dictionary; nulls (and float NaN, which pandas drops as null)
    get the code after the last category."""
    real, synthetic = one_type(real, synthetic)
    both = pa.chunked_array(real.chunks + synthetic.chunks, type=real.type)
    if pa.types.is_boolean(both.type):
        categories: list[Any] = [False, True]
        codes = np.asarray(both.cast(pa.int8()).fill_null(2))
    else:
        if pa.types.is_dictionary(both.type):
            # a column made by fastsynth is already coded: share the chunks' dictionaries, not rehash
            both = both.unify_dictionaries()
            encoded = pa.chunked_array([c.indices for c in both.chunks], both.type.index_type)
            dictionary = both.chunk(0).dictionary if both.num_chunks else pa.array([], both.type.value_type)
        else:
            if pa.types.is_floating(both.type):
                both = pc.if_else(pc.is_nan(both), pa.scalar(None, both.type), both)
            coded = both.combine_chunks().dictionary_encode()
            encoded, dictionary = pa.chunked_array([coded.indices]), coded.dictionary
        categories = dictionary.to_pylist()
        codes = np.asarray(encoded.cast(pa.int32()).fill_null(len(categories)))
    real_codes[:] = codes[: len(real)]
    synthetic_codes[:] = codes[len(real) :]
    levels = len(categories) + 1
    real_counts = np.bincount(real_codes, minlength=levels)
    absent = real_counts[:-1] == 0
    if absent.sum() > 1 and not pa.types.is_boolean(both.type):
        # Every category the real table never has becomes one level, NOT_IN_REAL, so that levels (and
        # each pair's contingency table) stay bounded by the real data, whatever the synthetic data
        # hold (20,000 synthetic-only values in two columns made a 47 GiB table). No score changes:
        # each cell with such a category has a real count of 0, and sum |0 - q_i| = |0 - sum q_i|.
        # Only SDMetrics' 1e-6 real count per synthetic-only category in TVComplement now counts
        # once for the k merged ones: the score moves by at most (k - 1) * 1e-6 / real rows.
        kept = np.flatnonzero(~absent)
        remap = np.full(levels, len(kept), np.int32)
        remap[kept] = np.arange(len(kept), dtype=np.int32)
        remap[-1] = len(kept) + 1  # null stays last
        np.take(remap, real_codes, out=real_codes)
        np.take(remap, synthetic_codes, out=synthetic_codes)
        categories = [categories[i] for i in kept] + [NOT_IN_REAL]
        levels = len(categories) + 1
        real_counts = np.bincount(real_codes, minlength=levels)
    return _Discrete(categories, real_counts, np.bincount(synthetic_codes, minlength=levels))


# -- column shapes ----------------------------------------------------------------------------------


def _shapes(columns: _Columns) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for name in columns.names:
        column, kind = columns.column[name], columns.kinds[name]
        if isinstance(column, _Continuous):
            metric, score, plot = (
                "KSComplement",
                _ks_complement(column),
                _histogram(column, kind == "datetime"),
            )
        else:
            metric, score, plot = "TVComplement", _tv_complement(column), _bars(column)
        warning = None
        if _present(column, real=True) and not _present(column, real=False):
            # SDMetrics gives NaN, left out of the mean: a synthesizer that dropped a column entirely
            # would score higher than one that kept it roughly; it fails the column instead
            score, warning = 0.0, f"synthetic data has no value in column {name!r}; real data has"
        entries.append(
            {"column": name, "kind": kind, "metric": metric, "score": score, "plot": plot, "warning": warning}
        )
    scores = [e["score"] for e in entries if not math.isnan(e["score"])]
    return {"score": float(np.mean(scores)) if scores else math.nan, "columns": entries}


def _present(column: _Continuous | _Discrete, real: bool) -> int:
    """Values (not null, not NaN) of the real or the synthetic side of a column."""
    if isinstance(column, _Continuous):
        return len(column.real_sorted if real else column.synthetic_sorted)
    return int((column.real_counts if real else column.synthetic_counts)[:-1].sum())


def _ks_complement(column: _Continuous) -> float:
    return 1.0 - column.ks  # SDMetrics too gives NaN when a side has no value


def _tv_complement(column: _Discrete) -> float:
    """1 - total variation over the real categories, as ``sdmetrics.utils.get_frequencies`` counts
    them: a category only the synthetic table has is given a real count of 1e-6."""
    r = column.real_counts[:-1].astype(np.float64)
    s = column.synthetic_counts[:-1].astype(np.float64)
    if not r.sum() or not s.sum():
        return math.nan  # SDMetrics refuses (IncomputableMetricError) and reports NaN
    r[(r == 0) & (s > 0)] = 1e-6
    return 1.0 - 0.5 * float(np.abs(s / s.sum() - r / r.sum()).sum())


def _histogram(column: _Continuous, times: bool) -> dict[str, Any]:
    """Shares of each table's present values in 30 bins over the finite range of both; times' edges in
    milliseconds since the epoch (what JavaScript dates take)."""
    finite = [_finite(v) for v in (column.real_sorted, column.synthetic_sorted)]
    finite = [v for v in finite if len(v)]
    span = (min(float(v[0]) for v in finite), max(float(v[-1]) for v in finite)) if finite else (0.0, 1.0)
    if span[0] == span[1]:  # one value: a narrow range around it, wide enough to survive rounding
        pad = max(0.5, abs(span[0]) * 1e-9)
        span = (span[0] - pad, span[1] + pad)
    edges = _edges(span, PLOT_BINS)
    shares = []
    for v in (column.real_sorted, column.synthetic_sorted):
        cuts = np.searchsorted(v, edges, side="left")
        cuts[-1] = np.searchsorted(v, edges[-1], side="right")  # the last bin is closed, as np.histogram's
        shares.append(np.diff(cuts) / len(v) if len(v) else np.zeros(PLOT_BINS))
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
    r = column.real_counts[:k].astype(np.float64)
    s = column.synthetic_counts[:k].astype(np.float64)
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


def _trends(columns: _Columns) -> dict[str, Any]:
    pairs = list(itertools.combinations(columns.names, 2))
    correlated = [(a, b) for a, b in pairs if a in columns.value_row and b in columns.value_row]
    counted = [(a, b) for a, b in pairs if not (a in columns.value_row and b in columns.value_row)]
    found = {**_correlations(correlated, columns), **_contingencies(counted, columns)}
    entries = [found[pair] for pair in pairs]
    scores = [e["score"] for e in entries if not math.isnan(e["score"])]
    return {
        "score": float(np.mean(scores)) if scores else math.nan,
        "thresholds": {"correlation": CORRELATION_THRESHOLD, "association": ASSOCIATION_THRESHOLD},
        "pairs": entries,
        "matrix": _matrix(columns, entries),
    }


def _correlations(pairs: list[tuple[str, str]], columns: _Columns) -> dict[tuple[str, str], dict[str, Any]]:
    """CorrelationSimilarity of each pair; it counts when |r_real| > 0.5. SDMetrics refuses a pair
    with a constant column (NaN, not counted)."""
    if not pairs:
        return {}
    r_real, r_synthetic = (pearson_matrix(v) for v in columns.values)
    out = {}
    for a, b in pairs:
        i, j = columns.value_row[a], columns.value_row[b]
        real, synthetic = float(r_real[i, j]), float(r_synthetic[i, j])
        if columns.column[a].constant or columns.column[b].constant:  # type: ignore[union-attr]
            real = synthetic = math.nan
        score = 1.0 - abs(real - synthetic) / 2
        if math.isnan(real) or abs(real) <= CORRELATION_THRESHOLD:
            score = math.nan
        out[(a, b)] = {
            "columns": [a, b],
            "metric": "CorrelationSimilarity",
            "score": score,
            "real": real,
            "synthetic": synthetic,
        }
    return out


def pearson_matrix(values: np.ndarray) -> np.ndarray:
    """Pearson's r of every pair of rows of ``values`` (columns x rows) over the entries where both are
    present, as pandas' ``dropna`` then ``scipy.stats.pearsonr`` take it; NaN where fewer than two
    such entries remain or either side is constant there."""
    k = values.shape[0]
    first, second = (np.asarray(ix, np.int64) for ix in np.triu_indices(k, 1))
    centre = np.array([_mean(v) for v in values])
    moments = np.zeros((PARTS, len(first), 6))
    pair_moments(values, centre, first, second, moments)
    # Values near the largest float overflow their squares to inf: those pairs' r is NaN, incomputable.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        n, sx, sy, sxx, syy, sxy = moments.sum(axis=0).T
        n_safe = np.maximum(n, 1.0)
        cov = sxy - sx * sy / n_safe
        var_x = sxx - sx * sx / n_safe
        var_y = syy - sy * sy / n_safe
        # a pair constant where both are present has var 0 up to rounding: NaN, as pearsonr gives
        defined = (n >= 2) & (var_x > 1e-12 * sxx) & (var_y > 1e-12 * syy)
        r = np.where(defined, cov / np.sqrt(np.where(defined, var_x * var_y, 1.0)), np.nan)
    out = np.eye(k)
    out[first, second] = out[second, first] = np.clip(r, -1.0, 1.0)
    return out


def _mean(values: np.ndarray) -> float:
    present = values[~np.isnan(values)]
    return float(present.mean()) if len(present) else 0.0


def _contingencies(pairs: list[tuple[str, str]], columns: _Columns) -> dict[tuple[str, str], dict[str, Any]]:
    """ContingencySimilarity of each pair (continuous columns by their bins, categories past
    ``PAIR_LEVELS`` lumped); it counts when the real Cramér's V exceeds 0.3. Tables are counted
    ``PAIR_CELLS`` at a time, so memory is bounded by the cap, not by the categories or the pairs."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    usable = []
    for a, b in pairs:
        if any(isinstance(columns.column[c], _Continuous) and not columns.column[c].binned for c in (a, b)):  # type: ignore[union-attr]
            # SDMetrics could not cut the continuous column (infinite values): NaN, not counted
            out[(a, b)] = _contingency_entry(a, b, math.nan, math.nan)
        else:
            usable.append((a, b))
    if not usable:
        return out
    index = {c: i for i, c in enumerate(columns.names)}
    levels = np.array([_pair_levels(columns, i) for i in range(len(columns.names))], np.int64)
    first = np.array([index[a] for a, _ in usable], np.int64)
    second = np.array([index[b] for _, b in usable], np.int64)
    sizes = levels[first] * levels[second]
    start = 0
    while start < len(usable):
        # the next pairs whose tables fit PAIR_CELLS (at least one)
        stop = start + max(1, int(np.searchsorted(np.cumsum(sizes[start:]), PAIR_CELLS, side="right")))
        group = slice(start, stop)
        offsets = np.concatenate([[0], np.cumsum(sizes[group])[:-1]]).astype(np.int64)
        tables = []
        for codes in columns.codes:
            counts = np.zeros((PARTS, int(sizes[group].sum())), np.int64)
            pair_counts(codes, first[group], second[group], levels, offsets, counts)
            tables.append(counts.sum(axis=0))
        for p in range(start, stop):
            a, b = usable[p]
            shape = (int(levels[first[p]]), int(levels[second[p]]))
            cut = slice(int(offsets[p - start]), int(offsets[p - start] + sizes[p]))
            r = tables[0][cut].reshape(shape)
            s = tables[1][cut].reshape(shape)
            association = cramers_v(r)
            score = math.nan  # not counted: the real data hold no association (or no rows)
            if association > ASSOCIATION_THRESHOLD and s.sum():
                score = 1.0 - 0.5 * float(np.abs(r / r.sum() - s / s.sum()).sum())
            out[(a, b)] = _contingency_entry(a, b, score, association)
        start = stop
    return out


def _pair_levels(columns: _Columns, i: int) -> int:
    """Levels of column ``i`` in contingency tables: a category column over ``PAIR_LEVELS`` has its
    codes lumped, in place (only the pair tables read codes after the shapes are scored): the most
    frequent real categories keep a code each (ties by code), the rest share ``PAIR_LEVELS - 2``,
    null takes the last."""
    column = columns.column[columns.names[i]]
    if column.levels <= PAIR_LEVELS:
        return column.levels
    assert isinstance(column, _Discrete)  # continuous columns have PAIR_BINS + 2 levels
    kept = PAIR_LEVELS - 2
    remap = np.full(column.levels, kept, np.int32)
    remap[np.argsort(-column.real_counts[:-1], kind="stable")[:kept]] = np.arange(kept, dtype=np.int32)
    remap[-1] = kept + 1
    for codes in columns.codes:
        np.take(remap, codes[i], out=codes[i])
    return PAIR_LEVELS


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


def _matrix(columns: _Columns, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Square matrices over the compared columns: the pair scores (1 on the diagonal), and the real
    and synthetic correlations of continuous pairs (1 on their diagonal); null elsewhere."""
    names = columns.names
    n = len(names)
    where = {c: i for i, c in enumerate(names)}
    score: list[list[float | None]] = [[None] * n for _ in range(n)]
    real: list[list[float | None]] = [[None] * n for _ in range(n)]
    synthetic: list[list[float | None]] = [[None] * n for _ in range(n)]
    for i, c in enumerate(names):
        score[i][i] = 1.0
        if c in columns.value_row:
            real[i][i] = synthetic[i][i] = 1.0
    for e in entries:
        i, j = where[e["columns"][0]], where[e["columns"][1]]
        score[i][j] = score[j][i] = e["score"]
        real[i][j] = real[j][i] = e["real"]
        synthetic[i][j] = synthetic[j][i] = e["synthetic"]
    return {"columns": names, "real": real, "synthetic": synthetic, "score": score}
