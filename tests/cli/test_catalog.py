"""The catalog ``fastsynth schema types`` and ``schema generators`` print is what the registries hold,
and the commands that need no engine start without importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fastsynth.cli import catalog


def test_the_shipped_catalog_is_what_the_registries_say():
    assert catalog.read() == catalog.build(), "run `python -m fastsynth.cli.catalog` to rewrite it"


def test_the_catalog_lists_every_type_with_its_options():
    types = {entry["name"]: entry for entry in catalog.read()["types"]}
    assert {"int", "float", "category", "faker", "series"} <= set(types)
    assert "categories" in types["category"]["options"] and types["int"]["summary"]


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "command", [["--help"], ["schema", "types"], ["schema", "generators"], ["--version"]]
)
def test_commands_that_print_a_list_do_not_import_the_engine(command):
    script = (
        "import sys, runpy; sys.argv = ['fastsynth', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('fastsynth', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('numba', 'pyarrow', 'polars', 'numpy') if m in sys.modules)\n"
        "print('IMPORTED', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip(), done.stderr
    assert "IMPORTED []" in done.stderr, done.stderr
