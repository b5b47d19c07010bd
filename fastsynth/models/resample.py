"""``resample``: rows drawn from the data with replacement (the bootstrap), optionally with a little
normal noise on the numbers. The simplest model, and an honest baseline: every row it makes was seen
(unless noise moves the numbers), so it keeps every relation between columns and none of the privacy."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import numpy_buffer_array
from fastsynth.errors import SchemaError, UsageError
from fastsynth.models import draws
from fastsynth.models.base import METHODS, Model, model_key
from fastsynth.specs import Bounds, Spec, from_document

__all__ = ["Resample", "combination_codes"]


@dataclass(frozen=True)
class _Options(Spec):
    noise: Annotated[float, Bounds(0)] = 0.0
    """Normal noise added to number columns, in standard deviations of each column (0: none)."""


@METHODS.register("resample")
class Resample(Model):
    """Rows of the data, drawn uniformly with replacement."""

    def __init__(self, rows: pa.Table, noise: float) -> None:
        self.rows = rows.combine_chunks()
        self.noise = noise
        self._spread = {
            name: _spread(column)
            for name, column in zip(rows.column_names, rows.columns, strict=True)
            if _numeric(column.type)
        }

    @classmethod
    def fit(
        cls,
        table: pa.Table,
        options: Mapping[str, Any],
        *,
        seed: int,
        target: str | None,
        given: Sequence[str] = (),
    ) -> Resample:
        settings = from_document(_Options, dict(options), where="fit: method 'resample'", error=UsageError)
        return cls(table, settings.noise)

    def arrow_schema(self) -> pa.Schema:
        return self.rows.schema

    def givable(self) -> frozenset[str]:
        return frozenset(self.rows.column_names)

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        picks = draws.integers(model_key(seed, "resample"), start, size, self.rows.num_rows)
        if given:
            picks = _donors_given(self.rows, given, picks)
        made = self.rows.take(pa.array(picks))
        out: dict[str, pa.Array] = {}
        for index, name in enumerate(made.column_names):
            column = made.column(name).combine_chunks()
            if self.noise > 0 and name in self._spread and name not in (given or {}):
                column = _jitter(
                    column, self.noise * self._spread[name], model_key(seed, "noise", index), start
                )
            out[name] = column
        return out

    def to_document(self) -> dict[str, Any]:
        return {"noise": self.noise}

    def tables(self) -> dict[str, pa.Table]:
        return {"rows": self.rows}

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> Resample:
        settings = from_document(_Options, dict(document), where="schema: model 'resample'")
        if "rows" not in tables:
            raise SchemaError("schema: model 'resample' keeps its rows in its model file; load that (.fsm)")
        if tables["rows"].num_rows == 0:
            raise SchemaError("schema: model 'resample': its table of rows is empty")
        return cls(tables["rows"], settings.noise)


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def _spread(column: pa.ChunkedArray) -> float:
    """The standard deviation of the column's finite values (0 when it has none): one NaN or infinity
    must not make every noisy value NaN, nor values near float64's largest an infinite one."""
    values = column.to_numpy(zero_copy_only=False).astype(np.float64)
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        spread = float(finite.std())
    if not math.isfinite(spread):  # sums or squares past float64: measured in units of the largest value
        largest = float(np.abs(finite).max())
        spread = float((finite / largest).std()) * largest
    return spread


_LARGEST_STEP = float(2**63 - 1024)
"""The largest noise step on a 64-bit integer, in float64 and in int64 alike (2**63 - 1 rounds up past
int64)."""

_NORMAL_REACH = 64.0
"""More than any standard normal draw reaches (the ziggurat's tail, from 52-bit uniforms, stops near 14.1)."""


def _jitter(column: pa.Array, spread: float, key: np.uint64, start: int) -> pa.Array:
    """``column`` plus normal noise of standard deviation ``spread``, staying in the type's range: floats
    stop at their largest finite value (NaN and infinities stay as they are); integers move by whole
    steps and stop at their bounds, without rounding or wrapping round."""
    noise = draws.normal(key, start, len(column))
    kind = column.type
    with np.errstate(over="ignore", invalid="ignore"):  # sums past a type's end are put back on it
        noise *= spread
        if pa.types.is_floating(kind):
            moved = _float_moved(column, noise, spread)
        elif kind.bit_width <= 32:  # exact in float64, then clipped to the type's bounds before the cast
            info = np.iinfo(kind.to_pandas_dtype())
            noise = np.rint(noise, out=noise)
            noise += _values(column)
            moved = np.clip(noise, info.min, info.max, out=noise).astype(info.dtype)
        else:
            moved = _saturated_sum(column, np.rint(noise, out=noise), spread)
    return _with_validity(column, moved)


def _float_moved(column: pa.Array, noise: np.ndarray, spread: float) -> np.ndarray:
    """Floats plus ``noise``, those the sum carries past the type's largest finite value put back on it."""
    dtype = np.dtype(column.type.to_pandas_dtype())
    values = column.to_numpy(zero_copy_only=False)  # nulls as NaN
    moved = np.add(values, noise, out=noise)
    largest = float(np.finfo(dtype).max)
    if not math.isfinite(spread * _NORMAL_REACH):  # infinite noise: inf - inf is NaN, to be put back too
        past = ~(np.abs(moved) <= largest)
    elif dtype == np.float64:  # float64 only overflows to an infinity
        past = np.isinf(moved)
    else:  # the narrower types also past their largest value, in float64
        past = np.abs(moved) > largest
    if past.any():  # rare: values or noise near the type's end, or infinities in the data
        rows = np.flatnonzero(past)
        given = values[rows].astype(np.float64)
        moved[rows] = np.where(np.isfinite(given), np.clip(moved[rows], -largest, largest), given)
    return moved.astype(dtype, copy=False)


def _saturated_sum(column: pa.Array, noise: np.ndarray, spread: float) -> np.ndarray:
    """A 64-bit integer column plus whole steps of ``noise`` (rounded already), in integer arithmetic that
    stops at the type's bounds (float64 would round values past 2**53, and a plain sum wrap round)."""
    step = np.clip(noise, -_LARGEST_STEP, _LARGEST_STEP, out=noise).astype(np.int64)
    values = _values(column)
    reach = spread * _NORMAL_REACH  # no step is longer
    if pa.types.is_signed_integer(column.type):
        if not _could_pass(values, reach, -(2**63), 2**63 - 1):
            return np.add(step, values, out=step)
        moved = values + step  # wraps on overflow: set to the bound it passed
        moved[(step > 0) & (moved < values)] = np.iinfo(np.int64).max
        moved[(step < 0) & (moved > values)] = np.iinfo(np.int64).min
        return moved
    if not _could_pass(values, reach, 0, 2**64 - 1):  # modular arithmetic, exact when no bound is passed
        return np.add(step.view(np.uint64), values, out=step.view(np.uint64))
    up = np.maximum(step, 0).astype(np.uint64)
    down = np.where(step < 0, -step, 0).astype(np.uint64)  # one of the two is 0 on each row
    raised = values + up
    raised[raised < values] = np.iinfo(np.uint64).max
    lowered = raised - down
    lowered[lowered > raised] = 0
    return lowered


def _could_pass(values: np.ndarray, reach: float, smallest: int, largest: int) -> bool:
    """Whether steps no longer than ``reach`` could take one of ``values`` past a bound of its type."""
    if not len(values):
        return False
    if not reach < _LARGEST_STEP:  # also NaN: a NaN step is cast to any integer
        return True
    longest = int(reach) + 1
    return int(values.min()) - longest < smallest or int(values.max()) + longest > largest


def _values(column: pa.Array) -> np.ndarray:
    """The column's numbers, 0 where it is null (read in place when it has no nulls)."""
    if column.null_count:
        column = column.fill_null(0)
    return column.to_numpy(zero_copy_only=False)


def _with_validity(column: pa.Array, moved: np.ndarray) -> pa.Array:
    """``moved`` as an array of the column's type, null where the column is."""
    if column.null_count == 0:
        return numpy_buffer_array(column.type, moved)
    if column.offset == 0:
        validity = column.buffers()[0]
        return pa.Array.from_buffers(
            column.type, len(moved), [validity, pa.py_buffer(moved)], column.null_count
        )
    return pa.array(moved, mask=column.is_null().to_numpy(zero_copy_only=False))


def combination_codes(data: pa.Table, wanted: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row of ``data`` and of ``wanted`` (the same columns), equal where the rows' values
    are equal in every column: the combinations to match given values against."""
    data_codes = np.zeros(data.num_rows, np.int64)
    wanted_codes = np.zeros(wanted.num_rows, np.int64)
    for name in wanted.column_names:
        both = pa.chunked_array(
            [*data.column(name).chunks, *wanted.column(name).cast(data.column(name).type).chunks]
        )
        encoded = pc.dictionary_encode(both).combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        codes = np.where(
            encoded.indices.is_null().to_numpy(zero_copy_only=False), len(encoded.dictionary), codes
        )
        radix = len(encoded.dictionary) + 1
        data_codes = data_codes * radix + codes[: data.num_rows]
        wanted_codes = wanted_codes * radix + codes[data.num_rows :]
    return data_codes, wanted_codes


def _donors_given(rows: pa.Table, given: Mapping[str, pa.Array], picks: np.ndarray) -> np.ndarray:
    """For each output row, a data row with the given values (the ``picks`` draw chooses among them)."""
    names = sorted(given)
    data_codes, wanted_codes = combination_codes(rows.select(names), pa.table({n: given[n] for n in names}))
    order = np.argsort(data_codes, kind="stable")
    present, first, counts = np.unique(data_codes[order], return_index=True, return_counts=True)
    where = np.searchsorted(present, wanted_codes)
    where = np.minimum(where, len(present) - 1)
    missing = present[where] != wanted_codes
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        values = ", ".join(f"{n}={given[n][row].as_py()!r}" for n in names)
        raise UsageError(f"resample: no row of the data has {values}")
    return order[first[where] + picks % counts[where]]
