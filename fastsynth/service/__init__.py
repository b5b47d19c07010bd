"""The application layer both servers use: what the REST API and the Flight server serve, without HTTP or
gRPC. The servers only translate requests into these calls, and refusals into the status
``fastsynth.errors.status_of`` gives.

A generator is a schema and a seed. A streamer is a sink recipe (console, a file or folder, a Kafka
topic): a sink needs the Arrow schema of its rows, so each running generator gets its own sink from it,
and ``{generator}`` in a path or topic tells them apart. ``start`` makes one engine stream per generator
into every chosen streamer; streamers added or removed while streams run are attached or detached live,
and changed settings (batch size, frequency, drift) reach the streams that follow them at once.

    records.py   Generator and Streamer, checked when made
    reports.py   what the service reports, as typed data (GeneratorInfo, StreamerInfo, Status)
    bodies.py    rows as a streamed response body (``POST /generate``)
    live.py      changes to one running stream (rate, batch size, streamers, drift now), its status
    core.py      the Service
"""

from __future__ import annotations

from fastsynth.service.bodies import MEDIA_TYPES
from fastsynth.service.core import Service
from fastsynth.service.records import Generator, Streamer
from fastsynth.service.reports import (
    ColumnTotals,
    DriftStarted,
    GeneratorInfo,
    Status,
    StreamerInfo,
    StreamStatus,
)

__all__ = [
    "MEDIA_TYPES",
    "ColumnTotals",
    "DriftStarted",
    "Generator",
    "GeneratorInfo",
    "Service",
    "Status",
    "StreamStatus",
    "Streamer",
    "StreamerInfo",
]
