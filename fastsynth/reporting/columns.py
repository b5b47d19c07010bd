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
    "aligned",
    "as_time",
    "check_comparable",
    "column_kinds",
    "common_time_type",
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


def check_comparable(
    kinds: Mapping[str, str], first: pa.Schema, second: pa.Schema, first_name: str, second_name: str
) -> None:
    """Refuse a column of ``second`` that cannot be compared with ``first``'s (``comparable``): the
    quality report's rule, which drift against a reference follows too."""
    for name, kind in kinds.items():
        if name not in second.names:
            continue
        a, b = first.field(name).type, second.field(name).type
        if not comparable(kind, a, b):
            raise UsageError(
                f"column {name!r} is {a} ({kind}) in {first_name!r} but {b} in {second_name!r}; "
                "allowed: numbers against numbers, times against times, single values against single values"
            )


_UNITS = ("s", "ms", "us", "ns")


def common_time_type(a: pa.DataType, b: pa.DataType) -> pa.DataType | None:
    """The type two time columns of different types (timestamps in two units, dates against
    timestamps) are both cast to before any number is taken from them: a timestamp in the finer unit
    (dates count as seconds, date64 as milliseconds), with the first time zone given. None when the
    types are equal or either is not a date or timestamp. ``numbers()`` counts a time in its own unit,
    so seconds against milliseconds were a thousand times apart in every distance and bin."""
    a, b = (t.value_type if pa.types.is_dictionary(t) else t for t in (a, b))
    if a == b or not all(pa.types.is_timestamp(t) or pa.types.is_date(t) for t in (a, b)):
        return None

    def unit(t: pa.DataType) -> str:
        return t.unit if pa.types.is_timestamp(t) else "ms" if pa.types.is_date64(t) else "s"

    zone = next((t.tz for t in (a, b) if pa.types.is_timestamp(t) and t.tz), None)
    return pa.timestamp(max(unit(a), unit(b), key=_UNITS.index), zone)


def as_time(column: pa.ChunkedArray | pa.Array, t: pa.DataType, name: str) -> pa.ChunkedArray | pa.Array:
    """``column`` cast to the time type ``t`` (``common_time_type``), refused by name when a value
    does not fit it (a date past 2262 in nanoseconds)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if column.type == t:
        return column
    try:
        return column.cast(t)
    except pa.ArrowInvalid:
        raise UsageError(
            f"column {name!r}: its {column.type} values do not all fit {t}, the type it is compared in "
            "with the other table's; allowed: times both tables can hold in the finer unit"
        ) from None


def aligned(real: pa.Table, synthetic: pa.Table, kinds: Mapping[str, str]) -> tuple[pa.Table, pa.Table]:
    """Both tables with each column that differs in type brought to one type, before quality, the
    discriminator and privacy take numbers or codes from it: times to ``common_time_type``, and
    categories, booleans and text by ``one_type`` (by value). Numbers are left as they are: each is
    read as float64 whatever its type."""
    for name in real.column_names:
        r, s = real.column(name), synthetic.column(name)
        if r.type == s.type:
            continue
        common = common_time_type(r.type, s.type)
        if common is not None:
            r, s = as_time(r, common, name), as_time(s, common, name)
        elif kinds.get(name) not in ("numerical", "datetime"):
            r, s = one_type(r, s)
        else:
            continue
        index = real.column_names.index(name)
        real = real.set_column(index, name, r)
        synthetic = synthetic.set_column(synthetic.column_names.index(name), name, s)
    return real, synthetic


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
