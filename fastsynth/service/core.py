"""The service: the state both servers share (generators, streamers, settings) and the engine that
streams generators into streamers. Thread-safe, since request handlers run in worker threads."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Generator as Generator_
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from fastsynth.config import Settings
from fastsynth.engine import Engine
from fastsynth.engine.plan import plan_stream, settings_rate
from fastsynth.errors import Busy, Conflict, NotFound, UsageError
from fastsynth.generation import iter_batches
from fastsynth.pipeline import prefetch
from fastsynth.schema import Limits, Schema
from fastsynth.schema.examples import example_document, example_names
from fastsynth.seeds import resolve_seed
from fastsynth.service.bodies import Chunks, encode, media_type
from fastsynth.service.budget import rows_per_batch
from fastsynth.service.live import CLOSE_SECONDS, LiveStreams, Running, shared_message, shown_rate
from fastsynth.service.records import DriftRequest, Generator, Streamer, check_name
from fastsynth.service.reports import Status
from fastsynth.service.slots import Slot, Slots
from fastsynth.sinks.base import Sink
from fastsynth.specs import Count, argument, from_document

__all__ = ["Service"]

log = logging.getLogger("fastsynth.api")  # the name the servers' logs have always carried

_GENERATE_BATCH = 1 << 16
_END = 2**63 - 1
"""The largest end (``start + rows``, one past the last row) of a request: kernels index rows with
64-bit integers and the end must fit one too, so the last row made is 2**63 - 2 (2**63 - 1 rows from 0
crashed a batch's offsets)."""


_MODEL_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}\.fsm")


class Service(LiveStreams):
    """Generators, streamers, settings and the engine streaming them, for the REST API and the Flight
    server alike. Thread-safe: request handlers run in worker threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        output_root: Path | str = ".",
        max_rows: int = 10_000_000,
        models: Path | str | None = None,
        trust_models: bool = False,
    ) -> None:
        self.settings = settings
        self.output_root = Path(output_root).resolve()
        self.models = None if models is None else Path(models).resolve()
        """The folder of model files generators may name (None: no model files are served)."""
        self.trust_models = trust_models
        """Whether model files that keep a pickle (SDV's) load: the operator trusts the folder."""
        self.max_rows = max_rows
        self.engine = Engine()
        self.generators: dict[str, Generator] = {}
        self.streamers: dict[str, Streamer] = {}
        self._running: dict[str, Running] = {}
        self._lock = threading.RLock()
        self._started = time.time()
        self._row_streams = Slots(settings.limits_max_row_streams)

    @property
    def limits(self) -> Limits:
        """The ceilings on schemas from requests, from the ``limits`` settings."""
        names = [f.name for f in dataclasses.fields(Limits)]
        return Limits(**{name: self.settings.values[f"limits_{name}"] for name in names})

    # -- generators --------------------------------------------------------------------------------

    def add_generator(
        self,
        name: Any,
        schema: Mapping[str, Any] | None = None,
        example: str | None = None,
        seed: int | None = None,
        model: str | None = None,
    ) -> Generator:
        name = check_name("generator", name)
        given = [key for key, value in (("schema", schema), ("example", example), ("model", model)) if value]
        if len(given) > 1:
            raise UsageError(
                f"generator {name!r}: give one of schema, example or model, not {' and '.join(given)}"
            )
        if not given:
            example = self.settings.default_model  # the seed's models.default_model
        document: Mapping[str, Any] | None
        if model is not None:
            document = {"model": model}
            loaded = self._model(name, model)
        else:
            document = schema if example is None else example_document(example)
            if document is None:  # the example names none
                raise UsageError(
                    f"generator {name!r}: example={example!r}; allowed: {', '.join(example_names())}"
                )
            loaded = Schema.from_dict(document, limits=self.limits)
        generator = Generator(name, loaded, document, seed)
        with self._lock:
            if name in self.generators:
                raise Conflict(f"generator {name!r} already exists; delete it first")
            self.generators[name] = generator
        log.info("generator %s added", name, extra={"generator": name, "event": "generator_added"})
        return generator

    def _model(self, generator: str, file: str) -> Schema:
        """The schema of the model file ``file`` in the models folder: a plain name, never a path."""
        where = f"generator {generator!r}: model={file!r}"
        if self.models is None:
            raise UsageError(f"{where}: this server serves no model files; start it with --models FOLDER")
        if not _MODEL_FILE.fullmatch(file):
            raise UsageError(f"{where} is not the name of a .fsm file in the models folder (no folders)")
        path = self.models / file
        if not path.is_file():
            available = sorted(p.name for p in self.models.glob("*.fsm"))
            raise NotFound(f"{where} is not in the models folder ({', '.join(available) or 'none'})")
        schema = Schema.load(path, trust=self.trust_models)
        self.limits.check_columns(len(schema.fields))
        return schema

    def generator(self, name: str) -> Generator:
        try:
            return self.generators[name]
        except KeyError:
            raise NotFound(
                f"generator {name!r} does not exist ({', '.join(self.generators) or 'none'})"
            ) from None

    def remove_generator(self, name: str) -> None:
        """Forget a generator, stopping its stream first if it runs."""
        with self._lock:
            self.generator(name)
            if name in self._running:
                self._stop_one(name)
            del self.generators[name]
        log.info("generator %s removed", name, extra={"generator": name, "event": "generator_removed"})

    # -- streamers ---------------------------------------------------------------------------------

    def add_streamer(self, name: Any, type: Any, **spec: Any) -> Streamer:
        """Add a streamer; generators streaming now start writing to it too."""
        brokers = self.settings.kafka_bootstrap_servers
        streamer = Streamer.parse(name, type, root=self.output_root, brokers=brokers, **spec)
        with self._lock:
            if streamer.name in self.streamers:
                raise Conflict(f"streamer {streamer.name!r} already exists; delete it first")
            if streamer.shared and len(self._running) > 1:
                raise Conflict(shared_message(streamer.name))
            for generator, running in self._running.items():
                stream = self.engine.streams[generator]
                if stream.ended:
                    continue
                sink = streamer.open_checked(generator, stream.schema.arrow_schema(), self.output_root)
                try:
                    self.engine.add_sink(generator, streamer.name, sink)
                except UsageError:  # the stream ended meanwhile
                    sink.abort()
                    continue
                running.streamers.append(streamer.name)
            self.streamers[streamer.name] = streamer
        log.info(
            "streamer %s added", streamer.name, extra={"streamer": streamer.name, "event": "streamer_added"}
        )
        return streamer

    def streamer(self, name: str) -> Streamer:
        try:
            return self.streamers[name]
        except KeyError:
            raise NotFound(
                f"streamer {name!r} does not exist ({', '.join(self.streamers) or 'none'})"
            ) from None

    def remove_streamer(self, name: str) -> None:
        """Forget a streamer; running generators detach from it, and its sinks are flushed and closed
        before this returns."""
        with self._lock:
            self.streamer(name)
            closing = []
            for generator, running in self._running.items():
                if name in running.streamers:
                    running.streamers.remove(name)
                    with contextlib.suppress(UsageError):  # an ended stream has closed its sinks
                        closing.append(self.engine.remove_sink(generator, name))
            del self.streamers[name]
        for closed in closing:  # answer once its files are complete
            closed.wait(CLOSE_SECONDS)
        log.info("streamer %s removed", name, extra={"streamer": name, "event": "streamer_removed"})

    # -- one batch ---------------------------------------------------------------------------------

    def request(
        self,
        *,
        generator: str | None = None,
        schema: Mapping[str, Any] | None = None,
        rows: int | None = None,
        seed: int | None = None,
        start: int = 0,
    ) -> tuple[Schema, int, int]:
        """What a request for rows asks for, checked: (schema, rows, seed). ``generator`` names a
        generator, or ``schema`` gives one inline; ``rows`` defaults to the batch size setting, and the
        seed to the generator's, the schema's, then the setting's."""
        _one_source(generator, schema)
        count = self.settings.batch_size if rows is None else rows
        count = argument("rows", count, Count)
        if count > self.max_rows:
            raise UsageError(
                f"rows={count:,} is more than this server makes per request ({self.max_rows:,}); "
                "ask several times with start, or stream with /start"
            )
        return self._rows(count, generator=generator, schema=schema, seed=seed, start=start)

    def _rows(
        self,
        count: int,
        *,
        generator: str | None = None,
        schema: Mapping[str, Any] | None = None,
        seed: int | None = None,
        start: int = 0,
    ) -> tuple[Schema, int, int]:
        """(schema, count, seed) of ``count`` rows from row ``start``, checked: their end fits 64 bits,
        and a sequential generator's too (it makes every row before them)."""
        start = argument("start", start, Count)
        if start + count > _END:
            raise UsageError(
                f"start={start:,} with rows={count:,} ends at {start + count:,}, past 2**63 - 1 (row indexes "
                f"and their end are 64-bit integers); allowed: start + rows at most 2**63 - 1, here start "
                f"at most {_END - count:,}"
            )
        if generator is not None:
            chosen = self.generator(generator)
            resolved = chosen.schema
            seed = resolve_seed(seed, chosen.seed, resolved.seed, self.settings.seed)
        else:
            resolved = Schema.from_dict(schema, limits=self.limits)
            seed = resolve_seed(seed, resolved.seed, self.settings.seed)
        sequential = [] if resolved.generator is None else resolved.generator.sequential()
        if sequential and start + count > self.max_rows:
            raise UsageError(
                f"start={start:,}: generator {sequential[0]!r} makes every row before the ones asked for; "
                f"allowed: start + rows up to {self.max_rows:,} (max_rows)"
            )
        return resolved, count, seed

    def batches(self, *, start: int = 0, **request: Any) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        """The Arrow schema and the record batches of a ``request``, made ahead in a thread. Each
        request holds one of ``limits.max_row_streams`` places until its batches are closed or
        collected (a client that leaves); one more is refused (``Busy``)."""
        schema, rows, seed = self.request(start=start, **request)
        slot = self._row_streams.take()
        if slot is None:
            raise Busy(
                f"this server makes rows for at most {self._row_streams.most} requests at once "
                "(limits.max_row_streams), and as many are under way; try again when one ends"
            )
        try:
            seconds = self.settings.limits_max_build_seconds
            batch_size = rows_per_batch(schema, min(rows, _GENERATE_BATCH), seed, seconds) if rows else 1
            batches = iter_batches(schema, rows, batch_size=batch_size, seed=seed, start=start)
            return schema.arrow_schema(), _Holding(prefetch(batches), slot)
        except BaseException:  # refused (a unique column too short...): the place is free again
            slot.release()
            raise

    def generate(self, *, format: str = "json", **request: Any) -> tuple[Chunks, str]:
        """The rows of a ``request`` encoded in ``format``, as an iterator of chunks, and its media type.
        Everything that can be refused is checked before the first chunk is returned."""
        media = media_type(format)
        schema, batches = self.batches(**request)
        return encode(batches, schema, format), media

    def report(
        self,
        *,
        windows: int | None = None,
        blocks: str | None = None,
        data: Any = None,
        format: str = "html",
        rows: int | None = None,
        **request: Any,
    ) -> tuple[str, str]:
        """The report of a ``ReportRequest`` (``fastsynth.service.reporting``) and its media type."""
        from fastsynth.service.reporting import DEFAULT_ROWS, make_report

        # start + rows is checked with the rows the report makes (not the one row of a plain request):
        # those asked for, else as many as the real rows sent, else its default
        made: Any = rows
        if made is None:
            # data that is not a list make_report refuses by name
            made = DEFAULT_ROWS if data is None else len(data) if isinstance(data, list) else 0
        _one_source(request.get("generator"), request.get("schema"))
        schema, _, seed = self._rows(argument("rows", made, Count), **request)
        start = request.get("start", 0)
        return make_report(
            schema, seed, rows=rows, start=start, windows=windows, blocks=blocks, data=data, format=format
        )

    # -- streaming ---------------------------------------------------------------------------------

    def start(
        self,
        *,
        generators: list[str] | None = None,
        streamers: list[str] | None = None,
        rate: Any = None,
        rows: int | None = None,
        drift: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Stream each chosen generator (all by default) into each chosen streamer (all by default)."""
        rows = argument("rows", rows, Count | None)
        with self._lock:
            names = list(self.generators) if generators is None else generators
            chosen = list(self.streamers) if streamers is None else streamers
            if not names:
                raise UsageError("there is no generator to start; add one with POST /generators")
            if not chosen:
                raise UsageError("there is no streamer to write to; add one with POST /streamers")
            if not self.settings.streaming_enabled:
                source = self.settings.sources["streaming_enabled"]
                raise Conflict(
                    f"streaming is off (config streaming.enabled=false, from {source}); "
                    "/generate still answers"
                )
            for name in names:
                self.generator(name)
                if name in self._running and self.engine.streams[name].ended:
                    self._stop_one(name)  # it reached its row limit: start it afresh
                if name in self._running:
                    raise Conflict(f"generator {name!r} is already streaming; stop it first")
            targets = [self.streamer(s) for s in chosen]
            if len(names) + len(self._running) > 1:
                for streamer in targets:
                    if streamer.shared:
                        raise Conflict(shared_message(streamer.name))
            drift_pair = self._drift(drift)
            if rate is not None:
                self.checked_rate(rate)
            for name in names:
                self._start_one(name, targets, rate, rows, drift_pair, follows_drift=drift is None)
        return names

    def _drift(self, drift: Any) -> tuple[float, float] | None:
        """(interval, magnitude) from a request's drift object over the settings, None for no drift."""
        if drift is None:
            s = self.settings
            return (s.drift_interval, s.drift_magnitude) if s.drift_enabled else None
        asked = from_document(DriftRequest, drift, where="drift", error=UsageError)
        given = {f"drift_{k}": v for k, v in dataclasses.asdict(asked).items() if v is not None}
        merged = self.settings.updated(given, "request")  # the settings' own checks of each value
        return (merged.drift_interval, merged.drift_magnitude) if merged.drift_enabled else None

    def _start_one(
        self,
        name: str,
        targets: list[Streamer],
        rate: Any,
        rows: int | None,
        drift: tuple[float, float] | None,
        *,
        follows_drift: bool,
    ) -> None:
        generator = self.generators[name]
        s = self.settings
        plan = plan_stream(
            generator.schema,
            rate=rate,
            batch_size=s.batch_size,
            frequency=s.frequency,
            seed=resolve_seed(generator.seed, generator.schema.seed, s.seed),
            drift=drift,
            batches_set=s.is_set("batch_size") or s.is_set("frequency"),
            drift_origin=_drift_origin(s) if follows_drift else None,
        )
        widest = rows_per_batch(plan.schema, s.limits_max_batch_size, plan.seed, s.limits_max_build_seconds)
        sinks: dict[str, Sink] = {}
        try:
            for streamer in targets:
                sinks[streamer.name] = streamer.open_checked(
                    name, plan.schema.arrow_schema(), self.output_root
                )
            self.engine.add_stream(
                name,
                plan.schema,
                rate=plan.rate,
                batch_size=min(s.batch_size, widest),
                seed=plan.seed,
                max_rows=rows,
                sinks=sinks,
            )
        except BaseException:
            for sink in sinks.values():
                sink.abort()
            raise
        self._running[name] = Running([t.name for t in targets], rate is None, follows_drift, widest)

    def stop(self, generators: list[str] | None = None) -> dict[str, int]:
        """Stop the chosen streaming generators (all by default); rows each wrote."""
        with self._lock:
            names = list(self._running) if generators is None else generators
            for name in names:
                self.generator(name)
                if name not in self._running:
                    raise Conflict(f"generator {name!r} is not streaming")
            return {name: self._stop_one(name) for name in names}

    def _stop_one(self, name: str) -> int:
        stream = self.engine.streams[name]
        self.engine.remove_stream(name)
        del self._running[name]
        if stream.error is not None:
            log.error("generator %s ended with an error: %s", name, stream.error)
        return stream.metrics.rows

    # -- settings ----------------------------------------------------------------------------------

    def update_config(self, changes: Mapping[str, Any]) -> Settings:
        """Apply ``changes`` to the settings and to the streams that follow them."""
        fixed = {name for name in changes if name.startswith(("api", "kafka", "limits"))}
        if fixed:
            raise UsageError(f"config: {sorted(fixed)[0]} cannot change while the server runs; restart it")
        with self._lock:
            updated = self.settings.updated(changes, "API")
            if updated.batch_size > updated.limits_max_batch_size:
                raise UsageError(
                    f"config batch_size={updated.batch_size:,} is over the limit; allowed: at most "
                    f"{updated.limits_max_batch_size:,} (limits.max_batch_size)"
                )
            drift = (updated.drift_interval, updated.drift_magnitude) if updated.drift_enabled else None
            drift_changed = any(
                updated.values[k] != self.settings.values[k]
                for k in ("drift_enabled", "drift_interval", "drift_magnitude")
            )
            # A change of pace retargets the streams that follow the settings (a time series too: set,
            # batch_size and frequency take it off the wall clock, as they do when it starts).
            pace_changed = any(
                updated.values[k] != self.settings.values[k] or updated.is_set(k) != self.settings.is_set(k)
                for k in ("batch_size", "frequency")
            )
            if pace_changed:
                frequency_changed = updated.frequency != self.settings.frequency
                _check_settings_rate(updated, "frequency" if frequency_changed else "batch_size")
            batches_set = updated.is_set("batch_size") or updated.is_set("frequency")
            updates: dict[str, dict[str, Any]] = {}
            for name, running in self._running.items():
                stream = self.engine.streams[name]
                schema = self.generators[name].schema
                rate = (
                    settings_rate(schema, updated.batch_size, updated.frequency, batches_set)
                    if running.follows_rate and pace_changed
                    else None
                )
                drift_update: dict[str, Any] = {}
                if drift_changed and running.follows_drift:
                    plan = plan_stream(
                        schema,
                        rate=rate if rate is not None else stream.metrics.target_rate,
                        batch_size=updated.batch_size,
                        frequency=updated.frequency,
                        seed=stream.seed,
                        drift=drift,
                        drift_origin=_drift_origin(updated),
                    )
                    self.engine.try_drift(name, plan.schema.drift)  # every stream's, before any changes
                    drift_update["drift"] = plan.schema.drift
                batch_size = min(updated.batch_size, running.widest_batch) if running.follows_batch else None
                updates[name] = {"rate": rate, "batch_size": batch_size, **drift_update}
            if updated.log_level != self.settings.log_level:
                logging.getLogger("fastsynth").setLevel(updated.log_level)
            self.settings = updated
            for name, update in updates.items():
                self.engine.update(name, **update, tried=True)
        return updated

    # -- reports -----------------------------------------------------------------------------------

    def status(self) -> Status:
        from fastsynth import __version__

        streams = {name: self._status_of(name, stream) for name, stream in list(self.engine.streams.items())}
        return Status(
            status="running" if any(s.running for s in streams.values()) else "idle",
            version=__version__,
            uptime_seconds=round(time.time() - self._started, 1),
            generators=list(self.generators),
            streamers=list(self.streamers),
            streams=streams,
        )

    def metrics_text(self) -> str:
        return self.engine.metrics_text()

    def shutdown(self) -> None:
        """Stop every stream, flushing and closing its sinks."""
        with self._lock:
            if not self.engine.stop():
                log.error("some streams did not stop in time; their output may be incomplete")
            self._running.clear()


def _one_source(generator: str | None, schema: Mapping[str, Any] | None) -> None:
    """Refuse a request for rows that names no generator and gives no schema, or both."""
    if (generator is None) == (schema is None):
        raise UsageError("give either generator (a name) or schema (an object)")


def _check_settings_rate(settings: Settings, changed: str) -> None:
    """Refuse settings whose batch_size every frequency seconds asks for more rows a second than
    ``limits.max_rate``: the streams that follow them would run at that rate, as at a request's
    (``checked_rate``). ``changed`` is the one of the two named first."""
    rate = settings.batch_size / settings.frequency
    ceiling = settings.limits_max_rate
    if rate <= ceiling:
        return
    other = "batch_size" if changed == "frequency" else "frequency"
    raise UsageError(
        f"config {changed}={settings.values[changed]!r} with {other}={settings.values[other]!r} asks for "
        f"{shown_rate(rate)} rows/s (batch_size / frequency); allowed: at most {ceiling:,} rows/s "
        f"(limits.max_rate), here frequency at least {settings.batch_size / ceiling:g} s"
    )


def _drift_origin(settings: Settings) -> str:
    """Where the settings turned drift on, for messages (a schema with nothing to drift is left alone)."""
    return f"config drift.enabled=true (from {settings.sources['drift_enabled']})"


class _Holding(Iterator[pa.RecordBatch]):
    """A request's batches, holding its place among the row streams until they end, are closed, or
    are collected: a client that leaves drops them at any point, started or not, and the response's
    generator that held them is closed, not always run to its end."""

    def __init__(self, batches: Generator_[pa.RecordBatch, None, None], slot: Slot) -> None:
        self._batches = batches
        self._slot = slot

    def __next__(self) -> pa.RecordBatch:
        try:
            return next(self._batches)
        except BaseException:  # the end, or a failure: either way the place is free
            self.close()
            raise

    def close(self) -> None:
        self._batches.close()
        self._slot.release()

    def __del__(self) -> None:
        self._slot.release()  # the prefetch generator closes itself when it is collected
