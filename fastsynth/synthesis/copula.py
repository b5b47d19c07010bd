"""A schema fitted on real data, so that generation makes more rows like it: a Gaussian copula.

Each column becomes a field with the column's distribution: numbers and times an ``empirical`` field (its
quantiles, in the column's own type: an int16 column makes int16 values), booleans a ``bool`` with the
observed share, text and categories a ``category`` with the observed frequencies (the commonest
``max_categories`` values), and the observed share of nulls as ``null_rate``. All of them, numbers,
times, booleans and categories, enter one Gaussian copula, the schema's ``correlations`` group with
``kind: normal``: the correlations of the normals that drive the columns, measured on the data's normal
scores (each value the mean of a normal over its interval of probability; a category's interval is its
share, in the order listed) and corrected for what coarse intervals average away. So the relations
between numbers (Spearman-like, whatever the marginals), between a category and a number (incomes by
city: categories are listed in the order that lines them up with the numbers), a boolean and a number,
and between categories are kept, as far as one normal per column can carry them: a category's effect is
kept as one ordering, so means by category come within a few percent, not exactly. Not kept: relations
between text values (an email built from a name), and anything beyond pairwise normal dependence.

The result is an ordinary schema document: it can be saved, edited, drifted, streamed and served
like any other, and it holds no row of the data, only quantiles, frequencies and a correlation matrix
(each category value it keeps was seen in the data, though).

    schema = fastsynth.fit(real_table)      # or: fastsynth fit real.parquet --output schema.yaml
    more = fastsynth.generate(schema, 10_000_000)
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.errors import SchemaError, UsageError
from fastsynth.fields.empirical import integer_bounds
from fastsynth.kernels.copula import interval_means
from fastsynth.schema import Schema
from fastsynth.sources import to_arrow
from fastsynth.specs import Bounds, PositiveInt, argument

__all__ = ["MAX_QUANTILES", "OPTIONS", "fit"]

OPTIONS = ("quantiles", "max_categories", "correlations")

MAX_QUANTILES = 100_000
"""The most quantiles a column may keep: as many as an ``empirical`` field holds (checked before the
quantiles are computed, whose array is that long)."""

_SHRINK = 0.98
_EIGEN_FLOOR = 1e-4
_SHRINK_STEPS = 20


def fit(data: Any, *, quantiles: int = 257, max_categories: int = 10_000, correlations: bool = True) -> dict:
    """The schema document fitted on ``data`` (an Arrow table or batch, a polars or pandas DataFrame):
    ``quantiles`` per numeric column, at most ``max_categories`` values per text column, and the
    columns' copula unless ``correlations`` is False."""
    quantiles = argument("quantiles", quantiles, Annotated[int, Bounds(2, MAX_QUANTILES)])
    max_categories = argument("max_categories", max_categories, PositiveInt)
    table, _ = to_arrow(data)
    if table.num_rows == 0:
        raise UsageError("fit: the data has no rows")
    table = _nan_as_null(_decoded(table))
    fields: dict[str, dict[str, Any]] = {}
    for index, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        if not name:
            raise UsageError(
                f"fit: column #{index + 1} has an empty name; allowed: named columns (a schema names its "
                "fields; methods such as 'resample' keep the name as it is)"
            )
        spec = _fit_column(name, column, quantiles, max_categories)
        nulls = column.null_count / table.num_rows
        if nulls > 0:
            spec["null_rate"] = round(nulls, 6)
        fields[name] = spec
    document: dict[str, Any] = {"fields": fields}
    if correlations:
        group = _correlations(fields, table)
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
            if len(values) == 0:
                raise UsageError(f"fit: column {name!r} holds no finite number; drop it or give it values")
        quantiles = _quantiles(values, knots)
        dtype = _dtype(kind)
        if pa.types.is_integer(kind):  # 64-bit edges round up in float64, one past the type
            low, high = integer_bounds(dtype)
            quantiles = [min(max(q, low), high) for q in quantiles]
        spec = {"type": "empirical", "quantiles": quantiles}
        if dtype != "float64":
            spec["dtype"] = dtype
        return spec
    if pa.types.is_timestamp(kind):
        values = _numbers(present)
        low, high = integer_bounds("int64")  # times near 1677 or 2262 in ns round past int64 in float64
        spec = {
            "type": "empirical",
            "dtype": "timestamp",
            "unit": kind.unit,
            "quantiles": [min(max(q, low), high) for q in _quantiles(values, knots)],
        }
        if kind.tz is not None:
            spec["timezone"] = kind.tz
        return spec
    if pa.types.is_date(kind):
        return {"type": "empirical", "dtype": "date", "quantiles": _quantiles(_numbers(present), knots)}
    if pa.types.is_dictionary(kind) or _categorical(kind):
        # a dictionary's categories keep their type: integer codes stay integers, not text
        counts = pc.value_counts(present.cast(kind.value_type) if pa.types.is_dictionary(kind) else present)
        values, frequencies = counts.field("values"), counts.field("counts").to_numpy()
        order = np.argsort(-frequencies, kind="stable")[:max_categories]
        kept = frequencies[order].astype(np.float64)
        return {
            "type": "category",
            "categories": [values[int(k)].as_py() for k in order],
            "probabilities": [round(float(p), 12) for p in kept / kept.sum()],
        }
    # pyarrow reads a CSV column whose text is not UTF-8 as binary
    hint = " (a CSV column of text that is not UTF-8 is read as binary: save the file as UTF-8)"
    raise UsageError(
        f"fit: column {name!r} is {kind}; fitted types: integers, floats, decimals, booleans, timestamps, "
        f"dates, strings and dictionaries{hint if pa.types.is_binary(kind) else ''}"
    )


def _categorical(kind: pa.DataType) -> bool:
    """Whether a column of ``kind`` is fitted as a category: text; and, as a dictionary's values,
    integers, floats and booleans (values a ``category`` field holds)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            return True
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _decoded(table: pa.Table) -> pa.Table:
    """``table`` with each dictionary column whose values are not categories (dates, times) as its
    values, fitted as such."""
    for index, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type) and not _categorical(field.type):
            table = table.set_column(index, field.name, table.column(index).cast(field.type.value_type))
    return table


def _nan_as_null(table: pa.Table) -> pa.Table:
    """``table`` with NaN in each dictionary of floats as null: a category cannot be NaN (it equals no
    value, not even itself), and a NaN stands for a missing number, so its rows count in ``null_rate``."""
    for index, field in enumerate(table.schema):
        kind = field.type
        if pa.types.is_dictionary(kind) and pa.types.is_floating(kind.value_type):
            chunks = [_chunk_nan_as_null(chunk) for chunk in table.column(index).chunks]
            table = table.set_column(index, field.name, pa.chunked_array(chunks, kind))
    return table


def _chunk_nan_as_null(chunk: pa.DictionaryArray) -> pa.DictionaryArray:
    """``chunk`` with its rows whose value is NaN null (its dictionary as it is)."""
    nan = np.isnan(chunk.dictionary.to_numpy(zero_copy_only=False))
    if not nan.any():
        return chunk
    rows = pc.take(pa.array(nan), chunk.indices)  # null where the row is already
    indices = pc.if_else(rows, pa.scalar(None, chunk.indices.type), chunk.indices)
    return pa.DictionaryArray.from_arrays(indices, chunk.dictionary, ordered=chunk.type.ordered)


def _dtype(kind: pa.DataType) -> str:
    """The empirical field's dtype for a number column: its own type (decimals as float64)."""
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return str(kind.to_pandas_dtype().__name__)
    return "float64"


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric, timestamp or date column as float64 (times in their unit, dates in days since 1970;
    nulls as NaN)."""
    kind = column.type
    if pa.types.is_date(kind):
        column = column.cast(pa.date32()).cast(pa.int32())
    elif pa.types.is_timestamp(kind):
        column = column.cast(pa.int64())
    # Unchecked: nanosecond times and 64-bit ids lie past 2**53, where float64 rounds them (a
    # quantile needs no more precision than that).
    return column.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)


def _quantiles(values: np.ndarray, knots: int) -> list[float]:
    """``knots`` quantiles at evenly spaced probabilities, the outer two pulled in from the minimum and
    the maximum so that the first and last stretch have the mean of the data they stand for: the field
    spreads each stretch evenly, and one from the 99.6th percentile of a long tail to its maximum would
    make far too many large values (a lognormal's standard deviation 17% too high, its Pearson
    correlations off by 0.04); the copula's correlations, measured on ranks, would not undo that."""
    points = np.quantile(values, np.linspace(0.0, 1.0, knots))
    if knots > 2:
        bottom, top = values[values <= points[1]].mean(), values[values >= points[-2]].mean()
        points[0] = max(points[0], 2.0 * bottom - points[1])
        points[-1] = min(points[-1], 2.0 * top - points[-2])
    return [float(v) for v in np.maximum.accumulate(points)]  # exactly non-decreasing


def _correlations(fields: dict[str, dict[str, Any]], table: pa.Table) -> dict | None:
    """The copula's group: the correlations of the normals behind every number, time, boolean and
    category column (``kind: normal``), measured on normal scores over the rows where both columns of a
    pair have values; columns with one value are left out. Categories are put in the order that lines
    them up with the numbers (so that one normal can carry, say, incomes by city), which also reorders
    their ``categories`` in ``fields``."""
    codes = {
        name: _number_codes(table.column(name))
        for name, spec in fields.items()
        if spec["type"] == "empirical"
    }
    numbers = np.column_stack([_scores(c)[0] for c in codes.values()]) if codes else None
    for name, spec in fields.items():
        if spec["type"] == "bool":
            values = table.column(name).cast(pa.int8()).fill_null(-1)
            codes[name] = values.to_numpy().astype(np.int64)
        elif spec["type"] == "category":
            codes[name] = _category_codes(table.column(name), spec, numbers)
    names = [name for name in fields if name in codes]  # the table's order
    scores, spreads = zip(*(_scores(codes[name]) for name in names), strict=True) if names else ((), ())
    varying = [k for k, spread in enumerate(spreads) if spread > 1e-12]
    if len(varying) < 2:
        return None
    s = np.column_stack([scores[k] / spreads[k] for k in varying])  # unit variance
    present = np.isfinite(s).astype(np.float64)
    s[present == 0] = 0.0
    squares = (s * s).T @ present  # [i, j]: the sum of column i's squares over the rows j also has
    denominator = np.sqrt(squares * squares.T)
    r = np.divide(s.T @ s, denominator, out=np.zeros_like(denominator), where=denominator > 0)
    # Correlations within three standard errors of zero are noise: kept at zero.
    r[np.abs(r) < 3.0 / np.sqrt(table.num_rows)] = 0.0
    # A score is the mean of its normal over an interval: coarse intervals (a boolean, a few categories,
    # heavily tied numbers) shrink its correlations by its spread, which is undone here (exact against a
    # number, to first order between two categories: the polyserial and polychoric corrections).
    spread = np.array([spreads[k] for k in varying])
    r = np.clip(r / np.outer(spread, spread), -1.0, 1.0)
    np.fill_diagonal(r, 1.0)
    r = _nearest_correlation(r)
    return {
        "columns": [names[k] for k in varying],
        "kind": "normal",
        "matrix": [
            [round(float(v), 6) if i != j else 1.0 for j, v in enumerate(row)] for i, row in enumerate(r)
        ],
    }


def _number_codes(column: pa.ChunkedArray) -> np.ndarray:
    """Each row's rank among the column's distinct values (-1 for nulls and non-finite numbers)."""
    values = _numbers(column)
    finite = np.isfinite(values)
    codes = np.full(len(values), -1, np.int64)
    codes[finite] = np.unique(values[finite], return_inverse=True)[1]
    return codes


def _category_codes(column: pa.ChunkedArray, spec: dict[str, Any], numbers: np.ndarray | None) -> np.ndarray:
    """Each row's position in ``spec['categories']`` (-1 for nulls and values not kept), after putting
    the categories in the order of their mean normal scores of the numbers along the direction in which
    those means differ most (their first principal component): one normal then orders cities by income
    when incomes differ by city. Ties keep the commonest first."""
    text = column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
    if pa.types.is_float16(text.type):  # index_in has no half-float kernel; float32 holds them exactly
        text = text.cast(pa.float32())
    categories = pa.array(spec["categories"], text.type)
    codes = pc.index_in(text, value_set=categories).fill_null(-1).to_numpy().astype(np.int64)
    k = len(categories)
    if numbers is None or k < 2:
        return codes
    means = np.zeros((k, numbers.shape[1]))
    for j in range(numbers.shape[1]):
        ok = (codes >= 0) & np.isfinite(numbers[:, j])
        counts = np.bincount(codes[ok], minlength=k)
        sums = np.bincount(codes[ok], weights=numbers[ok, j], minlength=k)
        means[:, j] = np.divide(sums, counts, out=np.zeros(k), where=counts > 0)
    weights = np.asarray(spec["probabilities"])
    direction = np.linalg.eigh((means * weights[:, None]).T @ means)[1][:, -1]
    direction *= np.sign(direction[np.argmax(np.abs(direction))])  # one sign, for a deterministic order
    order = np.argsort(means @ direction, kind="stable")
    spec["categories"] = [spec["categories"][int(k)] for k in order]
    spec["probabilities"] = [spec["probabilities"][int(k)] for k in order]
    position = np.empty(k, np.int64)
    position[order] = np.arange(k)
    return np.where(codes >= 0, position[np.maximum(codes, 0)], -1)


def _scores(codes: np.ndarray) -> tuple[np.ndarray, float]:
    """The normal score of each row (NaN where ``codes`` is -1): the mean of a standard normal over its
    code's interval of probability, the codes taking intervals in order, each as wide as its share of
    the rows (``fastsynth.kernels.copula``); and the scores' standard deviation, below 1 by what the
    intervals average away."""
    present = codes >= 0
    counts = np.bincount(codes[present]).astype(np.float64)
    if counts.sum() == 0:
        return np.full(len(codes), np.nan), 0.0
    shares = counts / counts.sum()
    upper = np.minimum(np.cumsum(shares), 1.0)
    lower = np.concatenate([[0.0], upper[:-1]])
    means = np.empty(len(counts))
    interval_means(means, lower, upper)
    means[counts == 0] = 0.0  # no row has them (a boolean always true): an empty interval may be at +-inf
    scores = np.full(len(codes), np.nan)
    scores[present] = means[codes[present]]
    return scores, float(np.sqrt(max(0.0, float(np.sum(shares * means * means)))))


def _nearest_correlation(r: np.ndarray) -> np.ndarray:
    """``r`` if positive definite, else the correlation matrix made of its eigenvectors with eigenvalues
    raised to a small floor (pairwise-measured correlations, and corrected ones, need not fit together)."""
    values, vectors = np.linalg.eigh(r)
    if values.min() > _EIGEN_FLOOR:
        return r
    fixed = (vectors * np.maximum(values, _EIGEN_FLOOR)) @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(fixed))
    return np.clip(fixed * np.outer(scale, scale), -1.0, 1.0)


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
