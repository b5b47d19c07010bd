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


@pytest.mark.subprocess
def test_cli_examples_run(tmp_path):
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    commands = [
        line for block in blocks("bash") for line in block.splitlines() if line.startswith("fastsynth ")
    ]
    assert len(commands) >= 5
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        result = subprocess.run(
            command, shell=True, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
        )
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    assert (tmp_path / "users.parquet").exists() and (tmp_path / "data.csv").exists()
    assert len((tmp_path / "users.jsonl").read_text().splitlines()) == 1000


def test_toml_examples_parse():
    for block in blocks("toml"):
        document = tomllib.loads(block)
        assert "fastsynth.fields" in document["project"]["entry-points"]


def test_make_targets_named_in_the_readme_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make ([\w-]+)", "\n".join(blocks("bash")), flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target
