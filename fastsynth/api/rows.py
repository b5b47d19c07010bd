"""``POST /generate``: rows now, in a file format, streamed as they are made."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.response import Stream

from fastsynth.api.errors import WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import Service
from fastsynth.service.bodies import MEDIA_TYPES, Chunks
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
        self,
        service: NamedDependency[Service],
        data: Annotated[dict[str, Any] | None, body(GenerateRequest)] = None,
    ) -> Stream:
        """Everything that can be refused is refused before the body starts; a failure after that cuts
        the connection, so a client never takes a truncated body for a whole one."""
        chunks, media_type = service.generate(**read(GenerateRequest, data))
        return Stream(_until_the_client_leaves(chunks), media_type=media_type)


async def _until_the_client_leaves(chunks: Chunks) -> AsyncIterator[bytes]:
    """``chunks``, each made in a worker thread; when the client hangs up, the response's task is
    cancelled while it waits here, and the rows' generator is closed at once (its prefetch thread
    stops) rather than whenever the garbage collector gets to it."""
    turn = threading.Lock()  # a generator runs in one thread at a time: closing waits for a step

    def step() -> bytes | None:
        with turn:
            return next(chunks, None)

    def close() -> None:
        with turn:
            chunks.close()

    try:
        while (chunk := await anyio.to_thread.run_sync(step)) is not None:
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(close)
