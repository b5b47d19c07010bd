"""How close synthetic rows come to real ones: the privacy part of a quality report.

The distance between two rows is SDMetrics' (``sdmetrics.single_table.privacy.dcr_utils``), a Gower
distance: the mean over the columns that are not text of a term in [0, 1]:

- numbers and times: ``min(|a - b| / range, 1)``, ``range`` being the real column's max - min over
  every real row given (when it is 0: 1 if the values differ, else 0); missing against missing is 0,
  against a value 1. SDMetrics takes the range over its subsample of real rows, which is narrower, so
  on a subsample its distances come out a little larger;
- categories and booleans: 1 if the values differ, else 0 (null equals null).

So a DCR of 0.1 over 10 columns is, say, one column entirely different, or every column a tenth of
its range apart; 0 is a copy on every compared column.

- ``dcr``: for each of a seeded sample of synthetic rows (at most ``SYNTHETIC_ROWS``), the distance to
  the closest of a seeded sample of real rows (at most ``REAL_ROWS``): median, 5th percentile, the
  share at 0, and a histogram (``{edges, counts, baseline}``, ``baseline`` being the counts of the
  baseline's distances on the same edges).
- ``nndr``: closest over second-closest distance (0 when both are 0: a copy of a duplicated row);
  null when there are fewer than two real rows.
- ``baseline``: the same DCR of real rows held out (a seeded half of the real rows) against the other
  half: what "close" means for this data. Below ``2 * REAL_ROWS`` real rows, that half holds fewer
  rows than the synthetic rows are measured against, so for equally private data the baseline sits
  a little higher.
- ``exact_copies``: how many of the synthetic rows used (all of them unless the report sampled them)
  equal, on every column (text included), some real row, of all the real rows (streamed in batches
  when the report sampled them, rather than the sample); null equals null and NaN equals NaN.
  ``share`` is that count over the synthetic rows used.
- ``skipped``: the nested columns (lists, structs, maps, unions), which neither distances nor exact
  copies compare: a row is a copy when it equals a real row on every other column.
- ``rows``: synthetic rows measured; ``real_rows``: real rows they are measured against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.errors import UsageError
from fastsynth.kernels.privacy import nearest_two
from fastsynth.reporting.columns import flat, numbers, one_type, sample_rows

__all__ = ["BINS", "REAL_ROWS", "SYNTHETIC_ROWS", "distances", "exact_copies"]

SYNTHETIC_ROWS = 20_000
"""Synthetic rows (and held-out real rows, for the baseline) measured at most: their median and 5th
percentile are then known to about a percentile either way."""

REAL_ROWS = 50_000
"""Real rows each of them is compared with at most (the scan costs rows x rows)."""

BINS = 20

Batches = Callable[[list[str]], Iterable[pa.RecordBatch | pa.Table]]
"""Every real row, as batches of the named columns (``Input.batches``)."""


def distances(
    real: pa.Table,
    synthetic: pa.Table,
    kinds: Mapping[str, str],
    *,
    seed: int,
    real_batches: Batches | None = None,
) -> dict[str, Any]:
    """The privacy section of a quality report (see the module's docstring): ``{dcr, nndr,
    exact_copies, baseline, rows, real_rows, skipped}``. ``real_batches(columns)`` streams every real
    row when ``real`` is a sample of them (``Input.batches``), so that exact copies are counted
    against all. The same inputs and seed give the same numbers."""
    if real.num_rows == 0 or synthetic.num_rows == 0:
        raise UsageError(
            f"privacy: real has {real.num_rows} rows and synthetic {synthetic.num_rows}; "
            "allowed: at least one row on each side"
        )
    skipped = [c for c in real.column_names if not flat(real.schema.field(c).type)]
    compared = [c for c in real.column_names if c not in skipped]
    real, synthetic = real.select(compared), synthetic.select(compared)
    copies = exact_copies(real, synthetic, real_batches)
    columns = [c for c in real.column_names if kinds.get(c, "text") != "text"]
    rng = np.random.default_rng(seed)
    synthetic_rows = sample_rows(synthetic.num_rows, SYNTHETIC_ROWS, rng)
    real_rows = sample_rows(real.num_rows, REAL_ROWS, rng)
    shuffled = rng.permutation(real.num_rows)
    half = real.num_rows // 2
    holdout, rest = np.sort(shuffled[:half][:SYNTHETIC_ROWS]), np.sort(shuffled[half:][:REAL_ROWS])
    result: dict[str, Any] = {
        "dcr": {"median": None, "p05": None, "share_zero": None, "histogram": None},
        "nndr": {"median": None, "p05": None, "histogram": None},
        "exact_copies": {"count": copies, "share": copies / synthetic.num_rows},
        "baseline": {"dcr_median": None},
        "rows": len(synthetic_rows),
        "real_rows": len(real_rows),
        "skipped": skipped,
    }
    if not columns:
        return result  # nothing but text: no distance to measure

    queries, reference, held, others = _encode(
        real.select(columns),
        synthetic.select(columns),
        [kinds[c] for c in columns],
        [("synthetic", synthetic_rows), ("real", real_rows), ("real", holdout), ("real", rest)],
    )
    dcr, second = _nearest_two(queries, reference)
    top = float(dcr.max())
    baseline = None
    if len(held) and len(others):
        baseline, _ = _nearest_two(held, others)
        top = max(top, float(baseline.max()))
    edges = np.linspace(0.0, top if top > 0 else 1.0, BINS + 1)
    result["dcr"] = {
        "median": float(np.median(dcr)),
        "p05": float(np.quantile(dcr, 0.05)),
        "share_zero": float(np.mean(dcr == 0.0)),
        "histogram": {
            "edges": edges,
            "counts": np.histogram(dcr, edges)[0],
            "baseline": np.histogram(baseline, edges)[0] if baseline is not None else None,
        },
    }
    if baseline is not None:
        result["baseline"] = {"dcr_median": float(np.median(baseline))}
    if len(real_rows) >= 2:
        ratio = np.divide(dcr, second, out=np.zeros_like(dcr), where=second > 0)
        ratio_edges = np.linspace(0.0, 1.0, BINS + 1)
        result["nndr"] = {
            "median": float(np.median(ratio)),
            "p05": float(np.quantile(ratio, 0.05)),
            "histogram": {"edges": ratio_edges, "counts": np.histogram(ratio, ratio_edges)[0]},
        }
    return result


def exact_copies(real: pa.Table, synthetic: pa.Table, real_batches: Batches | None = None) -> int:
    """Synthetic rows equal to some real row on every column (null equals null, NaN equals NaN), by a
    hash semi-join of the synthetic rows with each batch of real rows (``real_batches(columns)``,
    else ``real`` whole): memory holds the synthetic rows and one batch. Each column is compared as
    one type (``one_type``: int64 against double, two time zones, a dictionary against strings)."""
    if not real.num_columns:
        return 0
    keys = [f"c{j}" for j in range(real.num_columns)]
    targets = []
    synthetic_columns = []
    for name in real.column_names:
        r, s = one_type(real.column(name), synthetic.column(name))
        if pa.types.is_dictionary(r.type):  # the same dictionary type on both sides: compare values
            r, s = r.cast(r.type.value_type), s.cast(s.type.value_type)
        if pa.types.is_null(r.type):  # polars joins no null-typed column: nulls as strings
            r, s = r.cast(pa.string()), s.cast(pa.string())
        targets.append(r.type)
        synthetic_columns.append(s)
    synthetic_frame = _frame(pa.table(synthetic_columns, names=keys)).with_row_index("row")
    matched = np.zeros(synthetic.num_rows, dtype=bool)
    batches = real_batches(real.column_names) if real_batches is not None else [real]
    for batch in batches:
        frame = _frame(_as_types(batch, real.column_names, targets, keys))
        try:
            hits = synthetic_frame.join(frame.unique(), on=keys, how="semi", nulls_equal=True)
        except pl.exceptions.PolarsError as exc:
            raise UsageError(f"privacy: real and synthetic columns cannot be compared: {exc}") from None
        matched[hits["row"].to_numpy()] = True
    return int(matched.sum())


def _as_types(
    batch: pa.Table | pa.RecordBatch, columns: list[str], types: list[pa.DataType], names: list[str]
) -> pa.Table:
    """``batch``'s ``columns`` cast to ``types`` (dictionaries as their values), named ``names``."""
    out = []
    for name, kind in zip(columns, types, strict=True):
        column = batch.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        out.append(column if column.type == kind else column.cast(kind))
    return pa.table(out, names=names)


def _frame(table: pa.Table) -> pl.DataFrame:
    return pl.from_arrow(table)  # type: ignore[return-value]


def _encode(
    real: pa.Table, synthetic: pa.Table, kinds: list[str], parts: list[tuple[str, np.ndarray]]
) -> list[np.ndarray]:
    """One float64 matrix per ``(side, rows)`` part, each column encoded so that its term of the
    distance is ``min(|a - b|, 1)``: numbers divided by the real range (from every real row given),
    categories and constant numbers as integer codes shared by both sides, missing as ``MISSING``."""
    tables = {"real": real, "synthetic": synthetic}
    sizes = [len(rows) for _, rows in parts]
    matrix = np.empty((sum(sizes), len(kinds)), dtype=np.float64)
    for j, kind in enumerate(kinds):
        pieces = [tables[side].column(j).take(pa.array(rows, type=pa.int64())) for side, rows in parts]
        if kind in ("categorical", "boolean"):
            matrix[:, j] = _codes(pieces)
            continue
        values = np.concatenate([numbers(p) for p in pieces])
        span = _range(real.column(j))
        if span > 0:
            # Far values are held within +-LARGEST so that one never meets the sentinel or infinity.
            values = np.clip(values / span, -LARGEST, LARGEST)
        else:  # a constant column: any difference is the whole range
            values = np.unique(values, return_inverse=True)[1].astype(np.float64)
        matrix[:, j] = np.where(np.isnan(values), MISSING, values)
    bounds = np.cumsum([0, *sizes])
    return [matrix[a:b] for a, b in pairwise(bounds)]


def _range(column: pa.ChunkedArray) -> float:
    """max - min of the finite values of a real number or time column (0 when it has none). An
    infinity is then a value beyond the range: its term against any finite value is 1 (``_encode``
    clips it to ``LARGEST``), against the same infinity 0."""
    values = numbers(column)
    values = values[np.isfinite(values)]
    if not len(values):
        return 0.0
    with np.errstate(over="ignore"):  # -1e308 to 1e308 is wider than the largest float: that one
        return min(float(values.max() - values.min()), float(np.finfo(np.float64).max))


def _codes(pieces: list[pa.ChunkedArray]) -> np.ndarray:
    """Codes of the values of all pieces together (one dictionary), -1 for null."""
    plain = [p.cast(p.type.value_type) if pa.types.is_dictionary(p.type) else p for p in pieces]
    kind = plain[0].type
    whole = pa.chunked_array([c for p in plain for c in p.cast(kind).chunks], type=kind).combine_chunks()
    codes = pc.dictionary_encode(whole).indices
    return np.asarray(codes.cast(pa.float64()).fill_null(-1.0))


MISSING = 1e300
"""A missing number: its gap to any value is clipped to 1, to another missing one it is 0."""
LARGEST = 1e200


def _nearest_two(queries: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest and second-closest distance (mean term) from each query row to the reference rows."""
    best = np.empty(len(queries), dtype=np.float64)
    second = np.empty(len(queries), dtype=np.float64)
    nearest_two(np.ascontiguousarray(queries), np.ascontiguousarray(reference.T), best, second)
    columns = queries.shape[1]
    return best / columns, second / columns
