"""``/generators``: add, list, show and remove the named schemas the service makes rows from."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from fastsynth.api.errors import REFUSALS
from fastsynth.service import GeneratorInfo, Service

__all__ = ["GeneratorController", "GeneratorIn"]


class GeneratorIn(msgspec.Struct, forbid_unknown_fields=True):
    """The body of ``POST /generators``: a schema, or the name of a built-in example, and a seed."""

    name: str
    schema: dict[str, Any] | None = None
    example: str | None = None
    seed: int | None = None


class GeneratorController(Controller):
    path = "/generators"
    tags = ("generators",)

    @post(status_code=201, sync_to_thread=False, responses=REFUSALS)
    def add_generator(self, service: NamedDependency[Service], data: JSONBody[GeneratorIn]) -> GeneratorInfo:
        return service.add_generator(data.name, data.schema, data.example, data.seed).describe()

    @get(sync_to_thread=False)
    def list_generators(self, service: NamedDependency[Service]) -> list[GeneratorInfo]:
        return [g.describe() for g in list(service.generators.values())]

    @get("/{name:str}", sync_to_thread=False, responses=REFUSALS)
    def one_generator(self, service: NamedDependency[Service], name: FromPath[str]) -> GeneratorInfo:
        return service.generator(name).describe()

    @delete("/{name:str}", sync_to_thread=True, responses=REFUSALS)
    def remove_generator(self, service: NamedDependency[Service], name: FromPath[str]) -> None:
        """Its stream, if it runs, stops first."""
        service.remove_generator(name)
