"""What a continuous stream of a schema needs before it starts, the same from the CLI and the API: its
rate (an explicit one, real time for a time series, or the seed's ``batch_size / frequency``), its seed,
its clock (a time series starts now) and the seed's drift settings turned into drift events."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastsynth.schema import Schema
from fastsynth.seed_drift import drift_from_flags
from fastsynth.seeds import resolve_seed
from fastsynth.specs import PositiveNumber, argument

__all__ = ["StreamPlan", "plan_stream"]


@dataclass(frozen=True)
class StreamPlan:
    schema: Schema
    rate: Any  # rows/s, or a rate schedule spec
    seed: int


def _real_time_rate(schema: Schema) -> float | None:
    """Rows per second that keep a time series on the wall clock: every entity's next reading each
    ``interval_seconds``; None for a tabular schema."""
    steps = [f for f in schema.fields if f.type_name == "time_sequence"]
    if not steps:
        return None
    entities = schema.entities.count if schema.entities is not None else 1
    return entities / steps[0].interval_seconds  # type: ignore[attr-defined]


def plan_stream(
    schema: Schema,
    *,
    rate: Any = None,
    batch_size: int,
    frequency: float,
    seed: int | None = None,
    drift: tuple[float, float] | None = None,
) -> StreamPlan:
    """The plan of a stream of ``schema``; ``drift`` is the seed's (interval seconds, magnitude)."""
    frequency = argument("frequency", frequency, PositiveNumber)
    chosen_rate = rate if rate is not None else _real_time_rate(schema) or batch_size / frequency
    chosen_seed = resolve_seed(seed, schema.seed)
    if any(f.type_name == "time_sequence" for f in schema.fields):
        schema = schema.starting_at(dt.datetime.now(dt.UTC).replace(microsecond=0))  # tie time to now
    if drift is not None:
        interval, magnitude = drift
        per_second = chosen_rate if isinstance(chosen_rate, int | float) else None
        events = drift_from_flags(schema, interval, magnitude, seed=chosen_seed, rows_per_second=per_second)
        schema = dataclasses.replace(schema, drift=events)
    return StreamPlan(schema, chosen_rate, chosen_seed)
