"""``POST /start`` and ``POST /stop``: stream generators into streamers, and stop them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, post
from litestar.di import NamedDependency

from fastsynth.api.errors import WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import Service, Status
from fastsynth.service.records import StartRequest, StopRequest

__all__ = ["Started", "Stopped", "StreamController"]


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

    @post("/start", status_code=200, sync_to_thread=True, responses=WRITING)
    def start(
        self,
        service: NamedDependency[Service],
        data: Annotated[dict[str, Any] | None, body(StartRequest)] = None,
    ) -> Started:
        started = service.start(**read(StartRequest, data))
        return Started(**vars(service.status()), started=started)

    @post("/stop", status_code=200, sync_to_thread=True, responses=WRITING)
    def stop(
        self,
        service: NamedDependency[Service],
        data: Annotated[dict[str, Any] | None, body(StopRequest)] = None,
    ) -> Stopped:
        return Stopped(service.stop(**read(StopRequest, data)))
