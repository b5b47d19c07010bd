"""Entities: many series in one dataset, one per sensor, store or user.

With ``entities: N`` every row is one step of one entity's series. Rows are ordered by time then entity
(row ``i`` is step ``i // N`` of entity ``i % N``: what a stream of readings looks like) or by entity then
time (row ``i`` is step ``i % steps`` of entity ``i // steps``: one whole series after another, which
needs ``steps``). Time columns advance with the step, series columns draw their per-entity parameters
once per entity, and an id column (``series_id`` unless named otherwise) says whose row it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from fastsynth.buffers import empty
from fastsynth.errors import SchemaError
from fastsynth.kernels import series as ks

__all__ = ["ONE_SERIES", "STEP_BLOCK", "Entities", "Segments"]

STEP_BLOCK = 4096
"""Steps per absolute block of a series: sequential processes (AR noise, regime switches, Poisson
arrivals) restart or are counted per block, so a batch replays at most one block to resume anywhere."""

_KEYS = {"count", "id_field", "order", "steps"}


class Segments(NamedTuple):
    """Runs of one entity's consecutive steps within a batch: entity, first step, length, and where in
    the batch the run starts; consecutive steps are ``stride`` rows apart."""

    entity: np.ndarray
    step: np.ndarray
    count: np.ndarray
    offset: np.ndarray
    stride: int


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SchemaError(f"schema: {where}={value!r} is not a positive integer")
    return value


@dataclass(frozen=True)
class Entities:
    """How rows map to (entity, step)."""

    count: int = 1
    """Number of entities, each with its own series."""
    id_field: str = "series_id"
    """Name of the column holding each row's entity number."""
    order: Literal["time", "entity"] = "time"
    """``time``: all entities' step 0, then all step 1, ...; ``entity``: entity 0's steps, then 1's."""
    steps: int | None = None
    """Steps per entity (required for entity order); rows stop at ``count * steps``."""

    def __post_init__(self) -> None:
        _positive_int(self.count, "entities count")
        if not isinstance(self.id_field, str) or not self.id_field:
            raise SchemaError(f"schema: entities id_field={self.id_field!r} is not a column name")
        if self.order not in ("time", "entity"):
            raise SchemaError(f"schema: entities order={self.order!r} is not allowed; allowed: time, entity")
        if self.steps is not None:
            _positive_int(self.steps, "entities steps")
        elif self.order == "entity":
            raise SchemaError("schema: entities order='entity' needs steps, the number of steps per entity")

    @classmethod
    def from_dict(cls, document: Any) -> Entities:
        """From ``N`` or ``{"count": N, "id_field": ..., "order": "time" | "entity", "steps": S}``."""
        if isinstance(document, int) and not isinstance(document, bool):
            return cls(document)
        if not isinstance(document, dict):
            raise SchemaError(f"schema: entities={document!r} is not a count or an object with count")
        unknown = sorted(set(document) - _KEYS)
        if unknown:
            raise SchemaError(
                f"schema: entities has unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}"
            )
        if "count" not in document:
            raise SchemaError("schema: entities needs count, the number of entities")
        return cls(**document)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"count": self.count}
        if self.id_field != "series_id":
            document["id_field"] = self.id_field
        if self.order != "time":
            document["order"] = self.order
        if self.steps is not None:
            document["steps"] = self.steps
        return document

    def capacity(self) -> int | None:
        """The number of rows there are, or None when series go on."""
        return None if self.steps is None else self.count * self.steps

    def locate(self, start: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(step, entity) of rows ``[start, start + size)``."""
        steps, entities = empty(size, np.int64), empty(size, np.int64)
        if self.order == "time":
            ks.locate(steps, entities, start, self.count)
        else:  # entity order: the same count-up with the roles swapped
            ks.locate(entities, steps, start, self.steps)
        return steps, entities

    def segments(self, start: int, size: int, chunk: int) -> Segments:
        """The runs of rows ``[start, start + size)``, cut where a step is a multiple of ``chunk`` so
        that each run is work for one thread and lies within one absolute block of steps."""
        end = start + size
        if self.order == "time" or self.count == 1:
            n = self.count
            entity = np.arange(n, dtype=np.int64)
            first_row = start + (entity - start) % n
            entity, first_row = entity[first_row < end], first_row[first_row < end]
            count = (end - first_row + n - 1) // n
            step, offset, stride = first_row // n, first_row - start, n
        else:
            steps = self.steps
            assert steps is not None
            entity = np.arange(start // steps, (end - 1) // steps + 1, dtype=np.int64)
            first_row = np.maximum(entity * steps, start)
            count = np.minimum((entity + 1) * steps, end) - first_row
            step, offset, stride = first_row - entity * steps, first_row - start, 1
        # Cut every run at multiples of `chunk` steps.
        pieces = (step + count - 1) // chunk - step // chunk + 1
        which = np.repeat(np.arange(len(step)), pieces)
        k = np.arange(len(which)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        piece_step = np.where(k == 0, step[which], (step[which] // chunk + k) * chunk)
        piece_end = np.minimum((piece_step // chunk + 1) * chunk, step[which] + count[which])
        return Segments(
            entity[which],
            piece_step,
            piece_end - piece_step,
            offset[which] + (piece_step - step[which]) * stride,
            stride,
        )


ONE_SERIES = Entities()
"""The layout of a dataset without entities: row ``i`` is step ``i`` of the only series."""
