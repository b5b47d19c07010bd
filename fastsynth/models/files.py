"""Model files (``.fsm``): a fitted schema's document and its model's tables, in one zip archive.

Inside, ``schema.yaml`` is the schema document (its ``model`` the model's plain values, readable and
editable) and ``tables/NAME.arrow`` one Arrow IPC file per table of the model. Reading a file never
runs code from it, except for a model that keeps a pickle (SDV's synthesizers), which loads only inside
``trusted()``: ``Schema.load(path, trust=True)``, ``fastsynth gen --trust-model``.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import yaml

from fastsynth.documents import read_yaml
from fastsynth.errors import FastsynthError, SchemaError
from fastsynth.models.base import model_from_document

__all__ = ["SUFFIX", "check_trusted", "read", "trusted", "write"]

SUFFIX = ".fsm"
_SCHEMA = "schema.yaml"
_TABLES = "tables/"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}")
_MAX_DOCUMENT = 64 * 2**20
"""The most bytes ``schema.yaml`` may unpack to: a zip can claim any size."""
MAX_TABLES = 16 * 2**30
"""The most bytes a model file's tables may unpack to together (what a zip claims is checked before
anything is unpacked, and zipfile holds each entry to its claim)."""

_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("fastsynth_trusted_models", default=False)


@contextlib.contextmanager
def trusted() -> Iterator[None]:
    """Within it, model files may load pickles: the user said they trust the file."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def check_trusted(what: str) -> None:
    """Refuse to unpickle ``what`` unless inside ``trusted()``."""
    if not _trusted.get():
        raise SchemaError(
            f"the model file holds {what}, a pickle, which runs code when it is loaded: load it only if "
            "you trust where it came from, with Schema.load(path, trust=True) or --trust-model"
        )


def write(path: str | Path, document: dict[str, Any], tables: dict[str, pa.Table]) -> Path:
    """Write a schema's ``document`` and its model's ``tables`` to the model file ``path``, atomically."""
    path = Path(path)
    for name in tables:
        if not _NAME.fullmatch(name):
            raise SchemaError(f"model table name {name!r} is not a plain file name")
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(_SCHEMA, text)
            for name, table in tables.items():
                sink = io.BytesIO()
                with ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
                archive.writestr(f"{_TABLES}{name}.arrow", sink.getvalue())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


def read(path: str | Path, *, trust: bool = False) -> dict[str, Any]:
    """The schema document of the model file ``path``, its ``model`` built; ``trust`` lets it load a
    pickle (see ``trusted``)."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SchemaError(f"model file {str(path)!r} does not exist") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise SchemaError(f"model file {str(path)!r} cannot be read: {exc}") from None
    with archive:
        document = _document(archive, path)
        tables = _tables(archive, path)
    model = document.get("model") if isinstance(document, dict) else None
    if not isinstance(model, dict):
        raise SchemaError(f"model file {str(path)!r}: its {_SCHEMA} has no 'model'")
    with trusted() if trust else contextlib.nullcontext():
        try:
            built = model_from_document(model, tables)
        except FastsynthError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, pa.ArrowException) as exc:
            # A file edited by hand, or by someone else: whatever its model trips on is the file's fault.
            raise SchemaError(
                f"model file {str(path)!r}: its model does not hold together ({type(exc).__name__}: {exc})"
            ) from None
    return {**document, "model": built}


def _document(archive: zipfile.ZipFile, path: Path) -> Any:
    try:
        info = archive.getinfo(_SCHEMA)
    except KeyError:
        raise SchemaError(f"model file {str(path)!r} has no {_SCHEMA}") from None
    if info.file_size > _MAX_DOCUMENT:
        raise SchemaError(f"model file {str(path)!r}: {_SCHEMA} is over {_MAX_DOCUMENT} bytes")
    try:
        text = archive.read(info).decode("utf-8")
    except (UnicodeDecodeError, zipfile.BadZipFile, ValueError) as exc:
        raise SchemaError(f"model file {str(path)!r}: {_SCHEMA} cannot be read: {exc}") from None
    return read_yaml(text, f"model file {str(path)!r}: {_SCHEMA}", SchemaError)


def _tables(archive: zipfile.ZipFile, path: Path) -> dict[str, pa.Table]:
    tables: dict[str, pa.Table] = {}
    claimed = sum(info.file_size for info in archive.infolist() if info.filename.startswith(_TABLES))
    if claimed > MAX_TABLES:
        raise SchemaError(
            f"model file {str(path)!r}: its tables unpack to {claimed:,} bytes; at most {MAX_TABLES:,}"
        )
    for info in archive.infolist():
        if not info.filename.startswith(_TABLES):
            continue
        name = info.filename[len(_TABLES) :].removesuffix(".arrow")
        if not _NAME.fullmatch(name):
            raise SchemaError(f"model file {str(path)!r}: table {info.filename!r} is not a plain file name")
        try:
            tables[name] = ipc.open_file(pa.py_buffer(archive.read(info))).read_all()
        except (pa.ArrowInvalid, zipfile.BadZipFile, OSError) as exc:
            raise SchemaError(f"model file {str(path)!r}: table {name!r} cannot be read: {exc}") from None
    return tables
