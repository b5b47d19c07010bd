"""Debian's headless Chromium driven by Playwright, for the tests of pages (reports, the web console):
never a downloaded browser. Screenshots go to ``artifacts()`` (``$FASTSYNTH_ARTIFACTS``, default
``artifacts/``), kept as test artefacts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

__all__ = ["ARGS", "CHROMIUM", "ROOT", "artifacts", "browser"]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def artifacts(folder: str = "") -> Path:
    """The folder for screenshots (``folder`` inside the artefacts' root), made if missing."""
    path = Path(os.environ.get("FASTSYNTH_ARTIFACTS") or ROOT / "artifacts") / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for a test module's pages."""
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
