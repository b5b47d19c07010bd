"""``/generators``: add, list, show and remove the named schemas the service makes rows from."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from fastsynth.api.errors import NAMED, READING, REMOVING, WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import GeneratorInfo, Service
from fastsynth.service.records import GeneratorRequest

__all__ = ["GeneratorController"]


class GeneratorController(Controller):
    path = "/generators"
    tags = ("generators",)

    # In a worker thread: building a schema can take seconds (a faker pool's trial, a generator's
    # state), which on the event loop would hold every other request, /health too.
    @post(status_code=201, sync_to_thread=True, responses=WRITING)
    def add_generator(
        self,
        service: NamedDependency[Service],
        data: Annotated[dict[str, Any] | None, body(GeneratorRequest)] = None,
    ) -> GeneratorInfo:
        return service.add_generator(**read(GeneratorRequest, data)).describe()

    @get(sync_to_thread=False, responses=READING)
    def list_generators(self, service: NamedDependency[Service]) -> list[GeneratorInfo]:
        return [g.describe() for g in list(service.generators.values())]

    @get("/{name:str}", sync_to_thread=False, responses=NAMED)
    def one_generator(self, service: NamedDependency[Service], name: FromPath[str]) -> GeneratorInfo:
        return service.generator(name).describe()

    @delete("/{name:str}", sync_to_thread=True, responses=REMOVING)
    def remove_generator(self, service: NamedDependency[Service], name: FromPath[str]) -> None:
        """Its stream, if it runs, stops first."""
        service.remove_generator(name)
