"""``fastsynth fit``: a model fitted on a data file, written as a schema (YAML, JSON) or a model file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.cli.gen import _parse_options
from fastsynth.errors import UsageError

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
    share: Annotated[
        list[str] | None,
        typer.Option(help="Exact share of a value, COLUMN=VALUE:SHARE (repeat; a column's shares sum to 1)."),
    ] = None,
    balance_target: Annotated[bool, typer.Option(help="Equal shares of the --target's classes.")] = False,
    constraint: Annotated[
        list[str] | None, typer.Option(help="SQL predicate every row meets, e.g. 'age >= 18' (repeat).")
    ] = None,
    block_column: Annotated[str | None, typer.Option(help="Fit a model per block of this column.")] = None,
    chunk_size: Annotated[int | None, typer.Option(help="... or per chunk of this many rows.")] = None,
    time_column: Annotated[
        str | None, typer.Option(help="... or per run of equal values of this timestamp column.")
    ] = None,
    block_rows: Annotated[
        int | None, typer.Option(help="Rows each block makes (default: as many as it had).")
    ] = None,
) -> None:
    """Fit a model on DATA to generate more rows like it (copula: a schema of its columns)."""
    from fastsynth.sources import read_table
    from fastsynth.synthesis import fit as fit_model
    from fastsynth.synthesis import fit_blocks

    suffix = None if output is None else output.suffix.lower()
    if suffix not in (None, ".yaml", ".yml", ".json", ".fsm"):
        raise UsageError(f"--output {str(output)!r}: give a .yaml, .yml, .json or .fsm file")
    blocks: dict[str, Any] = {
        "block_column": block_column,
        "chunk_size": chunk_size,
        "time_column": time_column,
    }
    by_blocks = any(v is not None for v in blocks.values())
    if block_rows is not None and not by_blocks:
        raise UsageError("--block-rows: give --block-column, --chunk-size or --time-column too")
    conditions: dict[str, Any] = {
        "method": method,
        "target": target,
        "seed": seed,
        "custom_distributions": _shares(share or []),
        "balance_target": balance_target,
        "constraints": constraint or [],
        **_parse_options(option or []),
    }
    table = read_table(data)
    if by_blocks:
        schema = fit_blocks(table, **blocks, rows=block_rows, **conditions)
    else:
        schema = fit_model(table, **conditions)
    if output is None:
        if schema.model is not None:
            raise UsageError(f"--method {method}: the model is a file; give --output MODEL.fsm")
        typer.echo(schema.dumps())
        return
    schema.save(output)
    typer.echo(f"fitted {len(schema.fields)} columns of {data} into {output}", err=True)


def _shares(pairs: list[str]) -> dict[str, dict[Any, float]]:
    """``--share city=Paris:0.5`` as ``{"city": {"Paris": 0.5}}`` (the value as text: fit reads it as the
    column's type)."""
    shares: dict[str, dict[Any, float]] = {}
    for pair in pairs:
        column, sep, rest = pair.partition("=")
        value, colon, share = rest.rpartition(":")
        try:
            amount = float(share)
        except ValueError:
            amount = None
        if not sep or not column or not colon or amount is None:
            raise UsageError(f"--share {pair!r} is not COLUMN=VALUE:SHARE (e.g. --share city=Paris:0.5)")
        shares.setdefault(column, {})[value] = amount
    return shares
