"""The seed every random choice derives from, chosen the same way by every entry point."""

from __future__ import annotations

from fastsynth.specs import argument

__all__ = ["DEFAULT_SEED", "resolve_seed"]

DEFAULT_SEED = 42
"""The seed used when nobody gives one (the seed project's default)."""


def resolve_seed(*candidates: object) -> int:
    """The first of ``candidates`` that is not None (the caller's seed first, then a schema's or a
    file's), else ``DEFAULT_SEED``; the chosen one must be an integer that fits in 64 bits.

    >>> resolve_seed(None, 7), resolve_seed(3, 7), resolve_seed(None, None)
    (7, 3, 42)
    """
    chosen = next((c for c in candidates if c is not None), DEFAULT_SEED)
    return int(argument("seed", chosen, int))
