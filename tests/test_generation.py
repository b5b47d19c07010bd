"""The Python API's edges: empty tables, far offsets, bad arguments, seeds."""

from __future__ import annotations

import pyarrow as pa
import pytest

import fastsynth
from fastsynth.schema import EXAMPLES


def test_zero_rows_gives_an_empty_table_of_the_right_schema():
    table = fastsynth.generate(EXAMPLES["tabular"], 0)
    assert table.num_rows == 0
    assert table.schema == fastsynth.Schema.from_dict(EXAMPLES["tabular"]).arrow_schema()
    assert list(fastsynth.iter_batches(EXAMPLES["tabular"], 0)) == []


def test_far_offsets_work_and_match():
    far = 10**15
    table = fastsynth.generate(EXAMPLES["tabular"], 100, start=far)
    again = fastsynth.generate(EXAMPLES["tabular"], 50, start=far + 50)
    assert again.equals(table.slice(50))


def test_batches_have_the_requested_sizes():
    sizes = [b.num_rows for b in fastsynth.iter_batches(EXAMPLES["tabular"], 2500, batch_size=1000)]
    assert sizes == [1000, 1000, 500]


def test_schema_from_path_dict_or_schema(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"a": {"type": "bool"}}')
    by_path = fastsynth.generate(path, 10)
    assert by_path.equals(fastsynth.generate({"a": {"type": "bool"}}, 10))
    assert by_path.equals(fastsynth.generate(str(path), 10))


def test_default_seed_is_the_seed_projects_42():
    assert fastsynth.generate(EXAMPLES["tabular"], 10).equals(
        fastsynth.generate(EXAMPLES["tabular"], 10, seed=42)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": -1}, "rows=-1 is not an integer >= 0"),
        ({"rows": 1.5}, "rows=1.5 is not an integer"),
        ({"rows": 10, "batch_size": 0}, "batch_size=0 is not an integer >= 1"),
        ({"rows": 10, "start": -3}, "start=-3 is not an integer >= 0"),
        ({"rows": 10, "seed": "x"}, "seed='x' is not an integer"),
        ({"rows": 10, "seed": 2**70}, "seed=1180591620717411303424 is not an integer that fits in 64 bits"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(fastsynth.UsageError, match=message.replace("(", r"\(")):
        fastsynth.generate(EXAMPLES["tabular"], **kwargs)


def test_schema_argument_of_the_wrong_kind():
    with pytest.raises(fastsynth.UsageError, match="is not a Schema, a dict or a path"):
        fastsynth.generate(42, 10)


def test_schemas_built_in_python():
    from fastsynth.fields.numeric import FloatField, IntField

    schema = fastsynth.Schema([IntField(name="a", min=0, max=9), FloatField(name="b", mean=0.0, std=1.0)])
    assert fastsynth.generate(schema, 5).schema.names == ["a", "b"]
    assert repr(schema.fields[0]).startswith("IntField(name='a', null_rate=0.0, min=0, max=9")
    with pytest.raises(fastsynth.SchemaError, match="field 'a': is defined more than once"):
        fastsynth.Schema([IntField(name="a", min=0, max=1), IntField(name="a", min=0, max=1)])
    assert pa.types.is_int64(schema.arrow_schema().field("a").type)


def test_pages_of_one_schema_share_its_run(monkeypatch):
    """A schema's caches (drift reference statistics, where AR recursions stopped) last as long as the
    schema, outside it: asking for the rows page by page does not remake them."""
    from fastsynth import generation

    made = []
    reference = generation.drift_reference
    monkeypatch.setattr(generation, "drift_reference", lambda *a: made.append(a) or reference(*a))
    schema = fastsynth.Schema.from_dict(
        {
            "fields": {"x": {"type": "float", "mean": 0, "std": 1}},
            "drift": [
                {"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": 50, "reference": "column"}
            ],
        }
    )
    pages = [fastsynth.generate(schema, 100, start=100 * k, seed=3) for k in range(5)]
    assert len(made) == 1 and generation.run_of(schema) is generation.run_of(schema)
    assert pa.concat_tables(pages).equals(fastsynth.generate(schema, 500, seed=3))
    other = fastsynth.Schema.from_dict(schema.to_dict())
    assert generation.run_of(other) is not generation.run_of(schema)
