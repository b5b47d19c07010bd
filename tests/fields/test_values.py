"""What each field type's values look like: bounds, distributions, frequencies, formats."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import fastsynth
from fastsynth.schema import EXAMPLES

N = 200_000


def column(spec, rows=N, seed=11):
    return fastsynth.generate({"c": spec}, rows, seed=seed).column("c").combine_chunks()


def test_seed_schema_columns():
    table = fastsynth.generate(EXAMPLES["tabular"], N, seed=42)
    ids = table.column("id").to_numpy()
    assert ids.min() == 1000 and ids.max() == 9999
    ages = table.column("age").to_numpy()
    assert ages.min() == 18 and ages.max() == 90
    assert stats.chisquare(np.bincount(ages - 18)).pvalue > 1e-4
    income = table.column("income").to_numpy()
    assert income.min() == 0.0
    assert (income == 0).mean() == pytest.approx(stats.norm.cdf(0, 50000, 20000), abs=0.002)
    unclipped = income[income > 0]
    truncated = stats.truncnorm((0 - 50000) / 20000, np.inf, loc=50000, scale=20000)
    assert stats.kstest(unclipped, truncated.cdf).pvalue > 1e-4
    counts = table.column("status").combine_chunks().indices.to_numpy()
    assert stats.chisquare(np.bincount(counts), np.array([0.7, 0.2, 0.1]) * N).pvalue > 1e-4
    created = table.column("created_at")
    assert pc.min(created).as_py() >= dt.datetime(2020, 1, 1)
    assert pc.max(created).as_py() <= dt.datetime(2023, 12, 31, 23, 59, 59)
    assert pc.max(created).as_py() >= dt.datetime(2023, 12, 31)  # the end date's whole day is included


def test_int_distributions_through_the_schema():
    poisson = column({"type": "int", "distribution": "poisson", "lam": 4.0, "max": 8}).to_numpy()
    assert poisson.max() == 8 and abs(poisson[poisson < 8].mean() - 3.5) < 0.5
    geometric = column({"type": "int", "distribution": "geometric", "p": 0.5}).to_numpy()
    assert geometric.min() == 1 and abs(geometric.mean() - 2.0) < 0.05
    normal = column({"type": "int", "distribution": "normal", "mean": 100, "std": 5, "dtype": "int16"})
    assert normal.type == pa.int16() and abs(np.mean(normal.to_numpy()) - 100) < 0.1


def test_unique_ints_are_distinct_and_fill_the_range():
    values = column({"type": "int", "min": 1, "max": N, "unique": True}).to_numpy()
    np.testing.assert_array_equal(np.sort(values), np.arange(1, N + 1))


def test_unique_beyond_the_range_is_refused():
    with pytest.raises(fastsynth.SchemaError, match=r"field 'c': unique values run out.*only 9000"):
        column({"type": "int", "min": 1000, "max": 9999, "unique": True}, rows=9001)


def test_float_uniform_and_decimals():
    uniform = column({"type": "float", "min": -2, "max": 3}).to_numpy()
    assert uniform.min() >= -2 and uniform.max() < 3
    assert stats.kstest(uniform, stats.uniform(-2, 5).cdf).pvalue > 1e-4
    rounded = column({"type": "float", "mean": 0, "std": 1, "decimals": 1, "dtype": "float32"})
    assert rounded.type == pa.float32()
    values = rounded.to_numpy().astype(np.float64)
    np.testing.assert_allclose(values, np.round(values, 1), atol=1e-6)


def test_bool_probability():
    values = column({"type": "bool", "p": 0.8}).to_numpy(zero_copy_only=False)
    assert abs(values.mean() - 0.8) < 0.005


def test_category_without_probabilities_is_uniform_and_keeps_value_type():
    values = column({"type": "category", "categories": [10, 20, 30, 40]})
    assert values.type == pa.dictionary(pa.int8(), pa.int64())
    assert stats.chisquare(np.bincount(values.indices.to_numpy())).pvalue > 1e-4


def test_category_zero_probability_is_never_drawn():
    values = column({"type": "category", "categories": ["a", "b", "c"], "probabilities": [0.5, 0.5, 0.0]})
    assert set(values.dictionary_decode().to_pylist()) == {"a", "b"}


def test_large_category_uses_wider_indices():
    values = column({"type": "category", "categories": [f"c{i}" for i in range(300)]}, rows=1000)
    assert values.type.index_type == pa.int16()


def test_datetime_timezone_and_unit():
    values = column(
        {
            "type": "datetime",
            "start_date": "2024-03-01T00:00:00",
            "end_date": "2024-03-01T00:00:10",
            "unit": "ms",
            "timezone": "Europe/Paris",
        }
    )
    assert values.type == pa.timestamp("ms", tz="Europe/Paris")
    raw = values.cast(pa.int64()).to_numpy()
    start = int(dt.datetime(2024, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp() * 1000)
    assert raw.min() == start and raw.max() == start + 10_000


@pytest.mark.slow
def test_date_range_is_inclusive():
    values = column({"type": "date", "start_date": "2024-02-27", "end_date": "2024-03-01"})
    assert values.type == pa.date32()
    assert sorted(set(values.to_pylist())) == [dt.date(2024, 2, 27) + dt.timedelta(days=d) for d in range(4)]


def test_sequence_and_constant():
    assert column({"type": "sequence", "start": 5, "step": -2}, rows=4).to_pylist() == [5, 3, 1, -1]
    table = fastsynth.generate({"c": {"type": "sequence"}}, 3, start=10)
    assert table.column("c").to_pylist() == [11, 12, 13]
    assert column({"type": "constant", "value": 2.5}, rows=3).to_pylist() == [2.5, 2.5, 2.5]


def test_names_and_emails_look_real():
    names = column({"type": "name"}, rows=5000).to_pylist()
    assert all(re.fullmatch(r"[A-Z][A-Za-z'\-]+ [A-Z][A-Za-z'\-]+", n) for n in names)
    assert len(set(names)) > 4000
    emails = column({"type": "email"}, rows=5000).to_pylist()
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d{0,2}@(gmail|yahoo|hotmail)\.com", e) for e in emails)


def test_uuids_are_distinct():
    values = column({"type": "uuid"}, rows=N).to_pylist()
    assert len(set(values)) == N


CITIES = {
    "country": {"type": "category", "categories": ["US", "FR", "JP"], "probabilities": [0.5, 0.3, 0.2]},
    "city": {
        "type": "category",
        "depends_on": "country",
        "categories": {"US": ["NYC", "LA"], "FR": ["Paris", "Lyon", "Nice"], "JP": ["Tokyo"]},
        "probabilities": {"FR": [0.6, 0.3, 0.1]},
    },
}


@pytest.mark.slow
def test_conditional_categories_follow_their_parent():
    t = fastsynth.generate(CITIES, N, seed=4)
    pairs = list(zip(t.column("country").to_pylist(), t.column("city").to_pylist(), strict=True))
    allowed = CITIES["city"]["categories"]
    assert all(city in allowed[country] for country, city in pairs)
    paris = [city for country, city in pairs if country == "FR"]
    assert abs(paris.count("Paris") / len(paris) - 0.6) < 0.01
    assert fastsynth.generate(CITIES, 1000, seed=4, batch_size=77).equals(t.slice(0, 1000))


def test_conditional_categories_are_null_where_the_parent_is():
    spec = {**CITIES, "country": {**CITIES["country"], "null_rate": 0.3}}
    t = fastsynth.generate(spec, 10_000, seed=4)
    assert t.schema.field("city").nullable
    assert t.column("city").is_null().equals(t.column("country").is_null())


@pytest.mark.parametrize(
    ("city", "message"),
    [
        ({"categories": {"US": ["a"]}}, "categories has no list for country='FR'"),
        ({"categories": ["a"]}, "with depends_on='country', categories must map"),
        ({"categories": {"US": ["a"], "FR": ["b"], "JP": []}}, "categories['JP']: categories=[] is empty"),
        (
            {"categories": {"US": ["a"], "FR": ["b"], "JP": ["c"]}, "probabilities": {"US": [0.5, 0.5]}},
            "categories['US']: probabilities has 2 entries",
        ),
        ({"depends_on": "nope", "categories": {"a": ["b"]}}, "depends_on='nope' is not another category"),
    ],
)
def test_bad_conditional_categories(city, message):
    spec = {"country": CITIES["country"], "city": {"type": "category", "depends_on": "country", **city}}
    with pytest.raises(fastsynth.SchemaError, match=re.escape(message)):
        fastsynth.Schema.from_dict(spec)


def test_expressions_compute_from_the_row():
    spec = {
        "age": {"type": "int", "min": 18, "max": 90},
        "income": {"type": "float", "mean": 50000, "std": 20000, "min": 0, "null_rate": 0.1},
        "tax": {"type": "expr", "expr": "income * 0.3 + age"},
        "band": {
            "type": "expr",
            "expr": "CASE WHEN age > 60 THEN 'senior' ELSE 'adult' END",
            "dtype": "string",
        },
        "months": {"type": "expr", "expr": "age * 12", "dtype": "int32"},
    }
    t = fastsynth.generate(spec, 20_000, seed=3)
    for row in t.to_pylist():
        if row["income"] is None:
            assert row["tax"] is None
        else:
            assert row["tax"] == pytest.approx(row["income"] * 0.3 + row["age"])
        assert row["band"] == ("senior" if row["age"] > 60 else "adult")
        assert row["months"] == row["age"] * 12
    assert t.schema.field("tax").nullable and not t.schema.field("band").nullable
    assert t.schema.field("months").type == pa.int32()
    assert fastsynth.generate(spec, 1000, seed=3, batch_size=99).equals(t.slice(0, 1000))


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("age +", "is not a valid SQL expression"),
        ("nope * 2", "reads 'nope', which is not another column"),
        ("x + 1", "reads 'x', which is not another column"),
    ],
)
def test_bad_expressions(expr, message):
    with pytest.raises(fastsynth.SchemaError, match=re.escape(f"field 'x': expr={expr!r}")) as caught:
        fastsynth.Schema.from_dict(
            {"age": {"type": "int", "min": 1, "max": 2}, "x": {"type": "expr", "expr": expr}}
        )
    assert message in str(caught.value)


def test_expressions_give_the_same_bytes_in_batches_of_any_size():
    """polars (2.1) computed ``round(56862.18 / 12, 2)`` as 4738.52 in a column of one or two rows and
    4738.51 in longer ones: a short last batch differed (``configs/people.yaml``, 43 rows, batches of
    42)."""
    schema = {
        "income": {"type": "float", "min": 50_000, "max": 60_000, "decimals": 2},
        "monthly": {"type": "expr", "expr": "round(income / 12, 2)"},
    }
    whole = fastsynth.generate(schema, 400, seed=5)
    for size in (1, 2, 3, 5, 399):  # 399: a last batch of one row
        assert fastsynth.generate(schema, 400, seed=5, batch_size=size).equals(whole), size
    lone = fastsynth.generate({**schema, "income": {"type": "constant", "value": 56862.18}}, 1)
    assert lone["monthly"].to_pylist() == [4738.51]


@pytest.mark.parametrize("expr", ["sqrt(f)", "ln(f)", "0.0 / (f - f)", "CASE WHEN f > 0 THEN f END"])
def test_row_by_row_expressions_with_nan_or_null_are_kept(expr):
    """The halves check takes NaN for NaN and null for null: sqrt of a negative is NaN row by row."""
    schema = {"f": {"type": "float", "min": -10, "max": 10}, "v": {"type": "expr", "expr": expr}}
    whole, batched = (fastsynth.generate(schema, 500, seed=2, batch_size=size) for size in (500, 7))
    values = [np.asarray(t["v"].to_numpy(zero_copy_only=False), np.float64) for t in (whole, batched)]
    assert np.array_equal(*values, equal_nan=True) and np.isnan(values[0]).any()  # NaN, or null


@pytest.mark.parametrize("expr", ["sum(a)", "a - avg(a)", "count(a)", "row_number() OVER (ORDER BY a)"])
def test_expressions_over_several_rows_are_refused(expr):
    """Every batch would compute them over its own rows: values that change with the batch size."""
    schema = {"a": {"type": "int", "min": 0, "max": 100}, "s": {"type": "expr", "expr": expr}}
    with pytest.raises(fastsynth.SchemaError) as caught:
        fastsynth.generate(schema, 6, seed=1, batch_size=3)
    assert str(caught.value).startswith(f"field 's': expr={expr!r} combines rows (an aggregate or a window")


def test_expression_cycles_are_refused():
    with pytest.raises(fastsynth.SchemaError, match="cycle: a -> b -> a"):
        fastsynth.Schema.from_dict(
            {"a": {"type": "expr", "expr": "b + 1"}, "b": {"type": "expr", "expr": "a * 2"}}
        )


expression_tokens = st.sampled_from(
    ["age", "income", "+", "-", "*", "/", "(", ")", "1", "2.5", ">", "'a'", " ", "AND"]
)


@settings(max_examples=60)
@given(st.lists(expression_tokens, min_size=1, max_size=8).map(" ".join))
def test_random_expressions_compute_or_fail_clearly(expr):
    document = {
        "age": {"type": "int", "min": 18, "max": 90},
        "income": {"type": "float", "mean": 50000, "std": 20000},
        "x": {"type": "expr", "expr": expr},
    }
    try:
        table = fastsynth.generate(document, 50)
    except fastsynth.SchemaError as exc:
        assert str(exc).startswith("field 'x': expr=") and "\n" not in str(exc)
        return
    assert table.column("x").type == pa.float64()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "constant", "value": 2**63}, "value=9223372036854775808 is outside int64"),
        (
            {"type": "category", "categories": [1, 2**70]},
            "categories holds 1180591620717411303424, outside int64",
        ),
        (
            {"type": "category", "categories": [float("nan"), 1.0]},
            "categories holds nan, which equals nothing",
        ),
        ({"type": "time_sequence", "interval_seconds": 1e-12}, "interval_seconds=1e-12 is less than one s"),
        (
            {"type": "time_sequence", "interval_seconds": 1e-12, "arrivals": "poisson"},
            "interval_seconds=1e-12 is less than one s",
        ),
    ],
)
def test_values_numpy_or_arrow_cannot_hold_are_refused_by_name(spec, message):
    """They ended in an OverflowError, a KeyError or a ZeroDivisionError once rows were made."""
    with pytest.raises(fastsynth.SchemaError) as caught:
        fastsynth.generate(fastsynth.Schema.from_dict({"x": spec}), 2)
    assert str(caught.value).startswith("field 'x': ") and message in str(caught.value)
