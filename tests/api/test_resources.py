"""A real server under the worst requests a client may send: memory stays bounded and work for a
client that left stops."""

from __future__ import annotations

import threading
import time

import httpx
import psutil
import pytest

from tests.api.server_process import Server

pytestmark = [pytest.mark.server, pytest.mark.subprocess, pytest.mark.slow]

RSS_CEILING = 1536 << 20
"""What the server may hold at its peak: its own size at rest (about 400 MiB with numba, pyarrow and
polars loaded) and a few 64 MiB batches in flight."""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("resources"))
    yield running
    running.stop()


class PeakMemory:
    """The largest resident size of a process, sampled every 20 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def read_some(url: str, body: dict, limit: int) -> int:
    """POST ``body`` and read up to ``limit`` bytes of the answer, then hang up; the bytes read."""
    got = 0
    with httpx.stream("POST", url, json=body, timeout=120) as response:
        assert response.status_code == 200, response.read()
        for chunk in response.iter_bytes():
            got += len(chunk)
            if got >= limit:
                break
    return got


WORST = [
    # rows of almost a megabyte each: 37 to a batch, not 65,536
    {"schema": {"c": {"type": "constant", "value": "x" * 900_000}}, "rows": 100_000, "format": "jsonl"},
    # as many columns as allowed, of the widest text allowed
    {
        "schema": {f"t{i}": {"type": "pattern", "pattern": "#" * 1000} for i in range(200)},
        "rows": 5000,
        "format": "csv",
    },
    # the most rows a request may ask, encoded as a file the server cannot stream row by row
    {
        "schema": {"id": {"type": "sequence"}, "x": {"type": "float"}, "n": {"type": "name"}},
        "rows": 10_000_000,
        "format": "parquet",
    },
    # the most entities allowed, each with its own series
    {
        "schema": {
            "entities": 100_000,
            "fields": {
                "ts": {"type": "time_sequence", "interval_seconds": 1},
                "v": {"type": "series", "base": {"type": "float", "mean": 10, "std": 1}},
            },
        },
        "rows": 1_000_000,
        "format": "arrow",
    },
]


def test_the_worst_requests_stay_within_a_memory_ceiling(server):
    url = f"{server.url}/generate"
    with PeakMemory(server.process.pid) as memory:
        for body in WORST:
            assert read_some(url, body, 100 << 20) > 0
        refused = httpx.post(
            url, json={"schema": {f"c{i}": {"type": "bool"} for i in range(5000)}}, timeout=60
        )
        assert refused.status_code == 400
        for seed in range(30):  # a text pool per seed, each cached within the caches' budget
            body = {"schema": {"w": {"type": "faker", "provider": "word"}}, "rows": 10, "seed": seed}
            answer = httpx.post(url, json=body, timeout=60)
            assert answer.status_code == 200, answer.text
    assert memory.peak < RSS_CEILING, f"peak resident size {memory.peak >> 20} MiB"


def test_work_for_a_client_that_left_stops(server):
    process = psutil.Process(server.process.pid)
    body = {
        "schema": {"id": {"type": "sequence"}, "n": {"type": "name"}, "p": {"type": "paragraph"}},
        "rows": 10_000_000,
        "format": "csv",
    }
    read_some(f"{server.url}/generate", body, 5 << 20)
    # The batch in hand is finished, which on a busy machine can take a while: the server must come
    # to rest in some second of the next six, where these 10M rows would keep it busy for about 30.
    busy = []
    for _ in range(6):
        before = process.cpu_times()
        time.sleep(1.0)
        after = process.cpu_times()
        busy.append((after.user + after.system) - (before.user + before.system))
        if busy[-1] < 0.1:
            break
    assert busy[-1] < 0.1, f"the server kept working after its client left: {busy} s a second"
