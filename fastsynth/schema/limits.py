"""``Limits``: ceilings on what a schema document may ask for, checked before anything is allocated.

A server builds schemas from requests with ``Schema.from_dict(document, limits=Limits())``; the CLI
and Python users pass none and are not capped. Two kinds of checks share one ``Limits``:

* the document's shape, walked once without recursion before it is parsed: nesting depth, an
  estimate of its size in bytes as JSON, the number of fields;
* the options that size an allocation or an output. Each declares its kind with a ``Size`` marker in
  its annotation (``max_words: Annotated[int, Size("text")]``), and the spec translator checks it
  against the ceiling of that kind while the document is parsed, before the field is built. A new
  field type opts in with the marker; there is no check to write per field.

>>> Limits(max_text_length=100).ceilings()["text"]
(100, 'max_text_length')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastsynth.errors import SchemaError, UsageError
from fastsynth.specs import PositiveInt, argument, show

__all__ = ["Limits"]

# The kind each ``Size`` marker names -> the setting that holds its ceiling.
_KINDS = {
    "fields": "max_fields",
    "text": "max_text_length",
    "pool": "max_pool",
    "categories": "max_categories",
    "entities": "max_entities",
    "work": "max_build_seconds",
    "expression": "max_expression_tokens",
    "dictionary": "max_dictionary_bytes",
    "drift": "max_drift_events",
    "series": "max_series_terms",
    "visits": "max_visits",
}


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Ceilings on a schema document (each a positive integer)."""

    max_fields: int = 1_000
    """Columns a schema may have."""
    max_depth: int = 32
    """Nesting depth of the document (objects and lists inside each other)."""
    max_document_bytes: int = 1_000_000
    """Size of the document as JSON, estimated while walking it: strings' lengths and a few bytes
    per value."""
    max_entities: int = 100_000
    """Entities of a multi-series schema (each draws its parameters into arrays of this length)."""
    max_text_length: int = 10_000
    """The longest text one option may ask a value to have: words of a sentence, sentences of a
    paragraph, characters of a pattern or template, size arguments of a ``faker`` provider."""
    max_pool: int = 100_000
    """Values a field makes once and draws rows from (``faker``'s ``pool_size``)."""
    max_categories: int = 10_000
    """Categories of a ``category`` field (all lists together, with ``depends_on``)."""
    max_expression_tokens: int = 500
    """Tokens (names, numbers, strings, symbols) of one SQL expression (an ``expr`` field, a drift
    ``rule``): polars' time to plan an expression, paid again for every batch, grows faster than its
    length (2,000 terms take seconds a batch). Under it, SQL may not call the functions that lengthen
    text by as much as an argument asks (lpad, rpad, replace, regexp_replace: gigabytes a row)."""
    max_series_terms: int = 100
    """Seasons, and trend changepoints, of a ``series`` field: every row sums them all, and every
    entity draws each season's amplitude and phase for every batch (15,000 seasons took over a minute
    for 65,536 rows; 10,000 with 100,000 entities asked for 15 GB)."""
    max_visits: int = 100
    """Visits per patient of a cohort (``fastsynth.clinical``): each later visit of a group with trends
    draws a table of parameters of every gene it touches (about 3.5 kB each, for counts)."""
    max_drift_events: int = 100
    """Events of a schema's ``drift``: each measures its windows on rows made without drift and weighs
    every batch's rows, so a batch costs time in proportion to them (1,000 events took 5 s for the
    first 1,000 rows, 5,000 over a minute)."""
    max_dictionary_bytes: int = 10_000_000
    """Bytes (UTF-8) of the values a dictionary column carries in every batch, whatever its rows: an
    ``entity_id`` column's names (entities times a name's length; 100,000 names of a 9,000-character
    prefix took 9 s and 3.6 GB to make one row)."""
    max_build_seconds: int = 5
    """Seconds of work a field may need before its first row, estimated from a trial (a ``faker``
    pool: a provider's time per value times ``pool_size``; AR noise: the start of every entity's
    series; regimes: finding every entity's in a batch; a Pearson correlation group: the median pair's
    solving time times its pairs; a generator's concepts: their estimated set-up, all together): the
    CPU one request can take up before the client could notice and leave."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            argument(f"limits: {f.name}", getattr(self, f.name), PositiveInt, error=UsageError)

    def ceilings(self) -> Mapping[str, tuple[int, str]]:
        """The ceiling of each ``Size`` kind and the setting's name, for ``fastsynth.specs.ceilings``."""
        return {kind: (getattr(self, setting), setting) for kind, setting in _KINDS.items()}

    def check_document(self, document: Any) -> None:
        """Refuse a document nested deeper than ``max_depth`` or larger than ``max_document_bytes``,
        walking it with a stack (a body nested 100,000 deep is refused, never a RecursionError), and
        one with more than ``max_fields`` fields. The message names where the walk stopped."""
        size = 0
        stack: list[tuple[Any, int, str]] = [(document, 0, "")]
        while stack:
            value, depth, where = stack.pop()
            if isinstance(value, Mapping | list | tuple):
                if depth >= self.max_depth:
                    raise SchemaError(
                        f"schema: {where or 'the document'} is nested {depth + 1} deep, over the limit; "
                        f"allowed: at most {self.max_depth} (max_depth)"
                    )
                size += 2
                if isinstance(value, Mapping):
                    for key, item in value.items():
                        size += len(key) + 4 if isinstance(key, str) else 8
                        stack.append((item, depth + 1, _path(where, key, depth)))
                else:
                    size += len(value)
                    stack.extend((item, depth + 1, _path(where, i, depth)) for i, item in enumerate(value))
            elif isinstance(value, str):
                size += len(value) + 2
            else:
                size += 8
            if size > self.max_document_bytes:
                raise SchemaError(
                    f"schema: the document is over {self.max_document_bytes} bytes (stopped at "
                    f"{where or 'its top'}); allowed: at most {self.max_document_bytes} bytes "
                    "(max_document_bytes)"
                )
        count = _field_count(document)
        if count > self.max_fields:
            raise SchemaError(
                f"schema: {count} fields is over the limit; allowed: at most {self.max_fields} (max_fields)"
            )

    def check_columns(self, count: int) -> None:
        """Refuse a schema of more than ``max_fields`` columns, however they came (a generator's)."""
        if count > self.max_fields:
            raise SchemaError(
                f"schema: {count} columns is over the limit; allowed: at most {self.max_fields} (max_fields)"
            )


def _path(where: str, key: Any, depth: int) -> str:
    """Where a value sits, for messages: the first few keys only, so that deep walks stay linear."""
    if depth >= 4:
        return where
    step = f"[{key}]" if isinstance(key, int) else str(show(key) if not isinstance(key, str) else key)
    return f"{where}{step}" if step.startswith("[") or not where else f"{where}.{step}"


# Keys of the schema document that are not fields, in the seed's time-series form and fastsynth's own.
_SETTINGS = {
    "time_field",
    "time_interval_seconds",
    "start_time",
    "trends",
    "seasonality",
    "event_time",
    "entities",
    "drift",
}


def _field_count(document: Any) -> int:
    if not isinstance(document, Mapping):
        return 0
    fields = document.get("fields")
    if isinstance(fields, list) or (isinstance(fields, Mapping) and "type" not in fields):
        return len(fields)
    return len(document) - len(_SETTINGS & set(document))
