"""``/streamers``: add, list, show and remove where streamed rows go; streams running now attach to a
streamer added and detach from one removed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from fastsynth.api.errors import NAMED, READING, REMOVING, WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import Service, StreamerInfo
from fastsynth.service.records import StreamerRequest

__all__ = ["StreamerController"]


class StreamerController(Controller):
    path = "/streamers"
    tags = ("streamers",)

    @post(status_code=201, sync_to_thread=True, responses=WRITING)
    def add_streamer(
        self,
        service: NamedDependency[Service],
        data: Annotated[dict[str, Any] | None, body(StreamerRequest)] = None,
    ) -> StreamerInfo:
        return service.add_streamer(**read(StreamerRequest, data)).describe()

    @get(sync_to_thread=False, responses=READING)
    def list_streamers(self, service: NamedDependency[Service]) -> list[StreamerInfo]:
        return [s.describe() for s in list(service.streamers.values())]

    @get("/{name:str}", sync_to_thread=False, responses=NAMED)
    def one_streamer(self, service: NamedDependency[Service], name: FromPath[str]) -> StreamerInfo:
        return service.streamer(name).describe()

    @delete("/{name:str}", sync_to_thread=True, responses=REMOVING)
    def remove_streamer(self, service: NamedDependency[Service], name: FromPath[str]) -> None:
        """Answers once the files it was writing are complete."""
        service.remove_streamer(name)
