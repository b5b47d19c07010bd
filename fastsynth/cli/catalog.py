"""What ``fastsynth schema types`` and ``fastsynth schema generators`` list, kept in ``catalog.json``
beside this module: asking the registries means importing every field's kernels (numba, about a
second), too slow for a command that prints a list. ``tests/cli/test_catalog.py`` checks that the file
says what the registries say; ``python -m fastsynth.cli.catalog`` rewrites it from them."""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

__all__ = ["CATALOG", "build", "current", "read"]

CATALOG = Path(__file__).with_name("catalog.json")

Entry = dict[str, Any]
"""``{"name", "summary" (the docstring's first paragraph), "options" (sorted)}``."""


_GROUPS = ("fastsynth.fields", "fastsynth.generators")
"""The entry point groups through which installed packages add field types and generators."""


def read() -> dict[str, list[Entry]]:
    """The catalog as shipped: ``{"types": [...], "generators": [...]}``, each in name order."""
    catalog: dict[str, list[Entry]] = json.loads(CATALOG.read_text(encoding="utf-8"))
    return catalog


def current() -> dict[str, list[Entry]]:
    """The catalog as shipped, or from the registries when an installed package adds to them (a scan
    of the entry points takes milliseconds; importing the registries, a second)."""
    if "fastsynth.fields.base" in sys.modules or any(entry_points(group=group) for group in _GROUPS):
        return build()  # the registries are loaded already (types registered in process), or have plugins
    return read()


def build() -> dict[str, list[Entry]]:
    """The catalog from the registries themselves (slow: it imports every field and generator)."""
    from fastsynth.concepts import GENERATORS
    from fastsynth.fields.base import FIELDS
    from fastsynth.specs import options_of

    return {
        "types": [
            _entry(name, FIELDS.get(name).__doc__, FIELDS.get(name).options()) for name in FIELDS.names()
        ],
        "generators": [
            _entry(name, GENERATORS.get(name).__doc__, options_of(GENERATORS.get(name)))
            for name in GENERATORS.names()
        ],
    }


def _entry(name: str, doc: str | None, options: Any) -> Entry:
    summary = " ".join((doc or "").strip().split("\n\n")[0].split())  # the first paragraph
    return {"name": name, "summary": summary, "options": sorted(options)}


if __name__ == "__main__":
    CATALOG.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
