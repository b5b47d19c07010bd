"""``fastsynth api`` served for real by uvicorn on 127.0.0.1, streaming into a file and a Kafka broker."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

import fastsynth
from tests.api.server_process import Server
from tests.kafka_broker import free_port
from tests.sinks.test_kafka import consume

pytestmark = [pytest.mark.server, pytest.mark.subprocess]

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {
    "id": {"type": "sequence"},
    "name": {"type": "name"},
    "score": {"type": "float", "mean": 10, "std": 2},
}


@pytest.fixture
def serve(tmp_path):
    """Start ``fastsynth api`` with options; stopped (killed, if it still runs) after the test."""
    started: list[Server] = []

    def start(*options: str) -> Server:
        started.append(Server(tmp_path, *options))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


@pytest.fixture
def server(serve):
    return serve()


def test_binds_loopback_and_streams_to_kafka_and_a_file_until_sigterm(serve, broker, tmp_path):
    server = serve("--kafka-bootstrap", broker.bootstrap)
    with httpx.Client(base_url=server.url, timeout=30) as http:

        def add(path: str, body: dict) -> None:
            response = http.post(path, json=body)
            assert response.status_code == 201, response.text

        kafka = {"topic": "{generator}-rows", "bootstrap_servers": broker.bootstrap, "key_field": "id"}
        add("/generators", {"name": "points", "schema": SCHEMA, "seed": 5})
        add("/streamers", {"name": "bus", "type": "kafka", "options": kafka})
        add(
            "/streamers",
            {"name": "lake", "type": "file", "path": "lake/{generator}.parquet", "overwrite": True},
        )
        listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout.split()
        assert f"127.0.0.1:{server.port}" in listening  # loopback only
        assert not {f"0.0.0.0:{server.port}", f"*:{server.port}", f"[::]:{server.port}"} & set(listening)
        assert http.post("/start", json={"rate": 20_000, "rows": 20_000}).json()["started"] == ["points"]
        deadline = time.monotonic() + 60
        while http.get("/status").json()["streams"]["points"]["running"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert 'fastsynth_rows_total{stream="points"} 20000' in http.get("/metrics").text
        expected = fastsynth.generate(SCHEMA, 20_000, seed=5).to_pylist()
        messages = consume(broker.bootstrap, "points-rows", 20_000)
        assert sorted((json.loads(m.value()) for m in messages), key=lambda r: r["id"]) == expected
        # A second stream is left running: SIGTERM must stop it and publish its file whole.
        assert http.post("/stop").json() == {"stopped": {"points": 20_000}}
        http.delete("/streamers/bus")
        http.post("/start", json={"rate": 5000})
        time.sleep(1.0)
        # uvicorn shuts down, then re-raises the signal so the exit status still says SIGTERM.
        assert server.stop() == -signal.SIGTERM
        table = pq.read_table(tmp_path / "lake" / "points.parquet")
        assert table.column("id").to_pylist() == list(range(1, table.num_rows + 1)) and table.num_rows >= 1000
        assert "Application shutdown complete" in server.log.read_text()


def test_generate_streams_a_large_parquet_body(server):
    rows = 2_000_000
    with httpx.stream(
        "POST",
        f"{server.url}/generate",
        json={"schema": SCHEMA, "rows": rows, "format": "parquet"},
        timeout=120,
    ) as response:
        assert response.status_code == 200
        body = b"".join(response.iter_bytes())
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == rows and table.column("id")[rows - 1].as_py() == rows


def test_a_concept_drift_generator_is_served_like_any_schema(server):
    """A schema's generator through /generate, with a bad one answered 400 naming the parameter."""
    generator = {
        "concepts": [{"type": "hyperplane", "mag_change": 0.001}, {"type": "hyperplane", "sigma": 0.2}],
        "drift": [{"position": 5000, "width": 500}],
    }
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/generate",
            json={"schema": {"generator": generator}, "rows": 10_000, "format": "parquet", "seed": 3},
        )
        assert response.status_code == 200
        table = pq.read_table(io.BytesIO(response.content))
        assert table.equals(fastsynth.generate({"generator": generator}, 10_000, seed=3))
        bad = http.post(
            "/generate", json={"schema": {"generator": {"type": "hyperplane", "n_features": 10**6}}}
        )
        assert bad.status_code == 400 and "n_features=1000000 is not an integer in [1, 1000]" in bad.text


def test_a_cohorts_table_is_served_like_any_schema(server):
    """A schema's ``cohort`` through /generate and a named generator: the table ``generate_cohort``
    makes; a cohort over the limits answered 400 naming the key."""
    from fastsynth.clinical import Cohort, generate_cohort

    cohort = {"patients": 500, "genes": 20, "proteins": 3}
    schema = {"cohort": {"table": "demographics", **cohort}}
    expected = generate_cohort(Cohort.from_dict({**cohort, "seed": 3}))["demographics"]
    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/generate", json={"schema": schema, "rows": 500, "format": "parquet", "seed": 3}
        )
        assert response.status_code == 200
        assert pq.read_table(io.BytesIO(response.content)).cast(expected.schema).equals(expected)
        added = http.post("/generators", json={"name": "patients", "schema": schema, "seed": 3})
        assert added.status_code == 201, added.text
        bad = http.post(
            "/generate", json={"schema": {"cohort": {"table": "genes", "patients": 9, "genes": 10**6}}}
        )
        assert bad.status_code == 400
        assert (
            "schema: cohort: genes=1000000 is over the limit; allowed: at most 1000 (max_fields)" in bad.text
        )


def test_readme_curl_examples_run(server, tmp_path):
    """Every ``curl`` line in the README's REST API section runs against the server and succeeds."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## REST API", 1)[1].split("\n## ", 1)[0]
    commands = [
        line
        for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
        for line in block.splitlines()
        if line.startswith("curl ")
    ]
    assert len(commands) >= 6
    for command in commands:
        command = command.replace("localhost:8000", f"127.0.0.1:{server.port}")
        result = subprocess.run(
            command + " --fail-with-body --silent --show-error",
            shell=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NO_PROXY": "*"},
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def test_a_real_server_asks_for_its_token_and_its_own_host(serve, tmp_path):
    (tmp_path / "token").write_text("tok-123\n")
    server = serve("--token-file", str(tmp_path / "token"))
    bearer = {"Authorization": "Bearer tok-123"}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/health").status_code == 200
        refused = http.get("/status")
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert http.get("/status", headers=bearer).status_code == 200
        rebound = http.get("/status", headers={**bearer, "Host": "attacker.example"})
        assert rebound.status_code == 400 and "Host='attacker.example' is not served here" in rebound.text
        form = http.post("/generators", headers=bearer, content=b"name=g&example=tabular")
        assert form.status_code == 415
        assert (
            "access-control-allow-origin"
            not in http.get("/health", headers={"Origin": "https://x.example"}).headers
        )
    assert "tok-123" not in server.log.read_text()


@pytest.mark.parametrize("command", ["api", "flight"])
def test_serving_other_machines_without_a_token_is_refused_before_binding(command, tmp_path):
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "fastsynth", command, "--host", "0.0.0.0", "--port", str(port)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: the ") and "--insecure-no-token" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "fastsynth-output").exists()


def test_the_default_output_folder_is_a_dedicated_one(tmp_path):
    """Without --output-dir, files go to ./fastsynth-output, not the folder the server started in."""
    server = Server(tmp_path, output_dir=False)
    try:
        url = server.url
        httpx.post(f"{url}/generators", json={"name": "g", "schema": SCHEMA}).raise_for_status()
        streamer = {"name": "f", "type": "file", "path": "rows.csv"}
        httpx.post(f"{url}/streamers", json=streamer).raise_for_status()
        httpx.post(f"{url}/start", json={"rows": 100}).raise_for_status()
        deadline = time.monotonic() + 30
        while httpx.get(f"{url}/status").json()["streams"]["g"]["running"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        httpx.post(f"{url}/stop").raise_for_status()
        assert (tmp_path / "fastsynth-output" / "rows.csv").is_file()
        assert not (tmp_path / "rows.csv").exists()
    finally:
        server.stop()


def test_requests_making_rows_past_the_limit_are_answered_429_until_one_ends(serve, tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text("limits: {max_row_streams: 1}\n")
    server = serve("--config", str(settings))
    request = {"schema": SCHEMA, "rows": 5_000_000, "format": "csv"}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        with http.stream("POST", "/generate", json=request) as first:
            assert first.status_code == 200
            next(first.iter_bytes())  # under way: it holds the one place
            busy = http.post("/generate", json={**request, "rows": 10})
            assert busy.status_code == 429 and "(limits.max_row_streams)" in busy.json()["detail"]
        deadline = time.monotonic() + 30  # the client left: its rows are closed, and the place given back
        while (again := http.post("/generate", json={**request, "rows": 10})).status_code == 429:
            assert time.monotonic() < deadline, again.text
            time.sleep(0.1)
        assert again.status_code == 200 and len(again.text.splitlines()) == 11


def test_a_report_is_served_as_a_page_and_as_json(server):
    with httpx.Client(base_url=server.url, timeout=120) as http:
        assert (
            http.post("/generators", json={"name": "points", "schema": SCHEMA, "seed": 1}).status_code == 201
        )
        page = http.post("/report", json={"generator": "points", "rows": 20_000, "windows": 4})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "score" in page.text and "</html>" in page.text
        real = http.post("/generate", json={"generator": "points", "rows": 2_000, "seed": 5}).json()
        for row in real:
            row.pop("name")  # text: compared by nothing but privacy, and optional in real data
        quality = http.post("/report", json={"generator": "points", "data": real, "format": "json"})
        assert quality.status_code == 200, quality.text
        assert quality.json()["kind"] == "quality" and quality.json()["score"] > 0.8
