"""Entities: many series in one dataset, one per sensor, store or user.

With ``entities: N`` every row is one step of one entity's series. Rows are ordered by time then entity
(row ``i`` is step ``i // N`` of entity ``i % N``: what a stream of readings looks like) or by entity then
time (row ``i`` is step ``i % steps`` of entity ``i // steps``: one whole series after another, which
needs ``steps``). Time columns advance with the step, series columns draw their per-entity parameters
once per entity, and an id column (``series_id`` unless named otherwise) says whose row it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np

from fastsynth.buffers import empty
from fastsynth.errors import SchemaError
from fastsynth.kernels import series as ks
from fastsynth.specs import Bounds, Invalid, Size, Spec, from_document

__all__ = ["ONE_SERIES", "STEP_BLOCK", "Entities", "Segments"]

MAX_ENTITIES = 100_000_000
"""The most entities a schema may have."""
STEP_BLOCK = 4096
"""Steps per absolute block of a series: sequential processes (AR noise, regime switches, Poisson
arrivals) restart or are counted per block, so a batch replays at most one block to resume anywhere."""

_WHERE = "schema: entities"


class Segments(NamedTuple):
    """Runs of one entity's consecutive steps within a batch: entity, first step, length, and where in
    the batch the run starts; consecutive steps are ``stride`` rows apart."""

    entity: np.ndarray
    step: np.ndarray
    length: np.ndarray
    offset: np.ndarray
    stride: int


@dataclass(frozen=True)
class Entities(Spec):
    """How rows map to (entity, step)."""

    count: Annotated[int, Bounds(1, MAX_ENTITIES), Size("entities")]
    """Number of entities, each with its own series (each draws its parameters into arrays of this
    length, hence the limit)."""
    id_field: str = "series_id"
    """Name of the column holding each row's entity number."""
    order: Literal["time", "entity"] = "time"
    """``time``: all entities' step 0, then all step 1, ...; ``entity``: entity 0's steps, then 1's."""
    steps: Annotated[int, Bounds(1, 2**40)] | None = None
    """Steps per entity (required for entity order); rows stop at ``count * steps``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.id_field:
            raise Invalid(f"id_field={self.id_field!r} is not a column name")
        if self.order == "entity" and self.steps is None:
            raise Invalid("order='entity' needs steps, the number of steps per entity")

    @classmethod
    def from_dict(cls, document: Any) -> Entities:
        """From ``N`` or ``{"count": N, "id_field": ..., "order": "time" | "entity", "steps": S}``."""
        if isinstance(document, int) and not isinstance(document, bool):
            document = {"count": document}
        if not isinstance(document, dict):
            raise SchemaError(f"{_WHERE}={document!r} is not a count or an object with count")
        return from_document(cls, document, where=_WHERE)

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


ONE_SERIES = Entities(1)
"""The layout of a dataset without entities: row ``i`` is step ``i`` of the only series."""
