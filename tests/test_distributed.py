"""Generation on a real Dask cluster: worker processes on 127.0.0.1, files and partitions checked against
one process's rows."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from dask.distributed import Client, LocalCluster, get_task_stream

import fastsynth
from fastsynth.distributed import MARKER, dataframe, default_rows_per_file, ranges, write
from fastsynth.errors import SinkError, UsageError
from fastsynth.schema import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
QUIET_HTTP = {"dashboard_address": "127.0.0.1:0"}
"""No dashboard, and the scheduler's HTTP endpoints (health, metrics) on a free loopback port rather
than 8787, so that two clusters can run at once."""
SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name"},
    "email": {"type": "email"},
    "score": {"type": "float", "mean": 10, "std": 2},
    "when": {"type": "datetime", "start_date": "2024-01-01", "end_date": "2024-12-31"},
    "status": {"type": "category", "categories": ["a", "b", "c"]},
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("dask")
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs=QUIET_HTTP,
            local_directory=str(scratch),
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


def read_arrow(files) -> pa.Table:
    return pa.concat_tables(ipc.open_file(str(f)).read_all() for f in files)


def test_ranges_cover_the_rows_once():
    assert ranges(10, 4, start=5) == [(5, 4), (9, 4), (13, 2)]
    assert ranges(0, 4) == []
    with pytest.raises(UsageError, match="rows per part=0 is not an integer >= 1"):
        ranges(10, 0)


@pytest.mark.server
def test_files_written_by_the_workers_join_into_one_processs_rows(client, tmp_path):
    report = write(
        SCHEMA,
        250_001,
        tmp_path / "out",
        client=client,
        format="arrow",
        rows_per_file=60_000,
        seed=3,
        start=17,
    )
    assert [f.name for f in report.files] == [f"part-{k:05d}.arrow" for k in range(5)]
    assert report.rows == 250_001 and report.workers == 2
    assert report.bytes == sum(f.stat().st_size for f in report.files)
    assert read_arrow(report.files).equals(fastsynth.generate(SCHEMA, 250_001, seed=3, start=17))
    # Another split gives the same rows: a row depends on its index only.
    other = write(
        SCHEMA,
        250_001,
        tmp_path / "other",
        client=client,
        format="arrow",
        rows_per_file=100_000,
        seed=3,
        start=17,
    )
    assert read_arrow(other.files).equals(read_arrow(report.files))


@pytest.mark.server
def test_a_cohorts_table_written_by_the_workers_is_generate_cohorts(client, tmp_path):
    """A schema's ``cohort`` split over the workers, parts cutting patients' visits apart."""
    from fastsynth.clinical import Cohort, generate_cohort

    cohort = {"patients": 301, "genes": 12, "proteins": 2, "visits": {"count": 3}}
    schema = {"cohort": {"table": "genes", **cohort}}
    report = write(schema, 903, tmp_path / "out", client=client, format="arrow", rows_per_file=250, seed=9)
    expected = generate_cohort(Cohort.from_dict({**cohort, "seed": 9}))["genes"]
    assert len(report.files) == 4 and read_arrow(report.files).cast(expected.schema).equals(expected)


@pytest.mark.server
def test_parquet_parts_hold_the_same_values(client, tmp_path):
    report = write(EXAMPLES["tabular"], 100_000, tmp_path, client=client, rows_per_file=40_000)
    got = pa.concat_tables(pq.read_table(f) for f in report.files)
    expected = fastsynth.generate(EXAMPLES["tabular"], 100_000)
    for name in expected.column_names:  # Parquet keeps seconds as milliseconds
        assert got.column(name).cast(expected.schema.field(name).type).equals(expected.column(name)), name


@pytest.mark.server
def test_refusals(client, tmp_path):
    (tmp_path / "part-00000.parquet").write_bytes(b"")  # even an incomplete set, without a marker
    with pytest.raises(SinkError, match=re.escape("already holds a set of parts (part-00000.parquet); give")):
        write(SCHEMA, 10, tmp_path, client=client)
    with pytest.raises(UsageError, match="format 'memory' does not write files"):
        write(SCHEMA, 10, tmp_path / "m", client=client, format="memory")


def leftovers(root: Path) -> list[Path]:
    """Temporary files (a sink's hidden ``.NAME.XXXX.part``) and staging folders under ``root``."""
    return sorted(p for p in root.rglob("*") if p.name.startswith((".", "_temporary")))


@pytest.mark.server
def test_a_failing_job_leaves_the_folder_as_it_was(client, tmp_path):
    folder = tmp_path / "out"
    with pytest.raises(UsageError, match="format 'parquet': compression='fast'; allowed: none, snappy"):
        write(SCHEMA, 50_000, folder, client=client, rows_per_file=10_000, options={"compression": "fast"})
    assert not folder.exists()  # made for the job, removed with it
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="compression='fast'"):
        write(SCHEMA, 50_000, folder, client=client, rows_per_file=10_000, options={"compression": "fast"})
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.server
def test_a_sink_that_cannot_write_leaves_no_temporary_file(client, tmp_path):
    """The workers may write files of at most 200 kB (RLIMIT_FSIZE, a real EFBIG from the kernel):
    every task fails in the middle of its part, after its temporary file was made."""
    import resource

    def limit(size: int) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    folder = tmp_path / "out"
    client.run(limit, 200_000)
    try:
        with pytest.raises(SinkError, match=r"part-0000\d.arrow.: write failed: .*File too large"):
            write(SCHEMA, 80_000, folder, client=client, format="arrow", batch_size=1000)
    finally:
        client.run(limit, resource.RLIM_INFINITY)
    assert not folder.exists() and leftovers(tmp_path) == []


@pytest.mark.server
def test_a_complete_set_has_a_marker_written_last(client, tmp_path):
    folder = tmp_path / "out"
    report = write(SCHEMA, 30_000, folder, client=client, format="arrow", rows_per_file=10_000, seed=5)
    assert report.marker == folder / MARKER
    manifest = json.loads(report.marker.read_text())
    assert manifest == {
        "rows": 30_000,
        "format": "arrow",
        "seed": 5,
        "start": 0,
        "files": ["part-00000.arrow", "part-00001.arrow", "part-00002.arrow"],
    }
    # The marker is not older than any part: written last.
    assert all(report.marker.stat().st_mtime_ns >= f.stat().st_mtime_ns for f in report.files)
    assert sorted(p.name for p in folder.iterdir()) == [MARKER, *manifest["files"]]


@pytest.mark.server
def test_a_second_set_is_refused_unless_overwritten_and_never_mixed(client, tmp_path):
    first = write(SCHEMA, 30_000, tmp_path, client=client, format="arrow", rows_per_file=10_000, seed=1)
    with pytest.raises(SinkError, match=r"already holds a set of parts \(part-00000.arrow, part-00001.arrow"):
        write(SCHEMA, 10, tmp_path, client=client, format="csv")
    # A failed overwrite leaves the earlier set whole, marker included.
    with pytest.raises(UsageError):
        write(SCHEMA, 10, tmp_path, client=client, options={"compression": "fast"}, overwrite=True)
    assert read_arrow(first.files).equals(fastsynth.generate(SCHEMA, 30_000, seed=1))
    assert (tmp_path / MARKER).exists() and leftovers(tmp_path) == []
    # A successful one replaces it: no old part stays beside the new ones.
    second = write(SCHEMA, 5_000, tmp_path, client=client, rows_per_file=4_000, overwrite=True)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["_SUCCESS", "part-00000.parquet", "part-00001.parquet"]
    assert json.loads((tmp_path / MARKER).read_text())["rows"] == 5_000 == second.rows


@pytest.mark.server
def test_the_default_split_gives_every_worker_work(client, tmp_path):
    assert default_rows_per_file(50_000, 2) == 25_000
    assert default_rows_per_file(25_000_001, 2) == 6_250_001  # 3 files of 10M would leave a worker idle
    assert default_rows_per_file(1, 8) == 1 and default_rows_per_file(0, 2) == 1
    with get_task_stream(client) as tasks:
        report = write(SCHEMA, 50_000, tmp_path, client=client, format="arrow")
    assert [f.name for f in report.files] == ["part-00000.arrow", "part-00001.arrow"]
    assert len({t["worker"] for t in tasks.data}) == 2
    assert read_arrow(report.files).equals(fastsynth.generate(SCHEMA, 50_000))


def dying_cluster(scratch: Path, allowed_failures: int) -> LocalCluster:
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        return LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs=QUIET_HTTP,
            local_directory=str(scratch),
        )


KILL_ROWS, KILL_PART = 1_000_000, 250_000  # 4 parts of about 0.3 s each (batches of 1,000 rows)


def write_in_background(client: Client, folder: Path) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def job() -> None:
        try:
            outcome["report"] = write(
                SCHEMA,
                KILL_ROWS,
                folder,
                client=client,
                format="arrow",
                rows_per_file=KILL_PART,
                batch_size=1000,
            )
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=job)
    thread.start()
    return thread, outcome


def kill_a_worker_once_writing(client: Client, folder: Path, job: threading.Thread) -> None:
    """SIGKILL one worker process while it has a part's temporary file open in the staging folder."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 60
    while not list(folder.glob("_temporary/*/.part-*")) and time.monotonic() < deadline and job.is_alive():
        time.sleep(0.005)
    assert job.is_alive(), "the job ended before a worker could be killed"
    os.kill(next(iter(pids.values())), signal.SIGKILL)


@pytest.mark.server
@pytest.mark.slow
def test_a_worker_killed_mid_job_is_replaced_and_the_set_is_whole(tmp_path):
    folder = tmp_path / "out"
    with dying_cluster(tmp_path / "dask", allowed_failures=3) as cluster, Client(cluster) as c:
        job, outcome = write_in_background(c, folder)
        kill_a_worker_once_writing(c, folder, job)
        job.join(120)
    # Dask ran the lost worker's part again elsewhere; its orphaned temporary file went with staging.
    assert "error" not in outcome, outcome
    report = outcome["report"]
    assert (folder / MARKER).exists() and leftovers(folder) == []
    assert read_arrow(report.files).equals(fastsynth.generate(SCHEMA, KILL_ROWS))


@pytest.mark.server
@pytest.mark.slow
def test_workers_lost_past_the_retries_leave_nothing(tmp_path):
    folder = tmp_path / "out"
    with dying_cluster(tmp_path / "dask", allowed_failures=0) as cluster, Client(cluster) as c:
        job, outcome = write_in_background(c, folder)
        kill_a_worker_once_writing(c, folder, job)
        job.join(120)
    error = outcome.get("error")
    assert isinstance(error, SinkError), outcome
    assert re.fullmatch(
        r"Dask workers died while writing part-0000\d\.arrow \(rows [\d,]+ to [\d,]+\); "
        "no part was published",
        str(error),
    )
    assert not folder.exists()


@pytest.mark.server
def test_a_dask_dataframe_of_the_rows(client):
    frame = dataframe(SCHEMA, 25_000, rows_per_partition=10_000, seed=8)
    assert frame.npartitions == 3
    computed = frame.compute()
    expected = fastsynth.generate(SCHEMA, 25_000, seed=8).to_pandas()
    assert computed["name"].tolist() == expected["name"].tolist()
    assert computed["score"].tolist() == expected["score"].tolist()
    assert computed["id"].tolist() == list(range(1, 25_001))


def fastsynth_gen(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "fastsynth", "gen", "configs/tabular.json", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.subprocess
def test_gen_with_local_dask_workers(tmp_path):
    out = tmp_path / "lake"
    flags = ["--rows", "50000", "--dask-workers", "2", "--rows-per-file", "20000", "--format", "arrow"]
    result = fastsynth_gen(*flags, "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert (
        "wrote 50,000 rows in 3 files" in result.stderr
        and "on 2 Dask workers; _SUCCESS written" in result.stderr
    )
    files = sorted(out.glob("part-*.arrow"))
    assert read_arrow(files).equals(fastsynth.generate(EXAMPLES["tabular"], 50_000))
    assert sorted(p.name for p in out.iterdir()) == [MARKER, *(f.name for f in files)]
    # Again into the same folder: refused in one line (before any cluster starts), the set untouched.
    again = fastsynth_gen("--rows", "10", "--dask-workers", "2", "--output", str(out))
    assert again.returncode == 1
    assert again.stderr == (
        f"error: output {str(out)!r} already holds a set of parts (part-00000.arrow, part-00001.arrow, "
        "part-00002.arrow, ...); give an empty folder, or overwrite (--overwrite) to replace it\n"
    )
    # A task that fails: one line, no traceback, the earlier set still whole.
    failing = fastsynth_gen(
        "--rows", "10", "--dask-workers", "2", "--output", str(out), "--overwrite", "-O", "compression=fast"
    )
    assert failing.returncode == 1 and failing.stderr.count("\n") == 1, failing.stderr
    assert failing.stderr.startswith("error: format 'parquet': compression='fast'; allowed: none")
    assert read_arrow(files).equals(fastsynth.generate(EXAMPLES["tabular"], 50_000))
    assert leftovers(out) == [] and (out / MARKER).exists()
    refused = fastsynth_gen("--dask-workers", "2")
    assert refused.returncode == 1
    assert (
        refused.stderr.strip()
        == "error: --dask-scheduler and --dask-workers write part files: give --output DIR"
    )


@pytest.mark.subprocess
@pytest.mark.slow
def test_ctrl_c_during_a_dask_job_leaves_nothing(tmp_path):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it (the CLI, its scheduler and
    its worker processes), while the workers have temporary files open."""
    out = tmp_path / "lake"
    flags = ["--rows", "20000000", "--dask-workers", "2", "--format", "arrow", "--batch-size", "1000"]
    command = [sys.executable, "-m", "fastsynth", "gen", "configs/tabular.json", *flags, "--output", str(out)]
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
        # as from a terminal: a suite started in the background inherits an ignored SIGINT
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("_temporary/*/.part-*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list(out.glob("_temporary/*/.part-*")), "the workers did not start writing"
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130 and stderr == "interrupted\n"
    assert not out.exists()  # made for the job, removed with it: no part, no marker, no temporary file


@pytest.mark.server
@pytest.mark.subprocess
@pytest.mark.slow
def test_a_driver_killed_outright_leaves_staging_only_until_the_next_job(client, tmp_path):
    """SIGKILL gives the driver no chance to clean up: its staging folder stays, unpublished (no part
    in the folder, no marker), and the next job into the folder removes it. A staging folder whose
    driver is alive is left alone."""
    out = tmp_path / "lake"
    flags = ["--rows", "20000000", "--dask-workers", "2", "--format", "arrow", "--batch-size", "1000"]
    command = [sys.executable, "-m", "fastsynth", "gen", "configs/tabular.json", *flags, "--output", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("_temporary/*/.part-*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list(out.glob("_temporary/*/.part-*")), "the workers did not start writing"
        process.kill()  # the driver alone, as the OOM killer would
        process.wait(30)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # its orphaned workers
    (orphan,) = (out / "_temporary").iterdir()
    assert sorted(p.name for p in out.iterdir()) == ["_temporary"]  # nothing published, no marker
    alive = out / "_temporary" / "alive"
    alive.mkdir()
    owner = json.loads((orphan / ".owner").read_text())
    (alive / ".owner").write_text(json.dumps({**owner, "pid": os.getpid(), "started": _started()}))
    report = write(SCHEMA, 1_000, out, client=client, format="arrow")
    assert not orphan.exists() and alive.exists()  # the dead driver's staging went, the live one stayed
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "_temporary", *(f.name for f in report.files)]


def test_only_the_staging_of_dead_drivers_of_this_machine_is_swept(tmp_path):
    """A dead pid of this host, boot and pid namespace goes; a live one, another machine's (or
    container's), a folder without an owner and a symbolic link stay."""
    from fastsynth.distributed import _claim, sweep_orphans

    staging = tmp_path / "_temporary"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    folders = {name: staging / name for name in ("dead", "alive", "elsewhere", "unowned")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    for name in ("dead", "alive", "elsewhere"):
        _claim(folders[name])
    owner = json.loads((folders["dead"] / ".owner").read_text())
    (folders["dead"] / ".owner").write_text(json.dumps({**owner, "pid": int(dead.stdout)}))
    (folders["elsewhere"] / ".owner").write_text(json.dumps({**owner, "machine": "other/boot/1", "pid": 1}))
    (staging / "link").symlink_to(folders["dead"], target_is_directory=True)
    assert sweep_orphans(tmp_path) == [folders["dead"]]
    assert sorted(p.name for p in staging.iterdir()) == ["alive", "elsewhere", "link", "unowned"]


def _started() -> float:
    import psutil

    return psutil.Process().create_time()


@pytest.mark.server
def test_fitted_models_are_written_by_the_workers_as_by_one_process(client, tmp_path):
    real = fastsynth.generate(SCHEMA, 2_000, seed=1).select(["score", "status", "when"])
    for method in ("resample", "cart"):
        model = fastsynth.fit(real, method=method, custom_distributions={"status": {"a": 0.5, "c": 0.5}})
        model.save(tmp_path / f"{method}.fsm")
        loaded = fastsynth.Schema.load(tmp_path / f"{method}.fsm")
        report = write(
            loaded, 50_001, tmp_path / method, client=client, format="arrow", rows_per_file=12_000, seed=5
        )
        assert read_arrow(report.files).equals(fastsynth.generate(model, 50_001, seed=5)), method
