"""``/health``, ``/status``, ``/config`` and ``/metrics``: whether the server is up, what it runs, its
settings, and its figures for Prometheus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from fastsynth.api.access import PUBLIC
from fastsynth.api.errors import READING, WRITING, refusals
from fastsynth.config import Settings
from fastsynth.service import Service, Status

__all__ = ["Health", "ServerController", "SettingsInfo"]


@dataclass(frozen=True)
class Health:
    """The server answers."""

    status: str = "ok"


@dataclass(frozen=True)
class SettingsInfo:
    """The settings, in the settings file's shape, and where each came from (default, file, env, CLI,
    API)."""

    settings: dict[str, dict[str, Any]]
    sources: dict[str, str]

    @classmethod
    def of(cls, settings: Settings) -> SettingsInfo:
        return cls(settings.as_document(), dict(settings.sources))


class ServerController(Controller):
    tags = ("server",)

    @get("/health", sync_to_thread=False, opt=PUBLIC, responses=refusals(400))
    def health(self) -> Health:
        """Liveness, for orchestrators' probes: the one API route that needs no token, and tells nothing."""
        return Health()

    @get("/status", sync_to_thread=False, responses=READING)
    def status(self, service: NamedDependency[Service]) -> Status:
        return service.status()

    @get("/config", sync_to_thread=False, responses=READING)
    def show_config(self, service: NamedDependency[Service]) -> SettingsInfo:
        return SettingsInfo.of(service.settings)

    @post("/config", status_code=200, sync_to_thread=True, responses=WRITING)
    def update_config(
        self, service: NamedDependency[Service], data: JSONBody[dict[str, Any]]
    ) -> SettingsInfo:
        """Changes (``{"batch_size": 500}`` or the settings file's shape) reach running streams at once."""
        return SettingsInfo.of(service.update_config(data))

    @get("/metrics", media_type="text/plain; version=0.0.4", sync_to_thread=False, responses=READING)
    def metrics(self, service: NamedDependency[Service]) -> str:
        return service.metrics_text()
