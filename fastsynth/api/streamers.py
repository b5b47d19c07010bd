"""``/streamers``: add, list, show and remove where streamed rows go; streams running now attach to a
streamer added and detach from one removed."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from fastsynth.api.errors import REFUSALS
from fastsynth.service import Service, StreamerInfo

__all__ = ["StreamerController", "StreamerIn"]


class StreamerIn(msgspec.Struct, forbid_unknown_fields=True):
    """The body of ``POST /streamers``: a type (console, file, kafka), and the sink's format, path and
    options."""

    name: str
    type: str
    format: str | None = None
    path: str | None = None
    options: dict[str, Any] = {}


class StreamerController(Controller):
    path = "/streamers"
    tags = ("streamers",)

    @post(status_code=201, sync_to_thread=True, responses=REFUSALS)
    def add_streamer(self, service: NamedDependency[Service], data: JSONBody[StreamerIn]) -> StreamerInfo:
        spec = {"format": data.format, "path": data.path, "options": data.options}
        return service.add_streamer(data.name, data.type, **spec).describe()

    @get(sync_to_thread=False)
    def list_streamers(self, service: NamedDependency[Service]) -> list[StreamerInfo]:
        return [s.describe() for s in list(service.streamers.values())]

    @get("/{name:str}", sync_to_thread=False, responses=REFUSALS)
    def one_streamer(self, service: NamedDependency[Service], name: FromPath[str]) -> StreamerInfo:
        return service.streamer(name).describe()

    @delete("/{name:str}", sync_to_thread=True, responses=REFUSALS)
    def remove_streamer(self, service: NamedDependency[Service], name: FromPath[str]) -> None:
        """Answers once the files it was writing are complete."""
        service.remove_streamer(name)
