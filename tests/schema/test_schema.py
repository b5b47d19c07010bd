from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastsynth
from fastsynth.schema import EXAMPLES, Schema
from fastsynth.testing import schemas


def test_seed_format_loads_verbatim(tmp_path):
    path = tmp_path / "tabular.json"
    path.write_text(json.dumps(EXAMPLES["tabular"]))
    schema = Schema.load(path)
    assert schema.names == ["id", "name", "email", "age", "income", "created_at", "status"]


def test_fastsynth_form_in_yaml_with_a_field_list(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text(
        "name: users\nseed: 9\nfields:\n"
        "  - {name: id, type: sequence}\n"
        "  - {name: score, type: float, distribution: beta, a: 2, b: 3, null_rate: 0.1}\n"
    )
    schema = Schema.load(path)
    assert (schema.name, schema.seed, schema.names) == ("users", 9, ["id", "score"])
    # The schema's own seed is used when the caller gives none.
    assert fastsynth.generate(schema, 10).equals(fastsynth.generate(schema, 10, seed=9))


def test_fields_object_form_and_round_trip():
    schema = Schema.from_dict({"fields": EXAMPLES["tabular"]})
    again = Schema.from_dict(schema.to_dict())
    assert again == schema
    assert Schema.from_dict(json.loads(json.dumps(again.to_dict()))) == schema


def test_a_seed_format_field_may_be_called_fields():
    schema = Schema.from_dict({"fields": {"type": "int", "min": 0, "max": 1}})
    assert schema.names == ["fields"]


@pytest.mark.slow
@given(schemas())
def test_valid_schemas_generate_and_round_trip(document):
    schema = Schema.from_dict(document)
    assert Schema.from_dict(schema.to_dict()) == schema
    table = fastsynth.generate(schema, 50, seed=1)
    assert table.schema == schema.arrow_schema()


@pytest.mark.parametrize("column", ["entities", "drift", "event_time", "name", "seed"])
def test_the_seeds_tabular_form_takes_any_column_name(column):
    # Found by hypothesis: a column named "entities" was read as the schema's entities setting.
    schema = Schema.from_dict({column: {"type": "name"}, "n": {"type": "int", "min": 0, "max": 9}})
    assert schema.names == [column, "n"] and schema.entities is None and schema.drift is None
    assert fastsynth.generate(schema, 3).num_rows == 3


BAD = [
    ({"age": {"type": "int", "min": 90, "max": 18}}, "field 'age': min=90 is greater than max=18"),
    ({"x": {"type": "float", "mean": 1, "std": -1}}, "field 'x': std=-1.0 is negative"),
    ({"x": {"type": "int", "min": "a", "max": 3}}, "field 'x': min='a' is not an integer"),
    ({"x": {"type": "integer"}}, "field 'x': unknown field type 'integer'; allowed: anomaly_label, bool,"),
    ({"x": {"min": 1}}, "field 'x': type=None is not a field type"),
    ({"x": {"type": "category", "categories": []}}, "field 'x': categories=[] is empty"),
    (
        {"x": {"type": "category", "categories": ["a", "b"], "probabilities": [0.5, 0.6]}},
        "field 'x': probabilities sum to 1.1, not 1",
    ),
    (
        {"x": {"type": "category", "categories": ["a", "b"], "probabilities": [1.0]}},
        "field 'x': probabilities has 1 entries but categories has 2",
    ),
    ({"x": {"type": "category"}}, "field 'x': type 'category' needs option 'categories'"),
    (
        {"x": {"type": "datetime", "start_date": "2020-13-01", "end_date": "2021-01-01"}},
        "field 'x': start_date='2020-13-01' is not an ISO date or datetime",
    ),
    (
        {"x": {"type": "datetime", "start_date": "2022-01-01", "end_date": "2021-01-01"}},
        "field 'x': start_date='2022-01-01' is after end_date='2021-01-01'",
    ),
    ({"x": {"type": "int", "min": 0, "max": 5, "mn": 1}}, "field 'x': unknown option 'mn' for type 'int'"),
    (
        {"x": {"type": "int", "min": 0, "max": 5, "lam": 2}},
        "field 'x': lam=2.0 applies to distribution 'poisson'",
    ),
    ({"x": {"type": "int"}}, "field 'x': distribution 'uniform' needs options 'min' and 'max'"),
    (
        {"x": {"type": "int", "min": 0, "max": 300, "dtype": "int8"}},
        "field 'x': max=300 does not fit dtype int8",
    ),
    (
        {"x": {"type": "float", "distribution": "gamma", "shape": 0, "scale": 1}},
        "field 'x': shape=0.0 is not positive",
    ),
    ({"x": {"type": "bool", "null_rate": 1.5}}, "field 'x': null_rate=1.5 is not a number in [0, 1]"),
    (
        {
            "x": {
                "type": "datetime",
                "start_date": "2020-01-01",
                "end_date": "2021-01-01",
                "timezone": "Mars/Base",
            }
        },
        "timezone='Mars/Base'",
    ),
    ({"x": {"type": "sequence", "step": 0}}, "field 'x': step=0"),
    ({"x": {"type": "float", "distribution": "weibull"}}, "field 'x': distribution='weibull' is not"),
    ({"x": 3}, "field 'x': spec 3 is not an object"),
    ([1, 2], "schema: expected an object of fields, got list"),
    ({}, "schema: no fields"),
    ({"fields": [], "colour": 1}, "schema: unknown key 'colour'"),
]


@pytest.mark.parametrize(("document", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_bad_schemas_get_one_clear_message(document, message):
    with pytest.raises(fastsynth.SchemaError) as caught:
        Schema.from_dict(document)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_bad_files(tmp_path):
    with pytest.raises(fastsynth.SchemaError, match="does not exist"):
        Schema.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": {"type": "int",}}')
    with pytest.raises(fastsynth.SchemaError, match="invalid JSON at line 1"):
        Schema.load(broken)
    yaml_file = tmp_path / "broken.yaml"
    yaml_file.write_text("a: [1, 2\n")
    with pytest.raises(fastsynth.SchemaError, match="invalid YAML"):
        Schema.load(yaml_file)
    other = tmp_path / "schema.toml"
    other.write_text("")
    with pytest.raises(fastsynth.SchemaError, match=r"unknown extension '\.toml'"):
        Schema.load(other)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "twice.yaml",
            "fields:\n  a: {type: int, min: 1, max: 3}\n  a: {type: bool}\n",
            "key 'a' is given twice in one mapping, at line 3",
        ),
        (
            "twice.json",
            '{"fields": {"a": {"type": "bool"}, "a": {"type": "int"}}}',
            "key 'a' is given twice in one object",
        ),
        ("deep.json", '{"a": ' * 5000 + "1" + "}" * 5000, "nested too deeply to read"),
        ("deep.yaml", "a: " + "[" * 3000 + "]" * 3000, "nested too deeply to read"),
    ],
)
def test_files_whose_keys_repeat_or_nest_too_deep_are_refused(tmp_path, name, text, message):
    """A repeated key silently lost the first column; a deep file ended in a RecursionError."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(fastsynth.SchemaError) as caught:
        Schema.load(path)
    assert str(caught.value) == f"schema file {str(path)!r}: {message}"


def test_merged_yaml_keys_may_still_be_overridden(tmp_path):
    path = tmp_path / "merged.yaml"
    path.write_text("fields:\n  a: &base {type: int, min: 1, max: 3}\n  b: {<<: *base, max: 9}\n")
    assert [field.max for field in Schema.load(path).fields] == [3, 9]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
option_names = st.sampled_from(
    [
        "type",
        "min",
        "max",
        "mean",
        "std",
        "categories",
        "probabilities",
        "start_date",
        "end_date",
        "null_rate",
        "unique",
        "distribution",
        "p",
        "lam",
        "a",
        "b",
        "value",
        "step",
        "decimals",
        "dtype",
        "timezone",
        "unit",
    ]
)
type_names = st.sampled_from(
    [
        "int",
        "float",
        "bool",
        "category",
        "datetime",
        "date",
        "uuid",
        "sequence",
        "constant",
        "name",
        "email",
        "nope",
    ]
)
field_like = st.dictionaries(option_names, json_values, max_size=6) | st.builds(
    lambda t, rest: {"type": t, **rest}, type_names, st.dictionaries(option_names, json_values, max_size=5)
)
documents = json_values | st.dictionaries(st.text(max_size=8), field_like | json_values, max_size=4)


@pytest.mark.slow
@given(documents)
def test_random_documents_raise_only_schema_errors(document):
    try:
        schema = Schema.from_dict(document)
    except fastsynth.SchemaError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    fastsynth.generate(schema, 20, seed=0)
