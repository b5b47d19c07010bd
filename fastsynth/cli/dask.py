"""``fastsynth gen --dask-scheduler ADDRESS | --dask-workers N``: part files written by a Dask cluster."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import typer

from fastsynth.errors import UsageError
from fastsynth.schema import Schema

__all__ = ["write_on_dask"]


def write_on_dask(
    schema: Schema,
    rows: int,
    *,
    output: Path | None,
    format: str,
    scheduler: str | None,
    workers: int | None,
    rows_per_file: int,
    seed: int | None,
    batch_size: int,
    options: dict[str, Any],
) -> None:
    from fastsynth import distributed

    if output is None:
        raise UsageError("--dask-scheduler and --dask-workers write part files: give --output DIR")
    if scheduler is not None and workers is not None:
        raise UsageError("give --dask-scheduler or --dask-workers, not both")
    if workers is not None and workers < 1:
        raise UsageError(f"--dask-workers={workers} is less than 1")
    dask = distributed.load_distributed()
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            client = stack.enter_context(dask.Client(scheduler, timeout=30))
        else:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="fastsynth-dask-"))
            cluster = stack.enter_context(
                dask.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    local_directory=scratch,
                )
            )
            client = stack.enter_context(dask.Client(cluster))
        report = distributed.write(
            schema,
            rows,
            output,
            client=client,
            format=format,
            rows_per_file=rows_per_file,
            seed=seed,
            batch_size=batch_size,
            options=options,
        )
    typer.echo(
        f"wrote {report.rows:,} rows in {len(report.files)} files to {output} in {report.seconds:.2f} s "
        f"({report.rows_per_second:,.0f} rows/s) on {report.workers} Dask workers",
        err=True,
    )
