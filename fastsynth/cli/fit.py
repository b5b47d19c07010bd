"""``fastsynth fit``: a schema fitted on a data file, written as YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from fastsynth.cli.errors import handle_errors
from fastsynth.errors import UsageError
from fastsynth.fit import fit as fit_schema
from fastsynth.sources import read_table

__all__ = ["fit"]


@handle_errors
def fit(
    data: Annotated[Path, typer.Argument(help="Data file: CSV, JSON lines, JSON, Parquet or Arrow.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Schema file to write (.yaml, .yml or .json).")
    ] = None,
    quantiles: Annotated[int, typer.Option(help="Quantiles kept per numeric column.")] = 257,
    max_categories: Annotated[int, typer.Option(help="Most values kept per text column.")] = 10_000,
    correlations: Annotated[
        bool, typer.Option("--correlations/--no-correlations", help="Keep the numeric columns' correlations.")
    ] = True,
) -> None:
    """Fit a schema on DATA (a Gaussian copula of its columns) to generate more rows like it."""
    if output is not None and output.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise UsageError(f"--output {str(output)!r}: give a .yaml, .yml or .json file")
    document = fit_schema(
        read_table(data), quantiles=quantiles, max_categories=max_categories, correlations=correlations
    )
    text = (
        json.dumps(document, indent=2)
        if output is not None and output.suffix.lower() == ".json"
        else yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    )
    if output is None:
        typer.echo(text)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"fitted {len(document['fields'])} columns of {data} into {output}", err=True)
