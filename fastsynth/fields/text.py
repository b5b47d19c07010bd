"""Person text: ``name`` and ``email``, from the en_US pools of Faker's person and internet providers.

The pools are read from Faker's provider tables once, at first use; no Faker call is made per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pyarrow as pa

from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.fields.compose import Part, compose

__all__ = ["EmailField", "NameField"]


def _local_part(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def _name_parts() -> tuple[Part, ...]:
    from faker.providers.person.en_US import Provider

    return Part(tuple(Provider.first_names), "first"), Part((" ",)), Part(tuple(Provider.last_names), "last")


@cache
def _email_parts() -> tuple[Part, ...]:
    from faker.providers.internet.en_US import Provider as Internet
    from faker.providers.person.en_US import Provider as Person

    return (
        Part(tuple(_local_part(n) for n in Person.first_names), "first"),
        Part((".",)),
        Part(tuple(_local_part(n) for n in Person.last_names), "last"),
        Part(("", *(str(n) for n in range(1, 100))), "digits"),
        Part(("@",)),
        Part(tuple(Internet.free_email_domains), "domain"),
    )


@FIELDS.register("name")
@dataclass(frozen=True, kw_only=True)
class NameField(Field):
    """A person's full name, "First Last"."""

    type_name = "name"

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        return compose(block, _name_parts())


@FIELDS.register("email")
@dataclass(frozen=True, kw_only=True)
class EmailField(Field):
    """An email address such as ``jane.doe87@gmail.com``."""

    type_name = "email"

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        return compose(block, _email_parts())
