"""``fastsynth flight``: the Arrow Flight server, until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.cli.server_options import (
    InsecureOpt,
    ModelsOpt,
    TokenFileOpt,
    TokenOpt,
    TrustModelsOpt,
    checked_models,
)
from fastsynth.errors import SinkError
from fastsynth.logs import configure_logging

__all__ = ["flight", "serve_flight"]


def serve_flight(service: Any, host: str, port: int) -> Any:
    """A FlightServer for ``service`` listening on ``host:port`` (serving from now on)."""
    from fastsynth.flight import FlightServer

    try:
        return FlightServer(service, f"grpc://{host}:{port}")
    except OSError as exc:  # pyarrow raises ArrowIOError, an OSError, when the port is taken
        raise SinkError(f"the Flight server cannot listen on {host}:{port}: {exc}") from None


@handle_errors
def flight(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: the API host, 127.0.0.1).")
    ] = None,
    port: Annotated[int, typer.Option(help="Port.")] = 8815,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Settings file (YAML).")] = None,
    max_rows: Annotated[int, typer.Option(help="Most rows one ticket may ask for.")] = 1_000_000_000,
    models: ModelsOpt = None,
    trust_models: TrustModelsOpt = False,
    token: TokenOpt = None,
    token_file: TokenFileOpt = None,
    insecure_no_token: InsecureOpt = False,
) -> None:
    """Serve generated rows over Arrow Flight: a ticket is the JSON of a /generate request."""
    from fastsynth.config import load_settings
    from fastsynth.service import Service
    from fastsynth.service.access import check_exposure, read_token

    settings = load_settings(config, cli={"api_host": host, "api_token": read_token(token, token_file)})
    configure_logging(settings.log_level, settings.log_format)
    check_exposure(settings.api_host, settings.api_token, insecure_no_token, "Flight server")
    service = Service(settings, max_rows=max_rows, models=checked_models(models), trust_models=trust_models)
    server = serve_flight(service, settings.api_host, port)
    stopping = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stopping.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    typer.echo(f"fastsynth Flight on grpc://{settings.api_host}:{server.port}", err=True)
    try:
        while not stopping.wait(0.2):
            pass
    finally:
        server.shutdown()
        server.service.shutdown()
        for s, handler in previous.items():
            signal.signal(s, handler)
    typer.echo("Flight server stopped", err=True)
