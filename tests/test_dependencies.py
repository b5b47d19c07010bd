"""Optional dependencies: one import helper, naming an extra that pyproject.toml really declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from fastsynth.dependencies import EXTRAS, optional_import
from fastsynth.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[1]


def test_extras_are_those_of_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) == set(declared) - {"all", "dev"}


def test_every_call_site_names_a_declared_extra():
    calls = [
        match
        for path in (ROOT / "fastsynth").rglob("*.py")
        for match in re.findall(r'optional_import\(\s*"[\w.]+",\s*"(\w+)"', path.read_text())
    ]
    assert calls and set(calls) <= set(EXTRAS)


def test_a_missing_module_names_the_extra_to_install():
    with pytest.raises(
        MissingDependencyError, match=r"needs 'no-such-pkg': pip install 'fastsynth\[kafka\]'"
    ):
        optional_import("no_such_module_here", "kafka", "no-such-pkg")
    with pytest.raises(ValueError, match="not one of fastsynth's extras"):
        optional_import("json", "text")
    assert optional_import("json", "api").dumps([1]) == "[1]"
