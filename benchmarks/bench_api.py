"""The REST API's POST /generate, side by side in one run with what a user would serve instead.

    python benchmarks/bench_api.py            # full sizes (about a minute)
    python benchmarks/bench_api.py --quick    # tiny sizes: checks the script works, not the speed

Both servers run under uvicorn on 127.0.0.1 as their own processes, and one httpx client reads whole
responses from them in turn (medians of three): ``fastsynth api`` answering the seed's tabular schema as
JSON, as Arrow IPC and as Parquet, and a Litestar endpoint making the same schema with Mimesis's batch
``Fieldset`` API and answering JSON (``api_mimesis.py``). Rows per second are rows received whole by the
client (each response is then parsed, untimed, to check its row count).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
from common import ROOT, machine

sys.path.insert(0, str(ROOT))
from fastsynth.schema import EXAMPLES
from tests.kafka_broker import free_port


def serve(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT / "benchmarks"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.post(
                f"http://127.0.0.1:{port}/generate",
                json={"rows": 1, "schema": EXAMPLES["tabular"]},
                timeout=30,
            )
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{command} did not start")


def rate(client: httpx.Client, url: str, body: dict, parse, repeats: int) -> float:
    """Median rows/s of POST ``url`` with ``body``, until the response is read whole; it is parsed
    afterwards, untimed, to check the row count (parsing JSON on the client would cost the same for
    either server and blur the comparison)."""
    client.post(url, json={**body, "rows": 100})  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.post(url, json=body)
        response.raise_for_status()
        content = response.content
        times.append(time.perf_counter() - started)
        assert parse(content) == body["rows"]
    return body["rows"] / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    json_rows, binary_rows, mimesis_rows, repeats = (
        (2_000, 20_000, 500, 1) if args.quick else (500_000, 5_000_000, 20_000, 3)
    )
    print(machine())
    ours, theirs = free_port(), free_port()
    servers = [
        serve(
            [
                sys.executable,
                "-m",
                "fastsynth",
                "api",
                "--port",
                str(ours),
                "--max-rows",
                "10000000",
                "--output-dir",
                tempfile.mkdtemp(prefix="fastsynth-bench-"),
            ],
            ours,
        ),
        serve(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api_mimesis:app",
                "--port",
                str(theirs),
                "--host",
                "127.0.0.1",
                "--log-level",
                "warning",
            ],
            theirs,
        ),
    ]
    try:
        with httpx.Client(timeout=600) as client:
            schema = EXAMPLES["tabular"]
            url = f"http://127.0.0.1:{ours}/generate"
            as_json = rate(
                client, url, {"schema": schema, "rows": json_rows}, lambda b: len(json.loads(b)), repeats
            )
            as_arrow = rate(
                client, url, {"schema": schema, "rows": binary_rows, "format": "arrow"},
                lambda b: ipc.open_stream(b).read_all().num_rows, repeats,
            )  # fmt: skip
            as_parquet = rate(
                client, url, {"schema": schema, "rows": binary_rows, "format": "parquet"},
                lambda b: pq.read_table(io.BytesIO(b)).num_rows, repeats,
            )  # fmt: skip
            mimesis = rate(
                client,
                f"http://127.0.0.1:{theirs}/generate",
                {"rows": mimesis_rows},
                lambda b: len(json.loads(b)),
                repeats,
            )
    finally:
        for process in servers:
            process.terminate()
            process.wait(30)
    print("| response | server | rows/s received (median) | x the Mimesis endpoint |")
    print("|---|---|---:|---:|")
    for label, server, value in (
        ("JSON", "fastsynth api", as_json),
        ("Arrow IPC stream", "fastsynth api", as_arrow),
        ("Parquet", "fastsynth api", as_parquet),
        ("JSON", "Litestar + Mimesis Fieldset", mimesis),
    ):
        print(f"| {label} | {server} | {value:,.0f} | {value / mimesis:,.1f}x |")


if __name__ == "__main__":
    main()
