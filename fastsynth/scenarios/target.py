"""``construct_target``: a target column from a formula over the row, plus seeded noise.

The formula is an SQL expression parsed and evaluated by polars over the whole table, as an ``expr``
field's is (``0.4 * revenue - 100 * interest``, ``CASE WHEN age > 50 THEN 1 ELSE 0 END``): no Python
``eval``, so a formula can read columns and call SQL functions, nothing else. A regression target is
the score plus ``N(0, noise_std)`` noise (keyed by seed, column and row); a classification target is 1
where that score is above ``threshold`` (or above its own ``quantile``), else 0. A null score gives a
null target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
import pyarrow as pa

from fastsynth import sql
from fastsynth.errors import UsageError
from fastsynth.fields.base import Block
from fastsynth.scenarios.columns import refuse_overflow
from fastsynth.scenarios.log import ScenarioLog, Transformed
from fastsynth.seeds import resolve_seed
from fastsynth.sources import from_arrow, to_arrow
from fastsynth.specs import Bounds, Invalid, Size, argument, show

__all__ = ["construct_target", "formula_columns"]

_SQL_SIZE = Size("expression", "tokens")
_SHARE = Bounds(0, 1, low_open=True, high_open=True)
_NON_NEGATIVE = Annotated[float, Bounds(0)]


def construct_target(
    data: Any,
    column: str,
    formula: str | Callable[[pa.Table], Any],
    *,
    noise_std: float = 0.0,
    task: Literal["regression", "classification"] = "regression",
    threshold: float | None = None,
    quantile: float | None = None,
    seed: int | None = None,
) -> Transformed:
    """``data`` with ``column`` (new, or replaced) computed by ``formula`` over each row plus noise.

    ``formula`` is an SQL expression over the table's columns or, from Python, a function of the
    Arrow table returning one number per row. ``task="classification"`` labels 1 where the noisy score
    is above ``threshold``, or above its ``quantile`` (``quantile=0.8``: the top 20% are 1), else 0
    (int64); ``regression`` keeps the score (float64)."""
    chosen = resolve_seed(seed)
    if not isinstance(column, str) or not column:
        raise UsageError(f"column={column!r} is not a column name")
    noise_std = float(argument("noise_std", noise_std, _NON_NEGATIVE))
    if task not in ("regression", "classification"):
        raise UsageError(f"task={task!r} is not allowed; allowed: regression, classification")
    if task == "classification" and (threshold is None) == (quantile is None):
        raise UsageError(
            "a classification target needs one of threshold (a score) or quantile (a share in (0, 1))"
        )
    if task == "regression" and (threshold is not None or quantile is not None):
        raise UsageError("threshold and quantile apply to task='classification'; task is 'regression'")
    if threshold is not None:
        threshold = float(argument("threshold", threshold, float))
    if quantile is not None and not (isinstance(quantile, int | float) and _SHARE.holds(quantile)):
        raise UsageError(f"quantile={show(quantile)} is not a share in (0, 1)")
    table, kind = to_arrow(data)
    score, reads = _score(table, formula)
    valid = ~np.isnan(score)  # NaN, from a null or an undefined value (0 / 0), stays unknown
    if noise_std > 0:
        noise = Block(column, chosen, 0, table.num_rows).normal(0.0, noise_std, salt="scenario\x00target")
        with np.errstate(over="ignore"):  # a sum past float64's range is refused by name just below
            noisy = score + noise
        refuse_overflow(
            noisy,
            (score,),
            None,
            f"noise_std={show(noise_std)}",
            "a noise_std that keeps every score finite",
            "'s score",
        )
        score = noisy
    entry: dict[str, Any] = {
        "column": column,
        "formula": formula if isinstance(formula, str) else getattr(formula, "__name__", "function"),
        "reads": reads,
        "task": task,
        "noise_std": noise_std,
        "rows": table.num_rows,
        "null": int(np.count_nonzero(~valid)),
    }
    if task == "regression":
        array = pa.array(score, type=pa.float64(), mask=~valid)
        entry["score"] = _moments(score[valid])
    else:
        if quantile is not None:
            if not valid.any():
                raise UsageError("quantile: the formula gives no score to take a quantile of")
            threshold = float(np.quantile(score[valid], quantile))
            entry["quantile"] = quantile
        labels = (score > threshold).astype(np.int64)
        array = pa.array(labels, type=pa.int64(), mask=~valid)
        positives = int(np.count_nonzero(labels[valid]))
        entry |= {
            "threshold": threshold,
            "positives": positives,
            "share": positives / int(valid.sum()) if valid.any() else None,
        }
    if column in table.column_names:
        table = table.set_column(table.column_names.index(column), column, array)
        entry["replaced"] = True
    else:
        table = table.append_column(column, array)
    log = ScenarioLog("construct_target", chosen, [entry])
    return Transformed(from_arrow(table, kind, like=data), log)


def _moments(known: np.ndarray) -> dict[str, float | None]:
    """The mean and standard deviation of the known scores, for the log. Computed on the scores
    divided by a power of two near their largest size, which is exact, so that a sum of large scores
    (1e308 and 1e308) does not overflow; an infinite score (a formula's 1 / 0) makes them inf or NaN
    without numpy's warning."""
    if not known.size:
        return {"mean": None, "std": None}
    with np.errstate(over="ignore", invalid="ignore"):
        largest = float(np.max(np.abs(known)))
        power = int(np.frexp(largest)[1]) if 0 < largest < np.inf else 0  # 2.0**1024 itself overflows
        unit = np.ldexp(known, -power)
        return {"mean": float(np.ldexp(unit.mean(), power)), "std": float(np.ldexp(unit.std(), power))}


def _score(table: pa.Table, formula: Any) -> tuple[np.ndarray, list[str]]:
    """The formula's value per row as float64 (NaN where null), and the columns it reads."""
    import polars as pl

    if callable(formula):
        values = np.asarray(formula(table))
        reads: list[str] = []
    elif isinstance(formula, str):
        expression, reads = _parse(formula)
        missing = [name for name in reads if name not in table.column_names]
        if missing:
            raise UsageError(
                f"formula={formula!r} reads {missing[0]!r}, which is not a column "
                f"({', '.join(table.column_names)})"
            )
        try:
            result = pl.DataFrame(table).select(expression.alias("score")).to_series()
        except Exception as exc:
            raise UsageError(f"formula={formula!r} cannot be evaluated: {exc}".split("\n")[0]) from None
        if not (result.dtype.is_numeric() or result.dtype == pl.Boolean):
            raise UsageError(f"formula={formula!r} gives {result.dtype}; allowed: a number per row")
        values = result.cast(pl.Float64).to_numpy()
        if len(values) == 1 and table.num_rows != 1:  # a constant formula: one value for every row
            values = np.full(table.num_rows, values[0])
    else:
        raise UsageError(f"formula={formula!r} is not an SQL expression or a function of the table")
    if values.shape != (table.num_rows,):
        raise UsageError(f"the formula gives {values.shape} values; the table has {table.num_rows} rows")
    try:
        return np.array(values, dtype=np.float64), reads
    except (TypeError, ValueError):
        raise UsageError(f"the formula gives {values.dtype} values; allowed: a number per row") from None


def formula_columns(formula: str) -> list[str]:
    """The columns an SQL formula reads, in order; a UsageError when it is not a valid expression."""
    return _parse(formula)[1]


def _parse(formula: str) -> tuple[Any, list[str]]:

    try:
        _SQL_SIZE.check(formula, "formula")
    except Invalid as exc:
        raise UsageError(str(exc)) from None
    try:
        expression = sql.parse(formula)
    except Exception as exc:  # polars raises many types for a bad expression
        raise UsageError(f"formula={formula!r} is not a valid SQL expression: {exc}".split("\n")[0]) from None
    return expression, list(dict.fromkeys(expression.meta.root_names()))
