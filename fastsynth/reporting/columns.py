"""What each column is to a report, by its Arrow type and its values: the kinds SDMetrics' metadata
names (``numerical``, ``datetime``, ``categorical``, ``boolean``), plus ``text`` for strings with too
many distinct values to compare as categories (names, e-mails, identifiers), which shapes and trends
leave out, as SDMetrics leaves out ``id`` and ``pii`` columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.errors import UsageError

__all__ = [
    "CATEGORY_LIMIT",
    "KINDS",
    "Kind",
    "column_kinds",
    "comparable",
    "fitting_kinds",
    "flat",
    "numbers",
    "one_type",
    "sample_rows",
    "stacked",
]

Kind = Literal["numerical", "datetime", "categorical", "boolean", "text"]
KINDS: tuple[str, ...] = get_args(Kind)

CATEGORY_LIMIT = 1000
"""A string column with more distinct values than this is ``text``: its categories would make a bar
chart no one reads and a contingency table as large as the data."""


def column_kinds(table: pa.Table, given: Mapping[str, str] | None = None) -> dict[str, Kind]:
    """The kind of every column of ``table``; ``given`` names kinds that override what the types say
    (e.g. an integer code that is categorical)."""
    given = dict(given or {})
    for name, kind in given.items():
        if name not in table.column_names:
            raise UsageError(
                f"kinds: column {name!r} is not in the data; allowed: {', '.join(table.column_names)}"
            )
        if kind not in KINDS:
            raise UsageError(f"kinds: column {name!r}: kind {kind!r} is unknown; allowed: {', '.join(KINDS)}")
        t = table.schema.field(name).type
        if kind not in fitting_kinds(t):
            raise UsageError(
                f"kinds: column {name!r} is {t}, which kind {kind!r} does not fit; allowed for {t}: "
                + ", ".join(fitting_kinds(t))
            )
    return {
        name: given[name] if name in given else _kind(table.column(name))  # type: ignore[misc]
        for name in table.column_names
    }


def flat(t: pa.DataType) -> bool:
    """Whether a column of type ``t`` holds single values (numbers, times, strings, bytes, booleans,
    or a dictionary of them): lists, structs, maps and unions are nested, which reports leave out of
    every computation (polars and the kernels take no nesting; a list 900 deep crashes polars)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(
        pa.types.is_null(t)
        or pa.types.is_boolean(t)
        or pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_decimal(t)
        or pa.types.is_temporal(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_binary_view(t)
    )


def fitting_kinds(t: pa.DataType) -> tuple[str, ...]:
    """The kinds a column of type ``t`` can be compared as: numbers and times as numbers, anything
    single-valued as categories (by value), nested values as text (left out) only."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return KINDS
    if pa.types.is_boolean(t):
        return ("boolean", "categorical", "text")
    if pa.types.is_integer(t):
        return ("numerical", "categorical", "boolean", "text")
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return ("numerical", "categorical", "text")
    if pa.types.is_temporal(t):
        return ("datetime", "numerical", "categorical", "text")
    if flat(t):  # strings and bytes
        return ("categorical", "boolean", "text")
    return ("text",)


def comparable(kind: str, real: pa.DataType, synthetic: pa.DataType) -> bool:
    """Whether a synthetic column of type ``synthetic`` can be compared with a real column of type
    ``real`` and kind ``kind``: numbers with numbers and times with times (an integer against a double
    is fine) for numerical and datetime columns; any single values otherwise (compared by value)."""
    if not flat(synthetic):
        return not flat(real)  # nested columns are left out whatever they hold
    if kind in ("numerical", "datetime"):
        family = _family(synthetic)
        return family == "null" or family == _family(real)
    return True


def _family(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_temporal(t):
        return "time"
    return "other"


def _kind(column: pa.ChunkedArray) -> Kind:
    t = column.type
    if pa.types.is_dictionary(t):
        t = t.value_type
        column = column.cast(t)  # count_distinct has no kernel for dictionaries
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numerical"
    if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_duration(t):
        return "datetime"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        distinct = pc.count_distinct(column).as_py()
        return "categorical" if distinct <= CATEGORY_LIMIT else "text"
    return "text"


def numbers(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numerical or datetime column as float64, nulls as NaN; times as their integer count of the
    type's unit since the epoch (what SDMetrics compares, after pandas' conversion to nanoseconds,
    up to a scale that no rank statistic or correlation sees)."""
    t = column.type
    if pa.types.is_dictionary(t):
        column = column.cast(t.value_type)
        t = t.value_type
    if pa.types.is_timestamp(t) or pa.types.is_duration(t) or pa.types.is_time(t):
        column = column.cast(pa.int64())
    elif pa.types.is_date32(t):
        column = column.cast(pa.int32())
    elif pa.types.is_date64(t):
        column = column.cast(pa.int64())
    elif pa.types.is_decimal(t):
        column = column.cast(pa.float64())
    # safe=False: an int64 beyond 2**53 (any time in ns since 1970-04) rounds to the nearest double,
    # as pandas and numpy convert it, instead of being refused
    values = column.cast(pa.float64(), safe=False)
    return np.asarray(values.fill_null(np.nan)) if len(column) else np.empty(0)


def one_type(real: pa.ChunkedArray, synthetic: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Both columns as one type, so that equal values compare equal: the synthetic column as the real
    one's (two files can disagree: int64 against double, dictionary against string), else both as
    strings."""
    if real.type == synthetic.type:
        return real, synthetic
    real, synthetic = (
        c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in (real, synthetic)
    )
    try:
        return real, synthetic.cast(real.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return real.cast(pa.string()), synthetic.cast(pa.string())


def sample_rows(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``k`` of ``n`` row indices, seeded by ``rng``, in order; all of them when there are no
    more (the discriminator and privacy sample alike)."""
    return np.arange(n) if n <= k else np.sort(rng.choice(n, size=k, replace=False))


def stacked(real: pa.Table, synthetic: pa.Table) -> pa.Table:
    """The rows of ``real`` then those of ``synthetic`` (same column names), each column as one type."""
    columns = [one_type(real.column(name), synthetic.column(name)) for name in real.column_names]
    return pa.table(
        {
            name: pa.chunked_array(r.chunks + s.chunks, r.type)
            for name, (r, s) in zip(real.column_names, columns, strict=True)
        }
    )
