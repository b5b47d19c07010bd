"""The API in process (Litestar's test client over a real ``Service`` writing under a temporary folder),
and waiting for what its streams do, for the tests that need no server process."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from fastsynth.api import create_app
from fastsynth.config import load_settings
from fastsynth.service import Service

__all__ = ["api_client", "wait_for"]


@contextmanager
def api_client(root: Path, environ: Mapping[str, str] | None = None) -> Iterator[Any]:
    """A test client of the API with the settings of ``environ``; its files go under ``root``
    (``client.root``)."""
    service = Service(load_settings(environ=dict(environ or {})), output_root=root, max_rows=1_000_000)
    with TestClient(create_app(service), base_url="http://127.0.0.1:8000") as client:
        client.root = root
        yield client


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
