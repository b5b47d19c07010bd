"""Arrow Flight, side by side in one run: ``fastsynth flight`` against a Flight server making the same
schema with Mimesis, and against one sending a table already in memory (the transport alone).

    python benchmarks/bench_flight.py            # full sizes (about a minute)
    python benchmarks/bench_flight.py --quick    # tiny sizes: checks the script works, not the speed

Each server is its own process on 127.0.0.1; one pyarrow Flight client reads whole streams from them in
turn (``do_get(...).read_all()``), medians of three. The seed's tabular schema throughout: 5,000,000
rows from fastsynth (one ticket, and the same rows as four endpoints fetched by four threads at once),
5,000,000 from memory, 20,000 from Mimesis.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time

import pyarrow.flight as flight
from common import ROOT, machine

sys.path.insert(0, str(ROOT))
from fastsynth.schema import EXAMPLES
from tests.kafka_broker import free_port


def start(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT / "benchmarks", stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with flight.connect(f"grpc://127.0.0.1:{port}") as client:
                client.wait_for_available(timeout=1)
            return process
        except (flight.FlightUnavailableError, flight.FlightTimedOutError):
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{command} did not start")


def median_rate(read, rows: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        got = read()
        times.append(time.perf_counter() - started)
        assert got == rows, (got, rows)
    return rows / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    rows, mimesis_rows, repeats = (20_000, 500, 1) if args.quick else (5_000_000, 20_000, 3)
    print(machine())
    ours, theirs = free_port(), free_port()
    servers = [
        start([sys.executable, "-m", "fastsynth", "flight", "--port", str(ours)], ours),
        start([sys.executable, "flight_baselines.py", str(theirs), str(rows)], theirs),
    ]
    request = {"schema": EXAMPLES["tabular"], "rows": rows}
    try:
        with (
            flight.connect(f"grpc://127.0.0.1:{ours}") as fs,
            flight.connect(f"grpc://127.0.0.1:{theirs}") as base,
        ):
            ticket = flight.Ticket(json.dumps(request).encode())
            fs.do_get(flight.Ticket(json.dumps({**request, "rows": 100}).encode())).read_all()  # warm-up
            one = median_rate(lambda: fs.do_get(ticket).read_all().num_rows, rows, repeats)

            def parallel() -> int:
                command = flight.FlightDescriptor.for_command(json.dumps({**request, "parts": 4}))
                endpoints = fs.get_flight_info(command).endpoints
                counts = [0] * len(endpoints)

                def fetch(k: int) -> None:
                    counts[k] = fs.do_get(endpoints[k].ticket).read_all().num_rows

                threads = [threading.Thread(target=fetch, args=(k,)) for k in range(len(endpoints))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                return sum(counts)

            four = median_rate(parallel, rows, repeats)
            memory = median_rate(
                lambda: base.do_get(flight.Ticket(f"memory:{rows}")).read_all().num_rows, rows, repeats
            )
            mimesis = median_rate(
                lambda: base.do_get(flight.Ticket(f"mimesis:{mimesis_rows}")).read_all().num_rows,
                mimesis_rows,
                repeats,
            )
    finally:
        for process in servers:
            process.terminate()
            process.wait(30)
    print("| stream | server | rows/s received (median) | x the Mimesis server |")
    print("|---|---|---:|---:|")
    for label, server, value in (
        ("one ticket", "fastsynth flight", one),
        ("four endpoints, four threads", "fastsynth flight", four),
        ("one ticket", "table already in memory (transport only)", memory),
        ("one ticket", "Mimesis Fieldset per request", mimesis),
    ):
        print(f"| {label} | {server} | {value:,.0f} | {value / mimesis:,.1f}x |")


if __name__ == "__main__":
    main()
