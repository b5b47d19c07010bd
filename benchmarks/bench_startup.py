"""Start-up: how long the commands a user types take before (and including) their work, beside the
Python interpreter doing nothing and Faker's own command line printing one fake value.

    .venv/bin/python benchmarks/bench_startup.py [--repeats 9] [--quick]

Each command runs as a fresh process; the figure is the median wall time over the repeats, after one
run that warms the disk cache, Python's bytecode caches and numba's kernel cache. Targets (issue 19):
``--help`` and ``schema types`` under 0.3 s, ``gen`` of one row under 1 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from common import ROOT, machine, median_seconds

BIN = Path(sys.executable).parent
COMMANDS = {
    "python -c pass (the floor)": [sys.executable, "-c", "pass"],
    "faker name (Faker's CLI, one value)": [str(BIN / "faker"), "name"],
    "fastsynth --help": [str(BIN / "fastsynth"), "--help"],
    "fastsynth schema types": [str(BIN / "fastsynth"), "schema", "types"],
    "fastsynth gen tabular.json --rows 1": [
        str(BIN / "fastsynth"),
        "gen",
        str(ROOT / "configs" / "tabular.json"),
        "--rows",
        "1",
        "--format",
        "jsonl",
    ],
}


USERS_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""The environment the commands run in: with Python's bytecode caches, as a user's Python has them (a
machine that sets PYTHONDONTWRITEBYTECODE would compile every module from source at every start)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="One timed run of each (a smoke test).")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    print(machine())
    print(f"median of {repeats} runs, each a fresh process\n")
    print("| command | seconds | vs the interpreter's start |")
    print("|---|---:|---:|")
    floor = None
    for label, command in COMMANDS.items():

        def run(command: list[str] = command) -> None:
            subprocess.run(
                command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=USERS_ENV
            )

        run()  # warm the disk cache, the bytecode caches and numba's cache
        seconds, _ = median_seconds(run, repeats)
        floor = floor or seconds
        print(f"| {label} | {seconds:.3f} | {seconds / floor:.1f}x |")


if __name__ == "__main__":
    main()
