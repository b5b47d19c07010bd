"""Synthesis by blocks: one model per block of the data, and one dataset of all blocks.

The blocks come from exactly one of: a column of the data (``block_column``), chunks of ``chunk_size``
rows, or a new block each time a timestamp column changes (``time_column``). Each block is fitted on
its own rows by the method asked; the output holds each block's rows in order (``rows``: as many as the
block had, a number for every block, or ``{label: rows}``), the block column, and optionally a timestamp
per block (``dates``: ``start + k * step`` for block ``k``). Drift across blocks is the schema's own
``drift`` (``fastsynth.drift.schedule``): an event may name its blocks (``blocks: [2, 3]``) in place of
rows, and is applied by the drift engine as for any schema::

    schema = fit_blocks(data, block_column="month", method="cart", rows=10_000,
                        drift=[{"type": "shift", "columns": ["income"], "magnitude": 1, "blocks": [3, 4]}])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.concepts.stream import Dates
from fastsynth.errors import SchemaError, UsageError
from fastsynth.models.base import METHODS, Model, model_from_document, model_key
from fastsynth.schema import Schema
from fastsynth.specs import PositiveInt, argument, from_document, to_document
from fastsynth.synthesis.conditions import plain_types

__all__ = ["Blocks", "block_labels", "fit_blocks"]


class Blocks(Model):
    """Rows of each block's model, block after block, with the block column (and its timestamps)."""

    fittable = False

    def __init__(
        self,
        column: str,
        labels: pa.Array,
        rows: Sequence[int],
        models: Sequence[Model],
        dates: Dates | None = None,
    ) -> None:
        self.column = column
        self.labels = labels
        self.rows = tuple(int(r) for r in rows)
        self.models = tuple(models)
        self.dates = dates
        self._ends = np.cumsum(self.rows)
        fields = list(plain_types(models[0].arrow_schema()))
        for model in models[1:]:
            if model.arrow_schema().names != [f.name for f in fields]:
                raise SchemaError("schema: model 'blocks': every block's model must make the same columns")
        self._features = pa.schema(fields)
        fields.append(pa.field(column, labels.type, nullable=False))
        if dates is not None:
            fields.append(pa.field(dates.column, dates.arrow_type(), nullable=False))
        self._schema = pa.schema(fields)

    def arrow_schema(self) -> pa.Schema:
        return self._schema

    def capacity(self) -> int | None:
        return int(self._ends[-1])

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        if given:
            raise UsageError("a blocks model takes no given values; condition each block's fit instead")
        first = int(np.searchsorted(self._ends, start, side="right"))
        parts, block_of_row = [], []
        row, end = start, start + size
        block = first
        while row < end:
            if block >= len(self.rows):
                raise UsageError(f"the blocks hold {self.capacity()} rows; rows up to {end} requested")
            begin = int(self._ends[block]) - self.rows[block]
            stop = min(end, int(self._ends[block]))
            # Each block draws from its own seed, from its own row 0: a block is the same whatever the
            # blocks before it.
            made = self.models[block].make(_block_seed(seed, block), row - begin, stop - row)
            parts.append(pa.table(made).cast(self._features))
            block_of_row.append(np.full(stop - row, block, np.int64))
            row, block = stop, block + 1
        which = np.concatenate(block_of_row) if block_of_row else np.zeros(0, np.int64)
        table = pa.concat_tables(parts) if parts else self._features.empty_table()
        out = {name: table.column(name).combine_chunks() for name in table.column_names}
        out[self.column] = self.labels.take(pa.array(which))
        if self.dates is not None:
            out[self.dates.column] = pa.array(self.dates.times(which), pa.int64()).cast(
                self.dates.arrow_type()
            )
        return out

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "column": self.column,
            "blocks": [
                {"label": label, "rows": rows, "model": {"method": model.method, **model.to_document()}}
                for label, rows, model in zip(self.labels.to_pylist(), self.rows, self.models, strict=True)
            ],
        }
        if self.dates is not None:
            document["dates"] = to_document(self.dates)
        return document

    def tables(self) -> dict[str, pa.Table]:
        # The labels also as a table: their type (int8, a timestamp's zone) does not survive YAML.
        own = {"labels": pa.table({"label": self.labels})}
        return own | {
            f"block{k}.{name}": table
            for k, model in enumerate(self.models)
            for name, table in model.tables().items()
        }

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> Blocks:
        where = "schema: model 'blocks'"
        blocks = document.get("blocks")
        if not isinstance(blocks, list) or not blocks or not all(isinstance(b, Mapping) for b in blocks):
            raise SchemaError(f"{where}: blocks must be a non-empty list of {{label, rows, model}}")
        column = argument("column", document.get("column"), str, error=lambda m: SchemaError(f"{where}: {m}"))
        rows = [
            argument(
                f"blocks[{k}].rows", b.get("rows"), PositiveInt, error=lambda m: SchemaError(f"{where}: {m}")
            )
            for k, b in enumerate(blocks)
        ]
        models = []
        for k, block in enumerate(blocks):
            prefix = f"block{k}."
            own = {name[len(prefix) :]: t for name, t in tables.items() if name.startswith(prefix)}
            models.append(model_from_document(block.get("model"), own))
        labels = tables["labels"].column("label").combine_chunks() if "labels" in tables else None
        if labels is None or len(labels) != len(blocks):
            labels = pa.array([b.get("label") for b in blocks])  # a document written by hand
        dates = document.get("dates")
        return cls(
            column,
            labels,
            rows,
            models,
            None if dates is None else from_document(Dates, dates, where=f"{where}: dates"),
        )


METHODS.add("blocks", Blocks)


def _block_seed(seed: int, block: int) -> int:
    return int(model_key(seed, "block", block)) % 2**63


def block_labels(
    table: pa.Table, block_column: str | None, chunk_size: int | None, time_column: str | None
) -> tuple[str, pa.Array, np.ndarray]:
    """The blocks' column name, their labels in order of first appearance, and each row's block."""
    given = [
        name
        for name, value in (
            ("block_column", block_column),
            ("chunk_size", chunk_size),
            ("time_column", time_column),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise UsageError(
            f"fit: blocks come from exactly one of block_column, chunk_size, time_column; given: "
            f"{', '.join(given) or 'none'}"
        )
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise UsageError(f"fit: chunk_size={chunk_size!r} is not an integer >= 1")
        which = np.arange(table.num_rows) // chunk_size
        return "block", pa.array(np.arange(which[-1] + 1) + 1), which
    name = block_column if block_column is not None else time_column
    assert name is not None
    if name not in table.column_names:
        raise UsageError(
            f"fit: {given[0]}={name!r} is not a column; columns: {', '.join(table.column_names)}"
        )
    column = table.column(name)
    if column.null_count:
        raise UsageError(f"fit: {given[0]}={name!r} has nulls; every row needs its block")
    if time_column is not None:
        # A new block each time the timestamp changes, in the order of the rows.
        values = column.to_numpy(zero_copy_only=False)
        changes = np.concatenate([[True], values[1:] != values[:-1]])
        which = np.cumsum(changes) - 1
        return name, column.combine_chunks().filter(pa.array(changes)), which
    encoded = pc.dictionary_encode(column).combine_chunks()
    return name, encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def fit_blocks(
    data: pa.Table,
    fit_one: Callable[[pa.Table], Model],
    *,
    block_column: str | None = None,
    chunk_size: int | None = None,
    time_column: str | None = None,
    rows: int | Mapping[Any, int] | None = None,
    dates: Mapping[str, Any] | None = None,
    drift: Sequence[Mapping[str, Any]] | None = None,
) -> Schema:
    """The schema of ``data`` fitted block by block (``fit_one`` fits one block's rows)."""
    column, labels, which = block_labels(data, block_column, chunk_size, time_column)
    features = data.drop_columns([column]) if column in data.column_names else data
    models, sizes = [], []
    wanted = _rows_per_block(rows, labels, np.bincount(which, minlength=len(labels)))
    for k in range(len(labels)):
        part = features.filter(pa.array(which == k))
        models.append(fit_one(part))
        sizes.append(wanted[k])
    spec = None if dates is None else from_document(Dates, dict(dates), where="fit: dates", error=UsageError)
    model = Blocks(column, labels, sizes, models, spec)
    events = [_rows_of_blocks(event, model) for event in drift or ()]
    return Schema.from_dict({"model": model, "drift": {"events": events} if events else None})


def _rows_per_block(rows: Any, labels: pa.Array, seen: np.ndarray) -> list[int]:
    if rows is None:
        return [int(n) for n in seen]
    if isinstance(rows, int) and not isinstance(rows, bool):
        if rows < 1:
            raise UsageError(f"fit: rows={rows} is not an integer >= 1")
        return [rows] * len(labels)
    if isinstance(rows, Mapping):
        known = {str(label): k for k, label in enumerate(labels.to_pylist())}
        out = [int(n) for n in seen]
        for label, count in rows.items():
            if str(label) not in known:
                raise UsageError(
                    f"fit: rows names block {label!r}, which does not exist; blocks: {', '.join(known)}"
                )
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise UsageError(f"fit: rows[{label!r}]={count!r} is not an integer >= 1")
            out[known[str(label)]] = count
        return out
    raise UsageError(f"fit: rows={rows!r} is not a number of rows per block or an object of block: rows")


def _rows_of_blocks(event: Mapping[str, Any], model: Blocks) -> dict[str, Any]:
    """A drift event with ``blocks: [first, last]`` (labels, inclusive) or ``block`` as rows."""
    event = dict(event)
    chosen = event.pop("blocks", None)
    if "block" in event:
        chosen = [event.pop("block")] * 2
    if chosen is None:
        return event
    known = {str(label): k for k, label in enumerate(model.labels.to_pylist())}
    if not isinstance(chosen, list | tuple) or len(chosen) != 2 or any(str(b) not in known for b in chosen):
        raise UsageError(
            f"fit: drift blocks={chosen!r} is not [first, last] of the blocks {', '.join(known)}"
        )
    first, last = known[str(chosen[0])], known[str(chosen[1])]
    ends = np.cumsum(model.rows)
    event["start_row"] = int(ends[first] - model.rows[first])
    event["end_row"] = int(ends[last])
    return event
