"""Running calm-data-generator 2.3.2 (the peer) in its own virtual environment, for side-by-side tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

CALM_PYTHON = Path.home() / ".cache" / "fastsynth" / "calm-venv" / "bin" / "python"


def run_peer(script: str, given: Any) -> Any:
    """What ``script``, run by the peer's Python with ``given`` as JSON on its stdin, prints as JSON on
    its last line."""
    assert CALM_PYTHON.exists(), f"{CALM_PYTHON}: `make test` makes calm-data-generator's venv"
    run = subprocess.run(
        [str(CALM_PYTHON), "-c", script],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])
