"""What the service reports, as typed data: the servers serialise these as they are (the REST API's
OpenAPI document describes them), so every front end shows the same fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["GeneratorInfo", "Status", "StreamStatus", "StreamerInfo", "StreamerType"]

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
