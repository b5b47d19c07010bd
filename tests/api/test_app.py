"""The REST API through Litestar's test client: every endpoint, its refusals, and live changes."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

import fastsynth
from fastsynth.schema import EXAMPLES
from tests.api.in_process import api_client, wait_for

SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name"},
    "score": {"type": "float", "mean": 10, "std": 2},
    "status": {"type": "category", "categories": ["a", "b", "c"], "probabilities": [0.5, 0.3, 0.2]},
}


@pytest.fixture
def client(tmp_path):
    with api_client(tmp_path, {"FASTSYNTH_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}) as test_client:
        yield test_client


def jsonl_rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- generators ----------------------------------------------------------------------------------------


def test_generators_are_added_listed_shown_and_removed(client):
    made = client.post("/generators", json={"name": "users", "example": "tabular", "seed": 7})
    assert made.status_code == 201
    assert made.json()["columns"] == list(EXAMPLES["tabular"]) and made.json()["seed"] == 7
    assert client.post("/generators", json={"name": "points", "schema": SCHEMA}).status_code == 201
    assert [g["name"] for g in client.get("/generators").json()] == ["users", "points"]
    assert client.get("/generators/points").json()["schema"] == SCHEMA
    assert client.delete("/generators/points").status_code == 204
    missing = client.get("/generators/points")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "generator 'points' does not exist (users)",
        "field": None,
    }


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "users", "example": "tabular"}, 409, "generator 'users' already exists; delete it first"),
        (
            {"name": "a", "schema": {"x": {"type": "int", "min": 5, "max": 1}}},
            400,
            "field 'x': min=5 is greater than max=1",
        ),
        ({"name": "a", "schema": {"x": {"type": "nope"}}}, 400, "field 'x'"),
        ({"name": "a", "example": "nope"}, 400, "example='nope'; allowed: tabular, timeseries"),
        (
            {"name": "a", "example": "tabular", "schema": {"x": {"type": "int"}}},
            400,
            "give one of schema, example or model, not schema and example",
        ),
        ({"name": "a b", "example": "tabular"}, 400, "generator name='a b' is not allowed"),
        ({"name": "\u212a", "example": "tabular"}, 400, "is not allowed; use 1 to 100 ASCII letters"),
        (
            {"name": "a", "schema": {"f": {"type": "faker", "provider": "csv"}}},
            400,
            "field 'f': provider='csv' makes a document of as many values as its arguments ask",
        ),
        ({"name": "a", "schema": 5}, 400, "body: schema=5 is not an object"),
        (
            {"name": "a", "example": "tabular", "colour": 1},
            400,
            "body: unknown key 'colour'; allowed: example, model, name, schema, seed",
        ),
    ],
)
@pytest.mark.slow
def test_bad_generators_are_refused_with_the_field_and_what_is_allowed(client, body, status, message):
    client.post("/generators", json={"name": "users", "example": "tabular"})
    response = client.post("/generators", json=body)
    assert response.status_code == status
    assert message in response.json()["detail"]


# -- /generate -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_generate_gives_the_librarys_rows_in_every_format(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 3})
    expected = fastsynth.generate(SCHEMA, 150_000, seed=3)
    body = {"generator": "points", "rows": 150_000}
    as_json = client.post("/generate", json=body)
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json() == expected.to_pylist()
    lines = client.post("/generate", json={**body, "format": "jsonl"}).text.splitlines()
    assert [json.loads(line) for line in lines] == expected.to_pylist()
    parquet = pq.read_table(io.BytesIO(client.post("/generate", json={**body, "format": "parquet"}).content))
    assert parquet.equals(expected)
    arrow = ipc.open_stream(client.post("/generate", json={**body, "format": "arrow"}).content).read_all()
    assert arrow.equals(expected)
    csv = client.post("/generate", json={**body, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert (
        pacsv.read_csv(io.BytesIO(csv.content)).column("name").to_pylist()
        == expected.column("name").to_pylist()
    )


def test_generate_takes_an_inline_schema_a_start_and_the_settings_batch_size(client):
    window = client.post("/generate", json={"schema": SCHEMA, "rows": 40, "start": 1000, "seed": 9}).json()
    assert window == fastsynth.generate(SCHEMA, 40, seed=9, start=1000).to_pylist()
    assert len(client.post("/generate", json={"schema": SCHEMA}).json()) == 1000  # batch_size setting
    empty = client.post("/generate", json={"schema": SCHEMA, "rows": 0, "format": "parquet"})
    assert pq.read_table(io.BytesIO(empty.content)).num_rows == 0


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"generator": "nope"}, 404, "generator 'nope' does not exist"),
        ({"schema": SCHEMA, "format": "xml"}, 400, "format='xml'; allowed: json, jsonl, csv, parquet, arrow"),
        (
            {"schema": SCHEMA, "rows": 2_000_000},
            400,
            "rows=2,000,000 is more than this server makes per request",
        ),
        ({"schema": SCHEMA, "rows": -1}, 400, "rows=-1 is not an integer >= 0"),
        ({"schema": SCHEMA, "rows": "ten"}, 400, "body: rows='ten' is not an integer"),
        (
            {"schema": SCHEMA, "rows": 10, "start": 2**63 - 5},
            400,
            "start=9,223,372,036,854,775,803 with rows=10 ends at 9,223,372,036,854,775,813, past "
            "2**63 - 1 (row indexes and their end are 64-bit integers); allowed: start + rows at most "
            "2**63 - 1, here start at most 9,223,372,036,854,775,797",
        ),
        ({}, 400, "give either generator (a name) or schema (an object)"),
    ],
)
def test_bad_generate_requests_are_refused(client, body, status, message):
    response = client.post("/generate", json=body)
    assert response.status_code == status
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "detail"),
    [
        (
            "POST",
            "/generate",
            '{"generator": "g", "rows": 1e309}',
            "rows",
            "body: rows=1e309 is not an integer >= 0",
        ),
        (
            "POST",
            "/generate",
            '{"rows": -1e400, "generator": "g"}',
            "rows",
            "body: rows=-1e400 is not an integer >= 0",
        ),
        (
            "POST",
            "/generate",
            '{"generator": "g", "start": 1e309}',
            "start",
            "body: start=1e309 is not an integer >= 0",
        ),
        ("POST", "/start", '{"rows": 1e309}', "rows", "body: rows=1e309 is not an integer >= 0"),
        ("POST", "/start", '{"rate": 1e309}', "rate", "body: rate=1e309 is not a finite number"),
        (
            "PATCH",
            "/streams/g",
            '{"batch_size": 1e309}',
            "batch_size",
            "body: batch_size=1e309 is not an integer >= 1",
        ),
        (
            "POST",
            "/config",
            '{"batch_size": 1e309}',
            "batch_size",
            "config batch_size=1e309 is not an integer",
        ),
        (
            "POST",
            "/generate",
            '{"schema": {"x": {"type": "float", "mean": 1e309}}, "rows": 1e309}',
            "schema.x.mean",
            "body: schema.x.mean=1e309 is past the range of a number; allowed: numbers from -1.798e+308 to "
            "1.798e+308 (64-bit floating point)",
        ),
        (
            "POST",
            "/streamers",
            '{"name": "s", "type": "file", "path": "d/", "options": {"max_seconds": 2e999}}',
            "options.max_seconds",
            "body: options.max_seconds=2e999 is past the range of a number",
        ),
    ],
)
def test_numbers_past_a_floats_range_are_refused_by_their_field(client, method, path, body, field, detail):
    """msgspec reads 1e309 as out of range and said so without naming the field (``Number out of range -
    at `$[...]```): the field's own check names it now, with what is allowed."""
    client.post("/generators", json={"name": "g", "schema": SCHEMA})
    refused = client.request(method, path, content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"].startswith(detail) and refused.json()["field"] == field
    assert client.get("/streamers").json() == [] and client.get("/status").json()["streams"] == {}


def test_malformed_json_and_unknown_routes_get_a_json_error(client):
    malformed = client.post("/generate", content=b"{bad", headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and "JSON is malformed" in malformed.json()["detail"]
    unknown = client.get("/nope")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Not Found: GET /nope"
    assert client.put("/status").status_code == 405


# -- streamers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"name": "f", "type": "file", "path": "../out.csv"},
            "path='../out.csv' leads outside the server's output",
        ),
        ({"name": "f", "type": "file", "path": "/etc/out.csv"}, "leads outside the server's output folder"),
        ({"name": "f", "type": "file"}, "streamer 'f': a file streamer needs a path"),
        ({"name": "f", "type": "file", "path": "x.txt"}, "cannot infer a format from extension '.txt'"),
        ({"name": "f", "type": "file", "path": "x.csv", "options": {"colour": 1}}, "unknown option 'colour'"),
        ({"name": "k", "type": "kafka", "options": {}}, "streamer 'k': a kafka streamer needs options.topic"),
        ({"name": "c", "type": "console", "format": "parquet"}, "format='parquet' for the console; allowed"),
        ({"name": "c", "type": "pigeon"}, "type='pigeon'; allowed: console, file, kafka"),
        (
            {"name": "g", "type": "file", "path": "a.parquet", "options": {"compression": 5}},
            "compression=5; allowed",
        ),
        (
            {"name": "z", "type": "file", "path": "d/", "options": {"max_rows": "lots"}},
            "max_rows='lots' is not",
        ),
        (
            {"name": "k", "type": "kafka", "options": {"topic": 5}},
            "streamer 'k': topic=5 is not a Kafka topic name",
        ),
        (
            {"name": "d", "type": "file", "path": "x.csv", "options": {"delimiter": "\u00e9"}},
            "delimiter='\u00e9' is not allowed; allowed: one ASCII character",
        ),
        (
            {"name": "n", "type": "file", "path": "x" * 237 + ".csv"},  # 241 bytes, and a temporary's 15
            "has a file or folder name over 240 bytes",
        ),
        (
            {"name": "n", "type": "file", "path": "{generator}" + "x" * 152 + ".csv"},
            "has a file or folder name over 240 bytes (in UTF-8, with {generator} as a name of 100",
        ),
        ({"name": "n", "type": "file", "path": "x/" * 2100 + "a.csv"}, "makes a path over 4080 bytes"),
    ],
)
def test_bad_streamers_are_refused(client, body, message):
    response = client.post("/streamers", json=body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert list(client.root.iterdir()) == []  # checking the options wrote nothing


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"compression": "bogus"},
            "compression",
            "streamer 'r': format 'parquet': compression='bogus'; allowed: none, snappy, gzip",
        ),
        (
            {"file_format": "parquet", "compression": "zstd", "compression_level": 99},
            "compression_level",
            "format 'parquet': compression_level=99 is not an integer in [-7, 22] (for zstd)",
        ),
        (
            {"file_format": "csv", "delimiter": ";;"},
            "delimiter",
            "streamer 'r': format 'csv': delimiter=';;' is not allowed; allowed: one ASCII character",
        ),
        (
            {"file_format": "arrow", "compression": "gzip", "max_rows": 10},
            "compression",
            "streamer 'r': format 'arrow': compression='gzip'; allowed: none, lz4, zstd",
        ),
    ],
)
def test_a_rolling_streamers_file_options_are_checked_when_it_is_added(client, options, field, message):
    """Rolling files open their first file at the first batch: the options of their files were found
    bad only then, as a stream's error, after the streamer had been added."""
    body = {"name": "r", "type": "file", "path": "rolled/", "options": options}
    refused = client.post("/streamers", json=body)
    assert refused.status_code == 400, refused.text
    assert message in refused.json()["detail"] and refused.json()["field"] == field
    assert client.get("/streamers").json() == [] and list(client.root.iterdir()) == []
    good = {**options, field: {"compression_level": 3, "delimiter": ";"}.get(field, "zstd")}
    assert client.post("/streamers", json={**body, "options": good}).status_code == 201


# -- streaming -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_start_streams_every_generator_into_every_streamer_and_stop_reports_rows(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 4})
    client.post("/generators", json={"name": "users", "example": "tabular"})
    client.post("/streamers", json={"name": "lines", "type": "file", "path": "out/{generator}.jsonl"})
    client.post("/streamers", json={"name": "table", "type": "file", "path": "out/{generator}.parquet"})
    started = client.post("/start", json={"rate": 50_000, "rows": 3000})
    assert started.status_code == 200 and started.json()["started"] == ["points", "users"]
    wait_for(lambda: all(not s["running"] for s in client.get("/status").json()["streams"].values()))
    assert client.post("/stop").json() == {"stopped": {"points": 3000, "users": 3000}}
    expected = fastsynth.generate(SCHEMA, 3000, seed=4)
    assert jsonl_rows(client.root / "out" / "points.jsonl") == expected.to_pylist()
    assert pq.read_table(client.root / "out" / "points.parquet").equals(expected)
    assert pq.read_table(client.root / "out" / "users.parquet").num_rows == 3000


def test_a_stream_and_generate_pick_the_seed_the_same_way(client):
    # The request's seed, else the generator's, else the schema's own, else the settings': one rule for
    # both (a stream of a schema with its own seed used to take the settings' seed instead).
    seeded = {"seed": 11, "fields": SCHEMA}
    client.post("/generators", json={"name": "own", "schema": seeded})
    client.post("/streamers", json={"name": "lines", "type": "file", "path": "s/{generator}.parquet"})
    client.post("/start", json={"rate": 50_000, "rows": 500})
    wait_for(lambda: not client.get("/status").json()["streams"]["own"]["running"])
    client.post("/stop")
    expected = fastsynth.generate(seeded, 500)
    assert pq.read_table(client.root / "s" / "own.parquet").equals(expected)
    made = client.post("/generate", json={"generator": "own", "rows": 500, "format": "parquet"})
    assert pq.read_table(pa.BufferReader(made.content)).equals(expected)


def test_start_refuses_what_cannot_run(client):
    refused = client.post("/start", json={}).json()
    assert refused["detail"] == "there is no generator to start; add one with POST /generators"
    client.post("/generators", json={"name": "a", "schema": SCHEMA})
    client.post("/generators", json={"name": "b", "schema": SCHEMA})
    assert "no streamer to write to" in client.post("/start", json={}).json()["detail"]
    client.post("/streamers", json={"name": "one", "type": "file", "path": "one.csv"})
    shared = client.post("/start", json={})
    assert shared.status_code == 409 and "put {generator} in its path" in shared.json()["detail"]
    assert client.post("/start", json={"generators": ["a"], "rate": 100}).status_code == 200
    again = client.post("/start", json={"generators": ["a"]})
    assert (
        again.status_code == 409
        and again.json()["detail"] == "generator 'a' is already streaming; stop it first"
    )
    client.post("/streamers", json={"name": "own", "type": "file", "path": "{generator}.csv"})
    bad_rate = client.post("/start", json={"generators": ["b"], "streamers": ["own"], "rate": -5})
    assert bad_rate.status_code == 400 and "rate" in bad_rate.json()["detail"]
    assert not (client.root / "b.csv").exists()  # the sink opened for it was aborted
    assert client.post("/stop", json={"generators": ["b"]}).status_code == 409
    own = {"generators": ["b"], "streamers": ["own"]}
    for body, message in (
        ({**own, "rows": -5}, "body: rows=-5 is not an integer >= 0"),
        (
            {**own, "drift": {"colour": 1}},
            "drift: unknown key 'colour'; allowed: enabled, interval, magnitude",
        ),
        (
            {**own, "drift": {"interval": "often"}},
            "config drift_interval='often' is not a number",
        ),
    ):
        assert client.post("/start", json=body).json()["detail"] == message
    assert client.post("/stop", json={"generators": ["a"]}).status_code == 200


@pytest.mark.slow
def test_streamers_added_and_removed_while_streaming_attach_and_detach(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 2})
    client.post("/streamers", json={"name": "first", "type": "file", "path": "first.jsonl"})
    client.post("/start", json={"rate": 2000})
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["rows"] >= 500)
    assert (
        client.post("/streamers", json={"name": "second", "type": "file", "path": "second.jsonl"}).status_code
        == 201
    )
    assert client.get("/status").json()["streams"]["points"]["streamers"] == ["first", "second"]
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["rows"] >= 1500)
    assert client.delete("/streamers/first").status_code == 204
    assert (client.root / "first.jsonl").exists()  # closed and published when detached
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["rows"] >= 2500)
    rows = client.post("/stop").json()["stopped"]["points"]
    first, second = jsonl_rows(client.root / "first.jsonl"), jsonl_rows(client.root / "second.jsonl")
    ids_first, ids_second = [r["id"] for r in first], [r["id"] for r in second]
    # Each file holds a run of consecutive rows; together they cover every row, overlapping in the middle.
    assert ids_first == list(range(1, len(first) + 1))  # a sequence counts from 1
    assert ids_second == list(range(ids_second[0], rows + 1))
    assert 1 < ids_second[0] <= len(first) < rows


@pytest.mark.slow
def test_config_changes_reach_running_streams(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.jsonl"})
    client.post("/start", json={})  # follows the settings: 1000 rows every 1.0 s
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["target_rows_per_second"] == 1000)
    changed = client.post("/config", json={"data_generation": {"batch_size": 500, "frequency": 0.1}})
    assert changed.status_code == 200 and changed.json()["sources"]["batch_size"] == "API"
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["target_rows_per_second"] == 5000)
    client.post("/config", json={"drift_enabled": True, "drift_interval": 0.2, "drift_magnitude": 0.5})
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["drift_events"] >= 2)
    assert client.get("/config").json()["settings"]["drift"] == {
        "enabled": True,
        "interval": 0.2,
        "magnitude": 0.5,
    }
    refused = client.post("/config", json={"batch_size": 0, "frequency": 2})
    assert (
        refused.status_code == 400 and refused.json()["detail"] == "config batch_size=0 is outside [1, inf]"
    )
    assert client.get("/config").json()["settings"]["data_generation"]["frequency"] == 0.1  # nothing applied
    assert (
        "cannot change while the server runs" in client.post("/config", json={"api_port": 1}).json()["detail"]
    )
    assert "unknown setting 'colour'" in client.post("/config", json={"colour": 1}).json()["detail"]
    client.post("/stop")
    frame = pl.read_ndjson(client.root / "out.jsonl")
    assert frame["id"].to_list() == list(range(1, frame.height + 1))


@pytest.mark.slow
def test_config_batches_take_a_running_time_series_off_the_wall_clock(client):
    """A time series streams on the wall clock (a reading a minute here) until the user sets
    batch_size or frequency: then, as when it starts with them set, batch_size readings every
    frequency seconds, its clock still advancing by its interval per reading."""
    series = {
        "t": {"type": "time_sequence", "start": "2024-01-01", "interval_seconds": 60},
        "v": {"type": "float", "mean": 0, "std": 1},
    }
    client.post("/generators", json={"name": "series", "schema": series})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "series.jsonl"})
    client.post("/start", json={})
    wait_for(lambda: client.get("/status").json()["streams"]["series"]["rows"] == 1)  # the first, now
    assert client.get("/status").json()["streams"]["series"]["target_rows_per_second"] < 0.02
    client.post("/config", json={"log_level": "WARNING"})  # no change of pace: left as it is
    time.sleep(0.3)
    assert client.get("/status").json()["streams"]["series"]["rows"] == 1
    # Set to the values they had by default: set all the same, so the series leaves the wall clock.
    client.post("/config", json={"data_generation": {"batch_size": 1000, "frequency": 1}})
    wait_for(lambda: client.get("/status").json()["streams"]["series"]["target_rows_per_second"] == 1000)
    client.post("/config", json={"data_generation": {"batch_size": 200, "frequency": 0.1}})
    wait_for(lambda: client.get("/status").json()["streams"]["series"]["target_rows_per_second"] == 2000)
    wait_for(lambda: client.get("/status").json()["streams"]["series"]["rows"] >= 3_000)
    client.post("/stop")
    stamps = [row["t"] for row in jsonl_rows(client.root / "series.jsonl")]
    steps = np.diff(np.array(stamps, dtype="datetime64[us]")).astype("timedelta64[s]").astype(int)
    assert len(stamps) >= 3_000 and set(steps.tolist()) == {60}


def test_metrics_are_prometheus_text(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.csv"})
    client.post("/start", json={"rate": 10_000, "rows": 1000})
    wait_for(lambda: not client.get("/status").json()["streams"]["points"]["running"])
    text = client.get("/metrics")
    assert text.headers["content-type"].startswith("text/plain")
    assert 'fastsynth_rows_total{stream="points"} 1000' in text.text
    assert client.get("/status").json()["status"] == "idle"


@pytest.mark.slow
def test_removing_a_streaming_generator_stops_it_and_completes_its_files(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.parquet"})
    client.post("/start", json={"rate": 5000})
    wait_for(lambda: client.get("/status").json()["streams"]["points"]["rows"] >= 1000)
    assert client.delete("/generators/points").status_code == 204
    table = pq.read_table(client.root / "out.parquet")
    assert table.column("id").to_pylist() == list(range(1, table.num_rows + 1)) and table.num_rows >= 1000
    assert client.get("/status").json()["streams"] == {}
    assert pa.types.is_dictionary(table.schema.field("status").type)


def test_a_stream_that_reached_its_rows_can_be_started_again_and_streamers_pass_it_by(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.jsonl"})
    client.post("/start", json={"rate": 50_000, "rows": 500})
    wait_for(lambda: not client.get("/status").json()["streams"]["points"]["running"])
    started = time.monotonic()
    assert (
        client.post("/streamers", json={"name": "late", "type": "file", "path": "late.csv"}).status_code
        == 201
    )
    assert client.delete("/streamers/out").status_code == 204
    assert time.monotonic() - started < 5  # nothing waited for a writer that has gone
    assert not list(client.root.glob(".*.part")) and not (client.root / "late.csv").exists()
    again = client.post("/start", json={"rate": 50_000, "rows": 700})
    assert again.status_code == 200 and again.json()["started"] == ["points"]
    wait_for(lambda: not client.get("/status").json()["streams"]["points"]["running"])
    assert client.post("/stop").json() == {"stopped": {"points": 700}}
    assert len((client.root / "late.csv").read_text().splitlines()) == 701  # a header and the rows
    assert len(jsonl_rows(client.root / "out.jsonl")) == 500


def test_the_openapi_document_describes_the_answers_and_the_refusals(client):
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert set(schemas["Status"]["properties"]) == set(client.get("/status").json())
    assert set(schemas["Started"]["properties"]) == {"started", *schemas["Status"]["properties"]}
    answers = {
        ("/generators/{name}", "get"): "GeneratorInfo",
        ("/streamers/{name}", "get"): "StreamerInfo",
        ("/status", "get"): "Status",
        ("/stop", "post"): "Stopped",
        ("/config", "post"): "SettingsInfo",
    }
    for (path, method), name in answers.items():
        responses = document["paths"][path][method]["responses"]
        assert responses["200"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{name}"
        }
        if method == "post":
            refusals = {"400", "401", "403", "404", "409", "413", "415"}
        else:
            refusals = {"400", "401", "403", "404"} if "{name}" in path else {"400", "401", "403"}
        assert set(responses) == {"200", *refusals}  # exactly what the handler may answer
        for status in refusals:
            assert responses[status]["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    assert set(document["paths"]["/status"]["get"]["responses"]) == {"200", "400", "401", "403"}
    assert set(document["paths"]["/health"]["get"]["responses"]) == {"200", "400"}  # a Host not served
    problem = client.get("/generators/nope").json()
    assert set(problem) == set(schemas["Problem"]["properties"])
    bodies = {
        "/generate": ("GenerateRequest", {"generator", "schema", "rows", "seed", "start", "format"}),
        "/generators": ("GeneratorRequest", {"name", "schema", "example", "model", "seed"}),
        "/streamers": ("StreamerRequest", {"name", "type", "format", "path", "options", "overwrite"}),
        "/start": ("StartRequest", {"generators", "streamers", "rate", "rows", "drift"}),
        "/stop": ("StopRequest", {"generators"}),
    }
    for path, (title, options) in bodies.items():  # documented as the spec that reads it
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["title"] == title and set(body["properties"]) == options
        assert body["additionalProperties"] is False and "oneOf" not in body
