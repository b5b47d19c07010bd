"""Models fitted on real data, and their registry.

A model makes whole rows of the table it was fitted on: ``make(seed, start, size)`` gives rows
``[start, start + size)`` as one Arrow array per column, and row ``i`` depends only on (seed, i), as every
column of fastsynth does, so batches, offsets, threads and Dask workers give the same bytes. A schema
holds a model under ``model`` (``Schema(model=...)``): its columns come first, then any fields.

A method registers its model class under its name; ``fastsynth.fit(data, method=...)`` calls the class's
``fit``. What a model keeps goes into a model file (``fastsynth.models.files``) in two parts: a
document of plain values (``to_document``, written as YAML, readable) and named Arrow tables
(``tables``) for the bulk (tree leaves, donor rows). A model whose state is a pickle (SDV's) says so
with ``pickled``, and loading it then needs the user's explicit trust.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from fastsynth.errors import SchemaError, UsageError
from fastsynth.registry import Registry

__all__ = ["METHODS", "Model", "check_options", "model_from_document", "model_key"]

METHODS: Registry[type[Model]] = Registry(
    "fitting method", "fastsynth.methods", SchemaError, name_attribute="method"
)


def model_key(seed: int, *parts: Any) -> np.uint64:
    """A 64-bit key for (seed, parts...): a stable hash, the same on every platform."""
    text = "\x00".join(str(p) for p in (seed, "model", *parts))
    return np.uint64(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little"))


class Model(ABC):
    """A fitted model: it makes rows of the columns it was fitted on."""

    method: ClassVar[str] = ""
    """The registered method name (set by ``METHODS.register``)."""
    fittable: ClassVar[bool] = True
    """Whether ``fit(method=...)`` offers it (wrappers such as conditions are made, not fitted)."""
    pickled: ClassVar[bool] = False
    """Whether the model file keeps a pickle, which runs code when loaded."""

    @classmethod
    def fit(
        cls,
        table: pa.Table,
        options: Mapping[str, Any],
        *,
        seed: int,
        target: str | None,
        given: Sequence[str] = (),
    ) -> Model:
        """The model fitted on ``table`` with the method's ``options`` (refused by name, as a
        ``UsageError``, when unknown); ``seed`` for fits that draw (a forest's bootstrap), ``target`` the
        label column if any, ``given`` the columns ``make`` will be given (conditioning), which the
        model must then list in ``givable``. Models that are made, not fitted (``fittable`` false), keep
        this refusal."""
        raise UsageError(f"fit: {cls.method!r} is not a fitting method")

    @abstractmethod
    def arrow_schema(self) -> pa.Schema:
        """The columns the model makes, with their types, in order."""

    @abstractmethod
    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        """Rows ``[start, start + size)``. ``given`` fixes some columns (those ``givable`` names) to
        values per row, and the other columns follow them as the model's conditionals say."""

    def givable(self) -> frozenset[str]:
        """The columns ``make`` can take as given (conditioning); none unless the method can."""
        return frozenset()

    @abstractmethod
    def to_document(self) -> dict[str, Any]:
        """The model's plain values (JSON and YAML safe): what ``from_parts`` reads back, with the
        tables."""

    def tables(self) -> dict[str, pa.Table]:
        """The model's bulk, as named Arrow tables (none unless the model has any)."""
        return {}

    @classmethod
    @abstractmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> Model:
        """The model ``to_document`` and ``tables`` describe."""

    # -- the interface a schema's columns use ---------------------------------------------------------

    def column_types(self) -> dict[str, pa.DataType]:
        return {f.name: f.type for f in self.arrow_schema()}

    def nullable(self, name: str) -> bool:
        return self.arrow_schema().field(name).nullable

    def capacity(self) -> int | None:
        """The most rows the model makes (None: no limit)."""
        return None

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


def check_options(method: str, options: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse an option ``method`` does not take, naming those it does."""
    names = sorted(allowed)
    for name, value in options.items():
        if name not in names:
            raise UsageError(
                f"fit: {name}={value!r} is not an option of method {method!r}; "
                f"allowed: {', '.join(names) or 'none'}"
            )


def model_from_document(document: Any, tables: Mapping[str, pa.Table] | None = None) -> Model:
    """The model a schema's ``model`` document names by ``method``, with its tables (a model file's)."""
    if isinstance(document, Model):
        return document
    if not isinstance(document, Mapping) or not isinstance(document.get("method"), str):
        raise SchemaError(
            f"schema: model={document!r} is not an object with a 'method'; "
            f"allowed methods: {', '.join(METHODS.names())}"
        )
    cls = METHODS.get(document["method"])
    body = {k: v for k, v in document.items() if k != "method"}
    return cls.from_parts(body, tables or {})
