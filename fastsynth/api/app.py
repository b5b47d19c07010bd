"""The REST API (Litestar): the seed's endpoints over a ``Service``.

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

Every refusal is a JSON body ``{"error": "..."}`` naming the field, the value and what is allowed: 400
for bad input, 404 for an unknown name, 409 for a clash with what runs (``fastsynth.errors.status_of``,
as for the Flight server). The OpenAPI document is at ``/schema``.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, delete, get, post
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath, JSONBody
from litestar.response import Stream

from fastsynth.errors import FastsynthError, status_of
from fastsynth.service import GeneratorInfo, Service, Status, StreamerInfo

__all__ = ["create_app"]

log = logging.getLogger("fastsynth.api")


class GeneratorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    schema: dict[str, Any] | None = None
    example: str | None = None
    seed: int | None = None


class StreamerIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    type: str
    format: str | None = None
    path: str | None = None
    options: dict[str, Any] = {}


class GenerateIn(msgspec.Struct, forbid_unknown_fields=True):
    generator: str | None = None
    schema: dict[str, Any] | None = None
    rows: int | None = None
    seed: int | None = None
    start: int = 0
    format: str = "json"


class StartIn(msgspec.Struct, forbid_unknown_fields=True):
    generators: list[str] | None = None
    streamers: list[str] | None = None
    rate: float | dict[str, Any] | None = None
    rows: int | None = None
    drift: dict[str, Any] | None = None


class StopIn(msgspec.Struct, forbid_unknown_fields=True):
    generators: list[str] | None = None


def _error(status: int, message: str) -> Response[dict[str, Any]]:
    return Response({"error": message}, status_code=status)


def _refused(request: Request, exc: FastsynthError) -> Response[dict[str, Any]]:
    return _error(status_of(exc), str(exc))


def _invalid(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    """msgspec's findings as one message: ``body field 'rows': Expected `int`, got `str```."""
    found = exc.extra if isinstance(exc.extra, list) else []
    if found and isinstance(found[0], dict):
        where = found[0].get("key")
        place = "body" if where in (None, "data") else f"field {where!r}"
        return _error(400, f"{place}: {found[0].get('message')}")
    return _error(400, str(exc.detail))


def _http(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code in (404, 405):  # no such route: say which request missed
        return _error(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}")
    return _error(exc.status_code, str(exc.detail))


def _crashed(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("%s %s failed", request.method, request.url.path)
    return _error(500, f"internal error: {type(exc).__name__}: {exc}")


def create_app(service: Service) -> Litestar:
    """The Litestar application serving ``service``; its streams stop when the application does."""

    @get("/status", sync_to_thread=False)
    def status() -> Status:
        return service.status()

    @post("/generators", status_code=201, sync_to_thread=False)
    def add_generator(data: JSONBody[GeneratorIn]) -> GeneratorInfo:
        return service.add_generator(data.name, data.schema, data.example, data.seed).describe()

    @get("/generators", sync_to_thread=False)
    def list_generators() -> list[GeneratorInfo]:
        return [g.describe() for g in service.generators.values()]

    @get("/generators/{name:str}", sync_to_thread=False)
    def one_generator(name: FromPath[str]) -> GeneratorInfo:
        return service.generator(name).describe()

    @delete("/generators/{name:str}", sync_to_thread=True)
    def remove_generator(name: FromPath[str]) -> None:
        service.remove_generator(name)

    @post("/streamers", status_code=201, sync_to_thread=True)
    def add_streamer(data: JSONBody[StreamerIn]) -> StreamerInfo:
        spec = {"format": data.format, "path": data.path, "options": data.options}
        return service.add_streamer(data.name, data.type, **spec).describe()

    @get("/streamers", sync_to_thread=False)
    def list_streamers() -> list[StreamerInfo]:
        return [s.describe() for s in service.streamers.values()]

    @get("/streamers/{name:str}", sync_to_thread=False)
    def one_streamer(name: FromPath[str]) -> StreamerInfo:
        return service.streamer(name).describe()

    @delete("/streamers/{name:str}", sync_to_thread=True)
    def remove_streamer(name: FromPath[str]) -> None:
        service.remove_streamer(name)

    @post("/generate", status_code=200, sync_to_thread=True)
    def generate(data: JSONBody[GenerateIn]) -> Stream:
        chunks, media_type = service.generate(
            generator=data.generator,
            schema=data.schema,
            rows=data.rows,
            seed=data.seed,
            start=data.start,
            format=data.format,
        )
        return Stream(chunks, media_type=media_type)

    @post("/start", status_code=200, sync_to_thread=True)
    def start(data: JSONBody[StartIn]) -> dict[str, Any]:
        started = service.start(
            generators=data.generators,
            streamers=data.streamers,
            rate=data.rate,
            rows=data.rows,
            drift=data.drift,
        )
        return {"started": started, **vars(service.status())}

    @post("/stop", status_code=200, sync_to_thread=True)
    def stop(data: JSONBody[StopIn | None] = None) -> dict[str, Any]:
        return {"stopped": service.stop(None if data is None else data.generators)}

    @get("/config", sync_to_thread=False)
    def show_config() -> dict[str, Any]:
        return {"settings": service.settings.as_document(), "sources": service.settings.sources}

    @post("/config", status_code=200, sync_to_thread=True)
    def update_config(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        settings = service.update_config(data)
        return {"settings": settings.as_document(), "sources": settings.sources}

    @get("/metrics", media_type="text/plain; version=0.0.4", sync_to_thread=False)
    def metrics() -> str:
        return service.metrics_text()

    return Litestar(
        [
            status,
            add_generator,
            list_generators,
            one_generator,
            remove_generator,
            add_streamer,
            list_streamers,
            one_streamer,
            remove_streamer,
            generate,
            start,
            stop,
            show_config,
            update_config,
            metrics,
        ],
        exception_handlers={
            FastsynthError: _refused,
            ValidationException: _invalid,
            HTTPException: _http,
            Exception: _crashed,
        },
        on_shutdown=[service.shutdown],
        logging_config=None,
    )
