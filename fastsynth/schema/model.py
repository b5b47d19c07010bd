"""``Schema``: an ordered set of validated fields, read from the seed's JSON format or fastsynth's own.

Two document shapes are accepted, in JSON or YAML:

* the seed's tabular format, an object mapping each field name to its spec::

      {"age": {"type": "int", "min": 18, "max": 90}, "email": {"type": "email"}}

* fastsynth's form, which adds schema-level settings and keeps fields under ``fields`` (an object as
  above, or a list of specs that each carry a ``name``)::

      {"name": "users", "seed": 7, "fields": {"age": {"type": "int", "min": 18, "max": 90}}}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import yaml

import fastsynth.fields  # noqa: F401  (registers the built-in field types)
from fastsynth.concepts.stream import ConceptStream
from fastsynth.documents import read_document
from fastsynth.drift.schedule import DriftSchedule
from fastsynth.entities import Entities
from fastsynth.errors import SchemaError, field_error
from fastsynth.fields.base import FIELDS, Field
from fastsynth.fields.generated import SOURCES, CohortColumn, GeneratedColumn, ModelColumn, RowSource
from fastsynth.fields.time_sequence import TimeSequenceField
from fastsynth.models import files
from fastsynth.models.base import Model, model_from_document
from fastsynth.schema.correlation import Correlation, copula_factor, require_correlatable
from fastsynth.schema.events import EventTime
from fastsynth.schema.limits import Limits
from fastsynth.specs import Spec, argument, ceilings, from_document

__all__ = ["Schema"]

T = TypeVar("T")


@dataclass(frozen=True)
class _Document(Spec):
    """The keys of fastsynth's own schema form (the nested ones are parsed by their own specs)."""

    fields: dict[str, Any] | list[Any]
    name: str | None = None
    seed: int | None = None
    locale: str | None = None
    correlations: dict[str, Any] | list[Any] | None = None
    event_time: dict[str, Any] | None = None
    entities: Any = None
    drift: Any = None
    generator: Any = None
    model: Any = None
    cohort: Any = None


# Keys of the seed's time-series form; the last two are fastsynth's and also allowed in its own form.
_TIME_SERIES_KEYS = {"time_field", "time_interval_seconds", "start_time", "trends", "seasonality"}
_SHARED_KEYS = {"event_time", "entities", "drift"}


@dataclass(frozen=True)
class Schema:
    """The columns of a dataset, in order."""

    fields: tuple[Field, ...]
    """The columns' field specs; names are distinct."""
    name: str | None = None
    """An optional name for the dataset."""
    seed: int | None = None
    """Seed used when the caller gives none."""
    locale: str | None = None
    """Default Faker locale of the text fields (en_US when None)."""
    correlations: tuple[Correlation, ...] = ()
    """Groups of correlated columns (a Gaussian copula): numbers, booleans and categories."""
    time_field: str | None = None
    """The time column of a time-series schema (None for a tabular one)."""
    event_time: EventTime | None = None
    """Late, duplicated and dropped rows, for testing stream processors (None for none)."""
    entities: Entities | None = None
    """Many series in one dataset, one per entity (None for one series); see ``fastsynth.entities``."""
    drift: DriftSchedule | None = None
    """Drift events applied as rows are made (None for none); see ``fastsynth.drift.schedule``."""
    generator: ConceptStream | None = None
    """Columns made by concept-drift generators (river's family), before the fields; see
    ``fastsynth.concepts.stream``."""
    model: Any = None
    """Columns made by a model fitted on real data (``fastsynth.synthesis.Model``), after the
    generator's and before the fields; see ``fastsynth.fit``."""
    cohort: RowSource | None = None
    """Columns made by a clinical cohort's table (one of its demographics, genes and proteins; a row per
    patient, or per patient and visit), after the model's and before the fields; see
    ``fastsynth.clinical.source``."""
    _copula: dict[str, tuple[int, int, np.ndarray, tuple[str, ...]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    """Derived from ``correlations`` when the schema is built: see ``copula_of``."""
    _columns: dict[str, Field] = field(init=False, repr=False, compare=False, default_factory=dict)
    """The fields by name (one look-up per reference, so that parsing stays linear in the fields)."""
    _depends: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False, default_factory=dict)
    """The columns each column reads (those that read any)."""
    _nullable: dict[str, bool] = field(init=False, repr=False, compare=False, default_factory=dict)
    _derived: dict[Any, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        self._settings_as_specs()
        if self.generator is not None or self.model is not None or self.cohort is not None:
            # Their columns first, made anew (``replace`` passes the old ones).
            own = tuple(f for f in self.fields if not isinstance(f, GeneratedColumn))
            made: tuple[GeneratedColumn, ...] = ()
            if self.generator is not None:
                made = tuple(
                    GeneratedColumn(name=c.name, source=self.generator) for c in self.generator.columns()
                )
            if self.model is not None:
                made += tuple(ModelColumn(name=name, source=self.model) for name in self.model.column_types())
            if self.cohort is not None:
                made += tuple(
                    CohortColumn(name=name, source=self.cohort) for name in self.cohort.column_types()
                )
            object.__setattr__(self, "fields", made + own)
        if self.entities is not None and not any(f.name == self.entities.id_field for f in self.fields):
            id_field = FIELDS.get("entity_id").from_spec(self.entities.id_field, {})
            time_fields = [k for k, f in enumerate(self.fields) if f.type_name == "time_sequence"]
            at = time_fields[0] + 1 if time_fields else 0
            object.__setattr__(self, "fields", (*self.fields[:at], id_field, *self.fields[at:]))
        if not self.fields:
            raise SchemaError("schema: no fields; give at least one field")
        seen: set[str] = set()
        for f in self.fields:
            if not isinstance(f, Field):
                raise SchemaError(f"schema: {f!r} is not a fastsynth Field")
            if f.name in seen:
                raise field_error(f.name, "is defined more than once")
            seen.add(f.name)
        argument("seed", self.seed, int | None, error=lambda message: SchemaError(f"schema: {message}"))
        object.__setattr__(self, "_columns", {f.name: f for f in self.fields})
        for f in self.fields:
            f.check_schema(self)
        object.__setattr__(self, "_depends", self._check_cycles())
        object.__setattr__(self, "_copula", self._copula_plan())
        if self.drift is not None:
            self.drift.check(self.fields_arrow_schema())
        if self.event_time is not None:
            self.event_time.check(self.fields_arrow_schema())

    def _settings_as_specs(self) -> None:
        """A schema built in Python may give its settings as documents (``entities={"count": 3}``, a
        list of drift events...): they become specs here, checked as ``from_dict`` checks them."""
        for name, value in (("name", self.name), ("locale", self.locale)):
            if value is not None and not isinstance(value, str):
                raise SchemaError(f"schema: {name}={value!r} is not a string")
        if self.entities is not None and not isinstance(self.entities, Entities):
            object.__setattr__(self, "entities", Entities.from_dict(self.entities))
        if self.generator is not None and not isinstance(self.generator, ConceptStream):
            object.__setattr__(self, "generator", ConceptStream.from_dict(self.generator))
        if self.model is not None:
            object.__setattr__(self, "model", model_from_document(self.model))
        if self.cohort is not None and not isinstance(self.cohort, RowSource):
            object.__setattr__(self, "cohort", SOURCES.get("cohort").from_dict(self.cohort))
        if self.drift is not None and not isinstance(self.drift, DriftSchedule):
            object.__setattr__(self, "drift", DriftSchedule.from_dict(self.drift))
        if self.event_time is not None and not isinstance(self.event_time, EventTime):
            object.__setattr__(self, "event_time", EventTime.from_dict(self.event_time, self.time_field))
        groups = [self.correlations] if isinstance(self.correlations, dict) else list(self.correlations or ())
        correlations = tuple(
            g if isinstance(g, Correlation) else Correlation.from_dict(g, i) for i, g in enumerate(groups)
        )
        object.__setattr__(self, "correlations", correlations)

    def _copula_plan(self) -> dict[str, tuple[int, int, np.ndarray, tuple[str, ...]]]:
        """For each correlated column: its group, its row in the group, the group's factor and columns."""
        by_name = {f.name: f for f in self.fields}
        plan: dict[str, tuple[int, int, np.ndarray, tuple[str, ...]]] = {}
        for index, group in enumerate(self.correlations):
            for column in group.columns:
                field = by_name.get(column)
                where = f"schema: correlations[{index}]"
                if field is None:
                    raise SchemaError(f"{where}: {column!r} is not a column ({', '.join(by_name)})")
                if column in plan:
                    raise SchemaError(f"{where}: {column!r} is already in another correlation group")
                require_correlatable(field, column, where)
                plan[column] = (index, 0, np.empty(0), ())
            factor = copula_factor(group, [by_name[c] for c in group.columns], index)
            for position, column in enumerate(group.columns):
                plan[column] = (index, position, factor, group.columns)
        return plan

    def copula_of(self, column: str) -> tuple[int, int, np.ndarray, tuple[str, ...]] | None:
        """Where ``column`` sits in the Gaussian copula: (its group, its row in the group, the group's
        Cholesky factor, the group's columns), or None when it is not correlated. The block makes the
        normals (``Block.correlated_normal``): the schema only says how."""
        return self._copula.get(column)

    def _check_cycles(self) -> dict[str, tuple[str, ...]]:
        """Refuse columns that depend on each other in a circle (a template of an expression of it),
        and return, for each column that reads others, the columns to make first, in order. An
        iterative depth-first walk: linear in the columns, and a chain of 100,000 templates is no
        RecursionError."""
        depends = {f.name: tuple(d for d in f.dependencies(self) if d in self._columns) for f in self.fields}
        done: set[str] = set()
        order: list[str] = []  # every column after the columns it reads
        for f in self.fields:
            if f.name in done:
                continue
            path: list[str] = [f.name]
            on_path = {f.name}
            pending = [iter(depends[f.name])]
            while pending:
                dependency = next(pending[-1], None)
                if dependency is None:
                    pending.pop()
                    finished = path.pop()
                    on_path.discard(finished)
                    done.add(finished)
                    order.append(finished)
                elif dependency in on_path:
                    cycle = " -> ".join([*path[path.index(dependency) :], dependency])
                    raise field_error(path[0], f"columns depend on each other in a cycle: {cycle}")
                elif dependency not in done:
                    path.append(dependency)
                    on_path.add(dependency)
                    pending.append(iter(depends[dependency]))
        nullable: dict[str, bool] = {}
        for name in order:
            column = self._columns[name]
            nullable[name] = column.nullable() or any(nullable[d] for d in depends[name])
        object.__setattr__(self, "_nullable", nullable)
        return {name: reads for name, reads in depends.items() if reads}

    def column_named(self, name: str) -> Field | None:
        """The field of column ``name``, or None."""
        return self._columns.get(name)

    def derived(self, key: Any, make: Callable[[], T]) -> T:
        """``make()``, computed once per schema and ``key``: what fields work out from the whole schema
        (which columns an email follows) is not worked out again per field and batch."""
        if key not in self._derived:
            self._derived[key] = make()
        value: T = self._derived[key]
        return value

    def column_names_text(self, most: int = 20) -> str:
        """The column names for a message, the first ``most`` of them when there are more."""
        names = [f.name for f in self.fields[:most]]
        more = len(self.fields) - len(names)
        return ", ".join(names) + (f", ... ({more} more)" if more > 0 else "")

    def column_nullable(self, name: str) -> bool | None:
        """Whether column ``name`` can hold nulls (its own null_rate, or a column it reads), or None
        when the schema has no such column."""
        return self._nullable.get(name)

    def build_order(self, name: str, made: Container[str] = ()) -> list[str]:
        """``name`` and the columns it reads, directly or not, but those in ``made``, each after the
        columns it reads: made in this order, no column is made recursively."""
        order: list[str] = []
        seen = {name}
        pending = [(name, iter(self._depends.get(name, ())))]
        while pending:
            current, reads = pending[-1]
            dependency = next(reads, None)
            if dependency is None:
                pending.pop()
                order.append(current)
            elif dependency not in seen and dependency not in made:
                seen.add(dependency)
                pending.append((dependency, iter(self._depends.get(dependency, ()))))
        return order

    # -- building -----------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, document: Any, *, limits: Limits | None = None) -> Schema:
        """A schema from a parsed JSON or YAML document in either accepted shape.

        With ``limits`` (a server's), the document's depth, size and field count are checked before
        it is parsed and every option marked with a ``Size`` while it is parsed, before any field is
        built; without (the CLI, Python), nothing is capped."""
        try:
            if limits is None:
                return cls._from_document(document)
            if isinstance(document, Mapping) and _model_only(document):
                # A model's document may hold anything (a pickle's name, a schema without limits): a
                # server takes models from its own folder of model files only.
                raise SchemaError(
                    "schema: model: a server loads fitted models only from its models folder: add a "
                    'generator with {"model": "NAME.fsm"}'
                )
            limits.check_document(document)
            with ceilings(limits.ceilings()):
                schema = cls._from_document(document)
            limits.check_columns(len(schema.fields))  # a generator's columns count too
            return schema
        except RecursionError:  # a document nested deeper than Python's stack, given without limits
            raise SchemaError("schema: the document is nested too deeply to read") from None

    @classmethod
    def _from_document(cls, document: Any) -> Schema:
        if not isinstance(document, Mapping):
            raise SchemaError(f"schema: expected an object of fields, got {type(document).__name__}")
        if _TIME_SERIES_KEYS & set(document):
            time_field = document.get("time_field", "timestamp")
            events = document.get("event_time")
            return cls(
                _time_series_fields(document),
                time_field=time_field,
                event_time=None if events is None else EventTime.from_dict(events, time_field),
                **_shared(document),
            )
        fields = document.get("fields")
        if _generator_only(document):
            fields = {}
            document = {**document, "fields": fields}
        if isinstance(fields, list) or (isinstance(fields, Mapping) and "type" not in fields):
            top = from_document(_Document, document, where="schema")
            if top.locale is not None:
                from fastsynth.adapters.faker_pools import check_locale

                check_locale(top.locale, "(schema)")
            # One group as an object, or a list of them; ``{}`` or an empty ``correlations:`` is none.
            groups = top.correlations or []
            groups = [groups] if isinstance(groups, dict) else groups
            return cls(
                _parse_fields(top.fields),
                name=top.name,
                seed=top.seed,
                locale=top.locale,
                correlations=tuple(Correlation.from_dict(g, i) for i, g in enumerate(groups)),
                event_time=None if top.event_time is None else EventTime.from_dict(top.event_time, None),
                generator=None if top.generator is None else ConceptStream.from_dict(top.generator),
                model=top.model,
                cohort=top.cohort,
                **_shared(document),
            )
        # The seed's tabular form: every key is a column, even one named "entities" or "drift".
        return cls(_parse_fields(document))

    @classmethod
    def load(cls, path: str | Path, *, trust: bool = False) -> Schema:
        """A schema from a ``.json``, ``.yaml`` or ``.yml`` file, or a model file (``.fsm``, see
        ``fastsynth.models.files``; ``trust`` lets it load a pickle, which runs code)."""
        path = Path(path)
        if path.suffix.lower() == files.SUFFIX:
            return cls.from_dict(files.read(path, trust=trust))
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchemaError(f"schema file {str(path)!r} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaError(f"schema file {str(path)!r} cannot be read: {exc}") from None
        return cls.from_dict(_parse_document(path, text))

    def save(self, path: str | Path) -> Path:
        """Write the schema to ``path``: a model file (``.fsm``) when it has a model, which keeps its
        tables there; otherwise YAML (``.yaml``, ``.yml``) or JSON (``.json``)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == files.SUFFIX or self.model is not None:
            if suffix != files.SUFFIX:
                raise SchemaError(
                    f"{str(path)!r}: a schema with a fitted model is saved as a .fsm model file"
                )
            return files.write(path, self.to_dict(), {} if self.model is None else self.model.tables())
        if suffix not in (".json", ".yaml", ".yml"):
            raise SchemaError(
                f"{str(path)!r}: unknown extension {suffix!r}; allowed: .json, .yaml, .yml, .fsm"
            )
        path.write_text(self.dumps("json" if suffix == ".json" else "yaml"), encoding="utf-8")
        return path

    def dumps(self, format: str = "yaml") -> str:
        """The schema's document as ``yaml`` or ``json`` text."""
        document = self.to_dict()
        if format == "json":
            return json.dumps(document, indent=2)
        return yaml.safe_dump(
            document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None
        )

    # -- using --------------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return [f.name for f in self.fields]

    def fields_arrow_schema(self) -> pa.Schema:
        """The Arrow schema of the fields alone (before any event-time label column)."""

        def declared(f: Field) -> pa.DataType:
            made = f.arrow_type()
            return made if self.drift is None else self.drift.declared_type(f.name, made)

        return pa.schema([pa.field(f.name, declared(f), nullable=f.nullable(self)) for f in self.fields])

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of every batch made from this schema."""
        schema = self.fields_arrow_schema()
        weight = None if self.drift is None else self.drift.weight_field()
        label = None if self.event_time is None else self.event_time.label_field()
        for extra in (weight, label):
            if extra is not None:
                schema = schema.append(extra)
        return schema

    def capacity(self) -> int | None:
        """The most rows this schema can make (a unique field's values run out), or None."""
        limits = [c for c in (f.capacity(self) for f in self.fields) if c is not None]
        rows = None if self.entities is None else self.entities.capacity()
        if rows is not None:
            limits.append(rows)
        return min(limits) if limits else None

    def starting_at(self, when: dt.datetime) -> Schema:
        """This schema with every ``time_sequence`` column starting at ``when``: continuous generation
        ties step 0 to the wall clock this way."""
        fields = tuple(
            dataclasses.replace(f, start=when.isoformat()) if isinstance(f, TimeSequenceField) else f
            for f in self.fields
        )
        return dataclasses.replace(self, fields=fields)

    def to_dict(self) -> dict[str, Any]:
        """The schema in fastsynth's form; ``Schema.from_dict`` rebuilds an equal schema."""
        document: dict[str, Any] = {}
        if self.name is not None:
            document["name"] = self.name
        if self.seed is not None:
            document["seed"] = self.seed
        if self.locale is not None:
            document["locale"] = self.locale
        if self.correlations:
            document["correlations"] = [c.to_dict() for c in self.correlations]
        if self.event_time is not None:
            document["event_time"] = self.event_time.to_dict()
        if self.entities is not None:
            document["entities"] = self.entities.to_dict()
        if self.drift is not None:
            document["drift"] = self.drift.to_dict()
        if self.generator is not None:
            document["generator"] = self.generator.to_dict()
        if self.model is not None:
            document["model"] = {"method": self.model.method, **self.model.to_document()}
        if self.cohort is not None:
            document["cohort"] = self.cohort.to_dict()  # type: ignore[attr-defined]
        document["fields"] = {f.name: f.to_spec() for f in self.fields if not isinstance(f, GeneratedColumn)}
        return document


def _generator_only(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` is fastsynth's form with a generator, a model or a cohort and no fields: the
    seed's tabular form may name a column ``generator``, ``model`` or ``cohort``, but then its ``type``
    is a field type."""
    if "fields" in document:
        return False
    for key in ("generator", "model", "cohort"):
        spec = document.get(key)
        if key == "model" and _is_model(spec):
            return True
        if isinstance(spec, Mapping) and not (isinstance(spec.get("type"), str) and spec["type"] in FIELDS):
            return True
    return False


def _model_only(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` is fastsynth's form with a ``model`` (not the seed's column of that name)."""
    spec = document.get("model")
    return spec is not None and not (
        isinstance(spec, Mapping) and isinstance(spec.get("type"), str) and spec["type"] in FIELDS
    )


def _is_model(value: Any) -> bool:
    return isinstance(value, Model)


def _shared(document: Mapping[str, Any]) -> dict[str, Any]:
    """The settings both the time-series form and fastsynth's own form may give: entities and drift."""
    entities, drift = document.get("entities"), document.get("drift")
    return {
        "entities": None if entities is None else Entities.from_dict(entities),
        "drift": None if drift is None else DriftSchedule.from_dict(drift),
    }


def _parse_document(path: Path, text: str) -> Any:
    suffix, what = path.suffix.lower(), f"schema file {str(path)!r}"
    if suffix not in (".json", ".yaml", ".yml"):
        raise SchemaError(f"{what}: unknown extension {suffix!r}; allowed: .json, .yaml, .yml")
    return read_document(path, text, what, SchemaError)


def _time_series_fields(document: Mapping[str, Any]) -> tuple[Field, ...]:
    """The seed's time-series format: a time column, value fields, and per-field trends and seasonality
    (see ``fields.series``). ``start_time`` (ISO, default 2024-01-01T00:00:00 UTC) is fastsynth's."""
    time_field = document.get("time_field", "timestamp")
    if not isinstance(time_field, str) or not time_field:
        raise SchemaError(f"schema: time_field={time_field!r} is not a column name")
    components = {}
    for key in ("trends", "seasonality"):
        value = document.get(key) or {}
        if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
            raise SchemaError(f"schema: {key} must map field names to objects, got {value!r}")
        components[key] = value
    specs = {k: v for k, v in document.items() if k not in _TIME_SERIES_KEYS | _SHARED_KEYS}
    for key, value in components.items():
        unknown = sorted(set(value) - set(specs))
        if unknown:
            raise SchemaError(f"schema: {key} names {unknown[0]!r}, which is not a value field")
    time_spec = {"type": "time_sequence", "interval_seconds": document.get("time_interval_seconds", 60)}
    if "start_time" in document:
        time_spec["start"] = document["start_time"]
    fields = [_parse_field(time_field, time_spec)]
    for name, spec in specs.items():
        if name in components["trends"] or name in components["seasonality"]:
            if not isinstance(spec, Mapping):
                raise field_error(name, f"spec {spec!r} is not an object with a 'type'")
            base = {k: v for k, v in spec.items() if k != "null_rate"}
            series = {"type": "series", "base": base}
            if "null_rate" in spec:
                series["null_rate"] = spec["null_rate"]
            if name in components["trends"]:
                series["trend"] = dict(components["trends"][name])
            if name in components["seasonality"]:
                series["seasonality"] = dict(components["seasonality"][name])
            spec = series
        fields.append(_parse_field(name, spec))
    return tuple(fields)


def _parse_fields(fields: Any) -> tuple[Field, ...]:
    if isinstance(fields, Mapping):
        items = list(fields.items())
    elif isinstance(fields, list):
        items = []
        for position, spec in enumerate(fields):
            if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
                raise SchemaError(f"schema: fields[{position}] needs a 'name' string")
            items.append((spec["name"], {k: v for k, v in spec.items() if k != "name"}))
    else:
        raise SchemaError(f"schema: fields={fields!r} is not an object or a list")
    return tuple(_parse_field(name, spec) for name, spec in items)


def _parse_field(name: Any, spec: Any) -> Field:
    if not isinstance(name, str) or not name:
        raise SchemaError(f"schema: field name {name!r} is not a non-empty string")
    if not isinstance(spec, Mapping):
        raise field_error(name, f"spec {spec!r} is not an object with a 'type'")
    type_name = spec.get("type")
    if not isinstance(type_name, str):
        allowed = ", ".join(FIELDS.names())
        raise field_error(name, f"type={type_name!r} is not a field type; allowed: {allowed}")
    try:
        cls = FIELDS.get(type_name)
    except SchemaError as exc:
        raise field_error(name, str(exc)) from None
    return cls.from_spec(name, {k: v for k, v in spec.items() if k != "type"})
