"""The README's examples run, so the documentation cannot rot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.subprocess
@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_examples_run(tmp_path, index):
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    script = tmp_path / "example.py"
    script.write_text(blocks("python")[index])
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr


def command_blocks() -> list[list[str]]:
    """The ``fastsynth`` commands of each bash block that has some: a block's commands use only files
    the block itself makes (and ``configs/``), so the blocks run apart, in parallel under xdist."""
    commands = [
        [line for line in block.splitlines() if line.startswith("fastsynth ")] for block in blocks("bash")
    ]
    return [block for block in commands if block]


@pytest.mark.subprocess
@pytest.mark.parametrize("index", range(len(command_blocks())))
def test_cli_examples_run(tmp_path, index):
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in command_blocks()[index]:
        result = subprocess.run(
            command, shell=True, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
        )
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        for written in re.findall(r"(?:--output[ =]|-o |> ?)(\S+)", command):
            path = tmp_path / written  # a folder (Dask's parts, a cohort's files) or a file, not empty
            made = any(path.iterdir()) if path.is_dir() else path.is_file() and path.stat().st_size > 0
            assert made, f"{command}: {written}"
    if (tmp_path / "users.jsonl").exists():  # the quick start's
        assert len((tmp_path / "users.jsonl").read_text().splitlines()) == 1000


def test_the_readme_shows_commands():
    assert sum(len(block) for block in command_blocks()) >= 5


def test_toml_examples_parse():
    for block in blocks("toml"):
        document = tomllib.loads(block)
        assert "fastsynth.fields" in document["project"]["entry-points"]


def test_make_targets_named_in_the_readme_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make ([\w-]+)", "\n".join(blocks("bash")), flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target
