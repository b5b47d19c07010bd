"""``POST /start`` and ``POST /stop``: stream generators into streamers, and stop them; ``/streams/{name}``:
one running stream, changed while it runs (rate, batch size, streamers, drift now)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from fastsynth.api.errors import NAMED, WRITING, refusals
from fastsynth.api.requests import body, read
from fastsynth.service import Service, Status, StreamStatus
from fastsynth.service.records import AttachRequest, DriftNowRequest, StartRequest, StopRequest, StreamChange
from fastsynth.service.reports import DriftStarted

__all__ = ["LiveStreamController", "Started", "Stopped", "StreamController"]

_DETACHING = refusals(400, 401, 403, 404, 409, 415)


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


class LiveStreamController(Controller):
    """A stream by its generator's name. A change to one that has ended is a clash (409)."""

    path = "/streams/{name:str}"
    tags = ("streams",)

    @get(sync_to_thread=False, responses=NAMED)
    def one_stream(self, service: NamedDependency[Service], name: FromPath[str]) -> StreamStatus:
        return service.stream_status(name)

    @patch(sync_to_thread=True, responses=WRITING)
    def change_stream(
        self,
        service: NamedDependency[Service],
        name: FromPath[str],
        data: Annotated[dict[str, Any] | None, body(StreamChange)] = None,
    ) -> StreamStatus:
        """From the next slice (rate) or batch (batch size) on; the stream stops following the
        settings' batch_size and frequency for what is changed."""
        return service.change_stream(name, **read(StreamChange, data))

    @post("/streamers", status_code=200, sync_to_thread=True, responses=WRITING)
    def attach_streamer(
        self,
        service: NamedDependency[Service],
        name: FromPath[str],
        data: Annotated[dict[str, Any] | None, body(AttachRequest)] = None,
    ) -> StreamStatus:
        return service.attach(name, **read(AttachRequest, data))

    @delete("/streamers/{streamer:str}", status_code=200, sync_to_thread=True, responses=_DETACHING)
    def detach_streamer(
        self, service: NamedDependency[Service], name: FromPath[str], streamer: FromPath[str]
    ) -> StreamStatus:
        """Answers once the streamer's file is complete."""
        return service.detach(name, streamer)

    @post("/drift", status_code=200, sync_to_thread=True, responses=WRITING)
    def drift_now(
        self,
        service: NamedDependency[Service],
        name: FromPath[str],
        data: Annotated[dict[str, Any] | None, body(DriftNowRequest)] = None,
    ) -> DriftStarted:
        """Drift from the next row the stream makes, for good: ``row`` is where it starts (batches made
        before, at most four, keep the drift they had)."""
        return service.drift_now(name, **read(DriftNowRequest, data))
