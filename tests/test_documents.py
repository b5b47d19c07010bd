"""Every JSON or YAML document a user hands in is read the same way: a key given twice, a document nested
too deeply or text that is not the format is one message naming the file, never the last key silently
winning and never a traceback."""

from __future__ import annotations

import zipfile

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app
from fastsynth.config import load_settings
from fastsynth.documents import read_document, read_json, read_yaml
from fastsynth.drift.injector import load_drifts
from fastsynth.errors import SchemaError, UsageError
from fastsynth.models import files
from fastsynth.reporting import report


@pytest.mark.parametrize(
    ("read", "text", "message"),
    [
        (read_json, '{"a": 1, "a": 2}', "doc: key 'a' is given twice in one object"),
        (read_json, '{"a": [1, 2}', "doc: invalid JSON at line 1: Expecting ',' delimiter"),
        (read_json, b'{"a": "\xff"}', "doc: invalid JSON: not UTF-8 text"),
        (read_json, "[" * 100_000 + "]" * 100_000, "doc: nested too deeply to read"),
        (read_json, "1" * 5000, "doc: Exceeds the limit (4300 digits) for integer string conversion"),
        (read_yaml, "a: 1\nb: 2\na: 3\n", "doc: key 'a' is given twice in one mapping, at line 3"),
        (read_yaml, "x: {b: 1, b: 1}\n", "doc: key 'b' is given twice in one mapping, at line 1"),
        (read_yaml, "a: [1, 2\n", "doc: invalid YAML at line 2: expected ',' or ']', but got '<stream end>'"),
        (read_yaml, "a: " + "[" * 3000 + "]" * 3000, "doc: nested too deeply to read"),
    ],
)
def test_faults_are_one_message_naming_the_document(read, text, message):
    with pytest.raises(SchemaError) as caught:
        read(text, "doc", SchemaError)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_documents_without_faults_read_as_their_parsers_read_them():
    assert read_json('{"a": {"b": [1, 2.5, null]}}', "doc") == {"a": {"b": [1, 2.5, None]}}
    assert read_yaml("a: {b: [1, 2.5, null]}\nc: 2024-01-01\n", "doc")["a"] == {"b": [1, 2.5, None]}
    # YAML's merge keys mean "these, unless given here": overriding one is not a repeated key
    merged = read_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  x: 5\n", "doc")
    assert merged["use"] == {"x": 5, "y": 2}
    # the safe loader: no Python objects
    with pytest.raises(UsageError, match=r"constructor for the tag 'tag:yaml\.org,2002:python/object"):
        read_yaml("a: !!python/object/apply:os.system ['true']\n", "doc")


def test_a_settings_file_with_a_key_twice_is_refused(tmp_path):
    path = tmp_path / "fastsynth.yaml"
    path.write_text("limits:\n  max_rows: 10\n  max_rows: 1000000000\n")
    with pytest.raises(UsageError) as caught:
        load_settings(path, environ={})
    assert str(caught.value) == (
        f"config file {str(path)!r}: key 'max_rows' is given twice in one mapping, at line 3"
    )


def test_a_drift_config_with_a_key_twice_is_refused(tmp_path):
    path = tmp_path / "drifts.yaml"
    path.write_text("drifts:\n  - {type: shift, column: x, magnitude: 1, magnitude: 100}\n")
    with pytest.raises(UsageError) as caught:
        load_drifts(path)
    assert str(caught.value) == (
        f"drift config {str(path)!r}: key 'magnitude' is given twice in one mapping, at line 2"
    )


def test_a_cohort_file_with_a_key_twice_is_one_line(tmp_path):
    spec = tmp_path / "cohort.yaml"
    spec.write_text("patients: 10\ngenes: 3\npatients: 20\n")
    result = CliRunner().invoke(app, ["cohort", str(spec), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: cohort file {str(spec)!r}: key 'patients' is given twice in one mapping, at line 3"
    )
    assert not (tmp_path / "out").exists()


def test_a_model_file_whose_schema_repeats_a_key_is_refused(tmp_path):
    good = files.write(tmp_path / "m.fsm", {"fields": {"a": {"type": "bool"}}}, {"t": pa.table({"x": [1]})})
    bad = tmp_path / "bad.fsm"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "schema.yaml":
                data += b"fields: {}\n"  # a second top-level 'fields'
            target.writestr(info, data)
    with pytest.raises(SchemaError, match=r"schema\.yaml: key 'fields' is given twice in one mapping"):
        files.read(bad, trust=True)


def test_a_drift_log_with_a_key_twice_or_not_text_is_refused(tmp_path):
    data = pa.table({"x": [1.0, 2.0, 3.0, 4.0]})
    log = tmp_path / "log.json"
    log.write_text('{"drifts": [], "drifts": [{"type": "shift"}]}')
    with pytest.raises(UsageError) as caught:
        report(data, windows=2, drift_log=log)
    assert str(caught.value) == f"drift_log {str(log)!r}: key 'drifts' is given twice in one object"
    log.write_bytes(b'{"drifts": ["\xff"]}')
    with pytest.raises(UsageError, match="invalid JSON: not UTF-8 text"):
        report(data, windows=2, drift_log=log)


def test_a_json_file_is_read_as_json_and_yaml_as_yaml(tmp_path):
    """Drift and cohort files were read by YAML whatever their name: a .json drift config's 1e-3 was
    text to YAML 1.1 ('not a number'). YAML files keep YAML 1.1's reading: the YAML fastsynth writes
    (yaml.safe_dump) leaves a text such as 1e5 unquoted, and reads it back as text."""
    path = tmp_path / "drifts.json"
    path.write_text('\ufeff{"drifts": [{"type": "shift", "columns": ["x"], "magnitude": 1e-3}]}')
    assert load_drifts(path)[0][0]["magnitude"] == 0.001  # a byte-order mark, as YAML allowed
    path = tmp_path / "tab.json"
    path.write_text('{"a": 1,\t"b": 2}')  # a tab between tokens: JSON, though not YAML
    assert read_document(path, path.read_text(), "doc") == {"a": 1, "b": 2}
    assert read_document(tmp_path / "a.yaml", "code: 1e5\n", "doc") == {"code": "1e5"}


def test_a_saved_schema_reads_back_text_shaped_like_numbers(tmp_path):
    real = pa.table({"1e5": ["1e5", "2e3", "7e1"] * 50, "x": list(range(150))})
    schema = fastsynth.fit(real, seed=1)
    schema.save(tmp_path / "s.yaml")
    again = fastsynth.Schema.load(tmp_path / "s.yaml")
    assert again.to_dict() == schema.to_dict()
    made = fastsynth.generate(again, 20, seed=2)
    assert made.column_names[0] == "1e5" and set(made["1e5"].to_pylist()) <= {"1e5", "2e3", "7e1"}
