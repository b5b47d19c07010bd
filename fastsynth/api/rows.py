"""``POST /generate``: rows now, in a file format, streamed as they are made."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import Stream

from fastsynth.api.errors import REFUSALS
from fastsynth.service import Service

__all__ = ["GenerateIn", "RowsController"]


class GenerateIn(msgspec.Struct, forbid_unknown_fields=True):
    """The body of ``POST /generate`` (and a Flight ticket): a generator's name or an inline schema, how
    many rows from which row, the seed, and the format (json, jsonl, csv, parquet, arrow)."""

    generator: str | None = None
    schema: dict[str, Any] | None = None
    rows: int | None = None
    seed: int | None = None
    start: int = 0
    format: str = "json"


class RowsController(Controller):
    path = "/generate"
    tags = ("rows",)

    @post(status_code=200, sync_to_thread=True, responses=REFUSALS)
    def generate(self, service: NamedDependency[Service], data: JSONBody[GenerateIn]) -> Stream:
        """Everything that can be refused is refused before the body starts; a failure after that cuts
        the connection, so a client never takes a truncated body for a whole one."""
        chunks, media_type = service.generate(
            generator=data.generator,
            schema=data.schema,
            rows=data.rows,
            seed=data.seed,
            start=data.start,
            format=data.format,
        )
        return Stream(chunks, media_type=media_type)
