"""``fastsynth gen`` and the seed's ``fastsynth run``: generate rows into a sink."""

from __future__ import annotations

import sys
import time
from contextlib import closing
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.config import DEFAULT_BATCH_SIZE
from fastsynth.errors import UsageError

if TYPE_CHECKING:
    from fastsynth.config import Settings
    from fastsynth.schema import Schema

# The engine (numba, pyarrow, polars) is imported where a command runs, not here: `fastsynth --help`
# and the commands that need none of it start at once.

__all__ = ["DataKind", "gen", "run", "write_rows"]

_SEED_ENV = ["FASTSYNTH_SEED", "SYNTH_SEED"]
_BATCH_ENV = ["FASTSYNTH_BATCH_SIZE", "SYNTH_BATCH_SIZE"]
_PROGRESS_MIN_ROWS = 5_000_000


class DataKind(StrEnum):
    """The seed's ``--type``."""

    tabular = "tabular"
    timeseries = "timeseries"


def _parse_options(pairs: list[str]) -> dict[str, Any]:
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {pair!r} is not KEY=VALUE (e.g. -O compression=snappy)")
        options[key.strip().replace("-", "_")] = yaml.safe_load(value) if value else ""
    return options


def _load(
    schema_path: Path | None, kind: DataKind | None, default_model: str = "tabular", *, trust: bool = False
) -> Schema:
    from fastsynth.schema import EXAMPLES, Schema

    if schema_path is None:  # the built-in example of the kind asked for, or of models.default_model
        return Schema.from_dict(EXAMPLES[kind.value if kind is not None else default_model])
    schema = Schema.load(schema_path, trust=trust)
    found = DataKind.timeseries if schema.time_field is not None else DataKind.tabular
    if kind is not None and kind is not found:
        raise UsageError(
            f"--type {kind.value}: {schema_path} is a {found.value} schema; use --type {found.value}"
        )
    return schema


def _check_streaming(settings: Settings, output: Path | None, kafka_topic: str | None) -> None:
    """The seed's ``streaming`` settings: ``enabled: false`` forbids streaming, and ``type`` says where a
    stream goes when no flag does (``console``: standard output; ``file`` and ``kafka`` need their flag)."""
    if not settings.streaming_enabled:
        source = settings.sources["streaming_enabled"]
        raise UsageError(f"--continuous: streaming is off (config streaming.enabled=false, from {source})")
    if output is None and kafka_topic is None and settings.streaming_type != "console":
        flag = "--output PATH" if settings.streaming_type == "file" else "--kafka-topic TOPIC"
        source = settings.sources["streaming_type"]
        raise UsageError(
            f"--continuous: config streaming.type={settings.streaming_type} (from {source}) streams to a "
            f"{settings.streaming_type}; give {flag}"
        )


def write_rows(
    schema: Schema,
    rows: int,
    *,
    seed: int | None,
    batch_size: int,
    output: Path | None,
    format: str | None,
    options: dict[str, Any],
    progress: bool | None,
) -> None:
    """Generate ``rows`` rows into the chosen sink and report on stderr when writing a file."""
    from fastsynth.generation import iter_batches
    from fastsynth.pipeline import prefetch
    from fastsynth.sinks import SINKS, open_sink
    from fastsynth.sinks.base import format_for_path

    name = format or (format_for_path(output) if output is not None else "console")
    if name not in SINKS:
        SINKS.get(name)  # raises the error that lists the allowed formats
    batches = prefetch(iter_batches(schema, rows, batch_size=batch_size, seed=seed), depth=2)
    show_progress = sys.stderr.isatty() and rows >= _PROGRESS_MIN_ROWS if progress is None else progress
    started = time.perf_counter()
    # Closed on the way out, so that an error stops the thread making batches ahead at once.
    with closing(batches), open_sink(output, schema.arrow_schema(), format=name, **options) as sink:
        if show_progress:
            # rich only for the bar: importing it took 0.05 s of every start
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            with Progress(*columns, transient=True) as bar:
                task = bar.add_task("rows", total=rows)
                for batch in batches:
                    sink.write(batch)
                    bar.advance(task, batch.num_rows)
        else:
            for batch in batches:
                sink.write(batch)
    seconds = time.perf_counter() - started
    if output is not None:
        rate = rows / seconds if seconds > 0 else float("inf")
        typer.echo(
            f"wrote {rows:,} rows x {len(schema.fields)} columns to {output} in {seconds:.2f} s "
            f"({rate:,.0f} rows/s)",
            err=True,
        )


SchemaArg = Annotated[
    Path,
    typer.Argument(help="Schema file: the seed's JSON format, fastsynth's JSON/YAML, or a .fsm model file."),
]
_DEFAULT_ROWS = 10
SeedOpt = Annotated[
    int | None, typer.Option(help="Random seed; the same seed gives the same bytes.", envvar=_SEED_ENV)
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Output file; the format follows its extension.")
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="Output format: csv, jsonl, json, parquet, arrow, console, or a plugin's."
    ),
]
OptionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--option", "-O", help="Format option KEY=VALUE, e.g. compression=snappy, row_group_size=100000."
    ),
]
ThreadsOpt = Annotated[int | None, typer.Option(help="Threads for the kernels (default: all cores).")]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust-model",
        help="Load a model file that keeps a pickle (SDV's models), which runs code: only files you trust.",
    ),
]
TypeOpt = Annotated[
    DataKind | None, typer.Option("--type", "-t", help="Kind of schema (default: what the file is).")
]


@handle_errors
def gen(
    schema: SchemaArg,
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows", "-n", help="Number of rows to generate (default: 10, or all a generator's blocks hold)."
        ),
    ] = None,
    seed: SeedOpt = None,
    batch_size: Annotated[
        int, typer.Option(help="Rows per batch (bounds memory).", envvar=_BATCH_ENV)
    ] = DEFAULT_BATCH_SIZE,
    output: OutputOpt = None,
    format: FormatOpt = None,
    option: OptionOpt = None,
    threads: ThreadsOpt = None,
    kind: TypeOpt = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")
    ] = None,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(help="Write part files into --output DIR on this Dask cluster (tcp://HOST:PORT)."),
    ] = None,
    dask_workers: Annotated[
        int | None, typer.Option(help="... or on a local Dask cluster of N worker processes.")
    ] = None,
    rows_per_file: Annotated[
        int | None,
        typer.Option(
            help="Rows per part file with Dask (default: split so every worker thread gets work, at most "
            "10,000,000 rows a file)."
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="With Dask: replace a set of parts already in --output (once the new one is written)."
        ),
    ] = False,
    trust_model: TrustOpt = False,
) -> None:
    """Generate ROWS rows of SCHEMA (a schema or model file) to a file, or to the terminal."""
    if threads is not None:
        from fastsynth.kernels.jit import set_threads

        set_threads(threads)
    loaded = _load(schema, kind, trust=trust_model)
    if rows is None:
        sourced = loaded.generator is not None or loaded.model is not None or loaded.cohort is not None
        blocks = loaded.capacity() if sourced else None  # a cohort's rows: all its patients' (and visits')
        rows = _DEFAULT_ROWS if blocks is None else blocks
    if dask_scheduler is not None or dask_workers is not None:
        from fastsynth.cli.dask import write_on_dask

        write_on_dask(
            loaded,
            rows,
            output=output,
            format=format or "parquet",
            scheduler=dask_scheduler,
            workers=dask_workers,
            rows_per_file=rows_per_file,
            seed=seed,
            batch_size=batch_size,
            options=_parse_options(option or []),
            overwrite=overwrite,
        )
        return
    write_rows(
        loaded,
        rows,
        seed=seed,
        batch_size=batch_size,
        output=output,
        format=format,
        options=_parse_options(option or []),
        progress=progress,
    )


@handle_errors
def run(
    schema: Annotated[
        Path | None,
        typer.Option(
            "--schema",
            "-s",
            help="Schema file (default: the built-in example of --type, or of "
            "the settings' models.default_model).",
        ),
    ] = None,
    kind: TypeOpt = None,
    output: OutputOpt = None,
    format: FormatOpt = None,
    rows: Annotated[int | None, typer.Option("--rows", "-n", help="Rows (default: one batch).")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings file (the seed's YAML shape).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: settings, then the schema's).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Rows per batch (default: settings, 1000).")] = None,
    continuous: Annotated[bool, typer.Option(help="Stream until --rows, --duration or Ctrl-C.")] = False,
    rate: Annotated[
        float | None,
        typer.Option(
            help="Rows per second when streaming, spread over each second (default: batch size / frequency; "
            "a time series: on the wall clock, or in batches when batch size or frequency is set)."
        ),
    ] = None,
    frequency: Annotated[
        float | None,
        typer.Option(
            help="Seconds between batches when streaming (default: settings, 1); set, it paces a time "
            "series in batches too."
        ),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(
            help="Seconds to stream, from the first batch (start-up is not counted): rate x duration rows."
        ),
    ] = None,
    kafka_topic: Annotated[str | None, typer.Option(help="Stream to this Kafka topic.")] = None,
    kafka_bootstrap: Annotated[
        str, typer.Option(help="Kafka bootstrap servers, HOST:PORT.")
    ] = "127.0.0.1:9092",
    kafka_key: Annotated[str | None, typer.Option(help="Column whose value keys each message.")] = None,
    kafka_format: Annotated[
        str, typer.Option(help="Message values: json or avro (a message per row), arrow (per batch).")
    ] = "json",
    log_interval: Annotated[
        float, typer.Option(help="Seconds between status lines when streaming (0: none).")
    ] = 5.0,
    roll_rows: Annotated[
        int | None, typer.Option(help="Streaming to a directory: a new file every N rows.")
    ] = None,
    roll_bytes: Annotated[int | None, typer.Option(help="... or once a file reaches N bytes.")] = None,
    roll_seconds: Annotated[float | None, typer.Option(help="... or once a file is S seconds old.")] = None,
    partition: Annotated[
        str | None, typer.Option(help="Hive-style folders of rolled files: date (dt=YYYY-MM-DD) or hour.")
    ] = None,
    drift: Annotated[
        bool | None,
        typer.Option(
            "--drift/--no-drift",
            help="Drift every --drift-interval seconds (of a time series' clock, or of rows at the stream's "
            "rate); default: settings.",
        ),
    ] = None,
    drift_interval: Annotated[
        float | None, typer.Option(help="Seconds between drift events (default: settings, 3600).")
    ] = None,
    drift_magnitude: Annotated[
        float | None,
        typer.Option(
            help="Size of each event: standard deviations of numeric columns, the share of values moved "
            "in category and boolean columns (default: settings, 0.1)."
        ),
    ] = None,
    trust_model: TrustOpt = False,
) -> None:
    """The seed's command: one batch of SCHEMA to the console or to --output, or with --continuous a
    paced stream to standard output, --output or --kafka-topic. Settings not given as flags come from
    the environment (SYNTH_*, FASTSYNTH_*), then --config, then defaults."""
    from fastsynth.config import load_settings

    given = {"seed": seed, "batch_size": batch_size, "frequency": frequency, "drift_enabled": drift}
    given |= {"drift_interval": drift_interval, "drift_magnitude": drift_magnitude}
    settings = load_settings(config, cli=given)
    # The schema's own seed comes before the settings' default, not before a seed someone set.
    seed = settings.seed if settings.sources["seed"] != "default" else None
    batch_size, frequency, drift = settings.batch_size, settings.frequency, settings.drift_enabled
    drift_interval, drift_magnitude = settings.drift_interval, settings.drift_magnitude
    loaded = _load(schema, kind, settings.default_model, trust=trust_model)
    # Drift the --drift flag asks for must apply, or fail saying why; drift a setting turns on applies
    # wherever it can and is named by its source when it cannot.
    source = settings.sources["drift_enabled"]
    drift_origin = None if source.startswith("command line") else f"config drift.enabled=true (from {source})"
    if continuous:
        from fastsynth.cli.stream import run_continuous

        _check_streaming(settings, output, kafka_topic)
        kafka = (
            None
            if kafka_topic is None
            else {
                "topic": kafka_topic,
                "bootstrap_servers": kafka_bootstrap,
                "key_field": kafka_key,
                "value_format": kafka_format,
            }
        )
        run_continuous(
            loaded,
            rate=rate,
            frequency=frequency,
            batch_size=batch_size,
            rows=rows,
            duration=duration,
            seed=seed,
            output=output,
            format=format,
            kafka=kafka,
            drift=(drift_interval, drift_magnitude) if drift else None,
            drift_origin=drift_origin,
            batches_set=settings.is_set("batch_size") or settings.is_set("frequency"),
            log_interval=log_interval,
            log_level=settings.log_level,
            log_format=settings.log_format,
            rolling=None
            if roll_rows is None and roll_bytes is None and roll_seconds is None and partition is None
            else {
                "max_rows": roll_rows,
                "max_bytes": roll_bytes,
                "max_seconds": roll_seconds,
                "partition": partition,
            },
        )
        return
    for flag, value in (("--rate", rate), ("--duration", duration), ("--kafka-topic", kafka_topic)):
        if value is not None:
            raise UsageError(f"{flag} applies to streaming; add --continuous")
    clocked = any(f.type_name == "time_sequence" for f in loaded.fields)
    if drift and not clocked and drift_origin is not None:
        # A one-shot tabular run has no clock to place events by: the setting does not apply to it.
        typer.echo(
            f"note: {drift_origin} is not applied: a one-shot tabular run has no clock to place drift "
            "events by (it applies to time series and to --continuous runs)",
            err=True,
        )
    elif drift:
        from dataclasses import replace

        from fastsynth.seed_drift import drift_from_flags
        from fastsynth.seeds import resolve_seed

        chosen = resolve_seed(seed, loaded.seed)
        events = drift_from_flags(loaded, drift_interval, drift_magnitude, seed=chosen, origin=drift_origin)
        if events is not None:
            loaded = replace(loaded, drift=events)
    write_rows(
        loaded,
        batch_size if rows is None else rows,
        seed=seed,
        batch_size=batch_size,
        output=output,
        format=format,
        options={},
        progress=False,
    )
