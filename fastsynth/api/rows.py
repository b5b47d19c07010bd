"""``POST /generate``: rows now, in a file format, streamed as they are made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.response import Stream

from fastsynth.api.errors import WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import Service
from fastsynth.service.bodies import MEDIA_TYPES
from fastsynth.service.records import GenerateRequest

__all__ = ["RowsController"]


@dataclass
class _RowsOperation(Operation):
    """The OpenAPI operation of ``/generate``: its answer is the rows in the format asked for."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse):
            answer.description = "The rows, in the format asked for"
            answer.content = {
                media: OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING if media.startswith("text") else None)
                )
                for media in dict.fromkeys(MEDIA_TYPES.values())
            }


class RowsController(Controller):
    path = "/generate"
    tags = ("rows",)

    @post(status_code=200, sync_to_thread=True, responses=WRITING, operation_class=_RowsOperation)
    def generate(
        self, service: NamedDependency[Service], data: Annotated[dict[str, Any], body(GenerateRequest)]
    ) -> Stream:
        """Everything that can be refused is refused before the body starts; a failure after that cuts
        the connection, so a client never takes a truncated body for a whole one."""
        chunks, media_type = service.generate(**read(GenerateRequest, data))
        return Stream(chunks, media_type=media_type)
