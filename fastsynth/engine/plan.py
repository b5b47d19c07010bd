"""What a continuous stream of a schema needs before it starts, the same from the CLI and the API: its
rate, its seed, its clock (a time series starts now) and the seed's drift settings turned into drift
events.

The rate, first that applies:

1. an explicit one (``--rate``, a request's ``rate``): rows spread evenly over each second;
2. a tabular schema: the seed's ``batch_size / frequency`` rows a second, spread evenly;
3. a time series whose user set ``batch_size`` or ``frequency`` (flag, environment or file): the seed's
   continuous mode, ``batch_size`` readings every ``frequency`` seconds, the first batch at the start,
   the series' clock advancing by its interval per reading (so ahead of, or behind, the wall clock);
4. a time series otherwise: on the wall clock, every entity's reading of each step written when its
   timestamp comes, the first at the start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from fastsynth.schema import Schema
from fastsynth.seed_drift import drift_from_flags
from fastsynth.seeds import resolve_seed
from fastsynth.specs import PositiveInt, PositiveNumber, argument

__all__ = ["StreamPlan", "plan_stream", "settings_rate"]

log = logging.getLogger("fastsynth.engine")


@dataclass(frozen=True)
class StreamPlan:
    schema: Schema
    rate: Any  # rows/s, or a rate schedule spec
    seed: int


def _real_time_rate(schema: Schema) -> dict[str, Any] | None:
    """The rate that keeps a time series on the wall clock: every entity's reading of a step when its
    timestamp comes, each ``interval_seconds`` from the start (a reading stamped at the start is written
    at the start, not an interval later); None for a tabular schema."""
    steps = [f for f in schema.fields if f.type_name == "time_sequence"]
    if not steps:
        return None
    entities = schema.entities.count if schema.entities is not None else 1
    return {"batches": {"rows": entities, "every": steps[0].interval_seconds}}  # type: ignore[attr-defined]


def settings_rate(schema: Schema, batch_size: int, frequency: float, batches_set: bool) -> Any:
    """The rate of a stream of ``schema`` that no request gave one: 2, 3 or 4 above (``batches_set``:
    the user set ``batch_size`` or ``frequency``)."""
    frequency = argument("frequency", frequency, PositiveNumber)
    batch_size = argument("batch_size", batch_size, PositiveInt)
    real_time = _real_time_rate(schema)
    if real_time is not None and batches_set:
        return {"batches": {"rows": batch_size, "every": frequency}}
    return real_time or batch_size / frequency


def plan_stream(
    schema: Schema,
    *,
    rate: Any = None,
    batch_size: int,
    frequency: float,
    seed: int | None = None,
    drift: tuple[float, float] | None = None,
    batches_set: bool = False,
    drift_origin: str | None = None,
) -> StreamPlan:
    """The plan of a stream of ``schema``; ``drift`` is the seed's (interval seconds, magnitude).

    ``batches_set``: the user set ``batch_size`` or ``frequency``, so a time series goes in the seed's
    batches rather than on the wall clock. ``drift_origin``: where drift was turned on when not by the
    ``--drift`` flag (``config drift.enabled=true (from environment SYNTH_DRIFT_ENABLED)``); such a
    setting is skipped for a schema with nothing to drift, and named in any error."""
    time_series = any(f.type_name == "time_sequence" for f in schema.fields)
    chosen_rate = rate if rate is not None else settings_rate(schema, batch_size, frequency, batches_set)
    chosen_seed = resolve_seed(seed, schema.seed)
    if time_series:
        schema = schema.starting_at(dt.datetime.now(dt.UTC).replace(microsecond=0))  # tie time to now
    if drift is not None:
        interval, magnitude = drift
        per_second = chosen_rate if isinstance(chosen_rate, int | float) else None
        events = drift_from_flags(
            schema, interval, magnitude, seed=chosen_seed, rows_per_second=per_second, origin=drift_origin
        )
        if events is not None:
            schema = dataclasses.replace(schema, drift=events)
        else:
            log.warning(
                "%s is not applied: the schema has no numeric, category or boolean column to drift",
                drift_origin,
            )
    return StreamPlan(schema, chosen_rate, chosen_seed)
