"""Reading a numeric column into float64 and writing one back in its own Arrow type, nulls kept."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fastsynth.errors import UsageError

__all__ = ["is_numeric", "numeric_column", "require_column", "to_arrow_column"]


def require_column(table: pa.Table, name: str, where: str) -> pa.Array:
    """The column, as one array, or a UsageError naming the columns there are."""
    if name not in table.column_names:
        raise UsageError(f"{where}: column {name!r} is not in the table ({', '.join(table.column_names)})")
    column = table.column(name)
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


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


def to_arrow_column(values: np.ndarray, valid: np.ndarray | None, kind: pa.DataType, where: str) -> pa.Array:
    """``values`` in the Arrow type ``kind``: integers rounded half to even (``numpy.rint``), refused
    when a value does not fit; floats cast; rows not ``valid`` null."""
    mask = None if valid is None else ~valid
    if pa.types.is_integer(kind):
        rounded = np.rint(values)
        if valid is not None:
            rounded[~valid] = 0
        info = np.iinfo(kind.to_pandas_dtype())
        bad = ~np.isfinite(rounded) | (rounded < info.min) | (rounded > info.max)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise UsageError(
                f"{where}: the new value of row {row} ({values[row]!r}) does not fit the column's type "
                f"{kind} ({info.min} to {info.max}); cast the column to float first"
            )
        return pa.array(rounded.astype(kind.to_pandas_dtype()), type=kind, mask=mask)
    if pa.types.is_float16(kind):
        return pa.array(values.astype(np.float32), mask=mask).cast(kind)
    return pa.array(values.astype(kind.to_pandas_dtype(), copy=False), type=kind, mask=mask)
