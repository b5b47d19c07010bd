"""``inject_drift``: known drift into any table, with a log of exactly what changed.

A drift is a dict (or a YAML/JSON entry) naming its ``type`` (see ``fastsynth.drift.operations``), its
column or columns, its own parameters, the rows it touches (``fastsynth.drift.selection``) and its
``profile`` (``fastsynth.drift.profiles``)::

    data, log = fastsynth.inject_drift(table, [
        {"type": "shift", "columns": ["income"], "magnitude": 0.5, "rows": {"start": 5000},
         "profile": {"type": "gradual", "transition": "sigmoid"}},
        {"type": "label_flip", "column": "churn", "rate": 0.1, "where": "age > 50"},
    ])

Drifts apply in order, each to the result of the ones before. Rows outside every window are
bit-identical to the input. A numeric drift with ``propagate`` also moves the columns correlated with
the drifted ones (``fastsynth.drift.propagation``); without it, only its own columns change. A drift
around or relative to the mean (scale, outliers, shift and noise in ``std`` or ``relative`` units)
measures the mean and standard deviation over its window's rows (``reference: window``, the default) or
the whole column (``reference: column``); its log entry says which, with the values (``statistics``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty
from fastsynth.documents import read_document
from fastsynth.drift.operations import OPERATIONS, Context, kind_of
from fastsynth.drift.profiles import Profile
from fastsynth.drift.propagation import Propagation, propagate
from fastsynth.drift.selection import Selection
from fastsynth.errors import UsageError
from fastsynth.fields.base import Block
from fastsynth.kernels import drift as kd
from fastsynth.seeds import resolve_seed
from fastsynth.sources import from_arrow, to_arrow
from fastsynth.specs import Invalid, Size, Spec, from_document

__all__ = ["Drift", "DriftLog", "Drifted", "inject_drift", "load_drifts"]

_SQL_SIZE = Size("expression", "tokens")
_COMMON_KEYS = {
    "type",
    "column",
    "columns",
    "profile",
    "rows",
    "blocks",
    "time",
    "where",
    "name",
    "propagate",
}


@dataclass(frozen=True)
class Drift:
    """One validated drift."""

    type: str
    columns: tuple[str, ...]
    spec: dict[str, Any]
    selection: Selection
    profile: Profile
    where: str
    propagation: Propagation | None = None
    """Whether, and how, its change moves correlated columns (``fastsynth.drift.propagation``)."""

    @classmethod
    def from_spec(cls, spec: Any, index: int) -> Drift:
        where = f"drift[{index}]"
        if not isinstance(spec, dict):
            raise UsageError(f"{where}: {spec!r} is not an object with a 'type'")
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in OPERATIONS:
            allowed = ", ".join(OPERATIONS.names())
            raise UsageError(f"{where}: type={kind!r} is not a drift type; allowed: {allowed}")
        where = f"drift[{index}] ({kind})"
        operation = OPERATIONS.get(kind)
        unknown = sorted(set(spec) - _COMMON_KEYS - operation.keys)
        if unknown:
            keys = ", ".join(sorted(_COMMON_KEYS | operation.keys))
            raise UsageError(f"{where}: unknown key {unknown[0]!r}; allowed: {keys}")
        if operation.columns == "one":
            column = spec.get("column")
            if column is None and isinstance(spec.get("columns"), list) and len(spec["columns"]) == 1:
                column = spec["columns"][0]
            if not isinstance(column, str):
                raise UsageError(f"{where}: needs 'column', the label column")
            columns: tuple[str, ...] = (column,)
        else:
            given = spec.get("columns", [spec["column"]] if "column" in spec else None)
            if isinstance(given, str):
                given = [given]
            if not isinstance(given, list) or not given or not all(isinstance(c, str) for c in given):
                raise UsageError(f"{where}: columns={given!r} is not a list of column names")
            if operation.columns == "pair" and len(given) != 2:
                raise UsageError(f"{where}: columns={given!r} is not a pair of columns")
            columns = tuple(given)
        profile = Profile.from_spec(spec.get("profile"), where)
        if profile.type not in operation.profiles:
            raise UsageError(
                f"{where}: profile {profile.type!r} is not supported; "
                f"allowed: {', '.join(operation.profiles)}"
            )
        propagation = Propagation.from_spec(spec.get("propagate"), where)
        if propagation is not None and (operation.kinds != ("numeric",) or operation.columns != "many"):
            numeric = [n for n in OPERATIONS.names() if OPERATIONS.get(n).kinds == ("numeric",)]
            allowed = ", ".join(n for n in numeric if OPERATIONS.get(n).columns == "many")
            raise UsageError(f"{where}: propagate applies to numeric drifts ({allowed})")
        for key in ("rule", "where"):  # SQL, capped like an expr field's where ceilings are in force
            if isinstance(spec.get(key), str):
                try:
                    _SQL_SIZE.check(spec[key], key)
                except Invalid as exc:
                    raise UsageError(f"{where}: {exc}") from None
        selection = Selection.from_drift(spec, where)
        return cls(kind, columns, dict(spec), selection, profile, where, propagation)


@dataclass
class DriftLog:
    """The ground truth of one ``inject_drift`` call: one entry per drift."""

    seed: int
    entries: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "drifts": self.entries}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")


class Drifted(NamedTuple):
    """The drifted data (the input's kind) and its drift log."""

    data: Any
    log: DriftLog


@dataclass(frozen=True)
class _Config(Spec):
    """A drift config: its drifts (each parsed by ``Drift.from_spec``) and an optional seed."""

    drifts: tuple[Any, ...]
    seed: int | None = None


def load_drifts(source: Any) -> tuple[list[Any], int | None]:
    """(drift specs, seed or None) from a list, a ``{"drifts": [...], "seed": s}`` object, or the path of
    a YAML or JSON file holding either."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"drift config {str(path)!r} cannot be read: {exc.strerror or exc}") from None
        source = read_document(path, text, f"drift config {str(path)!r}")
    if isinstance(source, list):
        source = {"drifts": source}
    config = from_document(_Config, source, where="drift config", error=UsageError)
    return list(config.drifts), config.seed


def inject_drift(
    data: Any, drifts: Any, *, seed: int | None = None, weight_column: str | None = None
) -> Drifted:
    """``data`` (an Arrow table or batch, a polars or pandas DataFrame) with ``drifts`` applied in order,
    returned as the same kind of data (a pandas DataFrame keeps its index, polars columns their dtypes),
    and the log of what each did. ``drifts`` is a list of drift specs, ``{"drifts": [...], "seed": s}``
    or the path of a YAML or JSON file. ``weight_column`` adds a column of each row's largest drift
    weight (0 where no drift touched it)."""
    specs, config_seed = load_drifts(drifts)
    chosen = resolve_seed(seed, config_seed)
    parsed = [Drift.from_spec(spec, index) for index, spec in enumerate(specs)]
    table, kind = to_arrow(data)
    if weight_column is not None and weight_column in table.column_names:
        raise UsageError(f"weight_column={weight_column!r} is already a column")
    log = DriftLog(chosen)
    most = np.zeros(table.num_rows if weight_column is not None else 0)
    for index, drift in enumerate(parsed):
        table, entry, weights = _apply(table, drift, index, chosen)
        log.entries.append(entry)
        if weight_column is not None:
            np.maximum(most, weights, out=most)
    if weight_column is not None:
        table = table.append_column(weight_column, pa.array(most.astype(np.float32)))
    return Drifted(from_arrow(table, kind, like=data), log)


def _apply(
    table: pa.Table, drift: Drift, index: int, seed: int
) -> tuple[pa.Table, dict[str, Any], np.ndarray]:
    operation = OPERATIONS.get(drift.type)
    for name in drift.columns:
        if name not in table.column_names:
            raise UsageError(
                f"{drift.where}: column {name!r} is not in the table ({', '.join(table.column_names)})"
            )
        column_kind = kind_of(table.schema.field(name).type)
        if column_kind not in operation.kinds:
            raise UsageError(
                f"{drift.where}: column {name!r} is {table.schema.field(name).type}; {drift.type} needs a "
                f"{' or '.join(operation.kinds)} column"
            )
    window = drift.selection.select(table, drift.where)
    draws = Block(f"\x00drift{index}", seed, 0, table.num_rows)
    weights = empty(table.num_rows, np.float64)
    weights[:] = 0.0
    if drift.profile.type == "abrupt":
        weights[window.rows] = 1.0
    else:
        mixing = draws.uniform(salt="profile")[window.rows] if drift.profile.type == "gradual" else None
        weights[window.rows] = drift.profile.weights(window.positions(), mixing)
    selected = np.zeros(table.num_rows, np.bool_)
    selected[window.rows] = True
    ctx = Context(table, weights, drift.spec, drift.where, draws, selected=selected)
    if operation.columns == "pair":
        new_columns = operation.apply(ctx, list(drift.columns))  # type: ignore[arg-type]
    else:
        new_columns = {name: operation.apply(ctx, name) for name in drift.columns}  # type: ignore[arg-type]
    changed = {}
    before_drift = table
    for name, array in new_columns.items():
        before = table.column(name)
        position = table.column_names.index(name)
        table = table.set_column(position, table.schema.field(name), pa.chunked_array([array], before.type))
        changed[name] = _changed_rows(
            before.chunk(0) if before.num_chunks == 1 else before.combine_chunks(), array
        )
    entry: dict[str, Any] = {
        "index": index,
        "type": drift.type,
        "columns": list(drift.columns),
        **{k: v for k, v in drift.spec.items() if k in operation.keys and k != "function"},
        "selection": drift.selection.describe(),
        "rows": {
            "count": window.size,
            "first": window.first_last()[0],
            "last": window.first_last()[1],
            "drifted": int(np.count_nonzero(weights)),
        },
        "profile": drift.profile.to_dict(),
        "changed": changed,
    }
    if ctx.used:  # what a drift around (or relative to) the mean measured: the window or the column
        entry["reference"] = drift.spec.get("reference", "window")
        entry["statistics"] = ctx.used
    if drift.propagation is not None:
        table, entry["propagated"] = propagate(
            drift.propagation, before_drift, table, drift.columns, drift.where
        )
    if "name" in drift.spec:
        entry["name"] = drift.spec["name"]
    return table, entry, weights


def _changed_rows(before: pa.Array, after: pa.Array) -> int:
    """Rows whose value or validity differs."""
    import pyarrow.compute as pc

    if before.null_count == 0 and after.null_count == 0 and kind_of(before.type) == "numeric":
        if pa.types.is_float16(before.type):  # numba has no float16; float32 holds its values exactly
            before, after = before.cast(pa.float32()), after.cast(pa.float32())
        return int(kd.count_changed(before.to_numpy(), after.to_numpy()))
    if pa.types.is_dictionary(before.type):
        before, after = before.dictionary_decode(), after.dictionary_decode()
    same = pc.fill_null(pc.equal(before, after), False)
    both_null = pc.and_(before.is_null(), after.is_null())
    nan = pa.types.is_floating(before.type)
    if nan:
        both_null = pc.or_(both_null, pc.and_(pc.is_nan(before), pc.is_nan(after)))
    return int(len(before) - pc.sum(pc.or_(same, both_null)).as_py()) if len(before) else 0
