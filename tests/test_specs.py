"""The spec translator: strict, finite, the same checks for specs from documents and from Python."""

from __future__ import annotations

import math
import sys

import pytest

import fastsynth
from fastsynth.errors import UsageError
from fastsynth.fields.series import SeriesField
from fastsynth.fields.series_options import Exponential, Linear, Season
from fastsynth.schema.events import EventTime, Late
from fastsynth.specs import Count, Invalid, argument, to_document

FLAT = {"type": "float", "mean": 10, "std": 1}


def _series(**options):
    return fastsynth.Schema.from_dict({"v": {"type": "series", "base": FLAT, **options}})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"level": math.nan}, "field 'v': level=nan is not a finite number"),
        ({"trend": {"strength": math.inf}}, "field 'v': trend: strength=inf is not a finite number"),
        ({"level": {"uniform": [math.nan, 1]}}, "field 'v': level: uniform[0]=nan is not a finite number"),
        ({"seasonality": {"period": 24, "profile": [0, math.inf]}}, "seasonality: profile[1]=inf is not a"),
        ({"noise": {"type": "ar", "coefficients": [math.nan]}}, "noise: coefficients[0]=nan is not a finite"),
        ({"noise": {"type": "ar", "coefficients": "0.5"}}, "coefficients='0.5' is not a list of numbers"),
        ({"anomalies": {"magnitude": -math.inf}}, "anomalies: magnitude=-inf is not a finite number"),
        (
            {"trend": {"type": ["linear"]}},
            "trend: type=['linear'] is not allowed; allowed: linear, piecewise",
        ),
        ({"trend": {"type": "logistic", "rate": 1}}, "trend: type 'logistic' needs key 'capacity'"),
        (
            {"seasonality": {"period": 10**400}},
            "seasonality: period=<an integer of about 400 digits> is not a number > 0",
        ),
        (
            {"regimes": {"mean_duration": 5, "states": [{}, {"colour": 1}]}},
            "field 'v': regimes: states[1]: unknown key 'colour'; allowed: level, name, noise_scale, weight",
        ),
    ],
)
def test_bad_series_options_are_refused_with_their_path(options, message):
    with pytest.raises(fastsynth.SchemaError) as caught:
        _series(**options)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_specs_built_in_python_are_checked_and_converted_like_documents():
    field = SeriesField(name="x", base=FLAT, trend={"type": "exponential", "rate": 0.001})
    assert field.trend == Exponential(rate=0.001)
    assert fastsynth.generate(fastsynth.Schema([field]), 10).num_rows == 10
    with pytest.raises(Invalid, match=r"rate=5.0 is not a number in \[0, 1\]"):
        Late(rate=5.0)
    with pytest.raises(Invalid, match=r"period=-1\.0 is not a number > 0"):
        Season(period=-1.0)
    with pytest.raises(Invalid, match="amplitude=nan is not a finite number"):
        Season(period=2.0, amplitude=math.nan)
    with pytest.raises(fastsynth.SchemaError, match="field 'x': trend: type='cubic' is not allowed"):
        SeriesField(name="x", base=FLAT, trend={"type": "cubic"})


def test_documents_keep_a_tagged_specs_tag_whatever_ran_before():
    assert to_document(Exponential(rate=0.1)) == {"type": "exponential", "rate": 0.1}
    assert to_document(Linear()) == {"type": "linear"}
    schema = _series(trend={"type": "exponential", "rate": 0.001}, noise={"scale": 2})
    assert fastsynth.Schema.from_dict(schema.to_dict()) == schema


def test_yaml_shapes_that_loaded_before_still_load(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "fields:\n"
        "  t: {type: time_sequence, interval_seconds: 3600}\n"
        "  x: {type: float, mean: 0, std: 1}\n"
        "correlations:\n"
        "event_time: {time_field: t, late: }\n"
        "drift:\n"
        "  - {type: shift, columns: [x], magnitude: 1, unit: absolute, start_time: 2024-01-02}\n"
    )
    schema = fastsynth.Schema.load(path)
    assert schema.correlations == () and schema.event_time is not None
    assert schema.event_time == EventTime(time_field="t")
    x = fastsynth.generate(schema, 48, seed=1).column("x").to_numpy()
    plain = (
        fastsynth.generate(
            {
                "t": {"type": "time_sequence", "interval_seconds": 3600},
                "x": {"type": "float", "mean": 0, "std": 1},
            },
            48,
            seed=1,
        )
        .column("x")
        .to_numpy()
    )
    assert (x[:24] == plain[:24]).all() and (x[24:] == plain[24:] + 1).all()
    assert (
        fastsynth.Schema.from_dict({"fields": {"x": {"type": "float"}}, "correlations": {}}).correlations
        == ()
    )


def test_a_missing_kafka_client_names_the_extra(monkeypatch):
    import pyarrow as pa

    from fastsynth.errors import MissingDependencyError
    from fastsynth.sinks.kafka import KafkaSink

    monkeypatch.setitem(sys.modules, "confluent_kafka", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'fastsynth\[kafka\]'"):
        KafkaSink(pa.schema([("x", pa.int64())]), topic="t")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"fields": {"x": {"type": "sequence", "start": 2**63}}},
            "start=9223372036854775808 is not an integer",
        ),
        ({"fields": {"x": {"type": "float", "mean": 10**5000}}}, "mean=<an integer of about 5000 digits>"),
        ({"fields": {"x": {"type": "int", "min": 0, "max": 9}}, "entities": 10**30}, "count="),
        (
            {"fields": {"x": {"type": "int", "min": 0, "max": 9}}, "entities": {"count": 2, "steps": 2**63}},
            "steps=",
        ),
        (
            {"fields": {"t": {"type": "time_sequence", "interval_seconds": 1e308}}},
            "interval_seconds=1e+308 is more",
        ),
        (
            {
                "fields": {"x": {"type": "int", "min": 0, "max": 9}},
                "drift": [{"type": "shift", "columns": ["x"], "magnitude": 1, "start_row": 10**400}],
            },
            "start_row=<an integer",
        ),
        (
            {
                "fields": {
                    "v": {
                        "type": "series",
                        "base": FLAT,
                        "noise": {"type": "ar", "coefficients": [1e308, 0.1]},
                    }
                }
            },
            "make the AR process explode",
        ),
    ],
)
def test_numbers_too_large_are_refused_not_crashed_on(document, message):
    with pytest.raises(fastsynth.SchemaError) as caught:
        fastsynth.Schema.from_dict(document)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        (
            {"type": "shift", "columns": ["n"], "magnitude": 10**400},
            "magnitude=<an integer of about 400 digits>",
        ),
        (
            {"type": "shift", "columns": ["n"], "magnitude": 1, "blocks": {"column": "n", "values": ["x"]}},
            "are not values of column 'n' (int64)",
        ),
        (
            {
                "type": "shift",
                "columns": ["n"],
                "magnitude": 1,
                "blocks": {"column": "n", "first": [1], "last": 2},
            },
            "are not values of column 'n'",
        ),
        (
            {"type": "new_category", "columns": ["c"], "value": True, "rate": 0.1},
            "value=True is not a category name",
        ),
        (
            {"type": "merge", "columns": ["c"], "categories": ["a"], "into": 1.5},
            "and 'into', the category they become (text)",
        ),
    ],
)
def test_drift_values_that_cannot_apply_are_refused(drift, message):
    import pyarrow as pa

    table = pa.table({"n": list(range(10)), "c": ["a", "b"] * 5})
    with pytest.raises(fastsynth.UsageError) as caught:
        fastsynth.inject_drift(table, [drift])
    assert message in str(caught.value)


def test_a_schema_built_in_python_takes_its_settings_as_documents():
    field = fastsynth.FIELDS.get("int")(name="x", min=0, max=9)
    schema = fastsynth.Schema(
        [field], entities={"count": 3}, drift=[{"type": "shift", "columns": ["x"], "magnitude": 1}]
    )
    assert schema.entities is not None and schema.entities.count == 3 and schema.drift is not None
    assert schema == fastsynth.Schema.from_dict(schema.to_dict())
    with pytest.raises(fastsynth.SchemaError, match="schema: name=5 is not a string"):
        fastsynth.Schema([field], name=5)


def test_a_run_keeps_its_latest_values_only():
    from fastsynth.fields.base import RunContext

    run = RunContext(size=4)
    for seed in range(10):
        with run.hold(("carry", seed), lambda seed=seed: [seed]) as value:
            value.append(0)
    with run.hold(("carry", 9), list) as kept, run.hold(("carry", 0), list) as remade:
        assert kept == [9, 0] and remade == []  # the oldest went; the latest stayed
    assert len(run._values) == 4


def test_an_integer_past_64_bits_is_told_so_with_its_bounds():
    """rows=2**63 was 'not an integer >= 0', which it is: what it misses is the 64 bits."""
    for value in (2**63, -(2**70)):
        with pytest.raises(UsageError) as caught:
            argument("rows", value, Count)
        assert str(caught.value) == f"rows={value} is not an integer >= 0 that fits in 64 bits"
    with pytest.raises(UsageError, match=r"^rows=-1 is not an integer >= 0$"):
        argument("rows", -1, Count)
