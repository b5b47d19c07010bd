"""``fastsynth schema``: example schemas, validation and the list of field types."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fastsynth.cli import catalog
from fastsynth.cli.errors import handle_errors
from fastsynth.errors import SinkError

__all__ = ["app"]

app = typer.Typer(help="Create, check and explore schemas.", no_args_is_help=True)


class ExampleKind(StrEnum):
    tabular = "tabular"
    timeseries = "timeseries"


@app.command("create-example")
@handle_errors
def create_example(
    kind: Annotated[ExampleKind, typer.Argument(help="Which of the seed's examples.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write one of the seed's example schemas."""
    from fastsynth.schema import EXAMPLES

    text = json.dumps(EXAMPLES[kind.value], indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SinkError(f"output {str(output)!r} cannot be written: {exc.strerror}") from None
    typer.echo(f"wrote {kind.value} example schema to {output}", err=True)


@app.command()
@handle_errors
def validate(schema: Annotated[Path, typer.Argument(help="Schema file to check.")]) -> None:
    """Check a schema and list its columns with their Arrow types."""
    from fastsynth.schema import Schema

    loaded = Schema.load(schema)
    for field in loaded.fields:
        typer.echo(f"{field.name}: {field.type_name} -> {field.arrow_type()}")
    typer.echo(f"ok: {len(loaded.fields)} fields", err=True)


@app.command()
@handle_errors
def types() -> None:
    """List the field types and the options each takes."""
    _describe(catalog.current()["types"])


@app.command()
@handle_errors
def generators() -> None:
    """List the concept-drift generators (a schema's ``generator``) and the parameters each takes."""
    _describe(catalog.current()["generators"])


def _describe(entries: list[catalog.Entry]) -> None:
    for entry in entries:
        typer.echo(f"{entry['name']}: {entry['summary']}")
        typer.echo(f"    options: {', '.join(entry['options'])}")
