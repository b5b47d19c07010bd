"""The ``faker`` field reaches Faker's data methods only, shares no generator state, and its pools
are cached within a budget."""

from __future__ import annotations

import pytest

import fastsynth
from fastsynth.errors import SchemaError
from fastsynth.fields import faker_provider
from fastsynth.schema import Limits, Schema


def _values(seed: int = 3) -> list[str]:
    schema = Schema.from_dict({"fields": {"b": {"type": "faker", "provider": "bban", "pool_size": 50}}})
    return fastsynth.generate(schema, rows=20, seed=seed).column("b").to_pylist()


@pytest.mark.parametrize(
    "provider",
    ["set_formatter", "seed_instance", "seed", "add_provider", "parse", "format", "get_formatter",
     "set_arguments", "del_arguments", "random", "unique", "_Generator__config", "__class__",
     "get_providers"],
)  # fmt: skip
def test_faker_machinery_is_refused(provider):
    with pytest.raises(SchemaError, match=f"field 'f': provider='{provider}' is not a Faker data method"):
        Schema.from_dict({"fields": {"f": {"type": "faker", "provider": provider, "args": {}}}})


def test_a_refused_call_changes_no_later_output():
    before = _values()
    for provider, args in [
        ("set_formatter", {"name": "bban", "formatter": None}),
        ("seed_instance", {"seed": 1}),
    ]:
        with pytest.raises(SchemaError):
            Schema.from_dict({"fields": {"f": {"type": "faker", "provider": provider, "args": args}}})
    faker_provider.POOLS.clear()
    assert _values() == before


def test_pools_do_not_depend_on_what_other_schemas_did():
    first = _values()
    # Another schema's field draws from Faker with other arguments, in between.
    other = Schema.from_dict({"fields": {"w": {"type": "faker", "provider": "pyint", "pool_size": 500}}})
    fastsynth.generate(other, rows=10, seed=9)
    faker_provider.POOLS.clear()
    assert _values() == first


@pytest.mark.parametrize("args", [{"x": {"nested": 1}}, {"x": [[1]]}, {"x": [{"a": 1}]}])
def test_args_are_plain_json_scalars_or_lists(args):
    with pytest.raises(SchemaError, match="field 'f': args"):
        Schema.from_dict({"fields": {"f": {"type": "faker", "provider": "pyint", "args": args}}})


def test_pool_cache_stays_bounded_over_many_seeds(monkeypatch):
    monkeypatch.setattr(faker_provider.POOLS, "max_entries", 8)
    faker_provider.POOLS.clear()
    for seed in range(40):
        _values(seed)
        assert len(faker_provider.POOLS) <= 8
    assert 0 < faker_provider.POOLS.bytes <= faker_provider.POOLS.max_bytes


def test_bounded_cache_drops_the_least_recently_used_by_bytes():
    from fastsynth.fields.caches import BoundedCache

    cache: BoundedCache[str] = BoundedCache(max_bytes=10, max_entries=100, size_of=len)
    for key in "abcd":
        cache.get(key, lambda key=key: key * 3)
    assert len(cache) == 3 and cache.bytes == 9  # "a" went first
    assert cache.get("b", lambda: "other") == "bbb"  # kept, and now the most recent
    cache.get("e", lambda: "eee")
    assert cache.get("c", lambda: "new") == "new"  # "c" was the least recently used
    assert cache.get("x", lambda: "x" * 11) == "x" * 11 and len(cache) <= 3  # too large to keep


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            {"provider": "csv", "args": {"data_columns": ["{{name}}"], "num_rows": 10}},
            "provider='csv' makes a document of as many values as its arguments ask; allowed here: "
            "providers of one value (max_text_length)",
        ),
        (
            {"provider": "pystr_format", "args": {"string_format": "{{seed_instance}}"}},
            "provider='pystr_format' makes a document",
        ),
        (
            {"provider": "bothify", "args": {"text": "## {{seed_instance}}"}},
            "args['text']='## {{seed_instance}}' is a Faker template, which calls Faker's methods by name; "
            "allowed here: plain values (max_text_length)",
        ),
    ],
)
def test_documents_and_templates_are_refused_from_requests(field, message):
    """Under limits (a server): no argument bounds a document's rows times its columns, and a template
    reaches Faker's machinery by name. Python and the CLI keep them."""
    document = {"fields": {"f": {"type": "faker", "pool_size": 10, **field}}}
    with pytest.raises(SchemaError) as refused:
        Schema.from_dict(document, limits=Limits())
    assert str(refused.value).startswith("field 'f': ") and message in str(refused.value)
    if field["provider"] != "pystr_format":  # its template would call seed_instance here too
        assert len(fastsynth.generate(Schema.from_dict(document), 3, seed=1)) == 3
