"""``GET /events``: ``GET /status`` as server-sent events, one ``event: status`` every ``interval``
seconds until the client leaves, for a console that draws the figures live. Each open stream holds a
connection and wakes every interval, so at most ``MAX_EVENT_STREAMS`` are open at once."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator
from typing import Annotated

import anyio
import msgspec
from litestar import Controller, Request, get
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from fastsynth.api.errors import refusals
from fastsynth.service import Service
from fastsynth.service.slots import Slot, Slots
from fastsynth.specs import Bounds, argument

__all__ = ["MAX_EVENT_STREAMS", "EventController", "EventStreams"]

MAX_EVENT_STREAMS = 16
_INTERVAL = Annotated[float, Bounds(0.2, 10)]
_COUNT = Annotated[int, Bounds(1, 1_000_000)] | None
_POLL_SECONDS = 0.25
"""How often a waiting stream looks whether the server is stopping."""


class EventStreams(Slots):
    """The open event streams, counted, and whether the server is stopping (which ends them, so that
    an open console does not hold the server's exit up)."""

    def __init__(self, most: int = MAX_EVENT_STREAMS) -> None:
        super().__init__(most)
        self.closing = threading.Event()

    def close(self) -> None:
        """End every open stream at its next look (within a quarter of a second)."""
        self.closing.set()


class EventController(Controller):
    path = "/events"
    tags = ("server",)

    @get(
        media_type="text/event-stream",
        responses=refusals(400, 401, 403, 429),
        response_description="``event: status`` every interval, its data the JSON of GET /status",
    )
    async def events(
        self,
        request: Request,
        service: NamedDependency[Service],
        interval: Annotated[
            str,
            Parameter(
                description="Seconds between events, 0.2 to 10",
                schema_extra={"type": "number", "minimum": 0.2, "maximum": 10},
            ),
        ] = "1.0",
        count: Annotated[
            str | None,
            Parameter(
                description="Events to send before the stream ends (default: until the client leaves)",
                schema_extra={"type": "integer", "oneOf": None, "minimum": 1, "maximum": 1_000_000},
            ),
        ] = None,
    ) -> ServerSentEvent:
        # Taken as text and checked here, so that ``count=1.5`` is told the value and what is allowed
        # (Litestar's own check says only "Expected `int | null`, got `str`").
        seconds = argument("interval", _number(interval), _INTERVAL)
        most = argument("count", None if count is None else _number(count), _COUNT)
        streams: EventStreams = request.app.state.events
        slot = streams.take()
        if slot is None:
            raise HTTPException(
                status_code=429,
                detail=f"{streams.most} event streams are open, the most this server serves at once; "
                "close one, or poll GET /status",
            )
        return ServerSentEvent(
            _statuses(service, streams, slot, seconds, most), background=BackgroundTask(slot.release)
        )


def _number(text: str) -> int | float | str:
    """A query parameter as the number it spells, or as given (``argument`` then refuses it by value)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


async def _statuses(
    service: Service, streams: EventStreams, slot: Slot, interval: float, count: int | None
) -> AsyncGenerator[ServerSentEventMessage]:
    """The status every ``interval`` seconds, on a schedule (a slow client does not make it drift),
    ``count`` times or until the client leaves (Litestar then cancels this) or the server stops."""
    try:
        sent = 0
        due = time.monotonic()
        while not streams.closing.is_set():
            data = msgspec.json.encode(service.status()).decode()
            yield ServerSentEventMessage(data=data, event="status")
            sent += 1
            if count is not None and sent >= count:
                return
            due += interval
            while (left := due - time.monotonic()) > 0 and not streams.closing.is_set():
                await anyio.sleep(min(left, _POLL_SECONDS))
    finally:
        slot.release()
