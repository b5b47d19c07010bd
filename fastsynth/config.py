"""Settings: defaults < a YAML file in the seed's shape < environment variables < command-line flags.

The file::

    data_generation: {seed: 42, batch_size: 1000, frequency: 1.0}
    models: {default_model: tabular}
    drift: {enabled: false, interval: 3600, magnitude: 0.1}
    streaming: {enabled: true, type: console}
    api: {host: 127.0.0.1, port: 8000, token: null, allowed_hosts: [], cors_origins: []}
    kafka: {bootstrap_servers: []}
    limits: {max_fields: 1000, max_depth: 32, max_document_bytes: 1000000, max_entities: 100000,
             max_text_length: 10000, max_pool: 100000, max_categories: 10000, max_expression_tokens: 500,
             max_series_terms: 100, max_visits: 100, max_drift_events: 100, max_dictionary_bytes: 10000000,
             max_build_seconds: 5, max_batch_size: 1000000, max_rate: 10000000, max_row_streams: 8}
    logging: {level: INFO, format: text}

Each setting's variable is ``SYNTH_<NAME>`` or ``FASTSYNTH_<NAME>`` (the latter wins when both are set):
SEED, BATCH_SIZE, FREQUENCY, DRIFT_ENABLED, DRIFT_INTERVAL, DRIFT_MAGNITUDE, API_HOST, API_PORT,
API_TOKEN, API_ALLOWED_HOSTS, API_CORS_ORIGINS, KAFKA_BOOTSTRAP_SERVERS, LIMITS_MAX_FIELDS (and the other
limits), LOG_LEVEL, LOG_FORMAT (lists as comma-separated text).

The API host defaults to 127.0.0.1, not the seed's 0.0.0.0: a server is reachable from other
machines only when asked. ``api.token``, when set, is required by both servers (``Authorization:
Bearer TOKEN``) and never shown; ``kafka.bootstrap_servers`` are the brokers the API's streamers may
write to. ``limits`` are the ceilings the servers put on what a request may ask (``Limits`` in
``fastsynth.schema``, and the batch size); the CLI and Python users are not capped.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastsynth.documents import read_yaml
from fastsynth.errors import UsageError
from fastsynth.seeds import DEFAULT_SEED

__all__ = ["DEFAULT_BATCH_SIZE", "MIN_DRIFT_INTERVAL", "SETTINGS", "Setting", "Settings", "load_settings"]

DEFAULT_BATCH_SIZE = 1 << 18
"""Rows per batch of a one-shot run (``fastsynth gen``, ``generate``): large enough that per-batch
overhead vanishes, small enough to keep memory low. Streams use the ``batch_size`` setting instead."""

MIN_DRIFT_INTERVAL = 1e-6
"""The shortest ``drift.interval`` (seconds): one microsecond, the resolution of a drift schedule's clock
(times are kept in whole microseconds), so a shorter interval cannot be told from it. By rows it is
10 rows at ``limits.max_rate`` (10,000,000 rows/s), so every event spans at least one row at any rate a
request may ask; at 1e-9 a time series' stream counted 3.6e16 drift events in eight seconds."""


def _integer(minimum: int, maximum: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, str):
            value = value.strip()
            if value.lstrip("-").isdigit():
                value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("is not an integer")
        if value < minimum or (maximum is not None and value > maximum):
            raise ValueError(f"is outside [{minimum}, {maximum if maximum is not None else 'inf'}]")
        return value

    return parse


def _number(
    positive: bool = False, at_least: float | None = None, at_most: float | None = None
) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError("is not a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError("is not a number")
        if positive and value <= 0:
            raise ValueError("is not positive")
        if at_least is not None and value < at_least:
            raise ValueError(f"is below {at_least:g}")
        if at_most is not None and value > at_most:
            raise ValueError(f"is above {at_most:g}")
        return float(value)

    return parse


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("is not true or false")


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        folded = text.upper() if allowed[0].isupper() else text.lower()
        if folded not in allowed:
            raise ValueError(f"is not allowed; allowed: {', '.join(allowed)}")
        return folded

    return parse


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("is not a non-empty string")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _names(value: Any) -> tuple[str, ...]:
    """A list of names (hosts, origins, brokers), from a list or comma-separated text."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise ValueError("is not a list of names")
    return tuple(v.strip() for v in items if v.strip())


@dataclass(frozen=True)
class Setting:
    """One setting: its name, where the file keeps it, its variable, its default and its parser."""

    name: str
    section: str
    key: str
    default: Any
    parse: Callable[[Any], Any]
    help: str
    secret: bool = False
    """Never shown (``config show``, ``GET /config``), only whether it is set."""

    @property
    def variables(self) -> tuple[str, str]:
        return f"FASTSYNTH_{self.name.upper()}", f"SYNTH_{self.name.upper()}"


SETTINGS = (
    Setting(
        "seed", "data_generation", "seed", DEFAULT_SEED, _integer(0, 2**64 - 1), "seed of every random choice"
    ),
    Setting("batch_size", "data_generation", "batch_size", 1000, _integer(1), "rows per batch"),
    Setting(
        "frequency",
        "data_generation",
        "frequency",
        1.0,
        _number(positive=True, at_most=86_400.0),  # a day: past it a stream looks stopped
        "seconds between batches",
    ),
    Setting(
        "default_model",
        "models",
        "default_model",
        "tabular",
        _choice("tabular", "timeseries"),
        "schema used when none is given",
    ),
    Setting(
        "drift_enabled", "drift", "enabled", False, _boolean, "drift time series, and streams of any schema"
    ),
    Setting(
        "drift_interval",
        "drift",
        "interval",
        3600.0,
        _number(positive=True, at_least=MIN_DRIFT_INTERVAL),
        "seconds between drift events",
    ),
    Setting(
        "drift_magnitude",
        "drift",
        "magnitude",
        0.1,
        _number(positive=True, at_most=1.0),
        "size of each event",
    ),
    Setting("streaming_enabled", "streaming", "enabled", True, _boolean, "whether streams may run"),
    Setting(
        "streaming_type",
        "streaming",
        "type",
        "console",
        _choice("console", "file", "kafka"),
        "where streams go by default",
    ),
    Setting("api_host", "api", "host", "127.0.0.1", _text, "address the API server binds"),
    Setting("api_port", "api", "port", 8000, _integer(1, 65535), "port of the API server"),
    Setting("api_token", "api", "token", None, _optional_text, "bearer token both servers ask for", True),
    Setting(
        "api_allowed_hosts", "api", "allowed_hosts", (), _names, "Host names served besides the bound one"
    ),
    Setting("api_cors_origins", "api", "cors_origins", (), _names, "web origins allowed cross-site requests"),
    Setting(
        "kafka_bootstrap_servers", "kafka", "bootstrap_servers", (), _names, "brokers the API may stream to"
    ),
    *(
        Setting(f"limits_{key}", "limits", key, default, _integer(1), help)
        for key, default, help in (
            ("max_fields", 1_000, "columns a schema from a request may have"),
            ("max_depth", 32, "nesting depth of a schema from a request"),
            ("max_document_bytes", 1_000_000, "size of a schema from a request, as JSON"),
            ("max_entities", 100_000, "entities a schema from a request may have"),
            ("max_text_length", 10_000, "longest text an option from a request may ask for"),
            ("max_pool", 100_000, "values a field from a request may pool"),
            ("max_categories", 10_000, "categories a field from a request may have"),
            ("max_expression_tokens", 500, "tokens of an SQL expression from a request"),
            ("max_series_terms", 100, "seasons, and changepoints, of a series field from a request"),
            ("max_visits", 100, "visits per patient of a cohort from a request"),
            ("max_drift_events", 100, "drift events of a schema from a request"),
            (
                "max_dictionary_bytes",
                10_000_000,
                "bytes of the values a dictionary column carries in every batch",
            ),
            ("max_build_seconds", 5, "seconds of set-up a field from a request may need"),
            ("max_batch_size", 1_000_000, "largest batch_size the API may set"),
            ("max_rate", 10_000_000, "most rows per second a request's rate may ask for"),
            ("max_row_streams", 8, "requests making rows at once (POST /generate, Flight do_get)"),
        )
    ),
    Setting(
        "log_level",
        "logging",
        "level",
        "INFO",
        _choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        "least severe log records shown",
    ),
    Setting("log_format", "logging", "format", "text", _choice("text", "json"), "log lines as text or JSON"),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_FLAGS = {"drift_enabled": "--drift"}
"""Flags of ``fastsynth run`` not named after their setting."""


@dataclass(frozen=True)
class Settings:
    """Effective settings and where each came from."""

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def is_set(self, name: str) -> bool:
        """True when the user gave the setting (a flag, a variable, the file, a request), not its default."""
        return self.sources.get(name, "default") != "default"

    def updated(self, changes: Mapping[str, Any], source: str) -> Settings:
        """These settings with ``changes`` applied: setting names (``batch_size``) or sections of the
        file's shape (``{"data_generation": {"batch_size": 500}}``). Every change is checked before
        any applies, so a refused update changes nothing."""
        flat: dict[str, Any] = {}
        for key, value in changes.items():
            if key in _BY_NAME:
                flat[key] = value
                continue
            keys = {s.key: s for s in SETTINGS if s.section == key}
            if not keys or not isinstance(value, Mapping):
                allowed = sorted({*_BY_NAME, *(s.section for s in SETTINGS)})
                raise UsageError(f"config: unknown setting {key!r}; allowed: {', '.join(allowed)}")
            for sub, raw in value.items():
                if sub not in keys:
                    raise UsageError(f"config: unknown key {key}.{sub}; allowed: {', '.join(sorted(keys))}")
                flat[keys[sub].name] = raw
        values, sources = dict(self.values), dict(self.sources)
        for name, raw in flat.items():
            try:
                values[name] = _BY_NAME[name].parse(raw)
            except ValueError as exc:
                raise _refused(_BY_NAME[name], raw, exc) from None
            sources[name] = source
        return Settings(values, sources)

    def shown(self, name: str) -> Any:
        """A setting's value as it may be shown: a secret as ``"(set)"`` or None, lists as lists."""
        value = self.values[name]
        if _BY_NAME[name].secret:
            return None if value is None else "(set)"
        return list(value) if isinstance(value, tuple) else value

    def as_document(self) -> dict[str, dict[str, Any]]:
        """The values in the file's shape, secrets hidden."""
        document: dict[str, dict[str, Any]] = {}
        for setting in SETTINGS:
            document.setdefault(setting.section, {})[setting.key] = self.shown(setting.name)
        return document


def _refused(setting: Setting, raw: Any, exc: ValueError, source: str | None = None) -> UsageError:
    """The message for a value ``setting`` refused; a secret's value is not shown (it may be the real
    token, of the wrong type, and messages reach logs and terminals)."""
    shown = "(hidden)" if setting.secret else repr(raw)
    origin = f" (from {source})" if source is not None else ""
    return UsageError(f"config {setting.name}={shown}{origin} {exc}")


def _read_file(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"config file {str(path)!r} cannot be read: {exc.strerror or exc}") from None
    document = read_yaml(text, f"config file {str(path)!r}") or {}
    if not isinstance(document, dict):
        raise UsageError(f"config file {str(path)!r} is not a mapping of sections")
    sections = {s.section for s in SETTINGS}
    for section, body in document.items():
        if section not in sections:
            raise UsageError(
                f"config file {str(path)!r}: unknown section {section!r}; "
                f"allowed: {', '.join(sorted(sections))}"
            )
        if not isinstance(body, dict):
            raise UsageError(f"config file {str(path)!r}: section {section!r} is not a mapping")
        keys = {s.key for s in SETTINGS if s.section == section}
        for key in body:
            if key not in keys:
                raise UsageError(
                    f"config file {str(path)!r}: unknown key {section}.{key}; "
                    f"allowed: {', '.join(sorted(keys))}"
                )
    return document


def load_settings(
    file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings from defaults, ``file``, the environment and ``cli`` (flags given, by setting name;
    None values count as not given), each later source overriding the earlier."""
    environ = os.environ if environ is None else environ
    document = {} if file is None else _read_file(Path(file))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        candidates: list[tuple[str, Any]] = [("default", setting.default)]
        section = document.get(setting.section) or {}
        if setting.key in section:
            candidates.append((f"file {file} ({setting.section}.{setting.key})", section[setting.key]))
        for variable in reversed(setting.variables):  # FASTSYNTH_ last, so it wins
            if variable in environ:
                candidates.append((f"environment {variable}", environ[variable]))
        if cli and cli.get(setting.name) is not None:
            flag = _FLAGS.get(setting.name, f"--{setting.name.replace('_', '-')}")
            candidates.append((f"command line {flag}", cli[setting.name]))
        source, raw = candidates[-1]
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise _refused(setting, raw, exc, source) from None
        sources[setting.name] = source
    unknown = sorted(set(cli or {}) - set(_BY_NAME))
    if unknown:
        raise UsageError(f"config: unknown setting {unknown[0]!r}")
    return Settings(values, sources)
