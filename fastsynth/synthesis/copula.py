"""A schema fitted on real data, so that generation makes more rows like it: a Gaussian copula.

Each column becomes a field with the column's distribution: numbers and times an ``empirical`` field (its
quantiles, in the column's own type: an int16 column makes int16 values), booleans a ``bool`` with the
observed share, text and categories a ``category`` with the observed frequencies (the commonest
``max_categories`` values), and the observed share of nulls as ``null_rate``. The numeric columns
(numbers and times) keep their Pearson correlations through the schema's ``correlations``, a Gaussian
copula. The result is an ordinary schema document: it can be saved, edited, drifted, streamed and served
like any other, and it holds no row of the data, only quantiles and frequencies (each category value it
keeps was seen in the data, though).

    schema = fastsynth.fit(real_table)      # or: fastsynth fit real.parquet --output schema.yaml
    more = fastsynth.generate(schema, 10_000_000)
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.errors import SchemaError, UsageError
from fastsynth.schema import Schema
from fastsynth.sources import to_arrow
from fastsynth.specs import Bounds, PositiveInt, argument

__all__ = ["OPTIONS", "fit"]

OPTIONS = ("quantiles", "max_categories", "correlations")

_SHRINK = 0.98
_SHRINK_STEPS = 20


def fit(data: Any, *, quantiles: int = 257, max_categories: int = 10_000, correlations: bool = True) -> dict:
    """The schema document fitted on ``data`` (an Arrow table or batch, a polars or pandas DataFrame):
    ``quantiles`` per numeric column, at most ``max_categories`` values per text column, and the
    numeric columns' correlations unless ``correlations`` is False."""
    quantiles = argument("quantiles", quantiles, Annotated[int, Bounds(2)])
    max_categories = argument("max_categories", max_categories, PositiveInt)
    table, _ = to_arrow(data)
    if table.num_rows == 0:
        raise UsageError("fit: the data has no rows")
    fields: dict[str, dict[str, Any]] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        spec = _fit_column(name, column, quantiles, max_categories)
        nulls = column.null_count / table.num_rows
        if nulls > 0:
            spec["null_rate"] = round(nulls, 6)
        fields[name] = spec
    document: dict[str, Any] = {"fields": fields}
    if correlations:
        group = _correlations([n for n, spec in fields.items() if spec["type"] == "empirical"], table)
        if group is not None:
            document["correlations"] = [group]
            _make_reachable(document)
    return document


def _fit_column(name: str, column: pa.ChunkedArray, knots: int, max_categories: int) -> dict[str, Any]:
    """The field spec of one column."""
    kind = column.type
    present = column.drop_null()
    if len(present) == 0:
        raise UsageError(f"fit: column {name!r} holds only nulls; drop it or give it values")
    if pa.types.is_boolean(kind):
        return {"type": "bool", "p": round(pc.mean(present.cast(pa.float64())).as_py(), 6)}
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        values = _numbers(present)
        if not np.isfinite(values).all():
            values = values[np.isfinite(values)]
        spec = {"type": "empirical", "quantiles": _quantiles(values, knots)}
        dtype = _dtype(kind)
        if dtype != "float64":
            spec["dtype"] = dtype
        return spec
    if pa.types.is_timestamp(kind):
        values = _numbers(present)
        spec = {
            "type": "empirical",
            "dtype": "timestamp",
            "unit": kind.unit,
            "quantiles": _quantiles(values, knots),
        }
        if kind.tz is not None:
            spec["timezone"] = kind.tz
        return spec
    if pa.types.is_date(kind):
        return {"type": "empirical", "dtype": "date", "quantiles": _quantiles(_numbers(present), knots)}
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        counts = pc.value_counts(present.cast(pa.string()) if pa.types.is_dictionary(kind) else present)
        values, frequencies = counts.field("values"), counts.field("counts").to_numpy()
        order = np.argsort(-frequencies, kind="stable")[:max_categories]
        kept = frequencies[order].astype(np.float64)
        return {
            "type": "category",
            "categories": [values[int(k)].as_py() for k in order],
            "probabilities": [round(float(p), 12) for p in kept / kept.sum()],
        }
    raise UsageError(
        f"fit: column {name!r} is {kind}; fitted types: integers, floats, decimals, booleans, timestamps, "
        "dates, strings and dictionaries"
    )


def _dtype(kind: pa.DataType) -> str:
    """The empirical field's dtype for a number column: its own type where the field has it (int8 to
    int64, uint8 to uint32, float32, float64), else the nearest wider one (uint64 as int64, float16 as
    float32, decimals as float64)."""
    if pa.types.is_integer(kind):
        name = str(kind.to_pandas_dtype().__name__)
        return "int64" if name == "uint64" else name
    if pa.types.is_float16(kind) or pa.types.is_float32(kind):
        return "float32"
    return "float64"


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric, timestamp or date column as float64 (times in their unit, dates in days since 1970;
    nulls as NaN)."""
    kind = column.type
    if pa.types.is_date(kind):
        column = column.cast(pa.date32()).cast(pa.int32())
    elif pa.types.is_timestamp(kind):
        column = column.cast(pa.int64())
    return column.cast(pa.float64()).to_numpy(zero_copy_only=False)


def _quantiles(values: np.ndarray, knots: int) -> list[float]:
    points = np.quantile(values, np.linspace(0.0, 1.0, knots))
    return [float(v) for v in np.maximum.accumulate(points)]  # exactly non-decreasing


def _correlations(names: list[str], table: pa.Table) -> dict | None:
    """The Pearson correlations of the columns ``names`` over the rows where all of them have values;
    constant columns are left out."""
    if len(names) < 2:
        return None
    matrix = np.column_stack([_numbers(table.column(n)) for n in names])
    matrix = matrix[np.isfinite(matrix).all(axis=1)]
    varying = [k for k in range(len(names)) if matrix.shape[0] > 1 and np.std(matrix[:, k]) > 0]
    if len(varying) < 2:
        return None
    r = np.corrcoef(matrix[:, varying], rowvar=False)
    # Correlations within three standard errors of zero are noise: kept at zero, they also spare the
    # copula the search for its normals' correlation.
    r[np.abs(r) < 3.0 / np.sqrt(matrix.shape[0])] = 0.0
    return {
        "columns": [names[k] for k in varying],
        "matrix": [
            [round(float(v), 6) if i != j else 1.0 for j, v in enumerate(row)] for i, row in enumerate(r)
        ],
    }


def _make_reachable(document: dict) -> None:
    """Shrink the correlations towards 0 until the copula exists: quantiles only approximate the
    columns, so correlations at the edge of what two marginals allow may be just out of reach."""
    group = document["correlations"][0]
    for _ in range(_SHRINK_STEPS):
        try:
            Schema.from_dict(document)
            return
        except SchemaError:
            group["matrix"] = [
                [v if i == j else round(v * _SHRINK, 6) for j, v in enumerate(row)]
                for i, row in enumerate(group["matrix"])
            ]
    del document["correlations"]
    Schema.from_dict(document)
