"""Can a classifier tell real rows from synthetic ones? The discriminator (detection) part of a
quality report.

A gradient-boosted tree model (scikit-learn's ``HistGradientBoostingClassifier``) learns to tell a
balanced, seeded sample of real rows from as many synthetic rows; its ROC AUC is cross-validated
(stratified k-fold) and turned into a similarity::

    score = 1 - 2 * (max(auc, 0.5) - 0.5)

1 when the model does no better than chance (AUC 0.5), 0 when it separates the two perfectly (AUC
1). An AUC below 0.5 is chance too (the model learnt noise), so it is clipped to 0.5. This is the
formula of SDMetrics' ``LogisticDetection``, applied to the mean AUC over folds rather than per fold.

Why trees rather than SDMetrics' logistic regression: a linear model cannot see a difference in shape
(a bimodal column against a unimodal one with the same mean) or in interactions, so it calls data
alike that a person tells apart; boosted trees see both, handle missing values and categories natively,
and fit 100,000 rows in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.dependencies import optional_import
from fastsynth.errors import UsageError
from fastsynth.reporting.columns import numbers, sample_rows, stacked

__all__ = ["EARLY_STOPPING_ROWS", "FOLDS", "MAX_ROWS", "MODEL", "TOP_CATEGORIES", "discriminate"]

MAX_ROWS = 50_000
"""Rows of each side the classifier sees at most (a seeded sample): past this the AUC moves by less
than its fold-to-fold spread, and the fit stays within seconds on two cores."""

FOLDS = 3
"""Cross-validation folds (SDMetrics' detection metrics use 3 too)."""

TOP_CATEGORIES = 250
"""Categories coded one by one; rarer ones share a code. The trees' native categorical splits take
fewer than 255 distinct codes (their bin count)."""

MODEL = "HistGradientBoostingClassifier"

EARLY_STOPPING_ROWS = 100
"""Rows of each side from which the model stops early on a held-out tenth of each training fold.
Below it that tenth holds a row or two, fewer than the two classes it must be split into (3 to 9
rows a side failed), and so few rows fit at once anyway."""


def discriminate(
    real: pa.Table, synthetic: pa.Table, kinds: Mapping[str, str], *, seed: int
) -> dict[str, Any]:
    """``{auc, score, model, rows, folds}`` of a classifier telling ``real`` rows from ``synthetic``
    ones: ``auc`` is the mean cross-validated ROC AUC, ``score = 1 - 2 * (max(auc, 0.5) - 0.5)``
    (1: indistinguishable, 0: perfectly separated), ``rows`` the rows taken from each side.

    Numbers and times are used as they are (trees need no scaling, and take missing values natively),
    booleans as 0/1, categories as codes of their most frequent values (``TOP_CATEGORIES``); text
    columns are left out, as are columns without a value on either side. ``auc`` and ``score`` are
    None when there is nothing to learn from: no other column, or fewer rows on a side than folds.
    The same inputs and seed give the same numbers."""
    if real.num_rows == 0 or synthetic.num_rows == 0:
        raise UsageError(
            f"discriminator: real has {real.num_rows} rows and synthetic {synthetic.num_rows}; "
            "allowed: at least one row on each side"
        )
    columns = [c for c in real.column_names if kinds.get(c, "text") != "text"]
    rows = min(real.num_rows, synthetic.num_rows, MAX_ROWS)
    result: dict[str, Any] = {"auc": None, "score": None, "model": MODEL, "rows": rows, "folds": FOLDS}
    if not columns or rows < FOLDS:
        return result

    rng = np.random.default_rng(seed)
    real = real.select(columns).take(sample_rows(real.num_rows, rows, rng))
    synthetic = synthetic.select(columns).take(sample_rows(synthetic.num_rows, rows, rng))
    features, categorical = _features(real, synthetic, [kinds[c] for c in columns])
    # a column with no value on either side tells nothing apart, and the trees' binning fails on it
    present = ~np.isnan(features).all(axis=0)
    if not present.any():
        return result
    features, categorical = features[:, present], categorical[present]
    labels = np.repeat(np.array([1, 0], dtype=np.int8), rows)

    ensemble = optional_import("sklearn.ensemble", extra="report", package="scikit-learn")
    metrics = optional_import("sklearn.metrics", extra="report", package="scikit-learn")
    selection = optional_import("sklearn.model_selection", extra="report", package="scikit-learn")
    folds = selection.StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    aucs = []
    for train, test in folds.split(features, labels):
        model = ensemble.HistGradientBoostingClassifier(
            categorical_features=categorical if categorical.any() else None,
            # Early stopping on a held-out tenth from EARLY_STOPPING_ROWS (by default only past
            # 10,000 rows): alike tables stop learning noise after a few trees, which makes small
            # reports fast.
            early_stopping=rows >= EARLY_STOPPING_ROWS,
            random_state=seed,
        )
        model.fit(features[train], labels[train])
        aucs.append(metrics.roc_auc_score(labels[test], model.predict_proba(features[test])[:, 1]))
    auc = float(np.mean(aucs))
    result.update(auc=auc, score=1.0 - 2.0 * (max(auc, 0.5) - 0.5))
    return result


def _features(real: pa.Table, synthetic: pa.Table, kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The float64 feature matrix of real rows then synthetic rows, and which columns are categories
    (coded 0..k-1 over both sides together, NaN for null)."""
    both = stacked(real, synthetic)
    out = np.empty((both.num_rows, both.num_columns), dtype=np.float64)
    categorical = np.zeros(both.num_columns, dtype=bool)
    for j, kind in enumerate(kinds):
        column = both.column(j)
        if kind == "categorical":
            out[:, j] = _codes(column)
            categorical[j] = True
        elif kind == "boolean":
            out[:, j] = (
                numbers(column.cast(pa.int8())) if pa.types.is_boolean(column.type) else _codes(column)
            )
        else:
            out[:, j] = _beyond(numbers(column))
    return out, categorical


def _beyond(values: np.ndarray) -> np.ndarray:
    """Infinities as values one range beyond the finite ones (the classifier's binning takes
    percentiles, which infinities turn into NaN with a warning); the order of values is kept."""
    infinite = np.isinf(values)
    if not infinite.any():
        return values
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
    step = max(high - low, 1.0)
    return np.where(values == np.inf, high + step, np.where(values == -np.inf, low - step, values))


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    """Codes of a column's values by falling frequency (ties by first appearance), the values past
    ``TOP_CATEGORIES`` sharing the last code, null as NaN."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    counts = pc.value_counts(column.drop_null()).flatten()
    values, frequency = counts[0], np.asarray(counts[1])
    order = np.lexsort((np.arange(len(values)), -frequency))[:TOP_CATEGORIES]
    top = values.take(pa.array(order))
    codes = pc.index_in(column, value_set=top)
    coded = np.asarray(codes.cast(pa.float64()).fill_null(float(len(top)))).copy()
    coded[np.asarray(column.is_null())] = np.nan
    return coded
