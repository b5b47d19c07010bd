"""The seed's drift settings (``--drift --drift-interval S --drift-magnitude M``, ``drift:`` in the
settings) as drift events of a schema, for one-shot runs and streams alike."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from fastsynth.drift.operations import kind_of
from fastsynth.drift.schedule import DriftSchedule
from fastsynth.errors import UsageError
from fastsynth.generation import drift_reference, make_batch
from fastsynth.schema import Schema

__all__ = ["column_events", "drift_from_flags"]


def drift_from_flags(
    schema: Schema,
    interval_seconds: float,
    magnitude: float,
    *,
    seed: int,
    rows_per_second: float | None = None,
    origin: str | None = None,
) -> DriftSchedule | None:
    """The seed's ``--drift --drift-interval S --drift-magnitude M``: a drift event every ``S`` seconds
    (of the schema's time column, or of rows at ``rows_per_second`` when it has none). Each event:

    - numeric columns (int, float, series) shift their mean by ``M`` standard deviations, up or down by a
      draw per event;
    - category columns (type category) move a share ``M`` of their probability towards the mirror
      image of their mix (the most frequent value's share goes to the least frequent), in every other
      interval;
    - boolean columns flip a share ``M`` of their values, in every other interval;
    - text, ids and times are left alone.

    ``origin`` says where drift was turned on when it was not the ``--drift`` flag (a setting:
    ``config drift.enabled=true (from environment SYNTH_DRIFT_ENABLED)``): errors then name it, and a
    schema with nothing to drift gives None (a setting never breaks a run it does not apply to).
    """
    flag = origin is None
    if not (math.isfinite(interval_seconds) and interval_seconds > 0):
        name = "--drift-interval" if flag else f"{origin}: drift.interval"
        raise UsageError(f"{name}={interval_seconds!r} is not a positive number of seconds")
    if not (math.isfinite(magnitude) and 0 < magnitude <= 1):
        name = "--drift-magnitude" if flag else f"{origin}: drift.magnitude"
        raise UsageError(f"{name}={magnitude!r} is outside (0, 1]")
    time_column = next((f.name for f in schema.fields if f.type_name == "time_sequence"), None)
    if time_column is None and rows_per_second is None:
        raise UsageError(
            f"{'--drift' if flag else origin} needs a time series (a time_sequence column) to place events "
            "every drift interval of its clock, or --continuous to place them by the stream's rate"
        )
    if time_column is not None:
        first = make_batch(schema, 0, 1, seed, drift=False).column(time_column)[0].as_py()
        timing: dict[str, Any] = {
            "start_time": first.isoformat(),
            "every_seconds": interval_seconds,
            "time_column": time_column,
        }
    else:
        assert rows_per_second is not None
        timing = {"start_row": 0, "every_rows": max(1, round(interval_seconds * rows_per_second))}
    events = [{**event, **timing} for event in column_events(schema, magnitude, seed=seed)]
    if not events:
        if not flag:
            return None
        raise UsageError("--drift: the schema has no numeric, category or boolean column to drift")
    return DriftSchedule.from_dict({"events": events})


def column_events(
    schema: Schema,
    magnitude: float,
    *,
    seed: int,
    directions: Sequence[str] = ("random",),
    statistics: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The seed's drift of each column, as events without timing (``drift_from_flags`` adds its
    recurring one; the API's "drift now" places them once): a numeric column shifts by ``magnitude``
    standard deviations in ``directions[i % len(directions)]`` (its i-th numeric column), a category
    column moves a share ``magnitude`` of its mix towards the mirror image of it, a boolean column
    flips a share ``magnitude`` of its values; text, ids and times are left alone. ``statistics`` is
    the schema's ``drift_reference`` when the caller keeps it (it takes seconds to make)."""
    if statistics is None:
        plain = type(schema)(tuple(schema.fields), seed=schema.seed, entities=schema.entities)
        statistics = drift_reference(plain, seed)
    shares = statistics
    events: list[dict[str, Any]] = []
    # Ids are numbers that mean nothing as amounts: a sequence, and a multi-series schema's entity id.
    ids = {f.name for f in schema.fields if f.type_name == "sequence"}
    if schema.entities is not None:
        ids.add(schema.entities.id_field)
    for f in schema.fields_arrow_schema():
        kind = kind_of(f.type)
        if kind == "numeric" and f.name not in ids:
            direction = directions[sum(e["type"] == "shift" for e in events) % len(directions)]
            events.append(
                {"type": "shift", "columns": [f.name], "magnitude": magnitude, "direction": direction}
            )
        elif (
            pa.types.is_dictionary(f.type)
            and isinstance(shares.get(f.name), dict)
            and len(shares[f.name]) > 1
        ):
            mix = shares[f.name]
            ordered = sorted(mix, key=mix.get)
            mirror = dict(zip(ordered, sorted(mix.values(), reverse=True), strict=True))
            target = {v: (1 - magnitude) * mix[v] + magnitude * mirror[v] for v in mix}
            events.append({"type": "frequencies", "columns": [f.name], "target": target})
        elif kind == "boolean":
            events.append({"type": "flip", "columns": [f.name], "rate": magnitude})
    return events
