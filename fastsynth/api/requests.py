"""Request bodies as the service's request specs: read by the same translator as Flight's tickets
(unknown keys refused, errors in the house wording), and documented in the OpenAPI schema as the
spec's JSON schema, so the two servers and the docs cannot disagree."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import Body, BodyKwarg

from fastsynth.service.records import arguments

__all__ = ["body", "read"]


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
