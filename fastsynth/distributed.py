"""Generation across a Dask cluster (``pip install 'fastsynth[dask]'``).

Rows are split into consecutive ranges (by default, as many as the cluster has worker threads, or a
multiple) and each range is one task: a worker makes it with the same kernels as everywhere else and
writes it as one file, or hands it over as one partition of a Dask DataFrame. Files are staged and
published with a ``_SUCCESS`` marker written last, so a failed, interrupted or half-published job is
never mistaken for a complete set. Row ``i`` depends only on the schema, the seed and ``i``, so the
files or partitions are the same bytes whatever the number of workers or machines, and joined in order
they equal one process's output. Workers need fastsynth installed; schemas travel to them with the tasks.

    from dask.distributed import Client
    from fastsynth.distributed import write

    report = write("configs/tabular.json", 1_000_000_000, "lake/users", client=Client("tcp://scheduler:8786"))
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastsynth.config import DEFAULT_BATCH_SIZE
from fastsynth.dependencies import optional_import
from fastsynth.errors import FastsynthError, SinkError, UsageError
from fastsynth.generation import SchemaLike, as_schema, generate, iter_batches
from fastsynth.schema import Schema
from fastsynth.seeds import resolve_seed
from fastsynth.sinks import SINKS, FileSink, open_sink
from fastsynth.specs import Count, PositiveInt, argument

__all__ = [
    "MARKER",
    "Report",
    "check_output",
    "dataframe",
    "default_rows_per_file",
    "ranges",
    "sweep_orphans",
    "write",
]

MARKER = "_SUCCESS"
"""Written last into a folder whose set of parts is complete (as Spark does)."""
STAGING = "_temporary"
"""Where a job's parts are written before they are published (readers skip names starting with _)."""
OWNER = ".owner"
"""In a job's staging folder: the driver process that stages there."""
_LOG = logging.getLogger("fastsynth.distributed")
MAX_ROWS_PER_FILE = 10_000_000


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
    marker: Path
    """The completion marker, written last."""

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


def default_rows_per_file(rows: int, threads: int) -> int:
    """Rows per part when none are given: at most ``MAX_ROWS_PER_FILE`` each, and a number of parts that
    is a multiple of the cluster's worker threads, so that every thread gets work and as much as the
    others."""
    threads = max(1, threads)
    files = max(1, -(-rows // MAX_ROWS_PER_FILE))
    files = -(-files // threads) * threads
    return max(1, -(-rows // files))


def _existing_set(folder: Path) -> list[Path]:
    """The parts (of any file format) and completion marker of an earlier write into ``folder``."""
    extensions = {e for name in SINKS.names() for e in getattr(SINKS.get(name), "extensions", ())}
    found = [p for p in folder.glob("part-*") if p.suffix in extensions and p.is_file()]
    marker = folder / MARKER
    return sorted(found) + ([marker] if marker.exists() else [])


def check_output(folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """The parts and marker of an earlier set in ``folder``; refused unless ``overwrite``."""
    folder = Path(folder)
    earlier = _existing_set(folder) if folder.is_dir() else []
    if earlier and not overwrite:
        listed = ", ".join(p.name for p in earlier[:3]) + (", ..." if len(earlier) > 3 else "")
        raise SinkError(
            f"output {str(folder)!r} already holds a set of parts ({listed}); give an empty folder, "
            "or overwrite (--overwrite) to replace it"
        )
    return earlier


def _claim(staging: Path) -> None:
    """Say which process stages into ``staging`` (host, pid and the process's start time, so that a
    later job can tell a driver that died from one still running, even after its pid is reused)."""
    import psutil  # a dependency of distributed

    me = psutil.Process()
    owner = {"machine": _machine(), "pid": me.pid, "started": me.create_time()}
    (staging / OWNER).write_text(json.dumps(owner))


def _machine() -> str:
    """Where pids mean the same processes: this host's name, boot and pid namespace (containers on
    one host may share a name and a folder, each with pids of its own)."""
    parts = [socket.gethostname()]
    with contextlib.suppress(OSError):
        parts.append(Path("/proc/sys/kernel/random/boot_id").read_text().strip())
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    return "/".join(parts)


def _orphaned(staging: Path) -> bool:
    """Whether ``staging`` was claimed by a process of this machine (host, boot and pid namespace)
    that is gone: a driver killed with SIGKILL cannot remove its own staging folder."""
    import psutil

    if staging.is_symlink():
        return False  # not a folder a job made
    try:
        owner = json.loads((staging / OWNER).read_text())
        machine, pid, started = owner["machine"], int(owner["pid"]), float(owner["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not ours to judge: another tool's, or a job that is only starting
    if machine != _machine():
        return False  # a driver on another machine, or in another container: it may be alive
    try:
        return abs(psutil.Process(pid).create_time() - started) > 1.0
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # a process we may not look at: perhaps the driver, so alive
        return False


def sweep_orphans(folder: str | Path) -> list[Path]:
    """Remove the staging folders in ``folder/_temporary`` left by jobs whose driver on this host is
    gone (``_temporary`` too once empty); returns the folders removed. ``write`` calls it first, so a
    job killed outright leaves its temporary files only until the next job into the folder."""
    root = Path(folder) / STAGING
    removed = []
    for staging in sorted(root.glob("*/")) if root.is_dir() else []:
        if not _orphaned(staging):
            continue
        try:
            _remove_tree(staging)
        except OSError as exc:  # another user's, say: the new job goes on beside it
            _LOG.warning("could not remove %s, a dead job's staging folder: %s", staging, exc)
            continue
        removed.append(staging)
        _LOG.warning("removed %s: the staging folder of a job whose driver is gone", staging)
    if removed:
        with contextlib.suppress(OSError):
            root.rmdir()
    return removed


def _remove_tree(path: Path) -> None:
    """Remove a staging folder, again if a task still running (a worker that did not hear of the
    cancellation) put a file in while it was being removed."""
    for attempt in range(20):
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 19:
                raise
            time.sleep(0.05)


def _discard(staging: Path, created: bool = False) -> None:
    """Remove a job's staging folder, ``_temporary`` if no other job stages there, and the output
    folder if the job ``created`` it and it is empty: a failed job leaves things as they were."""
    _remove_tree(staging)
    with contextlib.suppress(OSError):  # other jobs may be staging into the same folder
        staging.parent.rmdir()
        if created:
            staging.parent.parent.rmdir()


def _task_error(futures: list[Any], jobs: list[tuple[int, int, str]], distributed: Any) -> Exception:
    """The error of the first failed part, in one line: fastsynth's own as they are, a worker lost
    (``KilledWorker``) or any other error of a task named with its part."""
    for future, (first, count, path) in zip(futures, jobs, strict=True):
        if future.status != "error":
            continue
        exc = future.exception()
        name = Path(path).name
        if isinstance(exc, FastsynthError):
            return exc
        if isinstance(exc, distributed.KilledWorker):
            return SinkError(
                f"Dask workers died while writing {name} (rows {first:,} to {first + count - 1:,}); "
                "no part was published"
            )
        return SinkError(f"writing {name} failed on a Dask worker: {type(exc).__name__}: {exc}")
    return SinkError("the Dask job failed")


def write(
    schema: SchemaLike,
    rows: int,
    output: str | Path,
    *,
    client: Any = None,
    format: str = "parquet",
    rows_per_file: int | None = None,
    seed: int | None = None,
    start: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    options: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Report:
    """Write rows ``[start, start + rows)`` of ``schema`` into the folder ``output`` as files of
    ``rows_per_file`` rows (``part-00000.parquet``, ...), one task per file on the cluster of ``client``
    (the current Dask client by default). By default the rows are split so that every worker thread of
    the cluster gets work (see ``default_rows_per_file``).

    The set is committed as Spark commits one: tasks write into ``output/_temporary/<job>/``, and only
    once every part is written are they moved into ``output``, and then the completion marker
    ``_SUCCESS`` (a small JSON manifest) is written, last and atomically. A reader that sees
    ``_SUCCESS`` sees a complete set. A job that fails, loses its workers past Dask's retries, or is
    interrupted removes its staging folder (temporary files of killed workers included) and leaves the
    folder as it was; interrupted while moving parts in, it leaves an incomplete set and no marker. A
    driver killed outright (SIGKILL) cannot clean up: its staging folder stays, unpublished, until the
    next job into the folder removes it (``sweep_orphans``).

    A folder that already holds parts or a marker is refused unless ``overwrite``; then the earlier set
    stays whole until the new one is written, and is replaced at commit (marker removed first): old and
    new parts are never mixed under a marker. The driver must see the folder the workers write to (a
    shared or the same file system)."""
    distributed = load_distributed()
    resolved = as_schema(schema)
    cls = SINKS.get(format)
    if not issubclass(cls, FileSink) or not cls.extensions:
        raise UsageError(f"format {format!r} does not write files; use parquet, arrow, csv, jsonl or json")
    rows = argument("rows", rows, Count)
    folder = Path(output)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"output {str(folder)!r} cannot be made a folder: {exc.strerror or exc}") from None
    sweep_orphans(folder)
    earlier = check_output(folder, overwrite=overwrite)
    client = client if client is not None else distributed.get_client()
    workers = client.scheduler_info()["workers"]
    host_threads: dict[str, int] = {}
    for address, info in workers.items():
        host = address.rsplit(":", 1)[0]
        host_threads[host] = host_threads.get(host, 0) + int(info.get("nthreads", 1))
    if rows_per_file is None:
        rows_per_file = default_rows_per_file(rows, sum(host_threads.values()))
    parts = ranges(rows, rows_per_file, start)
    extension = cls.extensions[0]
    width = max(5, len(str(len(parts) - 1)))
    names = [f"part-{k:0{width}d}{extension}" for k in range(len(parts))]
    staging = folder / STAGING / uuid.uuid4().hex
    staging.mkdir(parents=True)
    _claim(staging)
    jobs = [(first, count, str(staging / name)) for (first, count), name in zip(parts, names, strict=True)]
    chosen_seed = resolve_seed(seed, resolved.seed)
    started = time.perf_counter()
    try:
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
            # Fail fast: a task still running after the cancellation writes into a staging folder
            # that is gone by then, so nothing it does is published.
            for future in distributed.as_completed(futures):
                if future.status != "finished":
                    break
        except BaseException:  # interrupted, or the scheduler lost: stop what has not started
            with contextlib.suppress(Exception):
                client.cancel(futures)
            raise
        if any(future.status != "finished" for future in futures):
            error = _task_error(futures, jobs, distributed)
            with contextlib.suppress(Exception):
                client.cancel(futures)
            raise error
        results = client.gather(futures)
        files = _commit(
            folder, staging, names, earlier, rows=rows, format=format, seed=chosen_seed, start=start
        )
    except Exception as exc:
        _discard(staging, created)
        if isinstance(exc, FastsynthError):
            raise
        raise SinkError(f"the Dask job failed: {type(exc).__name__}: {exc}") from None
    except BaseException:  # Ctrl-C: nothing staged stays behind, and no marker was written
        _discard(staging, created)
        raise
    _discard(staging)
    return Report(
        files=files,
        rows=sum(count for _, count, _ in results),
        bytes=sum(size for _, _, size in results),
        seconds=time.perf_counter() - started,
        workers=len(workers),
        marker=folder / MARKER,
    )


def _commit(
    folder: Path, staging: Path, names: list[str], earlier: list[Path], **manifest: Any
) -> list[Path]:
    """Publish the staged parts: the earlier set goes (its marker first), the new parts move in, then
    the marker is written under a temporary name and renamed, last."""
    marker = folder / MARKER
    marker.unlink(missing_ok=True)
    for path in earlier:
        path.unlink(missing_ok=True)
    files = []
    for name in names:
        os.replace(staging / name, folder / name)
        files.append(folder / name)
    body = json.dumps({**manifest, "files": names}, indent=1) + "\n"
    temp = staging / f".{MARKER}.tmp"
    temp.write_text(body)
    os.replace(temp, marker)
    return files


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
