"""``fastsynth fit``: a model fitted on a data file, written as a schema (YAML, JSON) or a model file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.cli.gen import _parse_options
from fastsynth.errors import UsageError
from fastsynth.sources import read_table
from fastsynth.synthesis import fit as fit_model

__all__ = ["fit"]


@handle_errors
def fit(
    data: Annotated[Path, typer.Argument(help="Data file: CSV, JSON lines, JSON, Parquet or Arrow.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="File to write: a schema (.yaml, .yml, .json) or a model file (.fsm)."
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", "-m", help="copula (default), cart, rf, resample, smote, or SDV's.")
    ] = "copula",
    target: Annotated[str | None, typer.Option(help="The label column (smote, balance).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of fits that draw (forests, SDV's training).")] = 0,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-O", help="Method option KEY=VALUE, e.g. quantiles=101, epochs=50."),
    ] = None,
) -> None:
    """Fit a model on DATA to generate more rows like it (copula: a schema of its columns)."""
    suffix = None if output is None else output.suffix.lower()
    if suffix not in (None, ".yaml", ".yml", ".json", ".fsm"):
        raise UsageError(f"--output {str(output)!r}: give a .yaml, .yml, .json or .fsm file")
    schema = fit_model(
        read_table(data), method=method, target=target, seed=seed, **_parse_options(option or [])
    )
    if output is None:
        if schema.model is not None:
            raise UsageError(f"--method {method}: the model is a file; give --output MODEL.fsm")
        import yaml

        typer.echo(
            yaml.safe_dump(
                schema.to_dict(), sort_keys=False, allow_unicode=True, width=120, default_flow_style=None
            )
        )
        return
    schema.save(output)
    typer.echo(f"fitted {len(schema.fields)} columns of {data} into {output}", err=True)
