"""Request bodies as the service's request specs: read by the same translator as Flight's tickets
(unknown keys refused, errors in the house wording), and documented in the OpenAPI schema as the
spec's JSON schema, so the two servers and the docs cannot disagree."""

from __future__ import annotations

import math
import sys
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException
from litestar.params import Body, BodyKwarg

from fastsynth.errors import UsageError
from fastsynth.service.records import arguments
from fastsynth.specs import show

__all__ = ["BodyRequest", "body", "read"]


def body(kind: type) -> BodyKwarg:
    """How a handler's ``data: Annotated[dict[str, Any] | None, body(kind)] = None`` is documented:
    as ``kind``."""
    _, components = msgspec.json.schema_components([kind], ref_template="#/components/schemas/{name}")
    schema = components[kind.__name__]
    schema["additionalProperties"] = False
    schema["oneOf"] = None  # an optional body: what Litestar made of ``dict | None`` is replaced too
    return Body(
        media_type=RequestEncodingType.JSON,
        title=kind.__name__,
        schema_extra=schema,
        schema_component_key=kind.__name__,
    )


def read(kind: type, data: Any) -> dict[str, Any]:
    """``data`` checked as a ``kind`` request, as the keyword arguments of its service call."""
    return arguments(kind, {} if data is None else data, "body")


class _Unbounded(float):
    """A number of a body past a 64-bit float's range (``1e309``): infinite, and shown as it was sent,
    so that the check of its field refuses it by name (``rows=1e309 is not an integer >= 0``)."""

    text: str

    def __new__(cls, text: str) -> _Unbounded:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __repr__(self) -> str:
        return self.text


def _number(text: str) -> float:
    number = float(text)
    return number if math.isfinite(number) else _Unbounded(text)


_WIDE = msgspec.json.Decoder(float_hook=_number)
"""Reads numbers past a float's range as ``_Unbounded``; used only once a body has been refused for
one, since calling Python for every number of a large body costs."""


def _first_unbounded(value: Any, path: str) -> tuple[str, _Unbounded] | None:
    """Where the first ``_Unbounded`` number in ``value`` is, and the number."""
    if isinstance(value, _Unbounded):
        return path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _first_unbounded(item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
        if found is not None:
            return found
    return None


class BodyRequest(Request[Any, Any, Any]):
    """Litestar's request, but a JSON body holding a number past a float's range (``{"rows": 1e309}``)
    is refused by the field it is in, like any other bad value, not as msgspec's ``Number out of range
    - at `$[...]```, which names no field."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except SerializationException as exc:
            if not isinstance(exc.__cause__, msgspec.ValidationError) or "out of range" not in str(exc):
                raise
        document = _WIDE.decode(await self.body())
        if not isinstance(document, dict):  # refused as not an object, whatever it holds
            return float(document) if isinstance(document, _Unbounded) else document
        nested = (_first_unbounded(v, f".{k}") for k, v in document.items() if isinstance(v, dict | list))
        found = next((f for f in nested if f is not None), None)
        if found is None:
            if not any(isinstance(value, _Unbounded) for value in document.values()):
                raise SerializationException("Number out of range")  # msgspec's message, as before
            return document  # in a field of the request: its own check refuses the number by name
        # Deeper, in a value taken as it comes (a schema, a streamer's options, a report's data), it is
        # refused here, by its path and as it was sent: a report's data take any float, infinities too,
        # and a schema's own checks would name it as inf rather than as the number the client wrote.
        where, number = found
        raise UsageError(
            f"body: {where.lstrip('.')}={show(number)} is past the range of a number; allowed: numbers "
            f"from {-sys.float_info.max:.4g} to {sys.float_info.max:.4g} (64-bit floating point)"
        )
