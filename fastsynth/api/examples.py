"""``GET /examples``: the example schema files shipped with the package, for a client to start from;
``POST /generators`` takes their names as ``example``."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get

from fastsynth.api.errors import READING
from fastsynth.schema.examples import example_files

__all__ = ["Example", "ExampleController", "Examples"]


@dataclass(frozen=True)
class Example:
    """One example schema file."""

    name: str
    """What ``POST /generators`` takes as ``example``: the file's name without its extension."""
    file: str
    text: str
    """The file's text (YAML or JSON) as shipped."""


@dataclass(frozen=True)
class Examples:
    examples: list[Example]
    """In name order."""


class ExampleController(Controller):
    path = "/examples"
    tags = ("generators",)

    @get(sync_to_thread=False, responses=READING)
    def list_examples(self) -> Examples:
        files = example_files()
        return Examples(
            [Example(name, entry.name, entry.read_text(encoding="utf-8")) for name, entry in files.items()]
        )
