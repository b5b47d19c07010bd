"""``fastsynth gen --dask-scheduler ADDRESS | --dask-workers N``: part files written by a Dask cluster."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import typer

from fastsynth.errors import SinkError, UsageError
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
    rows_per_file: int | None,
    seed: int | None,
    batch_size: int,
    options: dict[str, Any],
    overwrite: bool = False,
) -> None:
    """Write the part files; a failure (a task's error, workers lost, the scheduler unreachable) is one
    line, and the folder is left as ``distributed.write`` promises (no temporary files, no marker)."""
    from fastsynth import distributed

    if output is None:
        raise UsageError("--dask-scheduler and --dask-workers write part files: give --output DIR")
    if scheduler is not None and workers is not None:
        raise UsageError("give --dask-scheduler or --dask-workers, not both")
    if workers is not None and workers < 1:
        raise UsageError(f"--dask-workers={workers} is less than 1")
    distributed.check_output(output, overwrite=overwrite)  # before starting a cluster for nothing
    # The workers' and scheduler's own logs (a task's traceback, a worker restarted) would bury the one
    # line that says what happened; the environment carries this to the worker processes.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
    dask = distributed.load_distributed()
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(dask.Client(scheduler, timeout=30))
            except (OSError, TimeoutError, ValueError) as exc:
                raise SinkError(f"--dask-scheduler {scheduler}: cannot connect: {exc}") from None
        else:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="fastsynth-dask-"))
            # Ctrl-C reaches the whole process group: the worker processes must leave it to this one,
            # which cancels the job and cleans up (they would die with a traceback each). They inherit
            # an ignored SIGINT from their start.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                cluster = dask.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # its HTTP endpoints on a free loopback port, not on 8787 (a second job would warn)
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    local_directory=scratch,
                )
            finally:
                signal.signal(signal.SIGINT, previous)
            stack.enter_context(cluster)
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
            overwrite=overwrite,
        )
    typer.echo(
        f"wrote {report.rows:,} rows in {len(report.files)} files to {output} in {report.seconds:.2f} s "
        f"({report.rows_per_second:,.0f} rows/s) on {report.workers} Dask workers; "
        f"{report.marker.name} written",
        err=True,
    )
