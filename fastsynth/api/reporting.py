"""``POST /report``: the report of a generator's rows (drift over windows or blocks), or of those rows
against real rows the request sends (quality), as the page or its JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType

from fastsynth.api.errors import WRITING
from fastsynth.api.requests import body, read
from fastsynth.service import Service
from fastsynth.service.records import ReportRequest

__all__ = ["REPORT_BODY_BYTES", "ReportController"]

REPORT_BODY_BYTES = 16 << 20
"""The largest ``/report`` body: real rows as JSON records (a hundred thousand rows of a dozen columns)."""


@dataclass
class _ReportOperation(Operation):
    """The OpenAPI operation of ``/report``: its answer is a page or a JSON document."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse):
            answer.description = "The report: the page (format html) or every number (format json)"
            answer.content = {
                "text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                "application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT)),
            }


class ReportController(Controller):
    path = "/report"
    tags = ("reports",)

    @post(
        status_code=200,
        sync_to_thread=True,
        responses=WRITING,
        operation_class=_ReportOperation,
        request_max_body_size=REPORT_BODY_BYTES,
    )
    def report(
        self,
        service: NamedDependency[Service],
        data: Annotated[dict[str, Any] | None, body(ReportRequest)] = None,
    ) -> Response[str]:
        text, media_type = service.report(**read(ReportRequest, data))
        return Response(text, media_type=media_type)
