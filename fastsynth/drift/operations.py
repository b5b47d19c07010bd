"""The drift types: each turns columns of a table into drifted columns, given every row's weight.

A weight of 0 leaves a row bit-identical. Random choices come from counter-based draws keyed by the seed,
the drift's position in the list and the column, so a drift is reproducible.

Drifts defined around or relative to a mean (``scale``, ``outliers``, and ``shift`` and the noises in
``unit: std`` or ``relative``) measure the mean and the standard deviation over the non-null values of
the drift's window by default (``reference: window``): scaling a block spreads it around its own mean,
and ``magnitude: 0.5`` in ``std`` moves it by half of its own spread. ``reference: column`` measures
them over the whole column instead. On a table (``inject_drift``) they are the window's values as the
drift finds them, the standard deviation the usual one; while generating (a schema's drift events) see
``fastsynth.drift.schedule``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth import sql
from fastsynth.buffers import empty, numpy_buffer_array, read_only
from fastsynth.errors import UsageError
from fastsynth.fields.base import Block
from fastsynth.kernels import drift as kd
from fastsynth.registry import Registry
from fastsynth.specs import Bounds, argument, show

__all__ = ["OPERATIONS", "REFERENCES", "Context", "Operation", "uses_statistics"]

REFERENCES = ("window", "column")
"""Where a drift's numeric statistics come from: the rows of its window (the default) or the column."""


@dataclass
class Context:
    """What an operation works with."""

    table: pa.Table
    """The table as the drift finds it."""
    weights: np.ndarray
    """Every row's weight (0 outside the window)."""
    spec: dict[str, Any]
    """The drift's spec."""
    where: str
    """How error messages name the drift, e.g. ``drift[2] (shift)``."""
    draws: Block
    """Counter-based draws over the table's rows for this drift (``draws.start`` is the first row's
    index in the whole dataset)."""
    reference: Callable[[], Mapping[str, Any]] | None = None
    """Gives statistics to use instead of the table's own, per column: (mean, std) of a numeric column,
    the share of each value of a category column. Drift while generating batch by batch uses those of a
    fixed sample, so that a batch's drift does not depend on the batch; they are made on first use."""
    selected: np.ndarray | None = None
    """Whether each row is in the drift's window (even where a profile's weight is still 0); None when
    the window is the rows of weight > 0."""
    window: Callable[[str], tuple[np.ndarray, np.ndarray]] | None = None
    """Gives (mean, std) of each row's window, one value per row, in place of measuring them on the
    table: drift while generating measures every window on its own rows made without drift."""
    used: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The statistics each column was drifted with (reference, mean, std, rows), for the drift log."""

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{self.where}: {message}")

    def number(
        self, key: str, default: float | None = None, *, low: float = -math.inf, high: float = math.inf
    ) -> float:
        value = self.spec.get(key, default)
        if value is None:
            raise self.fail(f"needs {key!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"{key}={float(value)!r} is not a finite number; allowed: a finite number")
        return float(argument(key, value, Annotated[float, Bounds(low, high)], error=self.fail))

    def rate(self) -> float:
        return self.number("rate", low=0.0, high=1.0)

    def key(self, column: str) -> np.uint64:
        return self.draws.subkey(column)

    def column(self, name: str) -> pa.Array:
        if name not in self.table.column_names:
            raise self.fail(f"column {name!r} is not in the table ({', '.join(self.table.column_names)})")
        column = self.table.column(name)
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


@dataclass(frozen=True)
class Operation:
    """One drift type: what it applies to, and how."""

    columns: str
    """``many`` (``columns``, a list), ``one`` (``column``) or ``pair`` (``columns``, two)."""
    kinds: tuple[str, ...]
    """Column kinds it accepts: numeric, category, boolean, text, label, any."""
    keys: frozenset[str]
    """Its own spec keys."""
    apply: Callable[[Context, str], pa.Array] | Callable[[Context, list[str]], dict[str, pa.Array]]
    """Makes the drifted column (or, for pairs, columns)."""
    profiles: tuple[str, ...] = ("abrupt", "gradual", "incremental", "recurrent", "fading")
    """Profiles it supports."""
    batchwise: bool = True
    """Whether a row's result depends only on that row, so that a schema can drift rows batch by batch
    as they are made; false when it needs the whole table (a label's share, a correlation)."""
    directed: bool = False
    """Whether it takes a ``direction`` (up or down), which recurring events may alternate."""
    stable_categories: bool = False
    """Whether, while generating, it needs a category column (whose dictionary is the same in every
    batch) rather than plain text (whose dictionary changes from batch to batch)."""
    adds_values: bool = False
    """Whether it can give a category column values its field does not make (a typo, a new category):
    such a column then takes 32-bit codes, which any batch's values fit."""
    reads_table: bool = False
    """Whether it reads columns besides its own (a rule over the row): while generating, it then runs
    once the whole batch is made rather than as soon as its column is."""


def kind_of(array_type: pa.DataType) -> str:
    """numeric, boolean, category (strings and dictionaries) or other."""
    if pa.types.is_integer(array_type) or pa.types.is_floating(array_type):
        return "numeric"
    if pa.types.is_boolean(array_type):
        return "boolean"
    if (
        pa.types.is_string(array_type)
        or pa.types.is_large_string(array_type)
        or pa.types.is_dictionary(array_type)
    ):
        return "category"
    return "other"


# -- numeric ------------------------------------------------------------------------------------------


def _validity(array: pa.Array) -> np.ndarray | None:
    return None if array.null_count == 0 else array.is_valid().to_numpy(zero_copy_only=False)


def _rebuild(array: pa.Array, values: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """``values`` as an array of ``array``'s type, with the given validity."""
    if valid is None:
        return numpy_buffer_array(array.type, values)
    bits = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(array.type, len(values), [bits, pa.py_buffer(values)])


def uses_statistics(spec: Mapping[str, Any]) -> bool:
    """Whether a drift is defined around or relative to its column's mean or spread."""
    op = spec.get("type")
    unit = spec.get("unit", "std")
    return op in ("scale", "outliers") or (
        op in ("shift", "gaussian_noise", "uniform_noise") and unit != "absolute"
    )


def _statistics(
    ctx: Context, name: str, values: np.ndarray, valid: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) for the rows of ``name``: one value for all rows, or one per row."""
    choice = ctx.spec.get("reference", "window")
    if choice not in REFERENCES:
        raise ctx.fail(f"reference={show(choice)} is not allowed; allowed: {', '.join(REFERENCES)}")
    if choice == "window" and ctx.window is not None:
        return ctx.window(name)
    rows: int | None
    if choice == "column" and ctx.reference is not None:
        mean, std = ctx.reference()[name]
        rows = None
    else:
        inside = None
        if choice == "window":
            inside = ctx.selected if ctx.selected is not None else ctx.weights > 0
            if valid is not None:
                inside = inside & valid
        if inside is None:
            count, mean, std = kd.moments(values, np.zeros(0, np.bool_) if valid is None else valid)
        else:  # a copy, read-only like the column itself
            count, mean, std = kd.moments(read_only(values[inside]), np.zeros(0, np.bool_))
        rows = int(count)
    ctx.used[name] = {"reference": choice, "mean": float(mean), "std": float(std), "rows": rows}
    return np.array([mean], np.float64), np.array([std], np.float64)


def _numeric(ctx: Context, name: str) -> pa.Array:
    array = ctx.column(name)
    op = ctx.spec["type"]
    values = (array if array.null_count == 0 else array.fill_null(0)).to_numpy(zero_copy_only=False)
    half = values.dtype == np.float16  # numba has no float16: drifted as float32, narrowed once
    if half:  # read-only like Arrow's buffers of every other type
        values = read_only(values.astype(np.float32))
    valid = _validity(array)
    weights = ctx.weights if valid is None else np.where(valid, ctx.weights, 0.0)
    magnitude = ctx.number("magnitude", 0.0 if op == "outliers" else None)
    unit = ctx.spec.get("unit", "std" if op in ("shift", "gaussian_noise", "uniform_noise") else "absolute")
    if op in ("shift", "gaussian_noise", "uniform_noise") and unit not in ("std", "absolute", "relative"):
        raise ctx.fail(f"unit={unit!r} is not allowed; allowed: std, absolute, relative")
    if op in ("gaussian_noise", "uniform_noise") and magnitude < 0:
        raise ctx.fail(f"magnitude={ctx.spec['magnitude']!r} is negative; a noise level is >= 0")
    direction = ctx.spec.get("direction", "up")
    if direction not in ("up", "down"):
        raise ctx.fail(f"direction={direction!r} is not allowed; allowed: up, down")
    mean = std = np.zeros(1)
    if uses_statistics({"type": op, "unit": unit}):  # statistics only where the operation needs them
        mean, std = _statistics(ctx, name, values, valid)
    a, c = np.array([magnitude], np.float64), 0.0
    if op in ("shift", "gaussian_noise", "uniform_noise") and unit != "absolute":
        a = _times(ctx, magnitude, std if unit == "std" else np.abs(mean), unit)
    if op in ("shift", "add") and direction == "down":
        a = -a
    if op in ("scale", "multiply"):
        if magnitude <= 0:
            raise ctx.fail(f"magnitude={magnitude!r} is not a positive factor")
        a = np.array([1 / magnitude if direction == "down" else magnitude])
    if op == "outliers":
        a, c = _times(ctx, ctx.number("magnitude", 3.0, low=0.0), std, "std"), ctx.rate()
    integer = values.dtype.kind in "iu"
    info = np.iinfo(values.dtype) if integer else None
    lo, hi = (float(info.min), float(info.max)) if info is not None else (-np.inf, np.inf)
    if info is not None and hi > info.max:  # 64 bits: float(max) is 2**63 (2**64), which wrapped to min
        hi = float(np.nextafter(hi, 0.0))
    out = empty(len(values), values.dtype)
    kd.drift_numeric(
        out,
        values,
        weights,
        kd.NUMERIC_OPS[op],
        np.ascontiguousarray(a, np.float64),
        np.ascontiguousarray(mean, np.float64),
        c,
        ctx.key(name),
        ctx.draws.start,
        lo,
        hi,
        integer,
    )
    if not integer:
        if half:
            with np.errstate(over="ignore"):  # what overflows is refused just below
                out = out.astype(np.float16)
        # Kernels raise nothing on overflow: a value the drift made infinite is an error, not data.
        overflowed = np.isinf(out) & np.isfinite(values)
        if overflowed.any():
            raise ctx.fail(
                f"the drift makes values too large for a {8 * out.itemsize}-bit float ({name} reaches "
                f"{out[overflowed][0]}); give a smaller magnitude"
            )
    return _rebuild(array, out, valid)


def _times(ctx: Context, magnitude: float, statistic: np.ndarray, unit: str) -> np.ndarray:
    """``magnitude`` in ``unit`` (the window's standard deviation, or its mean for ``relative``) as an
    absolute amount, refused by name when that is past float64's range rather than warned about."""
    with np.errstate(over="ignore"):
        a = magnitude * statistic
    overflowed = np.isinf(a) & np.isfinite(statistic)  # a window without values has a NaN statistic
    if overflowed.any():
        what = "standard deviation" if unit == "std" else "mean"
        largest = statistic[overflowed][0]
        raise ctx.fail(
            f"magnitude={magnitude!r} times the {what} ({largest:g}) is past a 64-bit float's range; "
            "give a smaller magnitude"
        )
    return a


def _nulls(ctx: Context, name: str) -> pa.Array:
    array = ctx.column(name)
    rate = ctx.rate()
    hit = ctx.draws.uniform(salt=f"nulls\x00{name}") < rate * ctx.weights
    if not hit.any():
        return array
    return pc.if_else(pa.array(hit), pa.nulls(len(array), array.type), array)


# -- categories and labels ----------------------------------------------------------------------------


def _encode(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(codes, with -1 for nulls; the distinct values they index)."""
    encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
    codes = encoded.indices.cast(pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(codes), encoded.dictionary


def _decode(array: pa.Array, codes: np.ndarray, dictionary: pa.Array) -> pa.Array:
    """``codes`` back into ``array``'s type (a dictionary stays a dictionary)."""
    valid = codes >= 0
    indices = numpy_buffer_array(pa.int32(), np.where(valid, codes, 0).astype(np.int32))
    if not valid.all():
        indices = pc.if_else(pa.array(valid), indices, pa.nulls(len(codes), pa.int32()))
    if pa.types.is_dictionary(array.type):
        return pa.DictionaryArray.from_arrays(
            indices.cast(array.type.index_type), dictionary, ordered=array.type.ordered
        )
    return pc.take(dictionary, indices).cast(array.type)


def _with_values(dictionary: pa.Array, extra: list[Any], ctx: Context, key: str) -> pa.Array:
    """The dictionary with ``extra`` values appended (those it lacks), cast to its type."""
    known = dictionary.to_pylist()
    missing = [v for v in extra if v not in known]
    if not missing:
        return dictionary
    try:
        return pa.concat_arrays([dictionary, pa.array(missing).cast(dictionary.type)])
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        raise ctx.fail(
            f"{key} {missing[0]!r} is not a value of the column's type {dictionary.type}"
        ) from None


def _target(ctx: Context, dictionary: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(dictionary with the target's categories, target proportion of every code)."""
    target = ctx.spec.get("target")
    if not isinstance(target, dict) or not target:
        raise ctx.fail(f"target={target!r} is not an object of category: proportion")
    proportions = list(target.values())
    for label, share in target.items():
        argument(f"target[{label!r}]", share, Annotated[float, Bounds(0)], error=ctx.fail)
    if not math.isclose(sum(proportions), 1.0, abs_tol=1e-6):
        raise ctx.fail(f"target proportions sum to {sum(proportions):g}, not 1")
    labels = list(target)
    sample = dictionary.to_pylist()
    if sample and not isinstance(sample[0], str):  # YAML keys are text; numeric labels are numbers
        try:
            labels = [type(sample[0])(v) for v in labels]
        except ValueError:
            raise ctx.fail(f"target category {labels!r} is not of the column's type") from None
    dictionary = _with_values(dictionary, labels, ctx, "target category")
    known = dictionary.to_pylist()
    wanted = np.zeros(len(known))
    for label, proportion in zip(labels, proportions, strict=True):
        wanted[known.index(label)] = proportion
    return dictionary, wanted


def _frequencies(ctx: Context, name: str) -> pa.Array:
    """Rows move between categories so the window's mix becomes the target (in expectation, by the
    fewest moves): a row of a category above its target leaves it with probability (p - q) / p, for a
    category below target drawn in proportion to its shortfall."""
    array = ctx.column(name)
    codes, dictionary = _encode(array)
    dictionary, wanted = _target(ctx, dictionary)
    if ctx.reference is not None:
        shares = ctx.reference()[name]
        current = np.array([shares.get(value, 0.0) for value in dictionary.to_pylist()])
    else:
        window = (ctx.weights > 0) & (codes >= 0)
        current = np.bincount(codes[window], minlength=len(wanted)) / max(window.sum(), 1)
    leave = np.where(current > wanted, (current - wanted) / np.maximum(current, 1e-300), 0.0)
    shortfall = np.maximum(wanted - current, 0.0)
    if shortfall.sum() == 0:
        return array
    out = empty(len(codes), codes.dtype)
    kd.drift_codes(
        out,
        codes,
        ctx.weights,
        leave,
        np.cumsum(shortfall) / shortfall.sum(),
        ctx.key(name),
        ctx.draws.start,
        -1,
    )
    return _decode(array, out, dictionary)


def _new_category(ctx: Context, name: str) -> pa.Array:
    array = ctx.column(name)
    if not isinstance(ctx.spec.get("value"), str):
        raise ctx.fail(f"value={show(ctx.spec.get('value'))} is not a category name (text)")
    codes, dictionary = _encode(array)
    dictionary = _with_values(dictionary, [ctx.spec["value"]], ctx, "value")
    change = np.full(len(dictionary), ctx.rate())
    out = empty(len(codes), codes.dtype)
    fixed = dictionary.to_pylist().index(ctx.spec["value"])
    kd.drift_codes(out, codes, ctx.weights, change, np.ones(1), ctx.key(name), ctx.draws.start, fixed)
    return _decode(array, out, dictionary)


def _merge(ctx: Context, name: str) -> pa.Array:
    array = ctx.column(name)
    categories, into = ctx.spec.get("categories"), ctx.spec.get("into")
    if not isinstance(categories, list) or len(categories) < 1 or not isinstance(into, str):
        raise ctx.fail(
            "needs 'categories', a list of categories, and 'into', the category they become (text)"
        )
    codes, dictionary = _encode(array)
    known = dictionary.to_pylist()
    missing = [c for c in categories if c not in known]
    if missing:
        raise ctx.fail(
            f"category {missing[0]!r} is not in column {name!r} ({', '.join(map(str, known[:10]))})"
        )
    dictionary = _with_values(dictionary, [into], ctx, "into")
    known = dictionary.to_pylist()
    change = np.array([1.0 if value in categories else 0.0 for value in known])
    out = empty(len(codes), codes.dtype)
    kd.drift_codes(
        out, codes, ctx.weights, change, np.ones(1), ctx.key(name), ctx.draws.start, known.index(into)
    )
    return _decode(array, out, dictionary)


def _typos(ctx: Context, name: str) -> pa.Array:
    """One typo in a ``rate`` of the strings, of a mode drawn from ``modes``: ``swap`` (two adjacent
    characters) and ``change`` (a letter becomes another), the default, keep the length and are made in
    place; ``delete`` and ``duplicate`` (a character) change it, so the strings are rewritten in two
    passes, a plan of each string's edit and then the copy at the new offsets."""
    modes = ctx.spec.get("modes", ["swap", "change"])
    if (
        not isinstance(modes, list)
        or not modes
        or not all(isinstance(m, str) and m in kd.TYPO_MODES for m in modes)
    ):
        raise ctx.fail(
            f"modes={show(modes)} is not a list of typo modes; allowed: {', '.join(kd.TYPO_MODES)}"
        )
    array = ctx.column(name)
    text = array.dictionary_decode() if pa.types.is_dictionary(array.type) else array
    text = text.cast(pa.large_string())
    if text.offset:
        text = pa.concat_arrays([pa.array([], pa.large_string()), text])
    _, offsets, data = text.buffers()
    # read-only whatever Arrow's buffers are (arrays read from IPC are, pyarrow's own are not; see read_only)
    bytes_ = read_only(np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8))
    positions = read_only(np.frombuffer(offsets, np.int64)[: len(text) + 1])
    if set(modes) == {"swap", "change"}:
        bytes_ = bytes_.copy()
        kd.typos(bytes_, positions, ctx.weights, ctx.rate(), ctx.key(name), ctx.draws.start)
    else:
        n = len(text)
        edit, at, letter = empty(n, np.int8), empty(n, np.int64), empty(n, np.uint8)
        codes = np.array(sorted({kd.TYPO_MODES[m] for m in modes}), np.int8)
        kd.typo_plan(
            bytes_,
            positions,
            ctx.weights,
            ctx.rate(),
            ctx.key(name),
            ctx.draws.start,
            codes,
            edit,
            at,
            letter,
        )
        lengths = np.diff(positions) + (edit == 3) - (edit == 2)
        new_positions = np.zeros(n + 1, np.int64)
        np.cumsum(lengths, out=new_positions[1:])
        out = empty(int(new_positions[-1]), np.uint8)
        kd.typo_apply(out, bytes_, positions, new_positions, edit, at, letter)
        bytes_, offsets = out, pa.py_buffer(new_positions)
    changed = pa.Array.from_buffers(
        pa.large_string(), len(text), [text.buffers()[0], offsets, pa.py_buffer(bytes_)]
    )
    if pa.types.is_dictionary(array.type):
        return pc.dictionary_encode(changed.cast(array.type.value_type)).cast(array.type)
    return changed.cast(array.type)


def _flip(ctx: Context, name: str) -> pa.Array:
    array = ctx.column(name)
    values = array.fill_null(False).to_numpy(zero_copy_only=False).view(np.uint8)
    out = empty(len(values), values.dtype)
    kd.flip_bits(out, values, ctx.weights, ctx.rate(), ctx.key(name), ctx.draws.start)
    flipped = pa.Array.from_buffers(
        pa.bool_(), len(out), [None, pa.py_buffer(np.packbits(out.view(np.bool_), bitorder="little"))]
    )
    return (
        flipped
        if array.null_count == 0
        else pc.if_else(array.is_valid(), flipped, pa.nulls(len(out), pa.bool_()))
    )


def _choose(ctx: Context, candidates: np.ndarray, count: int, salt: str) -> np.ndarray:
    """``count`` of the candidate rows, drawn with probability in proportion to their weights
    (Efraimidis and Spirakis: the largest ``u ** (1 / w)``)."""
    if count <= 0:
        return np.zeros(0, np.int64)
    u = ctx.draws.uniform(salt=salt)[candidates]
    keys = np.log(np.maximum(u, 1e-300)) / ctx.weights[candidates]
    if count >= len(candidates):
        return candidates
    return candidates[np.argpartition(-keys, count - 1)[:count]]


def _label_flip(ctx: Context, name: str) -> pa.Array:
    """Exactly floor(rate * sum of weights) labels in the window (floor(rate * n) for an abrupt drift)
    move to another class, drawn uniformly among the others."""
    array = ctx.column(name)
    codes, dictionary = _encode(array)
    classes = len(dictionary)
    if classes < 2:
        raise ctx.fail(f"column {name!r} has {classes} class; flipping labels needs at least 2")
    candidates = np.flatnonzero((ctx.weights > 0) & (codes >= 0))
    count = math.floor(ctx.rate() * float(ctx.weights[candidates].sum()) + 1e-9)
    rows = _choose(ctx, candidates, count, f"flip\x00{name}")
    shift = 1 + np.floor(ctx.draws.uniform(salt=f"class\x00{name}")[rows] * (classes - 1)).astype(np.int32)
    out = codes.copy()
    out[rows] = (codes[rows] + shift) % classes
    return _decode(array, out, dictionary)


def _prior_shift(ctx: Context, name: str) -> pa.Array:
    """The window's class counts become the target proportions exactly (largest remainders), by
    relabelling the fewest rows: rows of classes above target, chosen at random, join classes below."""
    array = ctx.column(name)
    codes, dictionary = _encode(array)
    dictionary, wanted = _target(ctx, dictionary)
    window = np.flatnonzero((ctx.weights > 0) & (codes >= 0))
    counts = np.bincount(codes[window], minlength=len(wanted))
    exact = wanted * len(window)
    goal = np.floor(exact).astype(np.int64)
    goal[np.argsort(-(exact - goal), kind="stable")[: len(window) - goal.sum()]] += 1
    order = np.argsort(ctx.draws.uniform(salt=f"prior\x00{name}")[window], kind="stable")
    shuffled = window[order]
    leaving = np.concatenate(
        [shuffled[codes[shuffled] == k][: max(counts[k] - goal[k], 0)] for k in range(len(wanted))]
    )
    joining = np.repeat(np.arange(len(wanted)), np.maximum(goal - counts, 0))
    out = codes.copy()
    out[leaving] = joining
    return _decode(array, out, dictionary)


def _concept(ctx: Context, name: str) -> pa.Array:
    """The label follows a new rule: an SQL expression over the table (``rule``) or, from Python, a
    function of the table (``function``) returning the new labels."""
    array = ctx.column(name)
    rule, function = ctx.spec.get("rule"), ctx.spec.get("function")
    if (rule is None) == (function is None):
        raise ctx.fail(
            "needs one of 'rule' (an SQL expression such as 'CASE WHEN age > 50 THEN 1 ELSE 0 END') "
            "or 'function'"
        )
    if rule is not None:
        import polars as pl

        if not isinstance(rule, str):
            raise ctx.fail(f"rule={rule!r} is not an SQL expression")
        try:
            new = pl.DataFrame(ctx.table).select(sql.parse(rule).alias(name)).to_arrow().column(0)
        except Exception as exc:  # polars raises many types for a bad expression
            raise ctx.fail(f"rule={rule!r} is not a valid expression: {exc}".split("\n")[0]) from None
    else:
        assert function is not None
        new = pa.chunked_array([pa.array(np.asarray(function(ctx.table)))])
    if len(new) != len(array):
        raise ctx.fail(f"the new labels have {len(new)} values; the table has {len(array)} rows")
    target_type = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
    try:
        new = new.cast(target_type).combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise ctx.fail(
            f"the new labels ({new.type}) do not convert to the column's type {target_type}"
        ) from None
    hit = ctx.draws.uniform(salt=f"concept\x00{name}") < ctx.weights
    plain = array.dictionary_decode() if pa.types.is_dictionary(array.type) else array
    result = pc.if_else(pa.array(hit), new, plain)
    return pc.dictionary_encode(result).cast(array.type) if pa.types.is_dictionary(array.type) else result


# -- correlation ----------------------------------------------------------------------------------------


def _correlation(ctx: Context, names: list[str]) -> dict[str, pa.Array]:
    """In the window, the second column's values are reordered among its rows so that its Pearson
    correlation with the first becomes ``target``: both marginals are kept exactly. The new order
    follows a Gaussian copula whose parameter is tuned until the correlation is within 0.005."""
    target = ctx.number("target", low=-0.999, high=0.999)
    first, second = (ctx.column(n) for n in names)
    for name, array in zip(names, (first, second), strict=True):
        if array.null_count:
            raise ctx.fail(f"column {name!r} has nulls; correlation drift needs complete columns")
    x = first.to_numpy(zero_copy_only=False).astype(np.float64)
    y_values = second.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(ctx.weights > 0)
    if len(rows) < 3:
        raise ctx.fail(f"the window holds {len(rows)} rows; a correlation needs at least 3")
    scores = np.sort(ctx.draws.normal(salt="copula")[: len(rows)])
    zx = np.empty(len(rows))
    zx[np.argsort(x[rows], kind="stable")] = scores
    noise = ctx.draws.normal(salt="copula-noise")[rows]
    noise -= zx * (noise @ zx) / (zx @ zx)
    noise *= np.sqrt(len(rows)) / max(np.linalg.norm(noise), 1e-300)
    zx_unit = zx * np.sqrt(len(rows)) / np.linalg.norm(zx)
    y_sorted = np.sort(y_values[rows].astype(np.float64))
    y_original_sorted = np.sort(y_values[rows])

    def arrange(rho: float) -> tuple[np.ndarray, float]:
        s = rho * zx_unit + math.sqrt(max(1 - rho * rho, 0.0)) * noise
        ranks = np.empty(len(rows), np.int64)
        ranks[np.argsort(s, kind="stable")] = np.arange(len(rows))
        return ranks, float(np.corrcoef(x[rows], y_sorted[ranks])[0, 1])

    lo, hi = -0.9999, 0.9999
    rho = target
    ranks, reached = arrange(rho)
    for _ in range(40):  # the correlation grows with rho: bisect
        if abs(reached - target) <= 0.005:
            break
        lo, hi = (rho, hi) if reached < target else (lo, rho)
        rho = (lo + hi) / 2
        ranks, reached = arrange(rho)
    if abs(reached - target) > 0.02:
        raise ctx.fail(f"target={target} cannot be reached with these marginals (best {reached:.3f})")
    y_new = y_values.copy()
    y_new[rows] = y_original_sorted[ranks]
    return {names[0]: first, names[1]: _rebuild(second, y_new, None)}


OPERATIONS: Registry[Operation] = Registry("drift type", "fastsynth.drifts", UsageError)
"""Every drift type by name; a plugin adds one with ``OPERATIONS.add(name, Operation(...))`` or the
``fastsynth.drifts`` entry point group."""

_NUMERIC_KEYS = frozenset({"magnitude", "unit", "direction", "reference"})
_DIRECTED_KEYS = frozenset({"magnitude", "direction"})
_NOISE_KEYS = frozenset({"magnitude", "unit", "reference"})
for _name, _operation in {
    "shift": Operation("many", ("numeric",), _NUMERIC_KEYS, _numeric, directed=True),
    "scale": Operation("many", ("numeric",), _DIRECTED_KEYS | {"reference"}, _numeric, directed=True),
    "gaussian_noise": Operation("many", ("numeric",), _NOISE_KEYS, _numeric),
    "uniform_noise": Operation("many", ("numeric",), _NOISE_KEYS, _numeric),
    "add": Operation("many", ("numeric",), _DIRECTED_KEYS, _numeric, directed=True),
    "multiply": Operation("many", ("numeric",), _DIRECTED_KEYS, _numeric, directed=True),
    "outliers": Operation("many", ("numeric",), frozenset({"magnitude", "rate", "reference"}), _numeric),
    "nulls": Operation("many", ("numeric", "boolean", "category", "other"), frozenset({"rate"}), _nulls),
    "frequencies": Operation(
        "many", ("category",), frozenset({"target"}), _frequencies, stable_categories=True
    ),
    "new_category": Operation(
        "many",
        ("category",),
        frozenset({"value", "rate"}),
        _new_category,
        stable_categories=True,
        adds_values=True,
    ),
    "merge": Operation(
        "many", ("category",), frozenset({"categories", "into"}), _merge, stable_categories=True
    ),
    "typos": Operation("many", ("category",), frozenset({"rate", "modes"}), _typos, adds_values=True),
    "flip": Operation("many", ("boolean",), frozenset({"rate"}), _flip),
    "label_flip": Operation(
        "one", ("numeric", "boolean", "category"), frozenset({"rate"}), _label_flip, batchwise=False
    ),
    "prior_shift": Operation(
        "one",
        ("numeric", "boolean", "category"),
        frozenset({"target"}),
        _prior_shift,
        ("abrupt",),
        batchwise=False,
    ),
    "concept": Operation(
        "one",
        ("numeric", "boolean", "category"),
        frozenset({"rule", "function"}),
        _concept,
        reads_table=True,
    ),
    "correlation": Operation(
        "pair", ("numeric",), frozenset({"target"}), _correlation, ("abrupt",), batchwise=False
    ),
}.items():
    OPERATIONS.add(_name, _operation)
