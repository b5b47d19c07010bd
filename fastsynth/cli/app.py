"""The ``fastsynth`` command: ``gen``, ``run`` and the ``schema`` sub-commands."""

from __future__ import annotations

import typer

from fastsynth.cli import gen, schema

__all__ = ["app", "main"]

app = typer.Typer(
    name="fastsynth",
    help="Synthetic tabular and time-series data at hardware speed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("gen")(gen.gen)
app.command("run")(gen.run)
app.add_typer(schema.app, name="schema")


def main() -> None:
    """Console-script entry point."""
    app()
