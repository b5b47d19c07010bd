"""``GET /events`` served for real by uvicorn on 127.0.0.1: the status as server-sent events at the
interval asked, at most 16 streams open at once, a slot freed when its client leaves, and open streams
ended when the server stops."""

from __future__ import annotations

import contextlib
import itertools
import json
import signal
import socket
import time

import httpx
import pytest

from tests.api.server_process import Server

pytestmark = [pytest.mark.server, pytest.mark.subprocess, pytest.mark.slow]

SCHEMA = {"id": {"type": "sequence"}, "score": {"type": "float", "mean": 10, "std": 2}}


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def events(response: httpx.Response):
    """(arrival time, event name, data) of each event of a text/event-stream response, as they come."""
    name, data = None, []
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif not line and data:
            yield time.monotonic(), name, json.loads("\n".join(data))
            name, data = None, []


def open_stream(http: httpx.Client, interval: float = 1.0) -> httpx.Response:
    return http.send(http.build_request("GET", "/events", params={"interval": interval}), stream=True)


def test_events_carry_the_status_at_the_interval_asked(server):
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.post("/generators", json={"name": "points", "schema": SCHEMA})
        http.post("/streamers", json={"name": "out", "type": "file", "path": "out.jsonl"})
        http.post("/start", json={"rate": 2000})
        with http.stream("GET", "/events", params={"interval": 0.5}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            received = []
            for event in events(response):
                received.append(event)
                if len(received) == 7:
                    break
        assert {name for _, name, _ in received} == {"status"}
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(received[1:])]  # the first comes at once
        # Each gap loosely (a loaded 2-core machine delays one event, and the next comes the sooner
        # to keep the schedule), the whole run to the schedule.
        assert all(0.05 < gap < 1.5 for gap in gaps), gaps
        assert received[-1][0] - received[1][0] == pytest.approx(0.5 * 5, abs=0.25)  # on schedule
        statuses = [data for _, _, data in received]
        assert set(statuses[-1]) == set(http.get("/status").json())  # the shape of GET /status
        rows = [s["streams"]["points"]["rows"] for s in statuses]
        assert rows == sorted(rows) and rows[-1] > rows[1]  # live figures, not one reading repeated
        totals = statuses[-1]["streams"]["points"]["columns"]
        assert totals["id"]["count"] == rows[-1] and set(totals) == {"id", "score"}
        refused = http.get("/events", params={"interval": 0.1})
        assert refused.status_code == 400
        assert refused.json()["detail"] == "interval=0.1 is not a number in [0.2, 10]"
        assert http.get("/events", params={"interval": 11}).status_code == 400


def test_at_most_16_streams_are_open_and_a_client_that_leaves_frees_its_slot(server):
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=0)
    with httpx.Client(base_url=server.url, timeout=30, limits=limits) as http:
        opened = [open_stream(http) for _ in range(16)]
        try:
            assert all(r.status_code == 200 for r in opened)
            refused = open_stream(http)
            assert refused.status_code == 429
            refused.read()
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["detail"] == (
                "16 event streams are open, the most this server serves at once; "
                "close one, or poll GET /status"
            )
            refused.close()
            opened.pop().close()  # a client leaves: its stream ends and frees its slot
            deadline = time.monotonic() + 5
            while (again := open_stream(http)).status_code == 429:
                again.close()
                assert time.monotonic() < deadline, "the slot was not freed"
                time.sleep(0.1)
            opened.append(again)
            assert next(events(again))[1] == "status"
        finally:
            for response in opened:
                response.close()
        deadline = time.monotonic() + 5  # all of them leave: every slot is free again
        while True:
            more = [open_stream(http, 10) for _ in range(16)]
            statuses = [r.status_code for r in more]
            for response in more:
                response.close()
            if statuses == [200] * 16:
                break
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)


def test_open_streams_end_when_the_server_stops(server):
    with httpx.Client(base_url=server.url, timeout=30) as http, contextlib.ExitStack() as open_now:
        responses = [open_now.enter_context(http.stream("GET", "/events?interval=10")) for _ in range(3)]
        readers = [events(response) for response in responses]
        for reader in readers:
            next(reader)  # each has its first event and waits ten seconds for the next
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(20) == -signal.SIGTERM  # uvicorn re-raises it once it is done
        assert time.monotonic() - started < 5  # not the 30 s uvicorn gives open responses
        for reader in readers:
            assert list(reader) == []  # the stream ended cleanly
    assert "Traceback" not in server.log.read_text()


def test_clients_that_leave_before_the_first_event_free_their_slots(server):
    # A client that closes at once has its response cancelled before the stream's generator starts;
    # 40 of them once took every slot for good, and every later /events was refused.
    request = f"GET /events?interval=0.2 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    for _ in range(40):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(request)
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=0)
    with httpx.Client(base_url=server.url, timeout=30, limits=limits) as http:
        deadline = time.monotonic() + 5
        while True:
            opened = [open_stream(http, 10) for _ in range(16)]
            statuses = [r.status_code for r in opened]
            for response in opened:
                response.close()
            if statuses == [200] * 16:
                break
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)
