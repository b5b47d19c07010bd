"""The REST API (Litestar): the seed's endpoints over a ``Service``, one controller per noun.

    GET  /status                  what runs, with each stream's figures
    POST /generators              add a generator: {"name", "schema" | "example", "seed"}
    GET  /generators[/{name}]     list them, or one
    DELETE /generators/{name}     remove one (its stream stops)
    POST /streamers               add a streamer: {"name", "type", "format", "path", "options"}
    GET  /streamers[/{name}]      list them, or one
    DELETE /streamers/{name}      remove one (running streams detach from it)
    POST /generate                rows now: {"generator" | "schema", "rows", "seed", "start", "format"}
    POST /start                   stream: {"generators", "streamers", "rate", "rows", "drift"}
    POST /stop                    stop streams: {"generators"}
    GET|POST /config              the settings; POST changes them, live
    GET  /metrics                 Prometheus text

The controllers get the service injected as ``service`` (it lives in the application's state). Every
refusal is a JSON body ``{"error": "..."}`` naming the field, the value and what is allowed: 400 for bad
input, 404 for an unknown name, 409 for a clash with what runs (``fastsynth.errors.status_of``). The
OpenAPI document, answers included, is at ``/schema``.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from fastsynth.api.errors import EXCEPTION_HANDLERS
from fastsynth.api.generators import GeneratorController
from fastsynth.api.rows import RowsController
from fastsynth.api.server import ServerController
from fastsynth.api.streamers import StreamerController
from fastsynth.api.streams import StreamController
from fastsynth.service import Service

__all__ = ["CONTROLLERS", "create_app"]

CONTROLLERS = [GeneratorController, StreamerController, RowsController, StreamController, ServerController]


def provide_service(state: State) -> Service:
    """The service the application serves, for the handlers that take ``service``."""
    service: Service = state.service
    return service


def create_app(service: Service) -> Litestar:
    """The Litestar application serving ``service``; its streams stop when the application does."""
    return Litestar(
        CONTROLLERS,
        dependencies={"service": Provide(provide_service, sync_to_thread=False)},
        state=State({"service": service}),
        exception_handlers=EXCEPTION_HANDLERS,
        on_shutdown=[service.shutdown],
        logging_config=None,
    )
