"""``POST /generate``: rows now, in a file format, streamed as they are made."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.response import Stream

from fastsynth.api.errors import WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import Service
from fastsynth.service.records import GenerateRequest

__all__ = ["RowsController"]


class RowsController(Controller):
    path = "/generate"
    tags = ("rows",)

    @post(status_code=200, sync_to_thread=True, responses=WRITING)
    def generate(
        self, service: NamedDependency[Service], data: Annotated[dict[str, Any], body(GenerateRequest)]
    ) -> Stream:
        """Everything that can be refused is refused before the body starts; a failure after that cuts
        the connection, so a client never takes a truncated body for a whole one."""
        chunks, media_type = service.generate(**read(GenerateRequest, data))
        return Stream(chunks, media_type=media_type)
