"""Correlation propagation for ``inject_drift``: a drift of X moves the columns correlated with it.

calm-data-generator's rule: a change ``dX`` of a drifted column X moves each correlated numeric
column Y by ``rho * sd(Y) / sd(X) * dX`` (the least-squares line of Y on X), row by row, so a shifted
feature drags the features that go with it and the table's correlations survive. Off unless a drift
asks for it::

    {"type": "shift", "columns": ["income"], "magnitude": 1, "propagate": true}
    {"type": "shift", "columns": ["income"], "magnitude": 1,
     "propagate": {"columns": ["spend"], "correlations": {"savings": 0.6}}}

``rho`` and the standard deviations are those of the table as the drift finds it (before it applies),
over the rows where the columns have a finite value. Columns computed from others while generating
need none of this: a schema's drift applies before the columns that read the drifted one are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.drift.operations import kind_of
from fastsynth.errors import UsageError
from fastsynth.specs import Bounds, Spec, from_document

__all__ = ["Propagation", "propagate"]

Correlation = Annotated[float, Bounds(-1, 1)]


@dataclass(frozen=True)
class Propagation(Spec):
    """A drift's ``propagate`` object (``true`` is ``{}``)."""

    columns: tuple[str, ...] | None = None
    """The columns moved by correlations measured on the table: every other numeric column unless
    ``correlations`` are given (then only those)."""
    correlations: dict[str, Correlation | dict[str, Correlation]] | None = None
    """Correlations given rather than measured: ``{column: rho}`` with each drifted column, or
    ``{drifted: {column: rho}}`` per drifted column."""
    min_correlation: Annotated[float, Bounds(0, 1)] = 0.1
    """Measured correlations weaker than this (in absolute value) move nothing, so columns independent
    of X are not moved by the noise of a sample correlation. Given correlations always apply."""

    @classmethod
    def from_spec(cls, value: Any, where: str) -> Propagation | None:
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        return from_document(cls, value, where=f"{where}: propagate", error=UsageError)


def propagate(
    propagation: Propagation,
    before: pa.Table,
    after: pa.Table,
    drifted: tuple[str, ...],
    where: str,
) -> tuple[pa.Table, dict[str, Any]]:
    """``after`` with the change of each ``drifted`` column (``after - before``) carried to the columns
    correlated with it, and the log of what moved: ``{drifted: {column: {correlation, source, factor,
    changed}}}``."""
    numeric = [n for n in before.column_names if kind_of(before.schema.field(n).type) == "numeric"]
    for name in drifted:
        if name not in numeric:
            raise UsageError(f"{where}: propagate needs numeric drifted columns; {name!r} is not")
    given = _given(propagation, drifted, where)
    measured = propagation.columns
    if measured is None:
        measured = () if propagation.correlations is not None else tuple(numeric)
    for name in [*measured, *(t for pairs in given.values() for t in pairs)]:
        if name not in before.column_names:
            raise UsageError(
                f"{where}: propagate: column {name!r} is not in the table ({', '.join(before.column_names)})"
            )
        if name not in numeric:
            raise UsageError(
                f"{where}: propagate: column {name!r} is {before.schema.field(name).type}, not numeric"
            )
    values = {n: _floats(before, n) for n in {*drifted, *measured, *(t for p in given.values() for t in p)}}
    deltas: dict[str, np.ndarray] = {}
    log: dict[str, Any] = {}
    for x_name in drifted:
        x = values[x_name]
        change = _floats(after, x_name) - x
        change[~np.isfinite(change)] = 0.0  # rows made null, or null before: no change to carry
        pairs: dict[str, tuple[float, str]] = {
            y: (rho, "given") for y, rho in given.get(x_name, {}).items() if y not in drifted
        }
        for y_name in measured:
            if y_name in drifted or y_name in pairs:
                continue
            rho = _correlation(x, values[y_name])
            if abs(rho) >= propagation.min_correlation and rho != 0.0:
                pairs[y_name] = (rho, "measured")
        entries = {}
        for y_name, (rho, source) in pairs.items():
            sx, sy = _std(x), _std(values[y_name])
            factor = rho * sy / sx if sx > 0 else 0.0
            if factor != 0.0:
                delta = deltas.setdefault(y_name, np.zeros(after.num_rows))
                delta += factor * change
            entries[y_name] = {"correlation": round(rho, 6), "source": source, "factor": factor}
        if entries:
            log[x_name] = entries
    table = after
    for y_name, delta in deltas.items():
        column = table.column(y_name)
        moved = _moved(column.chunk(0) if column.num_chunks == 1 else column.combine_chunks(), delta)
        table = table.set_column(table.column_names.index(y_name), table.schema.field(y_name), moved[0])
        for entries in log.values():
            if y_name in entries:
                entries[y_name]["changed"] = moved[1]
    return table, log


def _given(propagation: Propagation, drifted: tuple[str, ...], where: str) -> dict[str, dict[str, float]]:
    """The given correlations per drifted column."""
    given = propagation.correlations or {}
    flat = {k: v for k, v in given.items() if isinstance(v, float)}
    nested = {k: v for k, v in given.items() if isinstance(v, dict)}
    for name in nested:
        if name not in drifted:
            raise UsageError(
                f"{where}: propagate: correlations of {name!r}, which the drift does not change "
                f"(it changes {', '.join(drifted)})"
            )
    return {x: {**flat, **nested.get(x, {})} for x in drifted}


def _floats(table: pa.Table, name: str) -> np.ndarray:
    """A column as float64, NaN where null."""
    column = table.column(name)
    array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if array.null_count:
        array = array.cast(pa.float64()).fill_null(np.nan)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


def _std(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.std()) if len(finite) > 1 else 0.0


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's correlation over the rows where both are finite (0 when either is constant)."""
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < 3:
        return 0.0
    xs, ys = x[both] - x[both].mean(), y[both] - y[both].mean()
    scale = np.sqrt((xs @ xs) * (ys @ ys))
    return float((xs @ ys) / scale) if scale > 0 else 0.0


def _moved(array: pa.Array, delta: np.ndarray) -> tuple[pa.Array, int]:
    """``array`` plus ``delta`` where ``delta`` is non-zero and the value is there (integers rounded and
    kept in their range), and how many rows changed. Other rows stay bit-identical."""
    rows = np.flatnonzero(delta != 0.0)
    if array.null_count:
        rows = rows[array.is_valid().to_numpy(zero_copy_only=False)[rows]]
    values = array.fill_null(0).to_numpy(zero_copy_only=False) if array.null_count else array.to_numpy()
    out = values.copy()
    moved = values[rows].astype(np.float64) + delta[rows]
    if out.dtype.kind in "iu":
        info = np.iinfo(out.dtype)
        moved = np.clip(np.rint(moved), float(info.min), float(np.nextafter(float(info.max), 0.0)))
    out[rows] = moved.astype(out.dtype)
    changed = int(np.count_nonzero(out[rows] != values[rows]))
    result = pa.array(
        out,
        type=array.type,
        mask=None if not array.null_count else ~array.is_valid().to_numpy(zero_copy_only=False),
    )
    return result, changed
