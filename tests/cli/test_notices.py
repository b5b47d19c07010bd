"""The notice that kernels are compiling: once per process, on a terminal or in a configured log, and
nowhere else (a pipe stays clean for data and for scripts reading errors)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

# Two functions no cache holds: both compile, and only the first compile may be announced.
COMPILE_TWO = (
    "import numba\n"
    "import fastsynth.kernels.jit\n"
    "numba.njit(lambda x: x + 1)(1)\n"
    "numba.njit(lambda x: x * 2)(1)\n"
)
NOTICE = "compiling kernels on their first use on this machine; later runs load them from "


def on_terminal(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as its standard input, output and error; its exit code and
    what the terminal showed."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(args, stdin=follower, stdout=follower, stderr=follower, env=env, timeout=300)
    finally:
        os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed once everything written has been read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.returncode, shown.decode().replace("\r\n", "\n")


@pytest.mark.subprocess
def test_the_first_compile_is_announced_once_on_a_terminal():
    code = "from fastsynth.logs import notices_on_terminal\nnotices_on_terminal()\n" + COMPILE_TWO
    returncode, shown = on_terminal([sys.executable, "-c", code])
    assert returncode == 0, shown
    lines = shown.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fastsynth: " + NOTICE), shown
    assert "numba-" in lines[0]  # the cache directory it names


@pytest.mark.subprocess
def test_the_notice_stays_out_of_pipes():
    code = "from fastsynth.logs import notices_on_terminal\nnotices_on_terminal()\n" + COMPILE_TWO
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stderr == "" and result.stdout == ""


@pytest.mark.subprocess
def test_a_configured_log_carries_the_notice_once():
    code = "from fastsynth.logs import configure_logging\nconfigure_logging('INFO', 'json')\n" + COMPILE_TWO
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert result.returncode == 0 and len(records) == 1, result.stderr
    assert records[0]["logger"] == "fastsynth.notices" and records[0]["message"].startswith(NOTICE)


@pytest.mark.subprocess
def test_a_command_says_so_while_it_compiles_and_not_once_its_kernels_are_cached(tmp_path):
    schema = tmp_path / "flags.json"
    schema.write_text('{"fields": [{"name": "flag", "type": "bool"}]}')
    # An empty cache of its own: the boolean kernel compiles in this run, whatever ran before.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("NUMBA_CACHE_DIR", None)
    command = [sys.executable, "-m", "fastsynth", "gen", str(schema), "--rows", "2", "--format", "csv"]
    first = on_terminal(command, env)
    second = on_terminal(command, env)
    assert first[0] == 0 and second[0] == 0, (first, second)
    notices = [line for line in first[1].splitlines() if line.startswith("fastsynth: ")]
    assert notices == ["fastsynth: " + NOTICE + str(next((tmp_path / "cache" / "fastsynth").iterdir()))]
    assert first[1].count("true") + first[1].count("false") == 2
    assert second[1].splitlines()[0] == '"flag"' and len(second[1].splitlines()) == 3  # rows only
