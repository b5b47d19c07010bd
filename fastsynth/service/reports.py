"""What the service reports, as typed data: the servers serialise these as they are (the REST API's
OpenAPI document describes them), so every front end shows the same fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ColumnTotals",
    "DriftStarted",
    "GeneratorInfo",
    "Status",
    "StreamStatus",
    "StreamerInfo",
    "StreamerType",
]

StreamerType = Literal["console", "file", "kafka"]


@dataclass(frozen=True)
class GeneratorInfo:
    """A generator as the servers show it."""

    name: str
    kind: Literal["tabular", "timeseries"]
    """``timeseries`` when the schema has a time field."""
    columns: list[str]
    """The names of the columns its rows have, in order."""
    seed: int | None
    """The generator's own seed; None falls back to the schema's, then the settings'."""
    schema: dict[str, Any]
    """The schema document as it was given."""


@dataclass(frozen=True)
class StreamerInfo:
    """A streamer as the servers show it."""

    name: str
    type: StreamerType
    format: str
    """The sink's format: ``jsonl``, ``csv``, ``parquet``, ``rolling``, ``kafka``, ..."""
    path: str | None
    """Under the server's output folder, for a file streamer; ``{generator}`` gives each its own."""
    options: dict[str, Any]
    """The sink's options."""
    overwrite: bool
    """Whether a file streamer may replace a file that exists."""


@dataclass(frozen=True)
class ColumnTotals:
    """The running total of a numeric or boolean column (true counts 1) over every row a stream
    emitted, nulls and NaN left out: two readings' difference gives the mean of the rows between."""

    sum: float
    count: int
    """Values summed."""


@dataclass(frozen=True)
class DriftStarted:
    """Drift added to a running stream: the row it starts at, and how many events it holds."""

    row: int
    """The first row made with it: batches made before (at most four) keep the drift they had."""
    drift_events: int
    """How many drift events the stream holds now: its schema's, those added before and these."""


@dataclass(frozen=True)
class StreamStatus:
    """One generator's stream, live."""

    running: bool
    """False once it reached its row limit, failed or was stopped."""
    streamers: list[str]
    rows: int
    rows_per_second: float
    target_rows_per_second: float
    lag_seconds: float
    """How far the stream is behind its schedule."""
    errors: int
    error: str | None
    """Why the stream ended, if it failed."""
    drift_events: int
    batch_size: int
    """Rows the stream makes at a time."""
    columns: dict[str, ColumnTotals]
    """By column, for each numeric (int, float) or boolean column."""
    drift_rows: list[int]
    """The rows where drift asked for with ``POST /streams/{name}/drift`` starts, the last hundred."""


@dataclass(frozen=True)
class Status:
    """What the service holds and what runs."""

    status: Literal["running", "idle"]
    version: str
    uptime_seconds: float
    generators: list[str]
    streamers: list[str]
    streams: dict[str, StreamStatus]
    """By generator name, for every stream started and not stopped."""
