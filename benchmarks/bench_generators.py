"""Concept-drift generators and the seed's block example, side by side in one run with what users use
instead: river's own streams, and calm-data-generator's ``SyntheticBlockGenerator``.

    python benchmarks/bench_generators.py --calm-python ~/.cache/fastsynth/calm-venv/bin/python
    python benchmarks/bench_generators.py --quick    # tiny sizes: checks the script works, not the speed

1. Each generator of ``fastsynth.concepts.GENERATORS`` that river also has (the table ``RIVER`` below:
   fastsynth's name -> river's class and its parameters, which fastsynth takes by the same names): a
   schema ``{"generator": {"type": name, ...}}`` made into an Arrow table by ``fastsynth.generate``
   (2,000,000 rows), against river's stream iterated with ``take(n)`` into a list (at least 20,000 rows,
   about half a second's worth). Medians of five. Generators not registered yet are skipped with a note.
   Targets (issue 14): >= 50x river and >= 5M rows/s.
2. The seed's block example (3 blocks of SEA functions 0, 1 and 2, noise 0.1 as the peer's factory sets
   it, a timestamp per block from 2023-01-01 a week apart) written to CSV: fastsynth's schema document
   through ``iter_batches`` into its CSV sink, against calm-data-generator's
   ``generate_blocks_simple`` (``calm_blocks.py``, in the throwaway venv ``calm_venv.sh`` makes), at the
   example's 3,000 rows and at 300,000; in-process after a warm-up (medians of three), and as whole
   processes with interpreter start-up (``fastsynth gen`` against the example as a script). Target: >= 100x.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import DEFAULT_CALM, machine, median_rate
from river.datasets import synth

import fastsynth
from fastsynth.concepts import GENERATORS

HERE = Path(__file__).resolve().parent
RIVER_SECONDS = 0.5
"""About how long one timed river run takes (its rows are chosen from a warm-up)."""
TARGET_RATIO, TARGET_RATE, TARGET_BLOCKS = 50.0, 5_000_000.0, 100.0
RIVER_THEN = {"sea": 340_000, "agrawal": 17_000}
"""river's rows/s on this machine when issue 14 set the targets."""

RIVER: dict[str, tuple[str, dict[str, Any]]] = {
    "agrawal": ("Agrawal", {"classification_function": 0, "seed": 1}),
    "sea": ("SEA", {"variant": 0, "noise": 0.1, "seed": 1}),
    "hyperplane": ("Hyperplane", {"n_features": 10, "mag_change": 0.001, "sigma": 0.1, "seed": 1}),
    "random_tree": ("RandomTree", {"seed_tree": 1, "seed_sample": 1}),
    "stagger": ("STAGGER", {"classification_function": 0, "seed": 1}),
    "sine": ("Sine", {"classification_function": 0, "seed": 1}),
    "mixed": ("Mixed", {"classification_function": 0, "seed": 1}),
    "friedman": ("Friedman", {"seed": 1}),
    "friedman_drift": ("FriedmanDrift", {"drift_type": "lea", "position": (5000, 10000, 15000), "seed": 1}),
    "random_rbf": ("RandomRBF", {"n_features": 10, "n_centroids": 50, "seed_model": 1, "seed_sample": 1}),
    "random_rbf_drift": (
        "RandomRBFDrift",
        {"n_features": 10, "n_centroids": 50, "change_speed": 0.01, "seed_model": 1, "seed_sample": 1},
    ),
    "led": ("LED", {"noise_percentage": 0.1, "irrelevant_features": True, "seed": 1}),
    "led_drift": (
        "LEDDrift",
        {"noise_percentage": 0.1, "irrelevant_features": True, "n_drift_features": 4, "seed": 1},
    ),
    "waveform": ("Waveform", {"has_noise": False, "seed": 1}),
}
"""fastsynth's generator -> (river's class in ``river.datasets.synth``, its keyword arguments). fastsynth
takes the same parameters by the same names, except river's seeds (``seed``, ``seed_tree``...): its rows
come from the dataset's seed. Non-default values switch on what each generator is for (noise, drift)."""


def fastsynth_document(name: str, river_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The schema of generator ``name`` with river's parameters (tuples as lists, seeds left out)."""
    options = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in river_kwargs.items()
        if not key.startswith("seed")
    }
    return {"generator": {"type": name, **options}}


def river_rate(stream: Any, least: int, repeats: int, quick: bool) -> tuple[float, int]:
    """(median rows/s, rows per run) of ``list(stream.take(n))``; n from a warm-up, at least ``least``."""

    def make(n: int) -> list:
        return list(stream.take(n))

    if quick:
        return median_rate(make, least, repeats), least
    started = time.perf_counter()
    make(2000)
    guess = 2000 / (time.perf_counter() - started)
    rows = max(least, min(200_000, round(guess * RIVER_SECONDS, -3)))
    return median_rate(make, int(rows), repeats), int(rows)


@dataclass(frozen=True)
class Measured:
    """One generator's medians, fastsynth's and river's."""

    name: str
    river_class: str
    river_rows: int
    ours: float
    theirs: float


def generators(rows: int, river_least: int, repeats: int, quick: bool) -> list[Measured]:
    """Each generator river and fastsynth both have, measured; notes for the others."""
    measured = []
    for name, (cls, kwargs) in RIVER.items():
        if name not in GENERATORS:
            print(f"note: {name} is not registered in fastsynth.concepts.GENERATORS yet; skipped")
            continue
        document = fastsynth_document(name, kwargs)
        try:
            schema = fastsynth.Schema.from_dict(document)
        except fastsynth.SchemaError as exc:
            print(f"note: {name} skipped: fastsynth refuses river's parameters {kwargs}: {exc}")
            continue
        ours = median_rate(lambda n, schema=schema: fastsynth.generate(schema, n, seed=1), rows, repeats)
        theirs, river_rows = river_rate(getattr(synth, cls)(**kwargs), river_least, repeats, quick)
        measured.append(Measured(name, cls, river_rows, ours, theirs))
    return measured


def generator_lines(measured: list[Measured]) -> list[tuple[str, ...]]:
    """The table's lines: rates, ratio, and whether each target is met."""
    return [
        (
            m.name,
            f"{m.river_class} ({m.river_rows:,} rows)",
            f"{m.ours:,.0f}",
            f"{m.theirs:,.0f}",
            f"{m.ours / m.theirs:,.1f}x",
            _met(m.ours / m.theirs, TARGET_RATIO),
            _met(m.ours, TARGET_RATE),
        )
        for m in measured
    ]


def machine_speed(measured: list[Measured]) -> list[str]:
    """This run's speed against the machine's when the issue set its targets (river's SEA and Agrawal
    then), and the rows/s target scaled to it: the machines here run up to several times slower when
    busy, river as much as fastsynth."""
    then = {m.river_class: (m.theirs, RIVER_THEN[m.name]) for m in measured if m.name in RIVER_THEN}
    if not then:
        return []
    speed = statistics.geometric_mean(now / was for now, was in then.values())
    scaled = TARGET_RATE * speed
    said = ", ".join(f"river {name} {now:,.0f} rows/s (then {was:,})" for name, (now, was) in then.items())
    met = [m.name for m in measured if m.ours >= scaled]
    missed = [f"{m.name} ({m.ours:,.0f})" for m in measured if m.ours < scaled]
    return [
        f"machine speed: {speed:.2f}x of when the targets were set ({said})",
        f"- {TARGET_RATE:,.0f} rows/s scaled to {scaled:,.0f}: met by {', '.join(met) or 'none'}; "
        f"not met by {', '.join(missed) or 'none'}",
    ]


def block_document(rows: int) -> dict[str, Any]:
    """The seed's block example as a fastsynth schema: ``rows`` rows in three blocks of SEA 0, 1, 2."""
    return {
        "generator": {
            "concepts": [{"type": "sea", "variant": v, "noise": 0.1} for v in (0, 1, 2)],
            "blocks": {"total_rows": rows},
            "dates": {"start": "2023-01-01", "step": {"days": 7}},
            "concept_column": None,  # the block column already says which concept each row has
        }
    }


def fastsynth_blocks(rows: int) -> float:
    """Seconds fastsynth takes to write the block example with ``rows`` rows to CSV, as a user does from
    Python: the schema from its document, ``iter_batches`` into the CSV sink."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dataset.csv"
        started = time.perf_counter()
        schema = fastsynth.Schema.from_dict(block_document(rows))
        with fastsynth.open_sink(path, schema.arrow_schema(), format="csv") as sink:
            for batch in fastsynth.iter_batches(schema, rows):
                sink.write(batch)
        seconds = time.perf_counter() - started
        _check_lines(path, rows)
    return seconds


def fastsynth_gen(rows: int) -> float:
    """Seconds of a whole ``fastsynth gen`` process writing the block example to CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        schema, path = Path(tmp) / "blocks.json", Path(tmp) / "dataset.csv"
        schema.write_text(json.dumps(block_document(rows)))
        cmd = [sys.executable, "-m", "fastsynth", "gen", str(schema), "--rows", str(rows)]
        started = time.perf_counter()
        subprocess.run([*cmd, "--output", str(path), "--no-progress"], check=True, capture_output=True)
        seconds = time.perf_counter() - started
        _check_lines(path, rows)
    return seconds


def _check_lines(path: Path, rows: int) -> None:
    with path.open("rb") as written:
        lines = sum(1 for _ in written) - 1
    if lines != rows:
        raise SystemExit(f"{path} holds {lines} rows, not {rows}")


def calm(python: Path, rows: int, repeats: int, cold: bool = False) -> float:
    """Median seconds of calm-data-generator's block example with ``rows`` rows: in-process after a
    warm-up, or (``cold``) whole processes, timed from here."""
    script = [str(python), str(HERE / "calm_blocks.py"), "--rows", str(rows)]
    if not cold:
        report = json.loads(_peer([*script, "--repeats", str(repeats)]).strip().splitlines()[-1])
        if report["lines"] != rows:
            raise SystemExit(f"calm-data-generator wrote {report['lines']} rows, not {rows}")
        return statistics.median(report["seconds"])
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _peer([*script, "--cold"])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peer(cmd: list[str]) -> str:
    """The standard output of the peer's script, or an exit saying how to mend its venv."""
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(
            f"calm-data-generator's block example failed (a venv made before it needed river? update it "
            f"with sh benchmarks/calm_venv.sh):\n{result.stderr[-2000:]}"
        )
    return result.stdout


def blocks(sizes: tuple[int, ...], repeats: int, calm_python: Path | None) -> list[tuple[str, ...]]:
    """Table lines for the block example at each size: fastsynth, and the peer when it is there."""
    fastsynth_blocks(3000)  # warm-up: numba's cache, pyarrow's CSV writer
    ways = (
        ("in-process", "fastsynth iter_batches -> CSV sink", "calm-data-generator generate_blocks_simple"),
        ("whole process", "fastsynth gen", "calm-data-generator, the example as a script"),
    )
    lines = []
    for rows in sizes:
        ours = [
            statistics.median(fastsynth_blocks(rows) for _ in range(repeats)),
            statistics.median(fastsynth_gen(rows) for _ in range(repeats)),
        ]
        theirs: list[float | None] = [None, None]
        if calm_python is not None:
            theirs = [calm(calm_python, rows, repeats), calm(calm_python, rows, repeats, cold=True)]
        for (how, mine_name, peer_name), mine, peer in zip(ways, ours, theirs, strict=True):
            task = f"block example, {rows:,} rows -> CSV, {how}"
            ratio = "" if peer is None else f"{peer / mine:,.1f}x"
            met = "" if peer is None else _met(peer / mine, TARGET_BLOCKS)
            lines.append((task, mine_name, f"{mine:.3f} s", f"{rows / mine:,.0f}", ratio, met))
            if peer is not None:
                lines.append((task, peer_name, f"{peer:.3f} s", f"{rows / peer:,.0f}", "1.0x", ""))
    return lines


def _met(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--calm-python", type=Path, default=DEFAULT_CALM, help="Python of the calm venv")
    args = parser.parse_args()
    if args.quick:
        rows, river_least, repeats, sizes, block_repeats = 20_000, 2_000, 1, (3000,), 1
    else:
        rows, river_least, repeats, sizes, block_repeats = 2_000_000, 20_000, 5, (3000, 300_000), 3
    print(machine())
    measured = generators(rows, river_least, repeats, args.quick)
    print(f"\nfastsynth.generate of {rows:,} rows -> Arrow; river take(n) -> list; medians of {repeats}")
    print("| generator | river class (rows per run) | fastsynth rows/s | river rows/s | x river "
          f"| >= {TARGET_RATIO:.0f}x | >= {TARGET_RATE / 1e6:.0f}M rows/s |")  # fmt: skip
    print("|---|---|---:|---:|---:|---|---|")
    for line in generator_lines(measured):
        print("| " + " | ".join(line) + " |")
    print("\n".join(machine_speed(measured)))
    calm_python = args.calm_python if args.calm_python.exists() else None
    if calm_python is None:
        print(
            f"\nnote: peer comparison skipped (calm-data-generator): no {args.calm_python}; make it with "
            "sh benchmarks/calm_venv.sh, or pass --calm-python PATH"
        )
    block_lines = blocks(sizes, block_repeats, calm_python)
    print(f"\nthe seed's block example (3 SEA blocks, weekly dates) -> CSV; medians of {block_repeats}")
    print("| task | implementation | time (median) | rows/s | fastsynth is x times faster "
          f"| >= {TARGET_BLOCKS:.0f}x |")  # fmt: skip
    print("|---|---|---:|---:|---:|---|")
    for line in block_lines:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
