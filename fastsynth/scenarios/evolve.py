"""``evolve``: numeric columns that change over the rows or over time, by known formulas.

Each evolution computes a change from ``t`` (the row's position, or its time: ``TimeAxis``) over the
whole column at once (numpy; no per-row Python) and adds it (``mode: add``, ``x + change``) or applies
it as a factor (``mode: multiply``, ``x * (1 + change)``); the exponential types are factors by nature
(``x * (1 + rate) ** t``). Evolutions apply in order, each to the result of the ones before, so two on
one column compose. Nulls stay null; NaN stays NaN; integer columns keep their type, rounded half to
even, and a value that no longer fits is refused, as is a finite value that an evolution takes past
float64's range (a slope of 1e308): inf is no value to test a model on. A time column with a null, NaN
or infinite value is refused: such a row has no ``t``. Noise and random walks draw counter-based
normals keyed by (seed, column, evolution, row): the same seed gives the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty
from fastsynth.errors import UsageError
from fastsynth.fields.base import Block
from fastsynth.kernels import scenario as ks
from fastsynth.scenarios.columns import (
    integer_values,
    numeric_column,
    refuse_overflow,
    time_column,
    to_arrow_column,
)
from fastsynth.scenarios.log import ScenarioLog, Transformed
from fastsynth.scenarios.specs import (
    UNIT_SECONDS,
    Cyclic,
    DrivenBy,
    ExponentialDecay,
    ExponentialGrowth,
    Linear,
    Noise,
    RandomWalk,
    Sigmoid,
    Step,
    TimeAxis,
    evolution_from_spec,
)
from fastsynth.seeds import resolve_seed
from fastsynth.sources import from_arrow, to_arrow

__all__ = ["apply_evolution", "axis_values", "evolve", "parse_evolutions"]

_NO_CHANGE = np.zeros(0)
"""``given`` for the shapes that compute their change from ``t``."""
_NO_NULLS = np.zeros(0, np.bool_)


def evolve(data: Any, evolutions: Any, *, time: Any = None, seed: int | None = None) -> Transformed:
    """``data`` (an Arrow table or batch, a polars or pandas DataFrame) with ``evolutions`` applied,
    returned as the same kind of data, and the log of each change.

    ``evolutions`` is ``{column: spec or [specs]}`` or a list of specs each naming its ``column`` (or
    ``columns``); a spec is ``{"type": "cyclic", "amplitude": 3, "period": 7}`` and so on
    (``fastsynth.scenarios.specs``). ``time`` is None (``t`` = row position), a column name, or
    ``{"column": ..., "unit": "days", "origin": "start"}``."""
    chosen = resolve_seed(seed)
    parsed = parse_evolutions(evolutions)
    table, kind = to_arrow(data)
    axis = TimeAxis.from_spec(time)
    t = axis_values(table, axis)
    log = ScenarioLog("evolve", chosen)
    for index, (column, spec, where) in enumerate(parsed):
        table, entry = apply_evolution(table, column, spec, t, axis, chosen, index, where)
        log.entries.append(entry)
    return Transformed(from_arrow(table, kind, like=data), log)


def parse_evolutions(evolutions: Any) -> list[tuple[str, Any, str]]:
    """(column, spec, where) for each evolution, in order, validated."""
    items: list[tuple[str, Any]] = []
    if isinstance(evolutions, Mapping):
        for column, given in evolutions.items():
            for spec in given if isinstance(given, list | tuple) else [given]:
                items.append((column, spec))
    elif isinstance(evolutions, list | tuple):
        for n, spec in enumerate(evolutions):
            columns = spec.get("columns", [spec.get("column")]) if isinstance(spec, dict) else [None]
            if isinstance(columns, str):
                columns = [columns]
            if not columns or not all(isinstance(c, str) for c in columns):
                raise UsageError(f"evolution[{n}]: needs 'column' (or 'columns'), the column(s) to evolve")
            items.extend((str(column), spec) for column in columns)
    else:
        raise UsageError(f"evolutions={evolutions!r} is not a mapping of columns to specs or a list of specs")
    parsed = []
    for n, (column, spec) in enumerate(items):
        if not isinstance(column, str):
            raise UsageError(f"evolution[{n}]: column={column!r} is not a column name")
        where = f"evolution[{n}] of {column!r}"
        parsed.append((column, evolution_from_spec(spec, where), where))
    return parsed


def axis_values(table: pa.Table, axis: TimeAxis) -> np.ndarray:
    """``t`` of every row, as float64."""
    n = table.num_rows
    if axis.column is None:
        return np.arange(n, dtype=np.float64)
    counts, seconds_per_count = time_column(table, axis.column)
    values = counts.to_numpy()
    if axis.origin == "start" and n:
        # in integers first: large counts (nanoseconds since 1970) lose their last digits in float64;
        # a difference of int64s can pass 2**63, and read as uint64 it is exact
        values = values - values.min()
        if values.dtype.kind == "i":
            values = values.astype(np.int64).view(np.uint64)
    values = np.asarray(values, dtype=np.float64)
    if seconds_per_count is None:
        return values
    # the unit as the decimal it is written as: Fraction(1e-9) is not 1 / 10**9, and ns over ns must be 1
    return values * float(seconds_per_count / Fraction(repr(UNIT_SECONDS[axis.unit])))


def apply_evolution(
    table: pa.Table,
    column: str,
    spec: Any,
    t: np.ndarray,
    axis: TimeAxis,
    seed: int,
    index: int,
    where: str,
    start: int = 0,
    given: np.ndarray | None = None,
) -> tuple[pa.Table, dict[str, Any]]:
    """The table with ``spec`` applied to ``column`` over ``t``, and its log entry. Noise is keyed by
    row ``start + i``: a projection's periods draw their own. ``given``, when set, is the change of
    every row, computed by the caller (a projection's random walk, one step a period)."""
    x, valid = numeric_column(table, column, where)
    resolved: dict[str, Any] = {}
    if isinstance(spec, DrivenBy):
        driver, driver_valid = numeric_column(table, spec.driver, f"{where}: driver")
        if driver_valid is not None:  # no driver value, no known change: the row becomes null
            valid = driver_valid if valid is None else valid & driver_valid
        shape: tuple[Any, ...] = ("given", 0.0, 0.0, 0.0, _driven(spec, driver))
        inputs: tuple[np.ndarray, ...] = (x, driver, t)
    elif given is not None:
        shape, inputs = ("given", 0.0, 0.0, 0.0, given), (x, t)
    else:
        shape = _shape(spec, t, resolved, Block(column, seed, start, table.num_rows), index)
        inputs = (x, t)
    mode = "multiply" if isinstance(spec, ExponentialGrowth | ExponentialDecay) else spec.mode
    y, change = empty(len(x), np.float64), empty(len(x), np.float64)  # Arrow's pool: no page faults
    name, a, b, c, given = shape
    ks.evolve_values(
        y, change, x, t, ks.SHAPES[name], mode == "multiply", float(a), float(b), float(c), given
    )
    refuse_overflow(
        y,
        inputs,
        valid,
        f"{where}: {spec.type} ({_parameters(spec)})",
        "parameters that keep every value finite",
    )
    kind = table.schema.field(column).type
    original = integer_values(table, column) if pa.types.is_integer(kind) else None
    array = to_arrow_column(
        y, valid, kind, where, original=original, change=change, multiply=mode == "multiply"
    )
    position = table.column_names.index(column)
    table = table.set_column(position, table.schema.field(column), array)
    nulls = valid is not None
    changed, seen, low, high = ks.summarise_change(x, y, change, valid if nulls else _NO_NULLS, nulls)
    if original is not None:  # what changed is what rounding kept: 10 + 0.1 is still 10
        moved = array.fill_null(0).to_numpy(zero_copy_only=False) != original
        changed = np.count_nonzero(moved if valid is None else moved & valid)
    entry: dict[str, Any] = {
        "index": index,
        "column": column,
        "type": spec.type,
        "mode": mode,
        "parameters": {k: v for k, v in dataclasses.asdict(spec).items() if k not in ("type", "mode")}
        | resolved,
        "time": _describe_axis(axis, t),
        "rows": len(x),
        "changed": int(changed),
        "change": {"min": float(low) if seen else None, "max": float(high) if seen else None},
    }
    if pa.types.is_integer(kind):
        entry["rounded"] = "half to even"
    return table, entry


_DRIVEN_PARAMETERS = {
    "linear": ("slope", "intercept"),
    "exponential": ("scale", "rate"),
    "power": ("scale", "exponent"),
    "polynomial": ("coefficients",),
}
"""The parameters each ``driven_by`` function reads; the others are its defaults, unused."""


def _parameters(spec: Any) -> str:
    """The parameters ``spec`` computes with, as ``name=value, ...``: a driven_by shows its driver, its
    function and that function's parameters only."""
    if isinstance(spec, DrivenBy):
        used = ("driver", "function", *_DRIVEN_PARAMETERS[spec.function])
    else:
        used = tuple(f.name for f in dataclasses.fields(spec) if f.name not in ("type", "mode"))
    return ", ".join(f"{name}={getattr(spec, name)!r}" for name in used)


def _shape(
    spec: Any, t: np.ndarray, resolved: dict[str, Any], draws: Block, index: int
) -> tuple[str, float, float, float, np.ndarray]:
    """(shape, a, b, c, given) for ``kernels.scenario.evolve_values``: the change each row gets."""
    low, high = (float(t.min()), float(t.max())) if t.size else (0.0, 0.0)
    if isinstance(spec, Linear):
        return "linear", spec.slope, spec.intercept, 0.0, _NO_CHANGE
    if isinstance(spec, Cyclic):
        return "cyclic", spec.amplitude, spec.period, spec.phase, _NO_CHANGE
    if isinstance(spec, Sigmoid):
        center = (low + high) / 2 if spec.center is None else spec.center
        width = ((high - low) / 10 or 1.0) if spec.width is None else spec.width
        resolved.update(center=center, width=width)
        return "sigmoid", spec.amplitude, center, width, _NO_CHANGE
    if isinstance(spec, ExponentialGrowth | ExponentialDecay):
        base = 1 + spec.rate if isinstance(spec, ExponentialGrowth) else 1 - spec.rate
        return "power", base, 0.0, 0.0, _NO_CHANGE
    if isinstance(spec, Step):
        at = (low + high) / 2 if spec.at is None else spec.at
        resolved["at"] = at
        return "step", spec.amplitude, at, 0.0, _NO_CHANGE
    if isinstance(spec, Noise):
        return "given", 0.0, 0.0, 0.0, draws.normal(0.0, spec.std, salt=f"scenario\x00noise\x00{index}")
    assert isinstance(spec, RandomWalk)
    steps = draws.normal(0.0, spec.step_std, salt=f"scenario\x00walk\x00{index}")
    # a walk past float64's range (step_std=1e308) sums to inf: refused with the result, not warned of
    with np.errstate(over="ignore", invalid="ignore"):
        if t.size < 2 or bool(np.all(t[1:] >= t[:-1])):  # already in time order (always over rows)
            return "given", 0.0, 0.0, 0.0, np.cumsum(steps)
        order = np.argsort(t, kind="stable")
        walk = np.empty_like(steps)
        walk[order] = np.cumsum(steps[order])
    return "given", 0.0, 0.0, 0.0, walk


def _driven(spec: DrivenBy, d: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        if spec.function == "linear":
            return spec.slope * d + spec.intercept
        if spec.function == "exponential":
            return spec.scale * np.exp(spec.rate * d)
        if spec.function == "power":
            return spec.scale * np.abs(d) ** spec.exponent
        return np.polyval(np.asarray(spec.coefficients, dtype=np.float64), d)


def _describe_axis(axis: TimeAxis, t: np.ndarray) -> dict[str, Any]:
    described: dict[str, Any] = {"over": "rows" if axis.column is None else axis.column}
    if axis.column is not None:
        described |= {"unit": axis.unit, "origin": axis.origin}
    described |= {"first": float(t[0]) if t.size else None, "last": float(t[-1]) if t.size else None}
    return described
