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
            {"type": "expr", "expr": " + ".join(["1"] * 300)},
            "field 'f': expr has 599 tokens, over the limit; allowed: at most 500 tokens "
            "(max_expression_tokens)",
        ),
        (
            {"type": "faker", "provider": "binary"},  # a megabyte by default
            "field 'f': provider 'binary' with args=None makes values of",
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_parsing_is_linear_in_the_fields():
    small, large = _parse_seconds(2_000), _parse_seconds(20_000)
    assert large < 10.0, f"20,000 fields took {large:.2f} s"
    assert large / small < 30, f"2,000 fields: {small:.3f} s; 20,000: {large:.3f} s"


@pytest.mark.slow
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


# -- values near type limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"type": "float", "mean": 1e308, "std": 1e308},
            "field 'x': mean=1e+308, std=1e+308 can make values beyond what float64 holds",
        ),
        (
            {"type": "float", "distribution": "lognormal", "mu": 0, "sigma": 100},
            "field 'x': mu=0.0, sigma=100.0 can make values beyond what float64 holds",
        ),
        ({"type": "float", "min": -1e308, "max": 1e308}, "field 'x': min=-1e+308, max=1e+308 span more than"),
        (
            {"type": "float", "distribution": "exponential", "scale": 1e307},
            "field 'x': scale=1e+307 can make values beyond",
        ),
        ({"type": "float", "mean": 0, "std": 1e38, "dtype": "float32"}, "beyond what float32 holds"),
        (
            {"type": "float", "min": 0, "max": 1e39, "dtype": "float32"},
            "max=1e+39 is beyond what float32 holds",
        ),
        (
            {"type": "datetime", "start_date": "1500-01-01", "end_date": "2000-01-01", "unit": "ns"},
            "field 'x': start_date='1500-01-01' is outside what unit='ns' can hold; allowed: 1677-09-21 to "
            "2262-04-11",
        ),
    ],
)
def test_parameters_past_a_type_limit_are_refused(spec, message):
    refused({"fields": {"x": spec}}, message, limits=None)


def test_parameters_clipped_by_min_and_max_pass():
    import fastsynth

    document = {
        "fields": {"x": {"type": "float", "mean": 0, "std": 1e308, "min": -1.0, "max": 1.0, "decimals": 2}}
    }
    values = fastsynth.generate(Schema.from_dict(document), rows=50, seed=1).column("x").to_pylist()
    assert all(-1.0 <= v <= 1.0 for v in values)
    huge = {"fields": {"x": {"type": "float", "mean": 1e300, "std": 1e299, "decimals": 3}}}
    values = fastsynth.generate(Schema.from_dict(huge), rows=50, seed=1).column("x").to_pylist()
    assert all(1e299 < v < 1e301 for v in values)  # rounding never overflows to inf


def test_datetimes_span_years_1_to_9999_in_microseconds():
    import datetime as dt

    import fastsynth

    spec = {"type": "datetime", "start_date": "0001-01-01", "end_date": "9999-12-31", "unit": "us"}
    values = (
        fastsynth.generate(Schema.from_dict({"fields": {"t": spec}}), rows=50, seed=1).column("t").to_pylist()
    )
    assert all(dt.datetime(1, 1, 1) <= v <= dt.datetime(9999, 12, 31, 23, 59, 59, 999999) for v in values)


def test_a_sequence_never_wraps_around():
    import fastsynth
    from fastsynth.fields.base import Block

    schema = Schema.from_dict({"fields": {"q": {"type": "sequence", "start": 2**63 - 10, "step": 3}}})
    assert fastsynth.generate(schema, rows=4, seed=1).column("q").to_pylist()[-1] == 2**63 - 1
    message = "field 'q': start=9223372036854775798, step=3 reach 9223372036854775810 at row 4, outside int64"
    with pytest.raises(SchemaError, match=re.escape(message)):
        fastsynth.generate(schema, rows=5, seed=1)
    with pytest.raises(SchemaError, match=re.escape("at row 6")):  # a block made alone, from row 5
        schema.fields[0].column(Block("q", 1, 5, 2))
    down = Schema.from_dict({"fields": {"q": {"type": "sequence", "start": -(2**63) + 1, "step": -1}}})
    assert fastsynth.generate(down, rows=2, seed=1).column("q").to_pylist() == [-(2**63) + 1, -(2**63)]
    with pytest.raises(SchemaError, match="outside int64"):
        fastsynth.generate(down, rows=3, seed=1)


def test_a_time_sequence_never_wraps_around():
    """Nanosecond timestamps end in 2262: a start past it is refused, and a series running into it
    stops with an error naming the field rather than wrapping round to 1677."""
    import fastsynth

    late = {"type": "time_sequence", "start": "2262-04-11T21:00:00", "interval_seconds": 3600, "unit": "ns"}
    times = fastsynth.generate({"t": late}, 3, seed=1).column("t").cast("int64").to_pylist()
    assert times == sorted(times) and times[-1] < 2**63
    with pytest.raises(
        SchemaError, match=r"field 't': start='2262-04-11T21:00:00', interval_seconds=3600 pass"
    ):
        fastsynth.generate({"t": late}, 4, seed=1)
    entities = {"fields": {"t": late}, "entities": {"count": 3}}
    assert fastsynth.generate(entities, 9, seed=1).num_rows == 9
    with pytest.raises(SchemaError, match="after 3 steps"):
        fastsynth.generate(entities, 10, seed=1)
    with pytest.raises(
        SchemaError, match=r"start='2300-01-01' is outside what unit='ns' can hold; allowed: 1677"
    ):
        Schema.from_dict({"fields": {"t": {"type": "time_sequence", "start": "2300-01-01", "unit": "ns"}}})
    jitter = {"type": "time_sequence", "jitter_seconds": 1e300}
    with pytest.raises(
        SchemaError, match=r"field 't': jitter_seconds=1e\+300 is more than 4.504e\+15 in unit s"
    ):
        Schema.from_dict({"fields": {"t": jitter}})
    poisson = {**late, "arrivals": "poisson", "start": "2262-04-11T23:00:00"}
    with pytest.raises(SchemaError, match="field 't': arrivals pass what unit='ns' can hold"):
        fastsynth.generate({"t": poisson}, 50, seed=1)


def test_an_expression_is_counted_in_one_pass_before_polars_parses_it():
    """polars' planning of an expression takes time growing faster than its terms, for every batch
    (2,000 terms: seconds); the count is linear and comes first, so a long one costs nothing."""
    expression = " + ".join(["x"] * 50_000)
    started = time.perf_counter()
    refused(
        {"fields": {"x": {"type": "float"}, "v": {"type": "expr", "expr": expression}}},
        "field 'v': expr has 99999 tokens, over the limit",
        Limits(),
    )
    assert time.perf_counter() - started < 0.5
    quoted = "CASE WHEN name = 'a b' THEN 1 ELSE 0 END"  # words and quotes count too: 13 tokens
    fields = {"name": {"type": "word"}, "v": {"type": "expr", "expr": quoted}}
    assert Schema.from_dict({"fields": fields}, limits=Limits(max_expression_tokens=13))
    refused({"fields": fields}, "expr has 13 tokens", Limits(max_expression_tokens=12))


@pytest.mark.parametrize(
    "hidden",
    [
        "x -- '\n" + " + x" * 300 + " -- '\n",
        "x /* ' */" + " + x" * 300 + " /* ' */",
        'x -- "\n' + " + x" * 300 + ' -- "\n',
        "x + 'it''s'" + " + x" * 300,
    ],
    ids=["line-comments", "block-comments", "double-quotes", "escaped-quote"],
)
def test_quotes_in_comments_cannot_hide_an_expression_from_the_count(hidden):
    """polars skips comments and reads the code between them; the count reads every word and symbol,
    so quotes in comments do not make code look like a string."""
    refused(
        {"fields": {"x": {"type": "float"}, "v": {"type": "expr", "expr": hidden}}},
        "field 'v': expr has",
        Limits(),
    )


def test_a_drift_rule_is_capped_as_an_expression():
    document = {
        "fields": {"x": {"type": "float"}, "y": {"type": "int", "min": 0, "max": 1}},
        "drift": [{"type": "concept", "column": "y", "rule": " + ".join(["x"] * 300), "start_row": 5}],
    }
    refused(document, "schema: drift event 0: rule has 599 tokens, over the limit", Limits())
    assert Schema.from_dict(document).names == ["x", "y"]  # Python users are not capped


def test_an_ar_process_that_starts_slowly_for_every_entity_is_refused():
    """Near a unit root an AR process remembers 195,000 steps, and every entity's series starts from
    them: 65,536 entities took minutes before their first row. The start is timed on a few entities."""
    noise = {"type": "ar", "coefficients": [0.9998]}
    document = {
        "entities": 65_536,
        "fields": {
            "t": {"type": "time_sequence"},
            "x": {"type": "series", "base": {"type": "float"}, "noise": noise},
        },
    }
    started = time.perf_counter()
    refused(
        document,
        "field 'x': noise coefficients=[0.9998] make an AR process that remembers 195,",
        Limits(max_build_seconds=1),
    )
    assert time.perf_counter() - started < 30  # a trial on a few entities (and a compilation), not minutes
    assert Schema.from_dict(document).entities.count == 65_536  # Python users are not capped
    # Few entities, or a short memory (0.5: 59 steps, 3.9 million draws for 65,536 entities), are not
    # even timed: a trial near a 1 s ceiling on a busy machine could go either way.
    for few in (
        {**document, "entities": 4},
        {
            **document,
            "fields": {"x": {**document["fields"]["x"], "noise": {"type": "ar", "coefficients": [0.5]}}},
        },
    ):
        assert Schema.from_dict(few, limits=Limits(max_build_seconds=1))


def test_entity_names_every_batch_carries_are_capped():
    """An entity_id's names form a dictionary that every batch holds whole: 100,000 names of a
    9,000-character prefix took 9 s and 3.6 GB to make a single row."""
    document = {
        "entities": {"count": 100_000, "id_field": "id"},
        "fields": {"id": {"type": "entity_id", "prefix": "p" * 9_000}, "x": {"type": "float"}},
    }
    refused(
        document,
        "field 'id': prefix of 9,000 characters names 100,000 entities in 900,500,000 bytes, which every "
        "batch carries, over the limit; allowed: at most 10,000,000 bytes (max_dictionary_bytes)",
        Limits(),
    )
    assert Schema.from_dict(document).names == ["id", "x"]  # Python users are not capped
    document["fields"]["id"]["prefix"] = "sensor-"
    assert Schema.from_dict(document, limits=Limits()).names == ["id", "x"]


@pytest.mark.slow
def test_a_pearson_group_too_slow_to_solve_is_refused_after_a_few_pairs():
    """Each pair of a Pearson group is solved by bisection on 100,000 normals (0.3 s and more): 20
    columns took a minute. The first pairs time the rest; a group of normals needs no solving."""
    columns = {
        f"c{i}": {"type": "float", "distribution": "lognormal", "mu": 0, "sigma": 1 + i / 100}
        for i in range(12)
    }
    matrix = [[1.0 if i == j else 0.3 for j in range(12)] for i in range(12)]
    document = {"fields": columns, "correlations": [{"columns": list(columns), "matrix": matrix}]}
    started = time.perf_counter()
    refused(
        document,
        "schema: correlations[0]: solving 66 pairs of columns for their Pearson correlations would take",
        Limits(max_build_seconds=1),
    )
    assert time.perf_counter() - started < 10  # three pairs, not 66
    normal = {**document, "correlations": [{"columns": list(columns), "matrix": matrix, "kind": "normal"}]}
    assert Schema.from_dict(normal, limits=Limits(max_build_seconds=1))
    few = {
        "fields": {k: columns[k] for k in ("c0", "c1")},
        "correlations": [{"columns": ["c0", "c1"], "matrix": [[1, 0.3], [0.3, 1]]}],
    }
    assert Schema.from_dict(few, limits=Limits(max_build_seconds=1))


def test_recurring_drift_on_many_series_measures_its_windows_in_one_kernel():
    """A drift recurring every row on a schema of entities has a window per row, each measured within
    its entities' series: measured one by one in Python, 65,536 rows took 8 s (now 0.05 s)."""
    import fastsynth

    document = {
        "entities": 100_000,
        "fields": {"t": {"type": "time_sequence"}, "x": {"type": "series", "base": {"type": "float"}}},
        "drift": [{"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": 0, "every_rows": 1}],
    }
    schema = Schema.from_dict(document, limits=Limits())
    fastsynth.generate(schema, rows=10, seed=1)  # compiled
    started = time.perf_counter()
    assert fastsynth.generate(schema, rows=65_536, seed=1).num_rows == 65_536
    assert time.perf_counter() - started < 2


def test_drift_events_are_capped():
    """Each event measures its windows and weighs every batch's rows: 1,000 events took 5 s for a
    batch of 1,000 rows, 5,000 over a minute."""
    fields = {"t": {"type": "time_sequence"}, "x": {"type": "float"}}
    events = [
        {"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": i, "every_rows": 3}
        for i in range(101)
    ]
    message = (
        "schema: drift: events has 101 entries, over the limit; allowed: at most 100 entries "
        "(max_drift_events)"
    )
    refused({"fields": fields, "drift": events}, message, Limits())
    refused({"fields": fields, "drift": {"events": events}}, message, Limits())
    assert len(Schema.from_dict({"fields": fields, "drift": events}).drift.events) == 101  # not capped
    assert Schema.from_dict({"fields": fields, "drift": events[:100]}, limits=Limits())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"seasonality": [{"period": 7 + i, "amplitude": 0.1} for i in range(101)]},
            "field 'x': seasonality has 101 entries, over the limit; allowed: at most 100 entries "
            "(max_series_terms)",
        ),
        (
            {"trend": {"type": "piecewise", "changepoints": [[i, 0.1] for i in range(101)]}},
            "field 'x': trend: changepoints has 101 entries, over the limit",
        ),
    ],
)
def test_a_series_seasons_and_changepoints_are_capped(options, message):
    """Every row sums them all, and every entity draws each season's numbers for every batch: 15,000
    seasons took over a minute for 65,536 rows, 40,000 changepoints 8 s."""
    document = {"fields": {"x": {"type": "series", "base": {"type": "float"}, **options}}}
    refused(document, message, Limits())
    assert Schema.from_dict(document).names == ["x"]  # Python users are not capped


def test_a_streams_concepts_are_bounded_together_by_the_work_ceiling():
    """Each concept builds its state (random_rbf's centroids: about a second per 2,000,000
    coordinates) when its rows first come: 20 concepts at the largest a generator may be took 19 s for
    65,536 rows. A server adds them up before building any."""
    concepts = [
        {"type": "random_rbf", "n_centroids": 100_000, "n_features": 20, "seed": i} for i in range(20)
    ]
    document = {"generator": {"concepts": concepts, "drift": [{"position": i * 10} for i in range(1, 20)]}}
    refused(
        document,
        "schema: generator: its 20 concepts build about 20 s of state before their rows (centroids, trees), "
        "over the limit; allowed: at most 5 s (max_build_seconds)",
        Limits(),
    )
    assert len(Schema.from_dict(document).names) == 22  # Python users are not capped
    trees = [{"type": "random_tree", "seed": i} for i in range(20)]
    cheap = {"generator": {"concepts": trees, "drift": [{"position": i * 10} for i in range(1, 20)]}}
    assert Schema.from_dict(cheap, limits=Limits())


@pytest.mark.parametrize(
    ("expression", "function"),
    [
        ("lpad(a, 1000000000)", "lpad"),
        ("RPAD(a, n)", "RPAD"),
        ("replace(replace(replace(a, 'x', 'xxxxxxxxxx'), 'x', 'xxxxxxxxxx'), 'x', 'xxxxxxxxxx')", "replace"),
        ("regexp_replace(a, '', 'yy')", "regexp_replace"),
    ],
)
def test_sql_that_can_lengthen_text_without_bound_is_refused(expression, function):
    """lpad(a, 1000000000) makes a gigabyte a row, and each nested replace(a, 'x', 'xxxxxxxxxx')
    multiplies a text by ten: few tokens, any length. The names are refused wherever they appear:
    quotes or a comment between a name and its parenthesis would still call it."""
    fields = {"a": {"type": "word"}, "n": {"type": "int", "min": 0, "max": 9}}
    document = {"fields": {**fields, "x": {"type": "expr", "expr": expression, "dtype": "string"}}}
    refused(
        document,
        f"calls {function}, which can make text of any length (gigabytes a row); allowed: SQL without "
        "lpad, regexp_replace, replace, rpad (max_expression_tokens)",
        Limits(),
    )
    assert Schema.from_dict(document).names == ["a", "n", "x"]  # Python users are not capped
    for hidden in ('"lpad"(a, 10)', "lpad /* x */ (a, 10)", "a || 'replace('"):
        refused(
            {"fields": {**fields, "x": {"type": "expr", "expr": hidden, "dtype": "string"}}},
            "calls ",
            Limits(),
        )


def test_a_template_joins_merged_text_and_casts_each_column_once():
    """Each ``{{`` or ``}}`` ended a piece of text, and each placeholder cast its column again: 2,500
    ``{{}}`` took 26 s for 65,536 rows, 3,333 ``{a}`` 53 s. The same rows, now in a fraction of it."""
    import fastsynth

    fields = {"a": {"type": "int", "min": 0, "max": 9}}
    braces = Schema.from_dict({"fields": {**fields, "x": {"type": "template", "template": "{{}}" * 2_500}}})
    fastsynth.generate(braces, rows=10, seed=1)
    started = time.perf_counter()
    assert fastsynth.generate(braces, rows=16_384, seed=1).column("x")[0].as_py() == "{}" * 2_500
    assert time.perf_counter() - started < 2  # was 6.5 s
    mixed = Schema.from_dict(
        {"fields": {**fields, "x": {"type": "template", "template": "{{{a}}} {uuid}-{{}}{a}"}}}
    )
    value = fastsynth.generate(mixed, rows=1, seed=3).column("x")[0].as_py()
    a = fastsynth.generate(mixed, rows=1, seed=3).column("a")[0].as_py()
    assert value.startswith(f"{{{a}}} ") and value.endswith(f"-{{}}{a}")


def test_regimes_too_slow_to_find_for_every_entity_are_refused():
    """Each entity in a batch draws (and sorts) its block's switches, 4,096 of them for a mean of one
    step: with 65,536 entities a batch of as many rows took 29 s. Timed on a few entities."""
    regimes = {"mean_duration": 1, "states": [{"level": 1}, {"level": 2}]}
    fields = {
        "t": {"type": "time_sequence"},
        "x": {"type": "series", "base": {"type": "float"}, "regimes": regimes},
    }
    document = {"entities": 65_536, "fields": fields}
    refused(
        document,
        "field 'x': regimes mean_duration=1 switches 4,096 times a block of 4096 steps: finding the "
        "regimes of "
        "65,536 entities would take about",
        Limits(max_build_seconds=1),
    )
    assert Schema.from_dict(document).entities.count == 65_536  # Python users are not capped
    assert Schema.from_dict({**document, "entities": 1_000}, limits=Limits(max_build_seconds=1))  # not timed


def test_text_made_from_text_made_from_columns_is_refused_under_limits():
    """A template of 3,330 placeholders of a 9,990-character column is 33 MB a row; one more step
    would be 100 GB for the one row a server measures first. One step is allowed."""
    long_text = {"type": "template", "template": "x" * 9_990}
    fields = {
        "a": long_text,
        "b": {"type": "template", "template": "{a}" * 3},
        "c": {"type": "expr", "expr": "concat(b, b)", "dtype": "string"},
    }
    refused({"fields": fields}, "field 'c': reads 'b', text made from other columns itself", Limits())
    nested = {"a": long_text, "b": {"type": "template", "template": "{a}{a}"}}
    assert Schema.from_dict({"fields": nested}, limits=Limits())  # one step: allowed
    twice = {**nested, "c": {"type": "template", "template": "{b}{b}"}}
    refused({"fields": twice}, "field 'c': reads 'b', text made from other columns itself", Limits())
    numbers = {**nested, "n": {"type": "expr", "expr": "length(b)", "dtype": "int64"}}
    assert Schema.from_dict({"fields": numbers}, limits=Limits())  # a number read from it is no text
    assert Schema.from_dict({"fields": fields}).names == ["a", "b", "c"]  # Python users are not capped


def test_the_work_ceiling_bounds_a_whole_schema_not_each_field(monkeypatch):
    """Faker pools that each take under the ceiling are refused together once they pass it."""
    import fastsynth.fields.faker_provider as faker_provider

    original = faker_provider.FakerField._check_work
    # Each pool's trial measures 4 ms a value: 0.4 s for a pool of 100.
    monkeypatch.setattr(faker_provider.FakerField, "_check_work", lambda self, _: original(self, 0.004))
    pool = {"type": "faker", "provider": "pystr", "pool_size": 100}
    limits = Limits(max_build_seconds=1)
    assert Schema.from_dict({"fields": {"a": pool, "b": pool}}, limits=limits)  # 0.8 s of 1
    refused(
        {"fields": {"a": pool, "b": pool, "c": pool}},
        "field 'c': pool_size=100 of 'pystr' would take about 0.4 s to build (4.00 ms a value), over the "
        "limit; allowed: at most 0.2 s (max_build_seconds)",
        limits,
    )
