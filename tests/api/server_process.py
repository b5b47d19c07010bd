"""``fastsynth api`` as a child process on a free loopback port, for the tests that need a real server."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.kafka_broker import free_port

__all__ = ["Server"]


class Server:
    """``fastsynth api`` as a subprocess on a free loopback port, started in ``folder`` and writing its
    files there (or, with ``output_dir=False``, where the server chooses by default)."""

    def __init__(self, folder: Path, *options: str, output_dir: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        command = [
            sys.executable,
            "-m",
            "fastsynth",
            "api",
            "--port",
            str(self.port),
            *(["--output-dir", str(folder)] if output_dir else []),
            *options,
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/health", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                assert self.process.poll() is None, self.log.read_text()
                assert time.monotonic() < deadline, self.log.read_text()
                time.sleep(0.1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)
