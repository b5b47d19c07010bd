"""``fastsynth api``: the REST API served by uvicorn until SIGINT or SIGTERM, which stop the streams
(flushing and closing their sinks) before the server exits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.cli.flight import serve_flight
from fastsynth.config import load_settings
from fastsynth.dependencies import optional_import
from fastsynth.errors import UsageError
from fastsynth.logs import configure_logging

__all__ = ["api"]


@handle_errors
def api(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default 127.0.0.1; 0.0.0.0 for every interface).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Settings file (YAML).")] = None,
    output_dir: Annotated[
        Path, typer.Option(help="Folder that file streamers write under; paths outside it are refused.")
    ] = Path("."),
    max_rows: Annotated[int, typer.Option(help="Most rows one POST /generate may ask for.")] = 10_000_000,
    flight_port: Annotated[
        int | None, typer.Option(help="Also serve Arrow Flight on this port, sharing the generators.")
    ] = None,
) -> None:
    """Serve the REST API: generators, streamers, /generate, /start, /stop, /config, /status, /metrics."""
    settings = load_settings(config, cli={"api_host": host, "api_port": port})
    if not output_dir.is_dir():
        raise UsageError(f"--output-dir {str(output_dir)!r} is not a folder")
    if max_rows < 1:
        raise UsageError(f"--max-rows={max_rows} is less than 1")
    uvicorn = optional_import("uvicorn", "api")
    from fastsynth.api import create_app
    from fastsynth.service import Service

    configure_logging(settings.log_level, settings.log_format)
    service = Service(settings, output_root=output_dir, max_rows=max_rows)
    flight = None if flight_port is None else serve_flight(service, settings.api_host, flight_port)
    if flight is not None:
        typer.echo(f"fastsynth Flight on grpc://{settings.api_host}:{flight.port}", err=True)
    typer.echo(f"fastsynth API on http://{settings.api_host}:{settings.api_port}", err=True)
    try:
        uvicorn.run(
            create_app(service),
            host=settings.api_host,
            port=settings.api_port,
            log_level=settings.log_level.lower(),
            access_log=False,
            timeout_graceful_shutdown=30,
        )
    finally:
        if flight is not None:
            flight.shutdown()
