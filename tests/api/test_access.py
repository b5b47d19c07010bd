"""Who may call the servers and what a request may make them do: the token, the Host, the media type,
cross-site requests, Kafka settings from requests, and where files may be written."""

from __future__ import annotations

import json
import logging

import pyarrow as pa
import pyarrow.flight as flight
import pytest
from litestar.testing import TestClient

from fastsynth.api import create_app
from fastsynth.config import load_settings
from fastsynth.errors import UsageError
from fastsynth.flight import FlightServer
from fastsynth.service import Service
from fastsynth.service.access import check_exposure, read_token

TOKEN = "s3cret-token"
SCHEMA = {"id": {"type": "sequence"}, "score": {"type": "float", "mean": 10, "std": 2}}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def app_client(tmp_path, **environ: str) -> TestClient:
    service = Service(load_settings(environ=environ), output_root=tmp_path, max_rows=100_000)
    return TestClient(create_app(service), base_url="http://127.0.0.1:8000")


@pytest.fixture
def guarded(tmp_path):
    with app_client(tmp_path, FASTSYNTH_API_TOKEN=TOKEN) as client:
        yield client


@pytest.fixture
def open_client(tmp_path):
    environ = {"FASTSYNTH_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}
    with app_client(tmp_path, **environ) as client:
        client.root = tmp_path
        yield client


def test_a_token_is_needed_on_every_route_but_liveness(guarded):
    routes = [
        ("GET", "/status"),
        ("GET", "/generators"),
        ("GET", "/config"),
        ("GET", "/metrics"),
        ("GET", "/schema/openapi.json"),
        ("POST", "/generate"),
        ("POST", "/stop"),
        ("DELETE", "/generators/x"),
        ("GET", "/examples"),
        ("GET", "/events"),
        ("GET", "/streams/x"),
        ("PATCH", "/streams/x"),
        ("POST", "/streams/x/drift"),
        ("POST", "/streams/x/streamers"),
        ("DELETE", "/streams/x/streamers/y"),
    ]
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            refused = guarded.request(method, path, headers=headers)
            assert refused.status_code == 401, (method, path, headers)
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert refused.json()["detail"].startswith("this server needs a token")
    assert guarded.get("/health").json() == {"status": "ok"}
    assert guarded.get("/status", headers=BEARER).status_code == 200
    made = guarded.post("/generate", json={"schema": SCHEMA, "rows": 3}, headers=BEARER)
    assert made.status_code == 200 and len(made.json()) == 3
    shown = guarded.get("/config", headers=BEARER).json()
    assert shown["settings"]["api"]["token"] == "(set)" and TOKEN not in json.dumps(shown)
    changed = guarded.post("/config", json={"api_token": "mine"}, headers=BEARER)
    assert changed.status_code == 400 and "cannot change while the server runs" in changed.json()["detail"]


def test_bodies_must_be_json(open_client):
    """A web page can post a form or text/plain to any address without a preflight: refused."""
    body = json.dumps({"name": "g", "example": "tabular"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None):
        headers = {} if content_type is None else {"content-type": content_type}
        refused = open_client.post("/generators", content=body, headers=headers)
        assert refused.status_code == 415, content_type
        assert refused.json()["field"] == "Content-Type"
    assert open_client.get("/generators").json() == []
    sent = open_client.post(
        "/generators", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert sent.status_code == 201
    assert open_client.post("/stop").status_code == 200  # no body, no media type: a script's request
    empty_form = open_client.post("/stop", headers={"content-type": "application/x-www-form-urlencoded"})
    assert empty_form.status_code == 415  # an empty form post, as any web page can send


def test_other_hosts_are_refused(tmp_path):
    """DNS rebinding: a page whose name now points at 127.0.0.1 still sends its own name as the Host."""
    environ = {"FASTSYNTH_API_ALLOWED_HOSTS": "synth.internal"}
    with app_client(tmp_path, **environ) as client:
        for host in ("evil.example", "127.0.0.2", "synth.internal.evil.example"):
            refused = client.get("/status", headers={"host": host})
            assert refused.status_code == 400 and refused.json()["detail"].startswith(f"Host={host!r}")
        for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "synth.internal:8000", "SYNTH.internal"):
            assert client.get("/status", headers={"host": host}).status_code == 200, host


def test_no_cross_site_requests_unless_configured(tmp_path):
    preflight = {
        "origin": "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    with app_client(tmp_path) as client:
        answer = client.options("/generators", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
        assert (
            "access-control-allow-origin"
            not in client.get("/status", headers={"origin": "https://app.example"}).headers
        )
    with app_client(tmp_path, FASTSYNTH_API_CORS_ORIGINS="https://app.example") as client:
        answer = client.options("/generators", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://app.example"
        other = client.options("/generators", headers={**preflight, "origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_bodies_over_the_limit_are_refused(open_client):
    huge = json.dumps({"name": "g", "schema": {"x": {"type": "constant", "value": "a" * (5 << 20)}}})
    refused = open_client.post("/generators", content=huge, headers={"content-type": "application/json"})
    assert refused.status_code == 413 and refused.json()["status"] == 413


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"topic": "t", "config": {"plugin.library.paths": "/tmp/evil.so"}},
            "config key 'plugin.library.paths' is not allowed from a request",
        ),
        ({"topic": "t", "config": {"sasl.password": "x"}}, "config key 'sasl.password' is not allowed"),
        (
            {"topic": "t", "bootstrap_servers": "10.0.0.8:9092"},
            "bootstrap_servers='10.0.0.8:9092' is not allowed",
        ),
        (
            {"topic": "t", "bootstrap_servers": "127.0.0.1:9092,10.0.0.8:9092"},
            "is not allowed; allowed: 127.0.0.1:9092",
        ),
        ({"topic": "t", "config": {"linger.ms": {"a": 1}}}, "config linger.ms={'a': 1} is not a text"),
    ],
)
@pytest.mark.slow
def test_kafka_streamers_reach_the_operators_brokers_with_safe_settings(open_client, options, message):
    refused = open_client.post("/streamers", json={"name": "k", "type": "kafka", "options": options})
    assert refused.status_code == 400 and message in refused.json()["detail"]


@pytest.mark.slow
def test_kafka_streamers_need_brokers_the_operator_allowed(tmp_path):
    with app_client(tmp_path) as client:
        refused = client.post("/streamers", json={"name": "k", "type": "kafka", "options": {"topic": "t"}})
        assert refused.status_code == 400 and "streams to no Kafka broker" in refused.json()["detail"]
    with app_client(tmp_path, FASTSYNTH_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092") as client:
        body = {"name": "k", "type": "kafka", "options": {"topic": "t", "config": {"linger.ms": 5}}}
        assert client.post("/streamers", json=body).status_code == 201


def test_existing_files_are_kept_unless_the_streamer_says_so(open_client):
    (open_client.root / "kept.csv").write_text("precious\n")
    open_client.post("/generators", json={"name": "g", "schema": SCHEMA})
    open_client.post("/streamers", json={"name": "f", "type": "file", "path": "kept.csv"})
    refused = open_client.post("/start", json={"rows": 10})
    assert refused.status_code == 409 and "'kept.csv' exists" in refused.json()["detail"]
    assert (open_client.root / "kept.csv").read_text() == "precious\n"
    open_client.delete("/streamers/f")
    body = {"name": "f", "type": "file", "path": "kept.csv", "overwrite": True}
    assert open_client.post("/streamers", json=body).json()["overwrite"] is True
    assert open_client.post("/start", json={"rows": 10}).status_code == 200
    open_client.post("/stop")
    assert (open_client.root / "kept.csv").read_text().splitlines()[0] == '"id","score"'


def test_a_link_made_after_the_streamer_cannot_lead_outside(open_client, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    open_client.post("/generators", json={"name": "g", "schema": SCHEMA})
    assert (
        open_client.post("/streamers", json={"name": "f", "type": "file", "path": "out/rows.csv"}).status_code
        == 201
    )
    (open_client.root / "out").symlink_to(outside, target_is_directory=True)
    refused = open_client.post("/start", json={"rows": 10})
    assert (
        refused.status_code == 400 and "leads outside the server's output folder" in refused.json()["detail"]
    )
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("prefix", ["../../escape", "a/b", "..", "", "x\x00y", 5])
def test_rolling_prefixes_are_file_names(open_client, prefix):
    body = {"name": "r", "type": "file", "path": "roll/", "options": {"prefix": prefix}}
    refused = open_client.post("/streamers", json=body)
    assert (
        refused.status_code == 400 and "is not allowed; give a file name prefix" in refused.json()["detail"]
    )


def test_serving_other_machines_needs_a_token_or_an_explicit_insecure_flag(caplog, tmp_path):
    check_exposure("127.0.0.1", None, False, "API server")  # loopback: fine without
    check_exposure("0.0.0.0", TOKEN, False, "API server")
    with pytest.raises(UsageError, match=r"would serve 0\.0\.0\.0 without a token"):
        check_exposure("0.0.0.0", None, False, "API server")
    with caplog.at_level(logging.WARNING, logger="fastsynth.api"):
        check_exposure("10.1.2.3", None, True, "Flight server")
    assert "WITHOUT a token" in caplog.text
    (tmp_path / "token").write_text(f"{TOKEN}\n")
    assert read_token(None, tmp_path / "token") == TOKEN
    (tmp_path / "two").write_text("a\nb\n")
    with pytest.raises(UsageError, match="does not hold one token on one line"):
        read_token(None, tmp_path / "two")


@pytest.mark.server
def test_flight_calls_need_the_token_too():
    server = FlightServer(Service(load_settings(environ={"FASTSYNTH_API_TOKEN": TOKEN})))
    client = flight.connect(f"grpc://127.0.0.1:{server.port}")
    try:
        ticket = flight.Ticket(json.dumps({"schema": SCHEMA, "rows": 5}).encode())
        for headers in ([], [(b"authorization", b"Bearer wrong")]):
            options = flight.FlightCallOptions(headers=headers)
            with pytest.raises(flight.FlightUnauthenticatedError, match="needs a token"):
                client.do_get(ticket, options=options).read_all()
            with pytest.raises(flight.FlightUnauthenticatedError):
                list(client.do_action(flight.Action("list-generators", b""), options=options))
        options = flight.FlightCallOptions(headers=[(b"authorization", f"Bearer {TOKEN}".encode())])
        assert client.do_get(ticket, options=options).read_all().num_rows == 5
    finally:
        client.close()
        server.shutdown()


@pytest.mark.server
def test_flight_failures_tell_nothing_of_the_servers_insides(monkeypatch):
    service = Service(load_settings(environ={}))

    def broken(**request):
        raise RuntimeError("disk /srv/private/secret.db is on fire")

    monkeypatch.setattr(service, "batches", broken)
    server = FlightServer(service)
    client = flight.connect(f"grpc://127.0.0.1:{server.port}")
    try:
        with pytest.raises(flight.FlightInternalError) as caught:
            client.do_get(flight.Ticket(json.dumps({"schema": SCHEMA, "rows": 5}).encode())).read_all()
        assert "internal error (RuntimeError)" in str(caught.value)
        assert "/srv" not in str(caught.value) and "Traceback" not in str(caught.value)
    finally:
        client.close()
        server.shutdown()


def test_what_a_request_may_ask_is_capped_by_the_limits_settings(tmp_path):
    environ = {"FASTSYNTH_LIMITS_MAX_FIELDS": "3", "FASTSYNTH_LIMITS_MAX_TEXT_LENGTH": "50"}
    with app_client(tmp_path, **environ) as client:
        many = {f"c{i}": {"type": "bool"} for i in range(4)}
        for body, message in [
            ({"schema": many}, "over the limit; allowed: at most 3 (max_fields)"),
            (
                {"schema": {"s": {"type": "sentence", "max_words": 51}}},
                "field 's': max_words=51 is over the limit; allowed: at most 50 (max_text_length)",
            ),
            ({"schema": {"e": {"type": "faker", "provider": "set_formatter"}}}, "field 'e'"),
        ]:
            refused = client.post("/generate", json=body)
            assert refused.status_code == 400 and message in refused.json()["detail"], refused.json()
        assert client.post("/generators", json={"name": "g", "schema": many}).status_code == 400
        too_big = client.post("/config", json={"batch_size": 2_000_000})
        assert too_big.status_code == 400 and "(limits.max_batch_size)" in too_big.json()["detail"]
        fixed = client.post("/config", json={"limits": {"max_fields": 10_000}})
        assert fixed.status_code == 400 and "cannot change while the server runs" in fixed.json()["detail"]


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_bodies_get_a_clear_refusal(open_client, depth):
    body = "[" * depth + "]" * depth
    document = '{"schema": {"x": {"type": "constant", "value": ' + body + "}}}"
    refused = open_client.post("/generate", content=document, headers={"content-type": "application/json"})
    assert refused.status_code == 400, refused.text
    assert "nested" in refused.json()["detail"] or "depth" in refused.json()["detail"]


def test_other_sites_cannot_change_anything(open_client):
    """A page elsewhere can make the browser send a POST with no body and no media type (an empty
    form, a no-cors fetch): the browser names the page's origin, and the server refuses it."""
    open_client.post("/generators", json={"name": "g", "schema": SCHEMA})
    for method, path in (("POST", "/stop"), ("POST", "/start"), ("DELETE", "/generators/g")):
        refused = open_client.request(method, path, headers={"origin": "http://evil.example"})
        assert refused.status_code == 403 and "Origin='http://evil.example' is another site" in refused.text
        local = open_client.request(method, path, headers={"origin": "http://localhost:3000"})
        assert local.status_code == 403  # another local site is another site too
    assert open_client.get("/generators").json()[0]["name"] == "g"
    own = open_client.post("/stop", headers={"origin": "http://127.0.0.1:8000"})
    assert own.status_code == 200  # the server's own pages may


@pytest.mark.parametrize("host", ["localhost:80@evil.com", "127.0.0.1:99999", "[localhost]", ""])
def test_malformed_hosts_are_refused(open_client, host):
    refused = open_client.get("/status", headers={"host": host})
    assert refused.status_code == 400 and "is not served here" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"name": "n", "type": "file", "path": "a\x00b.jsonl"},
            400,
            "path='a\\x00b.jsonl' holds a NUL character",
        ),
        ({"name": "n", "type": "file", "path": "../x.csv"}, 400, "leads outside the server's output folder"),
    ],
)
def test_bad_paths_are_refused_without_naming_the_servers_folders(open_client, body, status, message):
    refused = open_client.post("/streamers", json=body)
    assert refused.status_code == status and message in refused.json()["detail"]
    assert str(open_client.root) not in refused.text


def test_a_file_where_a_folder_is_needed_is_a_conflict_not_a_crash(open_client):
    (open_client.root / "a.jsonl").write_text("x\n")
    open_client.post("/generators", json={"name": "g", "schema": SCHEMA})
    for path in ("a.jsonl/", "a.jsonl/sub/x.jsonl"):
        open_client.post("/streamers", json={"name": "f", "type": "file", "path": path})
        refused = open_client.post("/start", json={"rows": 5})
        assert refused.status_code == 409 and "needs folders where the output folder holds" in refused.text
        assert str(open_client.root) not in refused.text
        open_client.delete("/streamers/f")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"topic": "t", "config": {"queue.buffering.max.kbytes": 2147483647}}, "queue.buffering.max.kbytes="),
        ({"topic": "t", "flush_seconds": 1e300}, "flush_seconds=1e+300 is not a number in [0, 600]"),
        ({"topic": "t\x00"}, "is not a Kafka topic name"),
        ({"topic": "a/b"}, "is not a Kafka topic name"),
    ],
)
def test_kafka_options_from_requests_are_bounded(open_client, options, message):
    refused = open_client.post("/streamers", json={"name": "k", "type": "kafka", "options": options})
    assert refused.status_code == 400 and message in refused.json()["detail"]


def test_an_empty_body_says_what_it_needs(open_client):
    refused = open_client.post("/generators")
    assert refused.status_code == 400 and refused.json()["detail"] == "body: needs key 'name'"
    missing = open_client.post(
        "/streamers", json={"name": "f", "type": "file", "path": "x.csv", "partition_by": 1}
    )
    assert missing.json()["field"] == "partition_by"


def test_expensive_faker_pools_are_refused_before_any_work(tmp_path):
    with app_client(tmp_path) as client:
        slow = {
            "j": {
                "type": "faker",
                "provider": "paragraph",
                "args": {"nb_sentences": 100},
                "pool_size": 90_000,
            }
        }
        refused = client.post("/generate", json={"schema": slow, "rows": 1})
        assert (
            refused.status_code == 400
            and "over the limit; allowed: at most 5 s (max_build_seconds)" in refused.text
        )
        exact = {"w": {"type": "faker", "provider": "word", "exact": True}}
        assert "exact=true calls Faker for every row" in client.post("/generate", json={"schema": exact}).text
        cheap = {"w": {"type": "faker", "provider": "word", "pool_size": 1000}}
        assert client.post("/generate", json={"schema": cheap, "rows": 3}).status_code == 200


@pytest.mark.server
def test_flight_calls_it_does_not_serve_say_so_without_a_traceback():
    server = FlightServer(Service(load_settings(environ={})))
    client = flight.connect(f"grpc://127.0.0.1:{server.port}")
    try:
        descriptor = flight.FlightDescriptor.for_command(json.dumps({"schema": SCHEMA, "rows": 5}))
        assert client.get_schema(descriptor).schema.names == ["id", "score"]
        with pytest.raises(flight.FlightError) as caught:
            writer, _ = client.do_put(descriptor, pa.schema([("x", "int64")]))
            writer.close()
        assert "it takes none" in str(caught.value) and "Traceback" not in str(caught.value)
    finally:
        client.close()
        server.shutdown()


def test_other_sites_cannot_read_anything(tmp_path):
    """A page elsewhere can make the browser send a GET (``<img>``, ``EventSource``, a no-cors fetch)
    to a server without a token: it names the page's site or origin, and the server refuses it, while
    its own console, the sites in api.cors_origins and clients that are not browsers may read."""
    with app_client(tmp_path, FASTSYNTH_API_CORS_ORIGINS="https://app.example") as client:
        for path in ("/status", "/generators", "/events?count=1"):
            refused = client.get(path, headers={"origin": "http://evil.example"})
            assert refused.status_code == 403, path
            assert refused.json()["detail"] == (
                "Origin='http://evil.example' is another site; allowed: the server's own origin and "
                "api.cors_origins"
            )
            site = client.get(path, headers={"sec-fetch-site": "cross-site"})
            assert site.status_code == 403, path
            assert site.json()["detail"].startswith("Sec-Fetch-Site='cross-site': the request comes from")
            own = {"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"}
            assert client.get(path, headers=own).status_code == 200, path
            assert client.get(path).status_code == 200, path  # curl, httpx: no Origin
            allowed = {"origin": "https://app.example", "sec-fetch-site": "cross-site"}
            assert client.get(path, headers=allowed).status_code == 200, path
        assert client.get("/health", headers={"sec-fetch-site": "cross-site"}).status_code == 200
