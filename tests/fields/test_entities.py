"""Many series in one dataset: entities, per-entity parameters, random walks, regimes, arrivals."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.entities import Entities

FLAT = {"type": "float", "mean": 0, "std": 0}


def _schema(entities, **fields):
    return fastsynth.Schema.from_dict({"entities": entities, "fields": fields})


@pytest.mark.parametrize(
    ("entities", "start", "size", "chunk"),
    [
        (Entities(1), 0, 10_000, 4096),
        (Entities(7), 5, 1000, 16),
        (Entities(7), 3, 5, 16),
        (Entities(3, order="entity", steps=50), 20, 200, 8),
        (Entities(1000, steps=9), 4321, 2000, 4),
    ],
)
def test_segments_cover_every_row_once_with_its_entity_and_step(entities, start, size, chunk):
    steps, owners = entities.locate(start, size)
    seen = np.zeros(size, int)
    segments = entities.segments(start, size, chunk)
    for e, step, count, offset in zip(*segments[:4], strict=True):
        rows = offset + np.arange(count) * segments.stride
        seen[rows] += 1
        assert (owners[rows] == e).all() and (steps[rows] == step + np.arange(count)).all()
        assert step // chunk == (step + count - 1) // chunk  # within one absolute block
    assert (seen == 1).all()


def test_time_order_interleaves_entities_with_their_own_ids_and_clock():
    schema = _schema(
        {"count": 3, "id_field": "sensor"},
        t={"type": "time_sequence", "interval_seconds": 300},
        v={"type": "series", "base": FLAT, "level": {"choice": [1, 2, 3]}},
    )
    assert schema.names == ["t", "sensor", "v"]
    table = fastsynth.generate(schema, 9)
    assert table.column("sensor").to_pylist() == [0, 1, 2] * 3
    times = table.column("t").to_pylist()
    assert times[:3] == [dt.datetime(2024, 1, 1)] * 3
    assert times[3] - times[0] == dt.timedelta(minutes=5)
    levels = table.column("v").to_numpy().reshape(3, 3)
    assert (levels == levels[0]).all() and set(levels[0]) <= {1.0, 2.0, 3.0}


def test_entity_order_gives_each_entity_the_same_series_as_time_order():
    fields = {
        "v": {
            "type": "series",
            "base": FLAT,
            "level": {"normal": [50, 10]},
            "trend": {"strength": {"uniform": [-0.1, 0.1]}},
            "seasonality": {"period": 24, "amplitude": {"uniform": [0.1, 0.3]}, "phase": {"uniform": [0, 1]}},
            "noise": {"type": "random_walk", "scale": 0.5},
            "regimes": {"mean_duration": 30, "states": [{"level": 0}, {"level": 9}]},
            "anomalies": {"rate": 0.01, "magnitude": 4, "duration": 5},
        },
        "p": {"type": "time_sequence", "arrivals": "poisson", "interval_seconds": 2},
    }
    by_time = fastsynth.generate(_schema({"count": 40, "steps": 500}, **fields), 20_000)
    by_entity = fastsynth.generate(_schema({"count": 40, "steps": 500, "order": "entity"}, **fields), 20_000)
    for column in ("v", "p"):
        a = np.asarray(by_time.column(column)).astype(np.float64).reshape(500, 40).T
        b = np.asarray(by_entity.column(column)).astype(np.float64).reshape(40, 500)
        np.testing.assert_array_equal(a, b)
    values = np.asarray(by_entity.column("v")).reshape(40, 500)
    slopes = [np.polyfit(np.arange(500), row, 1)[0] for row in values]
    assert np.std(slopes) > 0.01  # each entity has its own trend


def test_entities_chunking_start_and_threads_do_not_change_rows(threads):
    schema = _schema(
        {"count": 13, "id_field": "id"},
        t={"type": "time_sequence", "arrivals": "poisson", "interval_seconds": 60},
        v={
            "type": "series",
            "base": {"type": "float", "mean": 0, "std": 1},
            "noise": {"type": "ar", "coefficients": [0.7, 0.2]},
            "regimes": {"mean_duration": 40, "states": [{"name": "a"}, {"name": "b", "noise_scale": 3}]},
        },
        w={"type": "series", "base": FLAT, "noise": {"type": "random_walk"}},
        r={"type": "regime", "series": "v"},
    )
    whole = fastsynth.generate(schema, 30_000, seed=4)
    assert fastsynth.generate(schema, 30_000, seed=4, batch_size=1111).equals(whole)
    assert fastsynth.generate(schema, 700, seed=4, start=20_001).equals(whole.slice(20_001, 700))
    threads(1)
    assert fastsynth.generate(schema, 30_000, seed=4).equals(whole)


def test_random_walk_steps_and_spread():
    walk = fastsynth.generate(
        {"v": {"type": "series", "base": FLAT, "noise": {"type": "random_walk", "scale": 2}}}, 200_000
    )
    values = walk.column("v").to_numpy()
    steps = np.diff(values)
    assert values[0] == 0.0
    assert steps.std() == pytest.approx(2, rel=0.01)
    assert abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 0.01
    many = fastsynth.generate(
        _schema(
            {"count": 2000, "steps": 401, "order": "entity"},
            v={"type": "series", "base": FLAT, "noise": {"type": "random_walk"}},
        ),
        2000 * 401,
    )
    paths = many.column("v").to_numpy().reshape(2000, 401)
    assert paths[:, 400].var() == pytest.approx(400, rel=0.08)  # variance grows with the step
    assert paths[:, 100].var() == pytest.approx(100, rel=0.08)


def test_poisson_arrivals_have_exponential_gaps_per_entity():
    schema = _schema(
        50, t={"type": "time_sequence", "arrivals": "poisson", "interval_seconds": 10, "unit": "ms"}
    )
    times = fastsynth.generate(schema, 200_000).column("t").cast(pa.int64()).to_numpy().reshape(-1, 50).T
    origin = 1_704_067_200_000
    gaps = np.diff(times, axis=1, prepend=origin) / 1000
    assert (gaps >= 0).all()
    assert gaps.mean() == pytest.approx(10, rel=0.01)
    assert gaps.std() == pytest.approx(10, rel=0.02)  # exponential: std equals mean
    assert np.quantile(gaps, 0.5) == pytest.approx(10 * np.log(2), rel=0.03)


def test_regimes_switch_by_weight_and_shift_the_level():
    spec = {
        "v": {
            "type": "series",
            "base": FLAT,
            "regimes": {
                "mean_duration": 50,
                "states": [{"name": "calm", "weight": 1}, {"name": "storm", "weight": 3, "level": 10}],
            },
        },
        "r": {"type": "regime", "series": "v"},
    }
    table = fastsynth.generate(spec, 400_000, seed=2)
    names = table.column("r").to_numpy(zero_copy_only=False)
    values = table.column("v").to_numpy()
    assert (names == "storm").mean() == pytest.approx(0.75, abs=0.02)
    np.testing.assert_array_equal(values, np.where(names == "storm", 10.0, 0.0))
    switches = (names[1:] != names[:-1]).mean()
    assert switches == pytest.approx(2 * 0.25 * 0.75 / 50, rel=0.1)  # a switch changes state 3/8 of the time


def test_level_shifts_last_their_duration_and_are_labelled():
    spec = {
        "v": {
            "type": "series",
            "base": FLAT,
            "anomalies": {"rate": 0.002, "magnitude": 7, "kind": "dip", "duration": 25},
        },
        "flag": {"type": "anomaly_label", "series": "v"},
    }
    table = fastsynth.generate(spec, 200_000, seed=9)
    values = table.column("v").to_numpy()
    flags = table.column("flag").to_numpy(zero_copy_only=False)
    np.testing.assert_array_equal(values, np.where(flags, -7.0, 0.0))
    runs = [len(list(group)) for flag, group in itertools.groupby(flags) if flag]
    assert min(runs) >= 25 and len(runs) > 200
    assert flags.mean() == pytest.approx(1 - (1 - 0.002) ** 25, rel=0.1)


def test_entity_names_and_start_now():
    schema = _schema(
        {"count": 120, "id_field": "device"},
        device={"type": "entity_id", "prefix": "sensor-"},
        t={"type": "time_sequence", "start": "now", "interval_seconds": 1},
    )
    table = fastsynth.generate(schema, 240)
    assert table.column("device").type == pa.dictionary(pa.int32(), pa.string())
    assert table.column("device").to_pylist()[:2] == ["sensor-000", "sensor-001"]
    assert table.column("device").to_pylist()[119] == "sensor-119"
    first = table.column("t")[0].as_py().replace(tzinfo=dt.UTC)
    assert abs(dt.datetime.now(dt.UTC) - first) < dt.timedelta(seconds=60)
    anchored = schema.starting_at(dt.datetime(2030, 5, 1, tzinfo=dt.UTC))
    assert fastsynth.generate(anchored, 1).column("t")[0].as_py() == dt.datetime(2030, 5, 1)


def test_seed_time_series_form_takes_entities():
    schema = fastsynth.Schema.from_dict({**fastsynth.schema.EXAMPLES["timeseries"], "entities": 5})
    assert schema.names[:2] == ["timestamp", "series_id"]
    assert fastsynth.generate(schema, 10).column("series_id").to_pylist() == list(range(5)) * 2
    assert fastsynth.generate(fastsynth.Schema.from_dict(schema.to_dict()), 50).equals(
        fastsynth.generate(schema, 50)
    )


def test_entity_rows_run_out_with_a_clear_error():
    schema = _schema({"count": 4, "steps": 10}, v={"type": "series", "base": FLAT})
    assert fastsynth.generate(schema, 40).num_rows == 40
    with pytest.raises(fastsynth.UsageError, match=r"only 40 \(4 entities x 10 steps\)"):
        fastsynth.generate(schema, 41)


@pytest.mark.parametrize(
    ("entities", "fields", "message"),
    [
        (0, {}, "schema: entities: count=0 is not an integer in [1, 100000000]"),
        (
            {"count": 2, "steps": 1.5},
            {},
            "schema: entities: steps=1.5 is not an integer in [1, 1099511627776]",
        ),
        ({"steps": 4}, {}, "schema: entities: needs key 'count'"),
        ("many", {}, "schema: entities='many' is not a count or an object with count"),
        ({"count": 3, "order": "entity"}, {}, "order='entity' needs steps"),
        (
            {"count": 3, "sort": "time"},
            {},
            "entities: unknown key 'sort'; allowed: count, id_field, order, steps",
        ),
        ({"count": 3, "order": "random"}, {}, "order='random' is not allowed; allowed: time, entity"),
        (
            2,
            {"v": {"type": "series", "base": FLAT, "level": {"beta": [1, 2]}}},
            "field 'v': level: unknown key 'beta'; allowed: choice, normal, uniform",
        ),
        (2, {"v": {"type": "series", "base": FLAT, "level": {"uniform": [5, 1]}}}, "is not a pair"),
        (
            2,
            {"v": {"type": "series", "base": FLAT, "noise": {"scale": {"normal": [1, 1]}}}},
            "noise scale={'normal': [1.0, 1.0]} may be <= 0; allowed: a positive number, or uniform",
        ),
        (
            2,
            {"v": {"type": "series", "base": FLAT, "regimes": {"mean_duration": 0, "states": []}}},
            "mean_duration=0",
        ),
        (
            2,
            {"v": {"type": "series", "base": FLAT, "regimes": {"mean_duration": 0.001, "states": [{}, {}]}}},
            "field 'v': regimes: mean_duration=0.001 is not a number >= 1",
        ),
        (
            2,
            {"v": {"type": "series", "base": FLAT, "regimes": {"mean_duration": 5, "states": [{}]}}},
            "2 to 100 objects",
        ),
        (
            2,
            {"v": {"type": "series", "base": FLAT, "anomalies": {"duration": 0}}},
            "field 'v': anomalies: duration=0 is not an integer in [1, 4096]",
        ),
        (2, {"r": {"type": "regime", "series": "r2"}}, "series='r2' is not a series column with regimes"),
        (
            2,
            {"t": {"type": "time_sequence", "arrivals": "poisson", "jitter_seconds": 1}},
            "Poisson arrivals are already random",
        ),
    ],
)
def test_bad_entity_specs_name_the_problem(entities, fields, message):
    fields = fields or {"v": {"type": "series", "base": FLAT}}
    with pytest.raises(fastsynth.SchemaError) as caught:
        _schema(entities, **fields)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_ar_resumes_across_batches_exactly_and_schemas_pickle():
    import pickle

    schema = _schema(
        {"count": 500, "id_field": "id"},
        v={"type": "series", "base": FLAT, "noise": {"type": "ar", "coefficients": [0.95, -0.1]}},
    )
    fresh = fastsynth.generate(pickle.loads(pickle.dumps(schema)), 300_000, seed=3)  # one batch per call
    resumed = fastsynth.generate(schema, 300_000, seed=3, batch_size=7_919)  # each batch resumes the last
    assert resumed.equals(fresh)
    again = pickle.loads(pickle.dumps(schema))
    assert fastsynth.generate(again, 1000, seed=3, start=150_000).equals(fresh.slice(150_000, 1000))
