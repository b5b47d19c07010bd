"""``fastsynth api``: the REST API served by uvicorn until SIGINT or SIGTERM, which stop the streams
(flushing and closing their sinks) before the server exits."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.cli.flight import serve_flight
from fastsynth.cli.server_options import (
    InsecureOpt,
    ModelsOpt,
    TokenFileOpt,
    TokenOpt,
    TrustModelsOpt,
    checked_models,
)
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
        Path,
        typer.Option(
            help="Folder that file streamers write under (made if missing); paths outside it are refused."
        ),
    ] = Path("fastsynth-output"),
    max_rows: Annotated[int, typer.Option(help="Most rows one POST /generate may ask for.")] = 10_000_000,
    models: ModelsOpt = None,
    trust_models: TrustModelsOpt = False,
    flight_port: Annotated[
        int | None, typer.Option(help="Also serve Arrow Flight on this port, sharing the generators.")
    ] = None,
    token: TokenOpt = None,
    token_file: TokenFileOpt = None,
    insecure_no_token: InsecureOpt = False,
    allowed_host: Annotated[
        list[str] | None, typer.Option(help="A Host name clients use to reach the server (repeatable).")
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web origin allowed to call the API from a browser (repeatable)."),
    ] = None,
    kafka_bootstrap: Annotated[
        list[str] | None, typer.Option(help="A Kafka broker (host:port) streamers may write to (repeatable).")
    ] = None,
) -> None:
    """Serve the REST API: generators, streamers, /generate, /start, /stop, /config, /status, /metrics."""
    from fastsynth.config import load_settings
    from fastsynth.service.access import check_exposure, read_token

    flags = {
        "api_host": host,
        "api_port": port,
        "api_token": read_token(token, token_file),
        "api_allowed_hosts": allowed_host or None,
        "api_cors_origins": cors_origin or None,
        "kafka_bootstrap_servers": kafka_bootstrap or None,
    }
    settings = load_settings(config, cli=flags)
    check_exposure(settings.api_host, settings.api_token, insecure_no_token, "API server")
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {str(output_dir)!r} is not a folder")
    output_dir.mkdir(parents=True, exist_ok=True)
    if max_rows < 1:
        raise UsageError(f"--max-rows={max_rows} is less than 1")
    uvicorn = optional_import("uvicorn", "api")
    from fastsynth.api import create_app
    from fastsynth.service import Service

    configure_logging(settings.log_level, settings.log_format)
    service = Service(
        settings,
        output_root=output_dir,
        max_rows=max_rows,
        models=checked_models(models),
        trust_models=trust_models,
    )
    flight = None if flight_port is None else serve_flight(service, settings.api_host, flight_port)
    if flight is not None:
        typer.echo(f"fastsynth Flight on grpc://{settings.api_host}:{flight.port}", err=True)
    typer.echo(f"fastsynth API on http://{settings.api_host}:{settings.api_port}", err=True)
    app = create_app(service)

    class Server(uvicorn.Server):  # type: ignore[name-defined]
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # uvicorn waits for open responses before the application's shutdown: end event streams now.
            app.state.events.close()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    server = Server(config)
    # uvicorn stops on SIGINT and SIGTERM itself, then raises the signal again with the handler it found,
    # so that the exit status says which: the default one, not the command's Ctrl-C (``handle_errors``).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        if not server.started:  # the port is taken, say: uvicorn has logged why
            raise typer.Exit(3)
    finally:
        if flight is not None:
            flight.shutdown()
