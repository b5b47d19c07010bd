"""One running stream through the REST API (Litestar's test client, real file sinks): its status with
the column totals, live changes of rate and batch size, streamers attached and detached, drift now; and
the example files."""

from __future__ import annotations

import json
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

import fastsynth
import fastsynth.generation
import fastsynth.seed_drift
from fastsynth.engine import runner
from fastsynth.schema import Schema
from fastsynth.schema.examples import example_files
from fastsynth.service import live
from fastsynth.service.budget import rows_per_batch
from tests.api.in_process import api_client, wait_for

SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "first_name"},
    "score": {"type": "float", "mean": 10, "std": 2, "null_rate": 0.1},
    "count": {"type": "int", "min": 0, "max": 100},
    "ok": {"type": "bool"},
    "status": {"type": "category", "categories": ["a", "b", "c"], "probabilities": [0.5, 0.3, 0.2]},
}


@pytest.fixture
def client(tmp_path):
    with api_client(tmp_path) as test_client:
        yield test_client


def stream(client, name="points"):
    answer = client.get(f"/streams/{name}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def start(client, rate=2000, streamer=("out", "out.jsonl"), **body):
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 3})
    client.post("/streamers", json={"name": streamer[0], "type": "file", "path": streamer[1]})
    answer = client.post("/start", json={"generators": ["points"], "rate": rate, **body})
    assert answer.status_code == 200, answer.text


def jsonl_rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def refusal(answer, status, detail):
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert detail in answer.json()["detail"], answer.json()["detail"]


# -- examples ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_examples_are_the_shipped_files_and_generators_take_their_names(client):
    answer = client.get("/examples").json()["examples"]
    files = example_files()
    assert [e["name"] for e in answer] == list(files) and "sensors" in files and "drift" not in files
    for example in answer:
        assert example["text"] == files[example["name"]].read_text() and example["file"].startswith(
            example["name"] + "."
        )
        made = client.post("/generators", json={"name": f"g_{example['name']}", "example": example["name"]})
        assert made.status_code == 201, made.text
        assert made.json()["schema"] == yaml.safe_load(example["text"])  # the document as the file has it
    rows = client.post("/generate", json={"generator": "g_sensors", "rows": 5}).json()
    assert len(rows) == 5
    refusal(
        client.post("/generators", json={"name": "x", "example": "nope"}),
        400,
        "example='nope'; allowed: tabular, timeseries, blocks,",
    )


# -- one stream ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_column_totals_are_the_sums_of_the_file_the_stream_wrote(client):
    start(client, rate=20_000, rows=7000, streamer=("out", "out.parquet"))
    wait_for(lambda: not stream(client)["running"])
    status = stream(client)
    assert status["rows"] == 7000 and status["drift_rows"] == [] and status["batch_size"] == 1000
    client.post("/stop")
    table = pq.read_table(client.root / "out.parquet")
    assert set(status["columns"]) == {"id", "score", "count", "ok"}  # numbers and booleans alone
    for name, totals in status["columns"].items():
        values = table[name].drop_null().to_numpy(zero_copy_only=False).astype(float)
        assert totals["count"] == len(values) and totals["sum"] == pytest.approx(values.sum(), rel=1e-12)
    assert status["columns"]["score"]["count"] < 7000  # nulls are not counted
    assert status == client.get("/status").json()["streams"].get("points", status)


def test_unknown_streams_are_404_and_ended_ones_refuse_changes(client):
    refusal(client.get("/streams/nope"), 404, "stream 'nope' does not exist (none)")
    refusal(client.patch("/streams/nope", json={"rate": 5}), 404, "stream 'nope' does not exist")
    refusal(client.post("/streams/nope/drift", json={}), 404, "stream 'nope' does not exist")
    start(client, rate=50_000, rows=500)
    wait_for(lambda: not stream(client)["running"])
    ended = "stream 'points' has ended (its row limit, an error or a stop); start it again with /start"
    refusal(client.patch("/streams/points", json={"rate": 5}), 409, ended)
    refusal(client.post("/streams/points/drift", json={}), 409, ended)
    refusal(client.post("/streams/points/streamers", json={"streamer": "out"}), 409, ended)
    refusal(client.delete("/streams/points/streamers/out"), 409, ended)


@pytest.mark.slow
def test_a_patched_rate_and_batch_size_are_followed_and_no_longer_follow_the_settings(client):
    start(client, rate=2000)
    wait_for(lambda: stream(client)["rows_per_second"] >= 1800)
    changed = client.patch("/streams/points", json={"rate": 8000, "batch_size": 300})
    assert changed.status_code == 200 and changed.json()["batch_size"] == 300
    assert changed.json()["target_rows_per_second"] in (2000, 8000)  # from the next slice on
    wait_for(lambda: 7200 <= stream(client)["rows_per_second"] <= 8800)  # measured over the last second
    assert stream(client)["target_rows_per_second"] == 8000
    # The settings' batch size and frequency no longer reach what the request changed.
    rows = stream(client)["rows"]
    client.post("/config", json={"data_generation": {"batch_size": 500, "frequency": 0.1}})
    # A rate change is taken at the next slice (50 ms of rows), a batch size at the next batch made:
    # 2000 rows later both would show, whatever the machine's load.
    wait_for(lambda: stream(client)["rows"] >= rows + 2000)
    assert stream(client)["target_rows_per_second"] == 8000 and stream(client)["batch_size"] == 300
    ramp = {"ramp": {"from": 8000, "to": 1000, "seconds": 0.5}}
    assert client.patch("/streams/points", json={"rate": ramp}).status_code == 200
    wait_for(lambda: 800 <= stream(client)["rows_per_second"] <= 1200)
    client.post("/stop")
    ids = [row["id"] for row in jsonl_rows(client.root / "out.jsonl")]
    assert ids == list(range(1, len(ids) + 1))  # nothing lost or repeated across the changes


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "give rate (rows/s or a rate object), batch_size, or both"),
        ({"batch_size": 0}, "batch_size=0 is not an integer >= 1"),
        ({"batch_size": 2_000_000}, "batch_size=2,000,000 is over the limit; allowed: at most 1,000,000"),
        ({"rate": -1}, "rate=-1.0 is not a number > 0"),
        ({"rate": {"ramp": {"from": 1}}}, "rate ramp"),
        ({"rate": 5, "colour": 1}, "body: unknown key 'colour'; allowed: batch_size, rate"),
        (
            {"rate": 1e300},
            "rate=1e+300 asks for 1e+300 rows/s; allowed: at most 10,000,000 rows/s",
        ),
        (
            {"rate": {"bursts": {"base": 1, "burst": 2e7, "every": 10, "seconds": 1}}},
            "asks for 20,000,000 rows/s; allowed: at most 10,000,000 rows/s (limits.max_rate)",
        ),
    ],
)
def test_bad_stream_changes_are_refused_and_change_nothing(client, body, detail):
    start(client)
    refusal(client.patch("/streams/points", json=body), 400, detail)
    assert stream(client)["target_rows_per_second"] == 2000 and stream(client)["batch_size"] == 1000


def test_a_start_rate_over_the_limit_is_refused(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 3})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.jsonl"})
    detail = (
        "rate=20000000.0 asks for 20,000,000 rows/s; allowed: at most 10,000,000 rows/s (limits.max_rate)"
    )
    refusal(client.post("/start", json={"rate": 20_000_000}), 400, detail)
    assert client.get("/status").json()["streams"] == {}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("count=1.5", "count=1.5 is not an integer in [1, 1000000]"),
        ("count=many", "count='many' is not an integer in [1, 1000000]"),
        ("interval=soon", "interval='soon' is not a number in [0.2, 10]"),
    ],
)
@pytest.mark.slow
def test_event_stream_parameters_are_refused_by_value(client, query, detail):
    refusal(client.get(f"/events?{query}"), 400, detail)


def test_a_batch_size_is_capped_by_the_row_width_budget(client):
    start(client)
    widest = rows_per_batch(Schema.from_dict(SCHEMA), 1_000_000, 3, 5)  # 64 MiB of these rows
    assert widest < 1_000_000
    assert client.patch("/streams/points", json={"batch_size": 1_000_000}).json()["batch_size"] == widest


def test_a_refused_request_gives_its_place_among_the_row_streams_back(tmp_path):
    """Refused once its place was taken (a unique column too short for its rows): eight such requests
    left every later one answered 429 until the server restarted."""
    short = {
        "schema": {"u": {"type": "int", "min": 0, "max": 99, "unique": True}},
        "rows": 200,
        "format": "csv",
    }
    with api_client(tmp_path, {"FASTSYNTH_LIMITS_MAX_ROW_STREAMS": "1"}) as client:
        for _ in range(3):
            refusal(client.post("/generate", json=short), 400, "unique values run out")
        assert client.post("/generate", json={**short, "rows": 50}).status_code == 200


def test_rows_that_take_too_long_to_make_are_refused_soon(tmp_path):
    """No option bounds a template's placeholders times its fields: 1,600 paragraphs, each set up
    again for every batch, took minutes a request. The first rows' time is bounded instead."""
    fields = {f"t{k}": {"type": "template", "template": "{paragraph}" * 400} for k in range(4)}
    with api_client(tmp_path, {"FASTSYNTH_LIMITS_MAX_BUILD_SECONDS": "1"}) as client:
        started = time.monotonic()
        answer = client.post("/generate", json={"schema": fields, "rows": 1, "format": "csv"})
        took = time.monotonic() - started
        refusal(answer, 400, "the first rows took more than 1 s to make, over the limit; allowed: ")
        assert answer.json()["detail"].startswith("field 't") and "(max_build_seconds)" in answer.text
        assert took < 5, took
        small = {"schema": {"t": {"type": "template", "template": "{paragraph}"}}, "rows": 3}
        assert client.post("/generate", json={**small, "format": "csv"}).status_code == 200


@pytest.mark.slow
def test_streamers_are_attached_and_detached_with_their_files_complete(client):
    start(client, rate=5000)
    client.post("/streamers", json={"name": "other", "type": "file", "path": "{generator}-other.csv"})
    assert stream(client)["streamers"] == ["out", "other"]  # a streamer added attaches to what runs
    refusal(
        client.post("/streams/points/streamers", json={"streamer": "other"}),
        409,
        "stream 'points' already writes to streamer 'other'",
    )
    wait_for(lambda: stream(client)["rows"] >= 1000)
    detached = client.delete("/streams/points/streamers/out")
    assert detached.status_code == 200 and detached.json()["streamers"] == ["other"]
    first = [row["id"] for row in jsonl_rows(client.root / "out.jsonl")]  # complete when answered
    assert first == list(range(1, len(first) + 1)) and len(first) >= 1000
    refusal(client.delete("/streams/points/streamers/out"), 404, "does not write to streamer 'out' (other)")
    refusal(client.delete("/streams/points/streamers/nope"), 404, "streamer 'nope' does not exist")
    refusal(client.post("/streams/points/streamers", json={"streamer": "nope"}), 404, "'nope' does not exist")
    refusal(client.post("/streams/points/streamers", json={}), 400, "streamer")
    client.post("/streamers", json={"name": "late", "type": "file", "path": "late.jsonl", "overwrite": True})
    client.delete("/streams/points/streamers/late")
    wait_for(lambda: stream(client)["rows"] >= first[-1] + 2000)
    attached = client.post("/streams/points/streamers", json={"streamer": "late"})
    assert attached.status_code == 200 and attached.json()["streamers"] == ["other", "late"]
    wait_for(lambda: stream(client)["rows"] >= first[-1] + 3000)
    total = client.post("/stop").json()["stopped"]["points"]
    late = [row["id"] for row in jsonl_rows(client.root / "late.jsonl")]
    assert late == list(range(late[0], total + 1)) and late[0] > first[-1] + 2000
    other = (client.root / "points-other.csv").read_text().splitlines()
    assert (
        len(other) - 1 == total - int(other[1].split(",")[0]) + 1
    )  # a header, then every row from its first


@pytest.mark.slow
def test_a_detached_sink_that_does_not_close_in_time_is_not_called_complete(client, monkeypatch):
    monkeypatch.setattr(live, "CLOSE_SECONDS", 0.0)  # the writer closes it at its next slice, later
    start(client, rate=5000)
    wait_for(lambda: stream(client)["rows"] >= 1000)
    refusal(
        client.delete("/streams/points/streamers/out"),
        409,
        "stream 'points' no longer writes to streamer 'out', but its sink did not finish closing within 0 s",
    )
    assert stream(client)["streamers"] == []
    rows = stream(client)["rows"]
    wait_for(lambda: stream(client)["rows"] >= rows + 1000)  # the stream runs on


def test_a_streamer_writing_one_file_is_not_shared_by_two_streams(client):
    start(client)
    client.post("/generators", json={"name": "more", "schema": SCHEMA})
    client.post("/streamers", json={"name": "mine", "type": "file", "path": "{generator}-mine.jsonl"})
    client.post("/start", json={"generators": ["more"], "streamers": ["mine"], "rate": 1000})
    refusal(
        client.post("/streams/more/streamers", json={"streamer": "out"}),
        409,
        "streamer 'out' writes one file, and several generators would share it; put {generator} in its path",
    )


# -- drift now ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"magnitude": 0}, "body: magnitude=0 is not a number in (0, 1]"),
        ({"magnitude": 1.5}, "body: magnitude=1.5 is not a number in (0, 1]"),
        ({"magnitude": "big"}, "body: magnitude='big' is not a number in (0, 1]"),
        ({"magnitude": 0.5, "events": [{"type": "shift", "columns": ["score"]}]}, "give magnitude or events"),
        ({"events": []}, "events has 0 events; allowed: 1 to 100"),
        (
            {"events": [{"type": "shift", "columns": ["nope"]}]},
            "events[0]: column 'nope' is not in the schema",
        ),
        (
            {"events": [{"type": "shift", "columns": ["score"], "start_row": 5}]},
            "events[0]: start_row is not",
        ),
        ({"events": [{"type": "scale", "columns": ["name"], "magnitude": 2}]}, "events[0]: column 'name'"),
    ],
)
def test_bad_drift_requests_are_refused(client, body, detail):
    start(client)
    refusal(client.post("/streams/points/drift", json=body), 400, detail)
    assert stream(client)["drift_rows"] == []


@pytest.mark.parametrize(
    ("events", "detail"),
    [
        (
            [
                {"type": "add", "columns": ["score"], "magnitude": 1},
                {"type": "shift", "columns": ["score"], "unit": "rows", "magnitude": 1},
            ],
            "events[1]: unit='rows' is not allowed; allowed: std, absolute, relative",
        ),
        (
            [{"type": "shift", "columns": ["score"], "magnitude": 1e308}],
            "events[0]: magnitude=1e+308 times the standard deviation",
        ),
        (
            [{"type": "multiply", "columns": ["score"], "magnitude": 1e308}],
            "events[0]: the drift makes values too large for a 64-bit float",
        ),
        (  # an SQL rule is capped here as in a schema: polars would plan it again every batch
            [{"type": "concept", "column": "count", "rule": " + ".join(["count"] * 300)}],
            "events[0]: rule has 599 tokens, over the limit; allowed: at most 500 tokens "
            "(max_expression_tokens)",
        ),
    ],
)
@pytest.mark.slow
def test_drift_events_that_fail_only_when_made_are_refused_and_the_stream_runs_on(client, events, detail):
    # Only the operation checks these: they were accepted, and the stream died at its next batch.
    start(client, rate=10_000)
    wait_for(lambda: stream(client)["rows"] >= 1000)
    refusal(client.post("/streams/points/drift", json={"events": events}), 400, detail)
    rows = stream(client)["rows"]
    wait_for(lambda: stream(client)["rows"] >= rows + 3000)
    status = stream(client)
    assert status["running"] and status["error"] is None and status["drift_rows"] == []


def test_drift_now_takes_a_negative_seed(client):
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": -5})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.jsonl"})
    assert client.post("/start", json={"generators": ["points"], "rate": 2000}).status_code == 200
    answer = client.post("/streams/points/drift", json={})
    assert answer.status_code == 200, answer.text
    assert answer.json()["drift_events"] == 4


@pytest.mark.slow
def test_repeated_drift_now_is_quick_and_keeps_the_stream_at_its_rate(client, monkeypatch):
    # Each click once added events measured against an open-ended window: past 64 of them every batch
    # remade 65,536 rows per event, and each click made the whole-column statistics again (65,536
    # rows, seconds on a wide schema), under the service's lock.
    made = []

    make = fastsynth.generation.drift_reference

    def counted(*args, **kwargs):
        made.append(1)
        return make(*args, **kwargs)

    for module in (fastsynth.generation, fastsynth.seed_drift, runner):
        monkeypatch.setattr(module, "drift_reference", counted, raising=False)
    start(client, rate=20_000)
    wait_for(lambda: stream(client)["rows"] >= 1000)
    assert client.post("/streams/points/drift", json={}).status_code == 200  # the statistics, once
    took = []
    for _ in range(40):  # 80 shift events: more than a run's 64 kept windows
        began = time.monotonic()
        answer = client.post("/streams/points/drift", json={})
        took.append(time.monotonic() - began)
        assert answer.status_code == 200, answer.text
    assert sorted(took)[len(took) // 2] < 0.5, took
    time.sleep(1.5)  # a second made with every event (the rate is measured over the last second)
    # Near half its rate (they once held it at about 4,000 rows/s)
    # A slow host takes a while; a stream held down stays below it however long it is given.
    wait_for(lambda: stream(client)["rows_per_second"] >= 9_000, timeout=60)
    assert stream(client)["error"] is None
    assert len(made) == 1  # the whole-column statistics, made once for the stream
    assert answer.json()["drift_events"] == 41 * 4  # how many the stream holds now
    for _ in range(9):
        assert client.post("/streams/points/drift", json={}).status_code == 200
    refusal(
        client.post("/streams/points/drift", json={}),
        409,
        "stream 'points' holds 200 drift events; at most 200 are allowed: start it again to drift it more",
    )


@pytest.mark.slow
def test_drift_now_shifts_the_numbers_from_the_row_it_answers_on(client):
    start(client, rate=20_000)
    wait_for(lambda: stream(client)["rows"] >= 20_000)
    answer = client.post("/streams/points/drift", json={"magnitude": 1.0})
    assert answer.status_code == 200
    row, events = answer.json()["row"], answer.json()["drift_events"]
    # score and count shift, ok flips, status moves; the id (a sequence) is left alone
    assert events == 4
    assert stream(client)["drift_rows"] == [row]
    wait_for(lambda: stream(client)["rows"] >= row + 20_000)
    assert stream(client)["drift_events"] == 4
    client.post("/stop")
    rows = jsonl_rows(client.root / "out.jsonl")
    before, after = rows[:row], rows[row : row + 20_000]

    def mean(part, column):
        return np.mean([r[column] for r in part if r[column] is not None])

    plain = fastsynth.generate(SCHEMA, 20_000, seed=3, start=row).to_pylist()
    assert before == fastsynth.generate(SCHEMA, row, seed=3).to_pylist()  # up to the row: as made
    # Shifted by one standard deviation (2 for score, about 29 for count), up or down.
    assert abs(mean(after, "score") - mean(plain, "score")) == pytest.approx(2, rel=0.1)
    assert abs(mean(after, "count") - mean(plain, "count")) == pytest.approx(29, rel=0.15)
    assert all(a["ok"] is not p["ok"] for a, p in zip(after, plain, strict=True))  # a share of 1 flips all
    assert [r["id"] for r in after] == [r["id"] for r in plain]
    shares = {v: sum(r["status"] == v for r in after) / len(after) for v in "abc"}
    assert shares["c"] == pytest.approx(0.5, abs=0.03)  # the mirror image of the mix: c the most frequent


@pytest.mark.slow
def test_drift_now_takes_events_and_keeps_them_through_config_drift(client):
    start(client, rate=10_000)
    wait_for(lambda: stream(client)["rows"] >= 5000)
    events = [{"type": "add", "columns": ["score"], "magnitude": 100}]
    row = client.post("/streams/points/drift", json={"events": events}).json()["row"]
    client.post("/config", json={"drift_enabled": True, "drift_interval": 0.5, "drift_magnitude": 0.1})
    wait_for(lambda: stream(client)["rows"] >= row + 10_000)
    client.post("/stop")
    scores = [r["score"] for r in jsonl_rows(client.root / "out.jsonl")[row:] if r["score"] is not None]
    assert np.mean(scores) > 100  # still added after the settings' drift replaced theirs


def test_a_drift_interval_under_a_microsecond_is_refused_at_start_and_while_running(client):
    """A drift event every 1e-9 s was taken: by rows, every row its own event; on a time series' clock,
    3.6e16 events counted in eight seconds and the stream slowed to a crawl."""
    client.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 3})
    client.post("/streamers", json={"name": "out", "type": "file", "path": "out.jsonl"})
    drift = {"enabled": True, "interval": 1e-9}
    below = "config drift_interval=1e-09 is below 1e-06"
    refusal(client.post("/start", json={"rate": 2000, "drift": drift}), 400, below)
    assert client.get("/status").json()["streams"] == {}
    start(client, rate=2000, streamer=("out2", "out2.jsonl"))
    refusal(client.post("/config", json={"drift": drift}), 400, below)
    assert client.get("/config").json()["settings"]["drift"]["interval"] == 3600.0
    assert stream(client)["drift_events"] == 0
    assert client.post("/config", json={"drift": {"interval": 1e-6}}).status_code == 200


def test_settings_asking_for_more_than_the_rate_limit_are_refused(tmp_path):
    """batch_size 1,000,000 every 1e-6 s set streams that follow the settings to 1e12 rows/s, past
    limits.max_rate, which a request's own rate is held to."""
    with api_client(tmp_path, {"FASTSYNTH_LIMITS_MAX_RATE": "50000"}) as client:
        start(client, rate=None)  # follows the settings: 1000 rows every second
        wait_for(lambda: stream(client)["target_rows_per_second"] == 1000)
        refusal(
            client.post("/config", json={"data_generation": {"batch_size": 100_000, "frequency": 1e-6}}),
            400,
            "config frequency=1e-06 with batch_size=100000 asks for 100,000,000,000 rows/s "
            "(batch_size / frequency); allowed: at most 50,000 rows/s (limits.max_rate), here frequency "
            "at least 2 s",
        )
        refusal(
            client.post("/config", json={"batch_size": 60_000}),
            400,
            "config batch_size=60000 with frequency=1.0 asks for 60,000 rows/s",
        )
        settings = client.get("/config").json()["settings"]["data_generation"]
        assert (settings["batch_size"], settings["frequency"]) == (1000, 1.0)  # nothing applied
        assert client.post("/config", json={"frequency": 0.03125}).status_code == 200  # 32,000 rows/s
        wait_for(lambda: stream(client)["target_rows_per_second"] == 32_000)


def test_the_openapi_document_describes_the_new_routes(client):
    document = client.get("/schema/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    assert set(schemas["StreamStatus"]["properties"]) >= {"columns", "drift_rows", "batch_size", "rows"}
    assert set(schemas["ColumnTotals"]["properties"]) == {"sum", "count"}
    answers = {
        ("/streams/{name}", "get"): ("StreamStatus", {"400", "401", "403", "404"}),
        ("/streams/{name}", "patch"): ("StreamStatus", {"400", "401", "403", "404", "409", "413", "415"}),
        ("/streams/{name}/streamers", "post"): (
            "StreamStatus",
            {"400", "401", "403", "404", "409", "413", "415"},
        ),
        ("/streams/{name}/streamers/{streamer}", "delete"): (
            "StreamStatus",
            {"400", "401", "403", "404", "409", "415"},
        ),
        ("/streams/{name}/drift", "post"): (
            "DriftStarted",
            {"400", "401", "403", "404", "409", "413", "415"},
        ),
        ("/examples", "get"): ("Examples", {"400", "401", "403"}),
    }
    for (path, method), (name, refusals) in answers.items():
        responses = paths[path][method]["responses"]
        assert set(responses) == {"200", *refusals}, path
        assert responses["200"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{name}"
        }
    bodies = {
        ("/streams/{name}", "patch"): ("StreamChange", {"rate", "batch_size"}),
        ("/streams/{name}/streamers", "post"): ("AttachRequest", {"streamer"}),
        ("/streams/{name}/drift", "post"): ("DriftNowRequest", {"magnitude", "events"}),
    }
    for (path, method), (title, options) in bodies.items():
        body = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert body["title"] == title and set(body["properties"]) == options
    events = paths["/events"]["get"]
    assert set(events["responses"]) == {"200", "400", "401", "403", "429"}
    assert "text/event-stream" in events["responses"]["200"]["content"]
    interval = next(p for p in events["parameters"] if p["name"] == "interval")["schema"]
    assert (interval["minimum"], interval["maximum"]) == (0.2, 10)
