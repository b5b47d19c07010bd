"""``fastsynth config show``: the effective settings and where each came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fastsynth.cli.errors import handle_errors

__all__ = ["app"]

app = typer.Typer(help="Show the effective settings.", no_args_is_help=True)


@app.command()
@handle_errors
def show(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Settings file (YAML).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Print every setting, its value, its source (default, file, environment) and what it does."""
    import yaml

    from fastsynth.config import SETTINGS, load_settings

    settings = load_settings(config)
    if as_json:
        typer.echo(json.dumps({"settings": settings.as_document(), "sources": settings.sources}, indent=2))
        return
    width = max(len(s.name) for s in SETTINGS)
    for setting in SETTINGS:
        value = (
            yaml.safe_dump(settings.shown(setting.name), default_flow_style=True).strip().removesuffix("...")
        )
        source = settings.sources[setting.name]
        typer.echo(f"{setting.name:<{width}}  {value.strip():<12}  {source:<12}  {setting.help}")
