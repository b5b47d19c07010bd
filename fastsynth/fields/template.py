"""The ``template`` field type: text assembled from other columns of the row and from field types."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.buffers import values_array
from fastsynth.errors import SchemaError
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.specs import Size

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["TemplateField"]


@FIELDS.register("template")
@dataclass(frozen=True, kw_only=True)
class TemplateField(Field):
    """Text such as ``"{first_name}.{last_name}@{domain}"``. A placeholder names a column of the schema
    (its value on the same row, any type, as text) or a field type (a fresh value of that type with
    default options); ``{{`` and ``}}`` are literal braces. Rows where a named column is null are null."""

    template: Annotated[str, Size("text", "length")]
    """The text with ``{placeholders}``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            pieces = list(string.Formatter().parse(self.template))
        except ValueError as exc:
            raise self.error(f"template={self.template!r} is malformed: {exc}") from None
        for _, name, spec, conversion in pieces:
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise self.error(
                    f"template placeholder {{{name}{'!' + conversion if conversion else ''}"
                    f"{':' + spec if spec else ''}}} is not allowed; use {{column}} or {{field_type}}"
                )

    @cached_property
    def _pieces(self) -> list[tuple[str, str | None, int]]:
        """(text, then a placeholder or None, the placeholder's place in ``string.Formatter().parse``,
        which keys a fresh value's draws): literal text runs merged, as ``{{`` and ``}}`` each end one
        (2,500 ``{{}}`` were 5,000 pieces joined row by row: 26 s for 65,536 rows)."""
        pieces: list[tuple[str, str | None, int]] = []
        text = ""
        for index, (literal, name, _, _) in enumerate(string.Formatter().parse(self.template)):
            text += literal
            if name is not None:
                pieces.append((text, name, index))
                text = ""
        if text or not pieces:
            pieces.append((text, None, -1))
        return pieces

    def placeholders(self) -> list[str]:
        """The names between braces, in order."""
        return [name for _, name, _ in self._pieces if name is not None]

    def dependencies(self, schema: Schema) -> tuple[str, ...]:
        return tuple(n for n in self.placeholders() if schema.column_named(n) is not None)

    def check_schema(self, schema: Schema) -> None:
        self.check_text_sources(schema, self.dependencies(schema))
        for name in self.placeholders():
            if name == self.name:
                raise self.error(f"template placeholder {{{name}}} refers to the template itself")
            if schema.column_named(name) is not None:
                continue
            if name not in FIELDS:
                raise self.error(
                    f"template placeholder {{{name}}} is neither a column ({schema.column_names_text()}) "
                    f"nor a field type ({', '.join(FIELDS.names())})"
                )
            try:
                FIELDS.get(name).from_spec(f"{self.name}.{name}", {})
            except SchemaError as exc:
                raise self.error(
                    f"template placeholder {{{name}}} cannot use defaults ({exc}); add a column"
                ) from None

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        pieces: list[Any] = []
        columns: dict[str, pa.Array] = {}  # each column cast once, however often it is placed
        for text, name, index in self._pieces:
            if text:
                pieces.append(values_array([text])[0])
            if name is None:
                continue
            if block.schema is not None and block.schema.column_named(name) is not None:
                if name not in columns:
                    columns[name] = pc.cast(block.column(name), pa.string())
                pieces.append(columns[name])
                continue
            field = FIELDS.get(name).from_spec(f"{self.name}.{name}", {})
            source = Block(f"{self.name}\x00{name}{index}", block.seed, block.start, block.size, block.schema)
            pieces.append(pc.cast(field.column(source), pa.string()))
        if not any(isinstance(p, pa.Array) for p in pieces):
            pieces.append(pa.nulls(block.size, pa.string()).fill_null(""))
        return pc.binary_join_element_wise(*pieces, values_array([""])[0])
