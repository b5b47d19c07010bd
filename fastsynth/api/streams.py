"""``POST /start`` and ``POST /stop``: stream generators into streamers, and stop them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from fastsynth.api.errors import REFUSALS
from fastsynth.service import Service, Status

__all__ = ["StartIn", "Started", "StopIn", "Stopped", "StreamController"]


class StartIn(msgspec.Struct, forbid_unknown_fields=True):
    """The body of ``POST /start``: which generators (default all) into which streamers (default all),
    at what rate (rows/s or a schedule), for how many rows, with what drift (default: the settings')."""

    generators: list[str] | None = None
    streamers: list[str] | None = None
    rate: float | dict[str, Any] | None = None
    rows: int | None = None
    drift: dict[str, Any] | None = None


class StopIn(msgspec.Struct, forbid_unknown_fields=True):
    """The body of ``POST /stop``: which generators (default all)."""

    generators: list[str] | None = None


@dataclass(frozen=True)
class Started(Status):
    """The status after starting, and the generators started."""

    started: list[str]


@dataclass(frozen=True)
class Stopped:
    """The rows each stopped generator wrote."""

    stopped: dict[str, int]


class StreamController(Controller):
    tags = ("streams",)

    @post("/start", status_code=200, sync_to_thread=True, responses=REFUSALS)
    def start(self, service: NamedDependency[Service], data: JSONBody[StartIn]) -> Started:
        started = service.start(
            generators=data.generators,
            streamers=data.streamers,
            rate=data.rate,
            rows=data.rows,
            drift=data.drift,
        )
        return Started(**vars(service.status()), started=started)

    @post("/stop", status_code=200, sync_to_thread=True, responses=REFUSALS)
    def stop(self, service: NamedDependency[Service], data: JSONBody[StopIn | None] = None) -> Stopped:
        return Stopped(service.stop(None if data is None else data.generators))
