"""Reading a numeric column into float64 and writing one back in its own Arrow type, nulls kept."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.errors import UsageError

__all__ = [
    "from_counts",
    "integer_values",
    "is_numeric",
    "numeric_column",
    "refuse_overflow",
    "require_column",
    "time_column",
    "to_arrow_column",
]

_SECONDS_PER_COUNT = {
    "s": Fraction(1),
    "ms": Fraction(1, 10**3),
    "us": Fraction(1, 10**6),
    "ns": Fraction(1, 10**9),
}
"""A timestamp's count, by its unit: exact, so that a period of whole days is a whole number of counts."""


def require_column(table: pa.Table, name: str, where: str) -> pa.Array:
    """The column, as one array, or a UsageError naming the columns there are."""
    if name not in table.column_names:
        raise UsageError(f"{where}: column {name!r} is not in the table ({', '.join(table.column_names)})")
    column = table.column(name)
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def time_column(table: pa.Table, name: str) -> tuple[pa.Array, Fraction | None]:
    """A time column, checked, as (its counts, seconds per count): a date or timestamp column as
    int64 counts since the epoch, a number column as it is (with None). ``evolve`` and ``project``
    both read time through here, so that they accept the same columns."""
    column = require_column(table, name, "time")
    if column.null_count:
        raise UsageError(f"time: column {name!r} has {column.null_count} nulls; every row needs a time")
    kind = column.type
    if pa.types.is_floating(kind):  # NaN or inf has no place in time: refused rather than guessed
        values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            many = "value that is" if bad.size == 1 else "values that are"
            raise UsageError(
                f"time: column {name!r} has {bad.size} {many} not finite (row {bad[0]}: "
                f"{float(values[bad[0]])!r}); every row needs a finite time"
            )
    if is_numeric(kind):
        return column, None
    if pa.types.is_timestamp(kind):
        return column.cast(pa.int64()), _SECONDS_PER_COUNT[kind.unit]
    if pa.types.is_date32(kind):  # Arrow casts a date32 to its own width only
        return column.cast(pa.int32()).cast(pa.int64()), Fraction(86_400)
    if pa.types.is_date64(kind):
        return column.cast(pa.int64()), Fraction(1, 1_000)
    raise UsageError(f"time: column {name!r} is {kind}; allowed: a number, date or timestamp column")


def from_counts(counts: pa.Array, kind: pa.DataType) -> pa.Array:
    """int64 counts (``time_column``'s) back as the date or timestamp type ``kind``."""
    if pa.types.is_date32(kind):
        return counts.cast(pa.int32()).cast(kind)
    return counts.cast(kind)


def is_numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def numeric_column(table: pa.Table, name: str, where: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(values as float64, validity or None when there are no nulls). Nulls read as NaN."""
    array = require_column(table, name, where)
    if not is_numeric(array.type):
        raise UsageError(
            f"{where}: column {name!r} is {array.type}; allowed: an integer or floating-point column"
        )
    valid = None if array.null_count == 0 else np.asarray(array.is_valid())
    if pa.types.is_float16(array.type):  # numpy reads Arrow's float16 only through float32
        array = array.cast(pa.float32())
    # float64 whatever the input (the formulas compute there); read only, so a float64 column is not copied
    values = np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)
    return values, valid


def integer_values(table: pa.Table, name: str) -> np.ndarray:
    """An integer column's own values (nulls read as 0), exact: float64 holds integers only to 2**53."""
    array = require_column(table, name, "")
    return np.asarray(array.fill_null(0).to_numpy(zero_copy_only=False))


_EXACT = 2.0**53
"""Beyond this float64 no longer holds every integer."""


def to_arrow_column(
    values: np.ndarray,
    valid: np.ndarray | None,
    kind: pa.DataType,
    where: str,
    *,
    original: np.ndarray | None = None,
    change: np.ndarray | None = None,
    multiply: bool = False,
) -> pa.Array:
    """``values`` in the Arrow type ``kind``: floats cast; rows not ``valid`` null. An integer column
    is ``original`` (its own values) plus ``change`` rounded half to even, added in integers so that
    values beyond 2**53 stay exact (``values``, their float64 sum, would not); a result outside the
    type's range is refused, never wrapped."""
    mask = None if valid is None else ~valid
    if pa.types.is_integer(kind):
        assert original is not None and change is not None
        result = _integer_result(values, valid, kind, where, original, change, multiply)
        return pa.array(result, type=kind, mask=mask)
    if pa.types.is_float16(kind):
        return pa.array(values.astype(np.float32), mask=mask).cast(kind)
    return pa.array(values.astype(kind.to_pandas_dtype(), copy=False), type=kind, mask=mask)


def _integer_result(
    values: np.ndarray,
    valid: np.ndarray | None,
    kind: pa.DataType,
    where: str,
    original: np.ndarray,
    change: np.ndarray,
    multiply: bool,
) -> np.ndarray:
    dtype = np.dtype(kind.to_pandas_dtype())
    info = np.iinfo(dtype)
    rows = np.ones(len(original), np.bool_) if valid is None else valid
    if multiply:
        # a factor of a value beyond 2**53 is not exact in float64; no change keeps the value as it is
        inexact = rows & (change != 0) & (np.abs(original.astype(np.float64)) > _EXACT)
        if inexact.any():
            row = int(np.flatnonzero(inexact)[0])
            raise UsageError(
                f"{where}: row {row} ({int(original[row])}) is beyond 2**53, where a factor cannot be "
                "applied exactly; cast the column to float first, or use mode 'add'"
            )
        rounded = np.rint(values)
        rows = rows & (change != 0)
        # the bounds as floats are powers of two (or small), exact; max + 1 so that 2**63 is out
        bad = rows & ~((rounded >= info.min) & (rounded < float(info.max) + 1))
        bad |= rows & ~np.isfinite(rounded)
        if bad.any():
            _refuse(where, kind, info, int(np.flatnonzero(bad)[0]), values)
        return np.where(rows, np.where(rows, rounded, 0).astype(dtype), original)
    # x + change rounded half to even, in integers: x + floor(change), plus one when the fraction is
    # over a half, or exactly a half and that sum is odd
    whole = np.floor(change)
    bad = rows & ~(np.abs(whole) < 2.0**62)  # NaN and inf too; larger changes fit no column
    if bad.any():
        _refuse(where, kind, info, int(np.flatnonzero(bad)[0]), values)
    whole = np.where(rows, whole, 0.0)
    fraction = change - whole
    steps = whole.astype(np.int64)
    odd = ((original.astype(np.int64) ^ steps) & 1).astype(np.bool_)
    steps += (fraction > 0.5) | ((fraction == 0.5) & odd)
    steps[~rows] = 0
    if dtype.itemsize < 8:  # no overflow in int64 for these
        result = original.astype(np.int64) + steps
        bad = (result < info.min) | (result > info.max)
    elif dtype == np.int64:
        bad = ((steps > 0) & (original > info.max - np.maximum(steps, 0))) | (
            (steps < 0) & (original < info.min - np.minimum(steps, 0))
        )
        result = (original.view(np.uint64) + steps.view(np.uint64)).view(np.int64)  # wraps only where bad
    else:  # uint64: a negative step's size as uint64 (two's complement), exact even for -2**63
        up, size = steps > 0, (~steps.view(np.uint64)) + np.uint64(1)
        bad = (up & (original > np.uint64(info.max) - steps.view(np.uint64))) | (
            ~up & (steps < 0) & (original < size)
        )
        result = original + steps.view(np.uint64)
    bad &= rows
    if bad.any():
        _refuse(where, kind, info, int(np.flatnonzero(bad)[0]), values)
    return result.astype(dtype, copy=False)


def refuse_overflow(
    result: np.ndarray,
    inputs: tuple[np.ndarray, ...],
    valid: np.ndarray | None,
    cause: str,
    allowed: str,
    value: str = "",
) -> None:
    """Refuse a computation that took a row past float64's range: one whose ``inputs`` (each one value
    a row, or empty when not used; the first is the value before) are all finite and whose ``result``
    is not (inf, or NaN from inf - inf). A row with an input already inf or NaN (pandas' missing value),
    or not ``valid`` (null), keeps what it computes to. The message reads ``{cause} takes row {row}
    {value} from ... to ...``; ``allowed`` says what would keep every value finite. One pass when the
    result is all finite."""
    finite = np.isfinite(result)
    if finite.all():
        return
    bad = ~finite
    for values in inputs:
        if values.size:
            bad &= np.isfinite(values)
    if valid is not None:
        bad &= valid
    if not bad.any():
        return
    row = int(np.flatnonzero(bad)[0])
    raise UsageError(
        f"{cause} takes row {row}{value} from {float(inputs[0][row])!r} to {float(result[row])!r}, past a "
        f"64-bit float's range; allowed: {allowed} (within +-1.8e308)"
    )


def _refuse(where: str, kind: pa.DataType, info: Any, row: int, values: np.ndarray) -> None:
    raise UsageError(
        f"{where}: the new value of row {row} ({float(values[row])!r}) does not fit the column's type "
        f"{kind} ({info.min} to {info.max}); cast the column to float first"
    )
