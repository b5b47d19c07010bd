"""``fastsynth drift``: inject known drift into a data file and write its ground truth beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fastsynth.cli.errors import handle_errors

__all__ = ["app"]

app = typer.Typer(help="Inject known drift into data.", no_args_is_help=True)


@app.command()
@handle_errors
def inject(
    input: Annotated[Path, typer.Argument(help="CSV, JSON lines, JSON, Parquet or Arrow file.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML or JSON file of drifts.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (format by extension).")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Output format when the extension does not say.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the drifts' random choices.")] = None,
    weight_column: Annotated[
        str | None, typer.Option("--weight-column", help="Add a column of each row's drift weight.")
    ] = None,
    log: Annotated[
        Path | None, typer.Option("--log", help="Where to write the drift log (default: OUTPUT.drift.json).")
    ] = None,
) -> None:
    """Apply the drifts in CONFIG to INPUT, write OUTPUT and the drift log beside it."""
    from fastsynth.drift import inject_drift
    from fastsynth.sinks import open_sink
    from fastsynth.sources import read_table

    table = read_table(input)
    drifted, drift_log = inject_drift(table, config, seed=seed, weight_column=weight_column)
    with open_sink(output, drifted.schema, format=format) as sink:
        for batch in drifted.to_batches():
            sink.write(batch)
    log_path = log or output.with_name(output.name + ".drift.json")
    drift_log.write(log_path)
    changed = sum(sum(entry["changed"].values()) for entry in drift_log.entries)
    typer.echo(
        f"wrote {drifted.num_rows:,} rows to {output} ({len(drift_log.entries)} drifts, {changed:,} values "
        f"changed); drift log in {log_path}",
        err=True,
    )


@app.command()
def types() -> None:
    """List the drift types and profiles."""
    from fastsynth.drift import OPERATIONS, PROFILES

    for name in OPERATIONS.names():
        operation = OPERATIONS.get(name)
        keys = ", ".join(sorted(operation.keys))
        typer.echo(f"{name:16} {'/'.join(operation.kinds):32} {keys}")
    typer.echo(f"profiles: {', '.join(PROFILES)}")
