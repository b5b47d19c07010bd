"""The ``fastsynth`` command and its sub-commands: gen, run, fit, report, cohort, api, flight, schema,
drift, config."""

from __future__ import annotations

from typing import Annotated

import typer

from fastsynth import __version__
from fastsynth.cli import api, cohort, config, drift, fit, flight, gen, report, schema

__all__ = ["app", "main"]

app = typer.Typer(
    name="fastsynth",
    help="Synthetic tabular and time-series data at hardware speed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: rich's renderer (markdown and all) would double the time `--help` takes.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fastsynth {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Synthetic tabular and time-series data at hardware speed."""


app.command("gen")(gen.gen)
app.command("run")(gen.run)
app.command("api")(api.api)
app.command("flight")(flight.flight)
app.command("fit")(fit.fit)
app.command("report")(report.report)
app.command("cohort")(cohort.cohort)
app.add_typer(schema.app, name="schema")
app.add_typer(drift.app, name="drift")
app.add_typer(config.app, name="config")


def main() -> None:
    """Console-script entry point."""
    app()
