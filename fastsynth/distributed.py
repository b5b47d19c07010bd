"""Generation across a Dask cluster (``pip install 'fastsynth[dask]'``).

Rows are split into consecutive ranges and each range is one task: a worker makes it with the same
kernels as everywhere else and writes it as one file, or hands it over as one partition of a Dask
DataFrame. Row ``i`` depends only on the schema, the seed and ``i``, so the files or partitions are the
same bytes whatever the number of workers or machines, and joined in order they equal one process's
output. Workers need fastsynth installed; schemas travel to them with the tasks.

    from dask.distributed import Client
    from fastsynth.distributed import write

    report = write("configs/tabular.json", 1_000_000_000, "lake/users", client=Client("tcp://scheduler:8786"))
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastsynth.dependencies import optional_import
from fastsynth.errors import SinkError, UsageError
from fastsynth.generation import DEFAULT_BATCH_SIZE, SchemaLike, as_schema, generate, iter_batches
from fastsynth.schema import Schema
from fastsynth.seeds import resolve_seed
from fastsynth.sinks import SINKS, FileSink, open_sink
from fastsynth.specs import Count, PositiveInt, argument

__all__ = ["Report", "dataframe", "ranges", "write"]


def load_distributed() -> Any:
    return optional_import("dask.distributed", "dask", "distributed")


@dataclass(frozen=True)
class Report:
    """What ``write`` did."""

    files: list[Path]
    rows: int
    bytes: int
    seconds: float
    workers: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def ranges(rows: int, per_part: int, start: int = 0) -> list[tuple[int, int]]:
    """``(first row, row count)`` of each part of rows ``[start, start + rows)``, ``per_part`` rows each
    (the last may be shorter)."""
    rows = argument("rows", rows, Count)
    per_part = argument("rows per part", per_part, PositiveInt)
    start = argument("start", start, Count)
    return [(first, min(per_part, start + rows - first)) for first in range(start, start + rows, per_part)]


def _numba_threads(host_threads: dict[str, int]) -> None:
    """Share this machine's cores between the Dask threads running on it, so that kernels running in
    several worker processes at once do not oversubscribe the cores."""
    import numba

    from fastsynth.kernels.jit import set_threads

    worker = load_distributed().get_worker()
    host = worker.address.rsplit(":", 1)[0]
    share = max(1, (os.cpu_count() or 1) // max(1, host_threads.get(host, 1)))
    set_threads(min(share, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]  # numba.config is dynamic


def _write_part(
    part: tuple[int, int, str],
    schema: Schema,
    seed: int,
    format: str,
    options: dict[str, Any],
    batch_rows: int,
    host_threads: dict[str, int],
) -> tuple[str, int, int]:
    """Make rows ``[first, first + count)`` into the file ``path`` (written under a temporary name and
    renamed when complete); returns (path, rows, bytes)."""
    first, count, path = part
    _numba_threads(host_threads)
    with open_sink(path, schema.arrow_schema(), format=format, **options) as sink:
        for batch in iter_batches(schema, count, batch_size=batch_rows, seed=seed, start=first):
            sink.write(batch)
    return path, count, os.path.getsize(path)


def write(
    schema: SchemaLike,
    rows: int,
    output: str | Path,
    *,
    client: Any = None,
    format: str = "parquet",
    rows_per_file: int = 10_000_000,
    seed: int | None = None,
    start: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    options: dict[str, Any] | None = None,
) -> Report:
    """Write rows ``[start, start + rows)`` of ``schema`` into the folder ``output`` as files of
    ``rows_per_file`` rows (``part-00000.parquet``, ...), one task per file on the cluster of ``client``
    (the current Dask client by default). The folder must not hold part files already. If a task fails,
    the files already written are removed and the error is raised: the folder is left as it was."""
    distributed = load_distributed()
    resolved = as_schema(schema)
    cls = SINKS.get(format)
    if not issubclass(cls, FileSink) or not cls.extensions:
        raise UsageError(f"format {format!r} does not write files; use parquet, arrow, csv, jsonl or json")
    parts = ranges(rows, rows_per_file, start)
    folder = Path(output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"output {str(folder)!r} cannot be made a folder: {exc.strerror or exc}") from None
    extension = cls.extensions[0]
    if any(folder.glob(f"part-*{extension}")):
        raise SinkError(f"output {str(folder)!r} already holds part-*{extension} files; give an empty folder")
    width = max(5, len(str(len(parts) - 1)))
    jobs = [
        (first, count, str(folder / f"part-{k:0{width}d}{extension}"))
        for k, (first, count) in enumerate(parts)
    ]
    chosen_seed = resolve_seed(seed, resolved.seed)
    client = client if client is not None else distributed.get_client()
    workers = client.scheduler_info()["workers"]
    host_threads: dict[str, int] = {}
    for address, info in workers.items():
        host = address.rsplit(":", 1)[0]
        host_threads[host] = host_threads.get(host, 0) + int(info.get("nthreads", 1))
    started = time.perf_counter()
    futures = client.map(
        _write_part,
        jobs,
        schema=resolved,
        seed=chosen_seed,
        format=format,
        options=dict(options or {}),
        batch_rows=batch_size,  # client.map keeps batch_size for itself
        host_threads=host_threads,
        pure=False,
    )
    try:
        distributed.wait(futures)  # every task ends, failed or not, so nothing writes after a cleaning
    except BaseException:  # interrupted: stop what has not started
        client.cancel(futures)
        raise
    if any(future.status == "error" for future in futures):
        for _, _, path in jobs:
            Path(path).unlink(missing_ok=True)
    results = client.gather(futures)  # raises the first task's error
    seconds = time.perf_counter() - started
    return Report(
        files=[Path(path) for path, _, _ in results],
        rows=sum(count for _, count, _ in results),
        bytes=sum(size for _, _, size in results),
        seconds=seconds,
        workers=len(workers),
    )


def _partition(part: tuple[int, int], schema: Schema, seed: int) -> Any:
    import pandas as pd

    first, count = part
    return generate(schema, count, seed=seed, start=first).to_pandas(types_mapper=pd.ArrowDtype)


def dataframe(
    schema: SchemaLike,
    rows: int,
    *,
    rows_per_partition: int = 1_000_000,
    seed: int | None = None,
    start: int = 0,
) -> Any:
    """Rows ``[start, start + rows)`` of ``schema`` as a lazy Dask DataFrame, a partition per
    ``rows_per_partition`` rows made by whichever worker computes it (pyarrow-backed pandas columns)."""
    dd = optional_import("dask.dataframe", "dask", "dask[dataframe]")
    resolved = as_schema(schema)
    chosen_seed = resolve_seed(seed, resolved.seed)
    parts = ranges(rows, rows_per_partition, start)
    meta = _partition((start, 0), resolved, chosen_seed)
    return dd.from_map(
        _partition, parts, schema=resolved, seed=chosen_seed, meta=meta, enforce_metadata=False
    )
