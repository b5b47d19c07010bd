"""``GET /status`` under load: 32 clients asking at once while a stream runs at full speed.

    python benchmarks/bench_status.py            # 10 s per phase
    python benchmarks/bench_status.py --quick    # 1 s per phase: checks the script works

``fastsynth api`` runs under uvicorn on 127.0.0.1 as its own process; a stream of the seed's tabular
schema goes at full speed (no rate limit) into a console streamer whose output is discarded. The
client, another process, keeps 32 requests in flight on keep-alive connections and records each one's
latency. Side by side in one run: ``/status`` with nothing streaming, and ``/health`` (the same
server's cheapest route: the framework's own cost) under the same load. The target is ``/status`` p99
under 50 ms while streaming.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
from common import ROOT, machine

sys.path.insert(0, str(ROOT))
from tests.kafka_broker import free_port

CLIENTS = 32
TARGET_P99_MS = 50.0


def start_server(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "fastsynth", "api", "--port", str(port)]
    command += ["--output-dir", tempfile.mkdtemp(prefix="fastsynth-bench-")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).raise_for_status()
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("fastsynth api did not start")


async def hammer(port: int, path: str, seconds: float) -> list[float]:
    """Latencies (ms) of ``CLIENTS`` keep-alive connections asking ``path`` in a loop for ``seconds``.

    A bare asyncio HTTP/1.1 client: httpx's own overhead (about 150 requests/s on this machine with 32
    connections, its process at 100% CPU) would measure the client, not the server."""
    latencies: list[float] = []
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    end = time.monotonic() + seconds

    async def loop() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < end:
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - started) * 1000)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise SystemExit(f"GET {path}: {head.splitlines()[0]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(loop() for _ in range(CLIENTS)))
    return latencies


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


def row(task: str, latencies: list[float], seconds: float, reference: list[float]) -> None:
    print(
        f"| {task} | {len(latencies) / seconds:,.0f} | {statistics.median(latencies):.1f} | "
        f"{p99(latencies):.1f} | {p99(latencies) / p99(reference):.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 s phases, to check the script runs")
    seconds = 1.0 if parser.parse_args().quick else 10.0
    print(machine())
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(hammer(port, "/status", 1.0))  # warm the server and the connections
        idle = asyncio.run(hammer(port, "/status", seconds))
        httpx.post(f"{base}/generators", json={"name": "users", "example": "tabular"}).raise_for_status()
        body = {"name": "out", "type": "console", "format": "jsonl"}
        httpx.post(f"{base}/streamers", json=body).raise_for_status()
        # As fast as it goes: the ceiling a server allows (limits.max_rate).
        httpx.post(f"{base}/start", json={"rate": 10_000_000}).raise_for_status()
        time.sleep(1.0)
        before = httpx.get(f"{base}/status").json()["streams"]["users"]["rows"]
        started = time.monotonic()
        loaded = asyncio.run(hammer(port, "/status", seconds))
        health = asyncio.run(hammer(port, "/health", seconds))
        status = httpx.get(f"{base}/status").json()["streams"]["users"]
        streamed = (status["rows"] - before) / (time.monotonic() - started)
        assert status["running"] and status["errors"] == 0, status
    finally:
        server.terminate()
        server.wait(60)
    print(f"\n{CLIENTS} clients, {seconds:g} s per phase; the stream made {streamed:,.0f} rows/s meanwhile\n")
    print("| request | requests/s | p50 ms | p99 ms | p99 against /health's while streaming |")
    print("|---|---:|---:|---:|---:|")
    row("/status, nothing streaming", idle, seconds, health)
    row("/status while streaming at full speed", loaded, seconds, health)
    row("/health while streaming at full speed", health, seconds, health)
    print(
        f"\n/status p99 while streaming: {p99(loaded):.1f} ms (target < {TARGET_P99_MS:g} ms: "
        f"{'met' if p99(loaded) < TARGET_P99_MS else 'NOT met'}); "
        f"{p99(loaded) / p99(health):.2f}x /health's p99, {p99(loaded) / p99(idle):.2f}x its own idle p99"
    )


if __name__ == "__main__":
    main()
