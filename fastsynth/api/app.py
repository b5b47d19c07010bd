"""The REST API (Litestar): the seed's endpoints over a ``Service``, one controller per noun.

    GET  /status                  what runs, with each stream's figures
    POST /generators              add a generator: {"name", "schema" | "example", "seed"}
    GET  /examples                the example schema files shipped, whose names "example" takes
    GET  /generators[/{name}]     list them, or one
    DELETE /generators/{name}     remove one (its stream stops)
    POST /streamers               add a streamer: {"name", "type", "format", "path", "options"}
    GET  /streamers[/{name}]      list them, or one
    DELETE /streamers/{name}      remove one (running streams detach from it)
    POST /generate                rows now: {"generator" | "schema", "rows", "seed", "start", "format"}
    POST /report                  a report of a generator's rows: {"generator" | "schema", "rows",
                                  "windows" | "blocks" (drift) | "data" (real rows: quality), "format"}
    POST /start                   stream: {"generators", "streamers", "rate", "rows", "drift"}
    POST /stop                    stop streams: {"generators"}
    GET  /streams/{name}          one stream's status (its columns' running totals included)
    PATCH /streams/{name}         change a running stream: {"rate", "batch_size"}
    POST /streams/{name}/streamers              attach a streamer to it: {"streamer"}
    DELETE /streams/{name}/streamers/{streamer} detach one (its file complete when answered)
    POST /streams/{name}/drift    drift from its next row on: {} | {"magnitude"} | {"events"}
    GET  /events?interval=1.0     /status as server-sent events every interval (0.2 to 10 s) until the
                                  client leaves (or &count=N events); at most 16 open at once (429 beyond)
    GET|POST /config              the settings; POST changes them, live
    GET  /metrics                 Prometheus text

    GET  /health                  liveness, the one API route that needs no token

    GET  /ui                      the web console (``/`` leads there): a page and its static files
    GET  /ui/static/{file}        (``fastsynth.api.console``), public like ``/health``: they hold no
                                  data, and the page's script calls the routes above with the token

The controllers get the service injected as ``service`` (it lives in the application's state). Every
refusal is problem details (RFC 9457) whose ``detail`` names the field, the value and what is allowed:
400 for bad input, 401 without the token the settings set (``api.token``), 404 for an unknown name, 409
for a clash with what runs (``fastsynth.errors.status_of``), 429 for an event stream over the most open
at once, 413 for a body over ``MAX_BODY_BYTES``
(``/report``'s: ``REPORT_BODY_BYTES``), 415 for a body that is not JSON, 400 for a Host other than the
bound address, the loopback names and ``api.allowed_hosts`` (DNS rebinding). Cross-site requests are
allowed from ``api.cors_origins`` alone. The OpenAPI document, answers included, is at ``/schema``.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide

from fastsynth.api.access import check_request, served_hosts
from fastsynth.api.console import ROUTER as CONSOLE
from fastsynth.api.console import TEMPLATES
from fastsynth.api.errors import EXCEPTION_HANDLERS
from fastsynth.api.events import EventController, EventStreams
from fastsynth.api.examples import ExampleController
from fastsynth.api.generators import GeneratorController
from fastsynth.api.reporting import ReportController
from fastsynth.api.requests import BodyRequest
from fastsynth.api.rows import RowsController
from fastsynth.api.server import ServerController
from fastsynth.api.streamers import StreamerController
from fastsynth.api.streams import LiveStreamController, StreamController
from fastsynth.service import Service

__all__ = ["CONTROLLERS", "MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 4 << 20
"""The largest request body taken (a schema of thousands of fields fits in far less)."""

CONTROLLERS = [
    GeneratorController,
    ExampleController,
    StreamerController,
    RowsController,
    ReportController,
    StreamController,
    LiveStreamController,
    ServerController,
    EventController,
]


def provide_service(state: State) -> Service:
    """The service the application serves, for the handlers that take ``service``."""
    service: Service = state.service
    return service


def create_app(service: Service) -> Litestar:
    """The Litestar application serving ``service``; its streams stop when the application does."""
    settings = service.settings
    origins = list(settings.api_cors_origins)
    events = EventStreams()
    return Litestar(
        [*CONTROLLERS, CONSOLE],
        dependencies={"service": Provide(provide_service, sync_to_thread=False)},
        state=State(
            {
                "service": service,
                "hosts": served_hosts(settings.api_host, settings.api_allowed_hosts),
                "origins": frozenset(origins),
                "events": events,
            }
        ),
        guards=[check_request],
        cors_config=CORSConfig(allow_origins=origins, allow_headers=["Authorization", "Content-Type"])
        if origins
        else None,
        request_max_body_size=MAX_BODY_BYTES,
        template_config=TEMPLATES,
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=BodyRequest,
        on_shutdown=[events.close, service.shutdown],
        logging_config=None,
    )
