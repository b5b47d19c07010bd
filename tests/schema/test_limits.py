"""Limits: ceilings on what a schema document asks for, checked before anything is built."""

from __future__ import annotations

import re
import time

import pytest

from fastsynth.errors import SchemaError, UsageError
from fastsynth.schema import Limits, Schema

LIMITS = Limits(max_fields=50, max_depth=8, max_text_length=100, max_pool=10_000, max_categories=20)


def refused(document, message, limits=LIMITS):
    with pytest.raises(SchemaError, match=re.escape(message)):
        Schema.from_dict(document, limits=limits)


def test_without_limits_nothing_is_capped():
    spec = {"s": {"type": "sentence", "min_words": 150, "max_words": 200}}
    assert Schema.from_dict({"fields": spec}).names == ["s"]
    refused(
        {"fields": spec}, "field 's': min_words=150 is over the limit; allowed: at most 100 (max_text_length)"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"type": "sentence", "max_words": 120},
            "field 'f': max_words=120 is over the limit; allowed: at most 100 (max_text_length)",
        ),
        (
            {"type": "paragraph", "min_sentences": 1, "max_sentences": 101},
            "max_sentences=101 is over the limit",
        ),
        (
            {"type": "pattern", "pattern": "#" * 101},
            "field 'f': pattern has 101 characters, over the limit; allowed: at most 100 characters "
            "(max_text_length)",
        ),
        ({"type": "template", "template": "x" * 101}, "field 'f': template has 101 characters"),
        (
            {"type": "category", "categories": list(range(21))},
            "field 'f': categories has 21 entries, over the limit; allowed: at most 20 entries "
            "(max_categories)",
        ),
        (
            {"type": "faker", "provider": "bban", "pool_size": 10_001},
            "field 'f': pool_size=10001 is over the limit; allowed: at most 10000 (max_pool)",
        ),
        (
            {"type": "faker", "provider": "pystr", "args": {"max_chars": 10**9}},
            "field 'f': args['max_chars']=1000000000 is over the limit; allowed: at most 100 "
            "(max_text_length)",
        ),
        (
            {"type": "faker", "provider": "words", "args": {"ext_word_list": ["a"] * 101}},
            "field 'f': args['ext_word_list'] has 101 entries, over the limit",
        ),
        (
            {"type": "faker", "provider": "zip"},
            "field 'f': provider 'zip' with args=None makes values of",
        ),
    ],
)
def test_sizes_over_their_ceiling_are_refused(spec, message):
    refused({"fields": {"f": spec}}, message)


def test_sizes_within_their_ceiling_pass():
    fields = {
        "s": {"type": "sentence", "max_words": 100},
        "c": {"type": "category", "categories": {"a": list(range(10)), "b": list(range(10))}},
        "p": {"type": "category", "categories": ["a", "b"]},
        "f": {"type": "faker", "provider": "pyint", "pool_size": 10_000, "args": {"max_value": 10**9}},
    }
    fields["c"]["depends_on"] = "p"
    assert len(Schema.from_dict({"fields": fields}, limits=LIMITS).fields) == 4
    refused(
        {
            "fields": {
                **fields,
                "c": {**fields["c"], "categories": {"a": list(range(11)), "b": list(range(10))}},
            }
        },
        "field 'c': categories has 21 entries",
    )


def test_entities_count_is_capped():
    document = {"entities": 10**6, "fields": {"x": {"type": "float", "mean": 0, "std": 1}}}
    assert Schema.from_dict(document).entities.count == 10**6
    refused(
        document, "schema: entities: count=1000000 is over the limit; allowed: at most 100000 (max_entities)"
    )


def test_field_count_is_capped_in_every_shape():
    many = {f"c{i}": {"type": "bool"} for i in range(51)}
    message = "schema: 51 fields is over the limit; allowed: at most 50 (max_fields)"
    refused({"fields": many}, message)
    refused(many, message)
    refused({"fields": [{"name": k, **v} for k, v in many.items()]}, message)


def test_depth_is_checked_without_recursion():
    deep: dict = {}
    node = deep
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    document = {"fields": {"a": {"type": "constant", "value": deep}}}
    refused(
        document, "schema: fields.a.value.x is nested 9 deep, over the limit; allowed: at most 8 (max_depth)"
    )
    # within a huge ceiling, parsing still ends in a clean error, not a RecursionError
    refused(document, "schema: the document is nested too deeply to read", limits=Limits(max_depth=200_000))


def test_deep_document_without_limits_is_a_clear_error():
    deep: list = []
    node = deep
    for _ in range(100_000):
        node.append([])
        node = node[0]
    with pytest.raises(SchemaError, match="schema: "):
        Schema.from_dict({"fields": {"a": {"type": "constant", "value": deep}}})


def test_document_size_is_capped():
    document = {"fields": {"a": {"type": "constant", "value": "x" * 2000}}}
    refused(
        document, "allowed: at most 1000 bytes (max_document_bytes)", limits=Limits(max_document_bytes=1000)
    )


def test_limits_are_checked_when_built():
    with pytest.raises(UsageError, match=re.escape("limits: max_depth=0 is not an integer >= 1")):
        Limits(max_depth=0)
    with pytest.raises(TypeError):
        Limits(5)  # type: ignore[misc]  # keyword arguments only


def test_ceilings_do_not_leak_out_of_the_call():
    spec = {"fields": {"s": {"type": "sentence", "max_words": 150}}}
    with pytest.raises(SchemaError):
        Schema.from_dict(spec, limits=LIMITS)
    Schema.from_dict(spec)  # no ceiling left in force


def _parse_seconds(count: int) -> float:
    document = {"fields": {f"c{i}": {"type": "int", "min": 0, "max": 9} for i in range(count)}}
    document["fields"]["t"] = {"type": "template", "template": "{c0}-{c1}"}
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        schema = Schema.from_dict(document)
        schema.arrow_schema()
        best = min(best, time.perf_counter() - started)
    return best


def test_parsing_is_linear_in_the_fields():
    small, large = _parse_seconds(2_000), _parse_seconds(20_000)
    assert large < 10.0, f"20,000 fields took {large:.2f} s"
    assert large / small < 30, f"2,000 fields: {small:.3f} s; 20,000: {large:.3f} s"


def test_a_long_chain_of_columns_is_no_recursion_error():
    import fastsynth

    count = 5_000
    fields = {"c0": {"type": "int", "min": 0, "max": 3, "null_rate": 0.5}}
    fields.update({f"c{i}": {"type": "template", "template": f"{{c{i - 1}}}"} for i in range(1, count)})
    schema = Schema.from_dict({"fields": fields})
    assert schema.arrow_schema().field(f"c{count - 1}").nullable  # nulls follow the chain
    table = fastsynth.generate(schema, rows=3, seed=1)
    assert table.column(f"c{count - 1}").to_pylist() == [
        str(v) if v is not None else None for v in table.column("c0").to_pylist()
    ]
