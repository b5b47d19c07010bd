"""User-defined field types and sinks run through the API and the CLI like built-ins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app

PLUGIN = textwrap.dedent(
    '''
    from dataclasses import dataclass

    import pyarrow as pa
    import pyarrow.csv as pacsv

    from fastsynth import Block, Field
    from fastsynth.sinks import FileSink


    @dataclass(frozen=True, kw_only=True)
    class Dice(Field):
        """Rolls of a fair die."""

        sides: int = 6

        def __post_init__(self):
            super().__post_init__()
            if self.sides < 2:
                raise self.error(f"sides={self.sides} is less than 2")

        def arrow_type(self):
            return pa.int64()

        def generate(self, block: Block):
            return pa.array(block.integers(1, self.sides))


    class TsvSink(FileSink):
        """Tab-separated values."""

        extensions = (".tsv",)
        binary = False

        def _open(self, stream):
            options = pacsv.WriteOptions(delimiter="\\t", quoting_style="none")
            self._writer = pacsv.CSVWriter(stream, self.schema, write_options=options)

        def _write(self, batch):
            self._writer.write_batch(batch)

        def _finish(self):
            self._writer.close()
    '''
)


@pytest.fixture
def plugin_site(tmp_path):
    """A directory that Python sees as an installed distribution declaring fastsynth entry points."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "dice_plugin.py").write_text(PLUGIN)
    info = site / "dice_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dice-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[fastsynth.fields]\ndice = dice_plugin:Dice\n\n[fastsynth.sinks]\ntsv = dice_plugin:TsvSink\n"
    )
    return site


@pytest.mark.subprocess
def test_entry_point_plugins_run_through_the_cli(tmp_path, plugin_site):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"roll": {"type": "dice", "sides": 20}, "n": {"type": "sequence"}}))
    out = tmp_path / "rolls.tsv"
    env = {**os.environ, "PYTHONPATH": str(plugin_site)}
    cmd = [sys.executable, "-m", "fastsynth", "gen", str(schema), "-n", "2000", "-o", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0].replace('"', "") == "roll\tn" and len(lines) == 2001
    rolls = {int(line.split("\t")[0]) for line in lines[1:]}
    assert rolls == set(range(1, 21))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"roll": {"type": "dice", "sides": 1}}))
    result = subprocess.run([*cmd[:4], str(bad)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1 and result.stderr.strip() == "error: field 'roll': sides=1 is less than 2"
    # The entry point's name is the type's name: it is declared once, in pyproject.toml.
    validate = [*cmd[:3], "schema", "validate", str(schema)]
    result = subprocess.run(validate, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0 and "roll: dice -> int64" in result.stdout, result.stderr
    # The list of types, shipped as a catalog for a fast start, still shows what a plugin adds.
    listed = subprocess.run(
        [*cmd[:3], "schema", "types"], capture_output=True, text=True, env=env, timeout=300
    )
    assert "dice: " in listed.stdout and "int: " in listed.stdout, listed.stderr


def test_fields_and_sinks_registered_in_process(tmp_path):
    namespace: dict = {}
    exec(PLUGIN, namespace)  # the same classes, registered through the Python API this time
    fastsynth.FIELDS.register("dice")(namespace["Dice"])
    fastsynth.SINKS.register("tsv")(namespace["TsvSink"])
    try:
        assert namespace["Dice"].type_name == "dice" and namespace["TsvSink"].format_name == "tsv"
        assert (
            fastsynth.Schema.from_dict({"roll": {"type": "dice"}}).to_dict()["fields"]["roll"]["type"]
            == "dice"
        )
        table = fastsynth.generate({"roll": {"type": "dice"}}, 10_000, seed=1)
        assert table.schema.field("roll").type == pa.int64()
        assert set(table.column("roll").to_pylist()) == set(range(1, 7))
        chunked = fastsynth.generate({"roll": {"type": "dice"}}, 10_000, seed=1, batch_size=77)
        assert chunked.equals(table)  # custom fields inherit the determinism contract through Block
        schema = tmp_path / "s.json"
        schema.write_text(json.dumps({"roll": {"type": "dice"}}))
        result = CliRunner().invoke(app, ["gen", str(schema), "-n", "5", "-f", "tsv"])
        assert result.exit_code == 0 and result.output.splitlines()[0].strip('"') == "roll"
    finally:
        fastsynth.FIELDS._items.pop("dice")
        fastsynth.SINKS._items.pop("tsv")


def test_a_field_returning_the_wrong_type_is_reported():
    from dataclasses import dataclass

    @dataclass(frozen=True, kw_only=True)
    class Broken(fastsynth.Field):
        type_name = "broken"

        def arrow_type(self):
            return pa.int64()

        def generate(self, block):
            return pa.array(["x"] * block.size)

    with pytest.raises(
        fastsynth.FastsynthError, match=r"field 'b': generate\(\) returned 3 values of type string"
    ):
        fastsynth.generate(fastsynth.Schema([Broken(name="b")]), 3)
