"""The Arrow Flight server on 127.0.0.1: tickets, split endpoints, actions, refusals, and the commands."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import httpx
import pyarrow as pa
import pyarrow.flight as flight
import pytest

import fastsynth
from fastsynth.config import load_settings
from fastsynth.flight import FlightServer
from fastsynth.schema import EXAMPLES
from fastsynth.service import Service
from tests.kafka_broker import free_port

pytestmark = pytest.mark.server

SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name"},
    "score": {"type": "float", "mean": 10, "std": 2},
    "status": {"type": "category", "categories": ["a", "b", "c"]},
}


@pytest.fixture
def client():
    server = FlightServer(Service(load_settings(environ={}), max_rows=5_000_000))
    connection = flight.connect(f"grpc://127.0.0.1:{server.port}")
    yield connection
    connection.close()
    server.shutdown()


def ticket(**request) -> flight.Ticket:
    return flight.Ticket(json.dumps(request).encode())


def act(client, kind, body=None):
    payload = b"" if body is None else json.dumps(body).encode()
    return json.loads(next(iter(client.do_action(flight.Action(kind, payload)))).body.to_pybytes())


def refusal(call) -> tuple[str, int]:
    with pytest.raises(flight.FlightServerError) as caught:
        call()
    body = json.loads(caught.value.extra_info)
    assert str(caught.value).startswith(body["detail"])
    assert "Traceback" not in str(caught.value)
    return body["detail"], body["status"]


def test_a_ticket_gives_the_librarys_rows(client):
    table = client.do_get(ticket(schema=SCHEMA, rows=300_000, seed=4)).read_all()
    assert table.equals(fastsynth.generate(SCHEMA, 300_000, seed=4))
    window = client.do_get(ticket(schema=SCHEMA, rows=10, seed=4, start=123_456)).read_all()
    assert window.equals(fastsynth.generate(SCHEMA, 10, seed=4, start=123_456))


@pytest.mark.parametrize("parts", [1, 3, 7])
def test_split_endpoints_fetched_in_parallel_join_into_the_whole(client, parts):
    command = {"schema": SCHEMA, "rows": 100_001, "seed": 2, "start": 50, "parts": parts}
    info = client.get_flight_info(flight.FlightDescriptor.for_command(json.dumps(command)))
    assert info.total_records == 100_001 and len(info.endpoints) == parts
    assert info.schema == fastsynth.Schema.from_dict(SCHEMA).arrow_schema()
    results: dict[int, pa.Table] = {}

    def fetch(k: int, endpoint: flight.FlightEndpoint) -> None:
        results[k] = client.do_get(endpoint.ticket).read_all()

    threads = [threading.Thread(target=fetch, args=item) for item in enumerate(info.endpoints)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    whole = pa.concat_tables(results[k] for k in range(parts))
    assert whole.equals(fastsynth.generate(SCHEMA, 100_001, seed=2, start=50))


def test_requests_making_rows_past_the_limit_are_refused_until_one_ends():
    settings = load_settings(environ={"FASTSYNTH_LIMITS_MAX_ROW_STREAMS": "1"})
    server = FlightServer(Service(settings, max_rows=5_000_000))
    try:
        with flight.connect(f"grpc://127.0.0.1:{server.port}") as connection:
            reader = connection.do_get(ticket(schema=SCHEMA, rows=5_000_000, seed=1))
            reader.read_chunk()  # under way: it holds the one place
            detail, status = refusal(lambda: connection.do_get(ticket(schema=SCHEMA, rows=10)).read_all())
            assert status == 429 and "(limits.max_row_streams)" in detail
            reader.cancel()
            del reader
            deadline = time.monotonic() + 30  # the server sees the cancel, and drops the stream, soon after
            while True:
                try:
                    assert connection.do_get(ticket(schema=SCHEMA, rows=10)).read_all().num_rows == 10
                    break
                except flight.FlightServerError:
                    assert time.monotonic() < deadline, "the place was not given back"
                    time.sleep(0.1)
    finally:
        server.shutdown()


def test_generators_are_registered_listed_and_removed_by_actions(client):
    assert {name for name, _ in client.list_actions()} == {
        "add-generator",
        "remove-generator",
        "list-generators",
    }
    added = act(client, "add-generator", {"name": "users", "example": "tabular", "seed": 9})
    assert added["columns"] == list(EXAMPLES["tabular"])
    listed = list(client.list_flights())
    assert [info.descriptor.path for info in listed] == [[b"users"]]
    assert listed[0].total_records == 1000  # the batch-size setting
    rows = client.do_get(listed[0].endpoints[0].ticket).read_all()
    assert rows.equals(fastsynth.generate(EXAMPLES["tabular"], 1000, seed=9))
    by_name = client.do_get(ticket(generator="users", rows=500)).read_all()
    assert by_name.equals(fastsynth.generate(EXAMPLES["tabular"], 500, seed=9))
    assert [g["name"] for g in act(client, "list-generators")] == ["users"]
    assert act(client, "remove-generator", {"name": "users"}) == {"removed": "users"}
    assert list(client.list_flights()) == []


@pytest.mark.parametrize(
    ("call", "message", "status"),
    [
        (lambda c: c.do_get(flight.Ticket(b"rows please")).read_all(), "the ticket is not JSON", 400),
        (
            lambda c: c.do_get(ticket(generator="nope")).read_all(),
            "generator 'nope' does not exist (none)",
            404,
        ),
        (
            lambda c: c.do_get(ticket(schema={"x": {"type": "int", "min": 3, "max": 1}})).read_all(),
            "field 'x': min=3 is greater than max=1",
            400,
        ),
        (
            lambda c: c.do_get(ticket(schema=SCHEMA, colour=1)).read_all(),
            "the ticket: unknown key 'colour'; allowed: generator, rows, schema, seed, start",
            400,
        ),
        (
            lambda c: c.do_get(ticket(schema=SCHEMA, rows=6_000_000)).read_all(),
            "rows=6,000,000 is more than this server makes",
            400,
        ),
        (
            lambda c: c.do_get(ticket(schema=SCHEMA, start=-1)).read_all(),
            "start=-1 is not an integer >= 0",
            400,
        ),
        (
            lambda c: c.get_flight_info(
                flight.FlightDescriptor.for_command(json.dumps({"schema": SCHEMA, "parts": 0}))
            ),
            "the command: parts=0 is not an integer in [1, 1024]",
            400,
        ),
        (
            lambda c: c.get_flight_info(flight.FlightDescriptor.for_path("a", "b")),
            "a path descriptor names one generator",
            400,
        ),
        (
            lambda c: act(c, "add-generator", {"name": "u", "example": "tabular", "colour": 1}),
            "the body of add-generator: unknown key 'colour'; allowed: example, model, name, schema, seed",
            400,
        ),
        (lambda c: act(c, "remove-generator", {"name": "nope"}), "generator 'nope' does not exist", 404),
        (lambda c: act(c, "fly", {}), "action 'fly' is unknown; allowed: add-generator", 400),
        (
            lambda c: c.do_get(
                flight.Ticket(b'{"schema": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
            ).read_all(),
            "the ticket is nested too deeply to read",
            400,
        ),
        (
            lambda c: c.do_get(ticket(schema={f"c{i}": {"type": "bool"} for i in range(1001)})).read_all(),
            "over the limit; allowed: at most 1000 (max_fields)",
            400,
        ),
    ],
)
def test_refusals_name_the_field_the_value_and_what_is_allowed(client, call, message, status):
    error, code = refusal(lambda: call(client))
    assert message in error and code == status


def test_rows_end_at_the_last_64_bit_row_index_and_no_further(client):
    """start + rows past 2**63 - 1 was taken: rows made at wrapped indices, or a crash naming no field."""
    plain = {"score": {"type": "float", "mean": 10, "std": 2}, "name": {"type": "name"}}
    last = 2**63 - 1
    table = client.do_get(ticket(schema=plain, rows=1000, seed=4, start=last - 1000)).read_all()
    assert table.equals(fastsynth.generate(plain, 1000, seed=4, start=last - 1000))
    past = "start=9,223,372,036,854,774,808 with rows=1,000 ends at 9,223,372,036,854,775,808, past 2**63 - 1"
    for call in (
        lambda: client.do_get(ticket(schema=plain, rows=1000, start=last - 999)).read_all(),
        lambda: client.get_flight_info(
            flight.FlightDescriptor.for_command(
                json.dumps({"schema": plain, "rows": 1000, "start": last - 999, "parts": 2})
            )
        ),
    ):
        detail, status = refusal(call)
        assert detail.startswith(past) and status == 400
        assert (
            "allowed: start + rows at most 2**63 - 1, here start at most 9,223,372,036,854,774,807" in detail
        )
    detail, status = refusal(lambda: client.do_get(ticket(schema=plain, rows=1, start=last)).read_all())
    assert "start at most 9,223,372,036,854,775,806" in detail and status == 400


def test_a_column_that_cannot_make_the_rows_is_refused_before_the_stream_begins(client):
    """A sequence reaching past int64 fails as its first batch is made: that was once the stream had
    begun, so the refusal reached the client with the server's Python traceback (its files and lines)
    in its message and without the problem details."""
    schema = {"id": {"type": "sequence", "start": 1000}}
    detail, status = refusal(
        lambda: client.do_get(ticket(schema=schema, rows=10, start=2**63 - 100)).read_all()
    )
    assert (
        detail.startswith("field 'id': start=1000, step=1 reach 9223372036854776717 at row") and status == 400
    )
    assert "flight.py" not in detail


COHORT = {"patients": 700, "genes": 30, "proteins": 3, "visits": {"count": 2}}


def test_a_cohorts_table_is_served_split_like_any_schema(client):
    """A schema's ``cohort`` through split endpoints: the table ``generate_cohort`` makes; a cohort
    over the server's limits refused before anything is made."""
    from fastsynth.clinical import Cohort, generate_cohort

    command = {"schema": {"cohort": {"table": "genes", **COHORT}}, "rows": 1400, "seed": 6, "parts": 3}
    info = client.get_flight_info(flight.FlightDescriptor.for_command(json.dumps(command)))
    made = pa.concat_tables(client.do_get(e.ticket).read_all() for e in info.endpoints)
    expected = generate_cohort(Cohort.from_dict({**COHORT, "seed": 6}))["genes"]
    assert len(info.endpoints) == 3 and made.cast(expected.schema).equals(expected)
    huge = {"cohort": {"table": "genes", "patients": 10**9, "genes": 10**6}}
    error, code = refusal(lambda: client.do_get(ticket(schema=huge, rows=10)).read_all())
    assert code == 400 and "schema: cohort: genes=1000000 is over the limit; allowed: at most 1000" in error


def test_a_name_taken_is_a_conflict(client):
    act(client, "add-generator", {"name": "users", "example": "tabular"})
    error, status = refusal(lambda: act(client, "add-generator", {"name": "users", "example": "tabular"}))
    assert status == 409 and error == "generator 'users' already exists; delete it first"


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with flight.connect(f"grpc://127.0.0.1:{port}") as connection:
                connection.wait_for_available(timeout=0.5)
            return
        except (flight.FlightUnavailableError, flight.FlightTimedOutError):
            assert process.poll() is None and time.monotonic() < deadline


@pytest.mark.subprocess
def test_the_flight_command_serves_until_sigterm(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fastsynth", "flight", "--port", str(port)], stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_port(port, process)
        with flight.connect(f"grpc://127.0.0.1:{port}") as connection:
            rows = connection.do_get(ticket(schema=SCHEMA, rows=50_000, seed=1)).read_all()
        assert rows.equals(fastsynth.generate(SCHEMA, 50_000, seed=1))
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0 and "Flight server stopped" in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.subprocess
def test_the_api_and_flight_share_their_generators(tmp_path):
    api_port, flight_port = free_port(), free_port()
    command = [
        sys.executable,
        "-m",
        "fastsynth",
        "api",
        "--port",
        str(api_port),
        "--flight-port",
        str(flight_port),
    ]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(flight_port, process)
        url = f"http://127.0.0.1:{api_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                created = httpx.post(
                    f"{url}/generators", json={"name": "users", "example": "tabular", "seed": 3}
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert created.status_code == 201
        with flight.connect(f"grpc://127.0.0.1:{flight_port}") as connection:
            rows = connection.do_get(ticket(generator="users", rows=2000)).read_all()
        assert rows.equals(fastsynth.generate(EXAMPLES["tabular"], 2000, seed=3))
    finally:
        process.terminate()
        process.wait(30)
