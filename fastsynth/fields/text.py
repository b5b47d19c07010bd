"""Person text: ``name`` and ``email``, from the en_US pools of Faker's person and internet providers.

The pools are read from Faker's provider tables once, at first use; no Faker call is made per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from fastsynth.fields.base import FIELDS
from fastsynth.fields.compose import ComposedField, Part

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
class NameField(ComposedField):
    """A person's full name, "First Last"."""

    type_name = "name"

    def parts(self) -> tuple[Part, ...]:
        return _name_parts()


@FIELDS.register("email")
@dataclass(frozen=True, kw_only=True)
class EmailField(ComposedField):
    """An email address such as ``jane.doe87@gmail.com``."""

    type_name = "email"

    def parts(self) -> tuple[Part, ...]:
        return _email_parts()
