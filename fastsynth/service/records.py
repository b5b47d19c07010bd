"""The named things the service keeps: generators (a schema and a seed) and streamers (a sink recipe),
each checked when it is made, so a bad one is refused before anything runs."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, get_args

import pyarrow as pa

from fastsynth.errors import Conflict, FastsynthError, UsageError
from fastsynth.schema import Schema
from fastsynth.service.reports import GeneratorInfo, StreamerInfo, StreamerType
from fastsynth.sinks import open_sink
from fastsynth.sinks.base import Sink, check_options
from fastsynth.specs import Bounds, Count, PositiveInt, Spec, argument, from_document, show

__all__ = [
    "AttachRequest",
    "DriftNowRequest",
    "DriftRequest",
    "GenerateRequest",
    "Generator",
    "GeneratorRequest",
    "PartsRequest",
    "ReportRequest",
    "RowsRequest",
    "StartRequest",
    "StopRequest",
    "StreamChange",
    "Streamer",
    "StreamerRequest",
    "arguments",
    "check_name",
]

_STREAMER_TYPES: tuple[str, ...] = get_args(StreamerType)
_TEXT_FORMATS = ("jsonl", "csv", "json")
KAFKA_SETTINGS = frozenset(
    {
        "acks",
        "batch.num.messages",
        "batch.size",
        "client.id",
        "compression.level",
        "compression.type",
        "delivery.timeout.ms",
        "enable.idempotence",
        "linger.ms",
        "message.max.bytes",
        "message.timeout.ms",
        "partitioner",
        "queue.buffering.max.kbytes",
        "queue.buffering.max.messages",
        "queue.buffering.max.ms",
        "request.timeout.ms",
        "retries",
        "retry.backoff.ms",
        "sticky.partitioning.linger.ms",
    }
)
"""The producer settings a request may pass: how messages are batched, compressed and acknowledged.
Anything else (libraries to load, credentials, hosts, files) is the operator's, who runs the CLI."""
KAFKA_SETTING_BOUNDS: dict[str, Any] = {
    "queue.buffering.max.kbytes": Annotated[int, Bounds(1, 1 << 20)],  # librdkafka's default: 1 GiB
    "queue.buffering.max.messages": Annotated[int, Bounds(1, 1_000_000)],
    "batch.size": Annotated[int, Bounds(1, 64 << 20)],
    "batch.num.messages": Annotated[int, Bounds(1, 1_000_000)],
    "message.max.bytes": Annotated[int, Bounds(1000, 64 << 20)],
}
"""Settings that size the producer's memory, and how large a request may make them."""
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")
_FLUSH_SECONDS = Annotated[float, Bounds(0, 600)]


@dataclass(frozen=True)
class RowsRequest(Spec):
    """A request for rows (a Flight ticket; the REST body adds ``format``): a generator's name or an
    inline schema, how many rows from which row, and the seed. The service checks the values."""

    generator: str | None = None
    schema: dict[str, Any] | None = None
    rows: Count | None = None
    seed: int | None = None
    start: Count = 0


@dataclass(frozen=True)
class GenerateRequest(RowsRequest):
    """A request for rows as a file's bytes (``POST /generate``): a ``RowsRequest`` and the format
    (json, jsonl, csv, parquet, arrow)."""

    format: str = "json"


@dataclass(frozen=True)
class ReportRequest(RowsRequest):
    """A report (``POST /report``) of the rows of a ``RowsRequest`` (default 100,000): their drift over
    ``windows`` equal windows (default 10; of time for a time series) or the blocks of the column
    ``blocks``; or, with ``data``, the real rows as ``/generate`` answers them in JSON, how closely the
    generator's rows (as many as ``data`` has, unless ``rows`` says) follow them. ``format``: html
    (the page) or json (every number)."""

    windows: Annotated[int, Bounds(1, 1000)] | None = None
    blocks: str | None = None
    data: Any = None
    """A list of objects whose values are numbers, strings, booleans or null: checked by the report
    (its length first, then its values, in one pass in C), not here, value by value."""
    format: str = "html"


@dataclass(frozen=True)
class PartsRequest(RowsRequest):
    """A Flight command: the rows of a ``RowsRequest`` as ``parts`` endpoints, consecutive shares."""

    parts: Annotated[int, Bounds(1, 1024)] = 1


@dataclass(frozen=True)
class GeneratorRequest(Spec):
    """Adding a generator: its name, and a schema, a built-in example or a model file of the server's
    models folder (the settings' default model when none), and a seed."""

    name: str
    schema: dict[str, Any] | None = None
    example: str | None = None
    model: str | None = None
    """A fitted model file (``NAME.fsm``) in the folder the server was started with (``--models``)."""
    seed: int | None = None


@dataclass(frozen=True)
class StreamerRequest(Spec):
    """Adding a streamer: its name, a type (console, file, kafka), and the sink's format, path and
    options (``Streamer.parse`` checks them together)."""

    name: str
    type: str
    format: str | None = None
    path: str | None = None
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    overwrite: bool = False


@dataclass(frozen=True)
class StartRequest(Spec):
    """Starting streams: which generators (default all) into which streamers (default all), at what
    rate (rows/s or a schedule), for how many rows, with what drift (default: the settings')."""

    generators: list[str] | None = None
    streamers: list[str] | None = None
    rate: float | dict[str, Any] | None = None
    rows: Count | None = None
    drift: dict[str, Any] | None = None


@dataclass(frozen=True)
class StopRequest(Spec):
    """Stopping streams: which generators (default all)."""

    generators: list[str] | None = None


@dataclass(frozen=True)
class StreamChange(Spec):
    """Changing a running stream (``PATCH /streams/{name}``): its rate (rows/s or a schedule) or batch
    size or both; a setting changed here no longer follows the settings' batch_size and frequency."""

    rate: float | dict[str, Any] | None = None
    batch_size: PositiveInt | None = None


@dataclass(frozen=True)
class AttachRequest(Spec):
    """Attaching a streamer to a running stream (``POST /streams/{name}/streamers``)."""

    streamer: str


@dataclass(frozen=True)
class DriftNowRequest(Spec):
    """Drift from a running stream's next row on, for good (``POST /streams/{name}/drift``): the seed's
    drift of every column by ``magnitude`` (default the settings' ``drift.magnitude``), or ``events``,
    drift events without timing keys."""

    magnitude: Annotated[float, Bounds(0, 1, low_open=True)] | None = None
    events: list[dict[str, Any]] | None = None


def arguments(kind: type, document: Any, where: str) -> dict[str, Any]:
    """``document`` (a request's parsed JSON) checked as a ``kind`` request, unknown keys refused, as
    the keyword arguments of the service call it asks for: the one way both servers read requests."""
    request: Any = from_document(kind, document, where=where, error=UsageError)
    return {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}


@dataclass(frozen=True)
class DriftRequest(Spec):
    """The ``drift`` of a ``/start`` request: the seed's drift settings for these streams alone (each
    value checked as the settings check it; what is not given comes from the settings)."""

    enabled: Any = None
    interval: Any = None
    magnitude: Any = None
    """Any JSON value here: the settings parse each as they parse the file's and the environment's."""


_LONGEST_NAME = 100
_PART_BYTES = 15
"""What a file sink's temporary name adds to its file's (``.{name}.{8 hex digits}.part``)."""
_NAME_BYTES = 255 - _PART_BYTES
"""The longest file or folder name Linux's file systems take (255 bytes), less the temporary's."""
_PATH_BYTES = 4096 - _PART_BYTES
"""Linux's ``PATH_MAX`` (4,096 bytes, the final NUL included), less the temporary's."""


def check_name(kind: str, name: Any) -> str:
    """``name`` if it may name a ``kind`` (``generator``, ``streamer``): it also goes into paths and
    topics through ``{generator}``, so only identifier-like ASCII names are allowed (Kafka's topics
    take no other letters)."""
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= _LONGEST_NAME
        or not name.isascii()
        or not name.replace("-", "_").isidentifier()
    ):
        raise UsageError(
            f"{kind} name={show(name)} is not allowed; use 1 to {_LONGEST_NAME} ASCII letters, digits, "
            "'_' or '-', not starting with a digit"
        )
    return name


@dataclass(frozen=True)
class Generator:
    """A schema made on request or streamed."""

    name: str
    schema: Schema
    document: Mapping[str, Any]
    seed: int | None

    def describe(self) -> GeneratorInfo:
        return GeneratorInfo(
            name=self.name,
            kind="timeseries" if self.schema.time_field is not None else "tabular",
            columns=self.schema.arrow_schema().names,
            seed=self.seed,
            schema=dict(self.document),
        )


@dataclass(frozen=True)
class Streamer:
    """Where streamed rows go: ``console`` (the server's standard output, as JSON lines or CSV),
    ``file`` (a file, or a folder of rolling files with ``rolling``) under the server's output folder,
    or ``kafka`` (a topic)."""

    name: str
    type: StreamerType
    format: str
    path: str | None
    options: Mapping[str, Any]
    overwrite: bool = False
    """Whether a file streamer may replace a file that exists (rolling files never replace one)."""

    @classmethod
    def parse(
        cls,
        name: Any,
        type: Any,
        *,
        format: Any = None,
        path: Any = None,
        options: Mapping[str, Any] | None = None,
        overwrite: bool = False,
        root: Path,
        brokers: tuple[str, ...] = (),
    ) -> Streamer:
        """A streamer from a request: files under ``root``, Kafka topics on ``brokers`` (the operator's
        ``kafka.bootstrap_servers``) with the producer settings of ``KAFKA_SETTINGS`` alone."""
        name = check_name("streamer", name)
        options = dict(options or {})
        if type not in _STREAMER_TYPES:
            raise UsageError(f"streamer {name!r}: type={type!r}; allowed: {', '.join(_STREAMER_TYPES)}")
        if type == "file":
            if not isinstance(path, str) or not path:
                raise UsageError(f"streamer {name!r}: a file streamer needs a path")
            _inside(root, path, name)
            if format is None:
                from fastsynth.sinks.base import format_for_path

                format = "rolling" if path.endswith("/") else format_for_path(path)
        elif path is not None:
            raise UsageError(f"streamer {name!r}: path={path!r} is only for type 'file'")
        if type == "console":
            format = format or "jsonl"
            if format not in _TEXT_FORMATS:
                raise UsageError(
                    f"streamer {name!r}: format={format!r} for the console; "
                    f"allowed: {', '.join(_TEXT_FORMATS)}"
                )
        if type == "kafka":
            if format is not None:
                raise UsageError(f"streamer {name!r}: give a Kafka value format as options.value_format")
            format = "kafka"
            if "topic" not in options:
                raise UsageError(f"streamer {name!r}: a kafka streamer needs options.topic")
            _check_kafka(name, options, brokers)
        if not _plain_name(options.get("prefix", "part")):
            raise UsageError(
                f"streamer {name!r}: prefix={options['prefix']!r} is not allowed; give a file name prefix "
                "(letters, digits, '_', '-', '.'), not a path"
            )
        if format in ("console", "memory", "kafka") and type != "kafka":
            raise UsageError(f"streamer {name!r}: format={format!r} is not a file format")
        try:
            check_options(format, options)
            _try_options(format, options)
        except FastsynthError as exc:
            raise UsageError(f"streamer {name!r}: {exc}") from None
        return cls(name, type, format, path, options, overwrite)

    def describe(self) -> StreamerInfo:
        return StreamerInfo(
            name=self.name,
            type=self.type,
            format=self.format,
            path=self.path,
            options=dict(self.options),
            overwrite=self.overwrite,
        )

    def open(self, generator: str, schema: pa.Schema, root: Path) -> Sink:
        """A sink for ``generator``'s rows. Its path is checked again now, links included: one made since
        the streamer was added cannot lead outside ``root``."""
        options = {
            k: v.replace("{generator}", generator) if isinstance(v, str) else v
            for k, v in self.options.items()
        }
        if self.type == "console":
            return open_sink(None, schema, format=self.format, **options)
        if self.type == "kafka":
            return open_sink(None, schema, format="kafka", **options)
        assert self.path is not None
        target = _inside(root, self.path.replace("{generator}", generator), self.name)
        try:
            (target if self.format == "rolling" else target.parent).mkdir(parents=True, exist_ok=True)
        except OSError:  # a file where a folder would be
            raise Conflict(
                f"streamer {self.name!r}: path={self.path!r} needs folders where the output folder holds "
                "something else"
            ) from None
        if self.format != "rolling" and target.exists() and not self.overwrite:
            raise Conflict(
                f"streamer {self.name!r}: {str(target.relative_to(root))!r} exists; delete it, or add "
                "the streamer with overwrite: true"
            )
        return open_sink(target, schema, format=self.format, **options)

    def open_checked(self, generator: str, schema: pa.Schema, root: Path) -> Sink:
        """``open``, with a refusal naming this streamer and paths relative to ``root`` (a client has no
        business knowing where the server keeps its files)."""
        try:
            return self.open(generator, schema, root)
        except FastsynthError as exc:
            message = str(exc).replace(f"{root}/", "").replace(str(root), ".")
            if not message.startswith(f"streamer {self.name!r}"):
                message = f"streamer {self.name!r}: {message}"
            raise type(exc)(message) from None

    @property
    def shared(self) -> bool:
        """True when every generator would write the same file (no ``{generator}`` in the path)."""
        return self.type == "file" and "{generator}" not in (self.path or "")


_PROBE_SCHEMA = pa.schema([("x", pa.int64())])


def _try_options(format: str, options: Mapping[str, Any]) -> None:
    """Check option values by making the sink once, writing nowhere: a file format into memory, rolling
    files into a throwaway folder; a Kafka sink would connect, so only its topic is checked here."""
    if format == "kafka":
        topic = options.get("topic")
        if not isinstance(topic, str) or not topic:
            raise UsageError(f"kafka topic={topic!r} is not a topic name")
        return
    if format == "rolling":
        import tempfile

        from fastsynth.sinks.rolling import RollingSink

        with tempfile.TemporaryDirectory() as scratch:
            rolling = open_sink(scratch, _PROBE_SCHEMA, format=format, **options)
            rolling.abort()
        # Rolling files open their first file at the first batch, so their own options (compression,
        # row_group_size, delimiter...) are checked now by making one such file, into memory.
        if isinstance(rolling, RollingSink):
            format, options = rolling.file_format, rolling.options
    open_sink(io.BytesIO(), _PROBE_SCHEMA, format=format, **options).abort()


def _inside(root: Path, path: str, streamer: str) -> Path:
    """``path`` under ``root``; a path leading outside it is refused, so a request cannot write
    anywhere the server can."""
    if "\x00" in path:
        raise UsageError(f"streamer {streamer!r}: path={path!r} holds a NUL character")
    # The longest a name can make ``{generator}``, so that no generator's name makes a path too long.
    longest = path.replace("{generator}", "g" * _LONGEST_NAME)
    if any(len(part.encode()) > _NAME_BYTES for part in Path(longest).parts):
        raise UsageError(
            f"streamer {streamer!r}: path={show(path)} has a file or folder name over {_NAME_BYTES} bytes "
            f"(in UTF-8, with {{generator}} as a name of {_LONGEST_NAME} characters); allowed: at most "
            f"{_NAME_BYTES}, what file systems take with room for the temporary file written first"
        )
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise UsageError(f"streamer {streamer!r}: path={path!r} leads outside the server's output folder")
    if len(str(root / longest).encode()) >= _PATH_BYTES:
        raise UsageError(
            f"streamer {streamer!r}: path={show(path)} makes a path over {_PATH_BYTES - 1} bytes in the "
            f"server's output folder; allowed: shorter paths, what the system takes"
        )
    return target


def _plain_name(value: Any) -> bool:
    """Whether ``value`` can only name a file inside its folder, ``{generator}`` (a name) included."""
    if not isinstance(value, str):
        return False
    name = value.replace("{generator}", "g")
    return name not in (".", "..") and all(c.isalnum() or c in "_-." for c in name) and bool(name)


def _check_kafka(streamer: str, options: Mapping[str, Any], brokers: tuple[str, ...]) -> None:
    """A Kafka streamer from a request reaches the operator's brokers alone, with settings that only
    shape batching and delivery."""
    if not brokers:
        raise UsageError(
            f"streamer {streamer!r}: this server streams to no Kafka broker; its operator can allow some "
            "with --kafka-bootstrap HOST:PORT (kafka.bootstrap_servers)"
        )
    topic = options.get("topic")
    if not isinstance(topic, str) or not _TOPIC.fullmatch(topic.replace("{generator}", "g")):
        raise UsageError(
            f"streamer {streamer!r}: topic={show(topic)} is not a Kafka topic name; allowed: 1 to 249 "
            "letters, digits, '.', '_' or '-' ({generator} included)"
        )
    argument("flush_seconds", options.get("flush_seconds", 60.0), _FLUSH_SECONDS, error=_refusal(streamer))
    asked = options.get("bootstrap_servers", ",".join(brokers))
    servers = asked.split(",") if isinstance(asked, str) else None
    if servers is None or not all(s.strip() in brokers for s in servers):
        raise UsageError(
            f"streamer {streamer!r}: bootstrap_servers={asked!r} is not allowed; "
            f"allowed: {', '.join(brokers)}"
        )
    config = options.get("config") or {}
    if not isinstance(config, Mapping):
        raise UsageError(f"streamer {streamer!r}: config={config!r} is not an object of producer settings")
    for key, value in config.items():
        if key not in KAFKA_SETTINGS:
            raise UsageError(
                f"streamer {streamer!r}: config key {key!r} is not allowed from a request; allowed: "
                f"{', '.join(sorted(KAFKA_SETTINGS))}"
            )
        if not isinstance(value, str | int | float | bool):
            raise UsageError(
                f"streamer {streamer!r}: config {key}={value!r} is not a text, number or boolean"
            )
        if key in KAFKA_SETTING_BOUNDS:
            argument(key, value, KAFKA_SETTING_BOUNDS[key], error=_refusal(streamer, "config "))


def _refusal(streamer: str, prefix: str = "") -> Callable[[str], UsageError]:
    return lambda message: UsageError(f"streamer {streamer!r}: {prefix}{message}")
