"""What composed strings are made of, as data: the fields compose them and the adapters (Faker's
locale tables) describe them, so these plain descriptions sit below both.

A ``Composition`` is one or more templates (variants, chosen per row by weight); a template is a tuple of
``Part``s; a part is a weighted choice among entries, or a literal. ``pattern_parts`` turns a pattern
such as ``ORD-####-??`` into parts.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

__all__ = ["PATTERN_HELP", "Composition", "Part", "literal", "pattern_parts"]


@dataclass(frozen=True)
class Part:
    """One piece of a composed string: a choice among ``entries`` (a literal if there is one)."""

    entries: tuple[str, ...]
    """The candidates (UTF-8 text)."""
    weights: tuple[float, ...] | None = None
    """Relative weight of each entry; equal when None."""
    salt: str = ""
    """Names the random stream. Two parts with the same stream, entry count and weights pick the
    same entry index on the same row."""
    column: str | None = None
    """Draw from this column's streams instead of the composing column's, to agree with it."""

    def __post_init__(self) -> None:
        if not self.entries:
            raise ValueError("a part needs at least one entry")


def literal(text: str) -> Part:
    """A part that is always ``text``."""
    return Part((text,))


_PATTERN_POOLS = {
    "#": tuple(string.digits),
    "%": tuple(string.digits[1:]),
    "?": tuple(string.ascii_uppercase),
    "^": tuple(string.ascii_lowercase),
    "*": tuple(string.ascii_uppercase + string.digits),
}
PATTERN_HELP = "# digit, % digit 1-9, ? uppercase letter, ^ lowercase letter, * letter or digit, \\ escapes"


def pattern_parts(
    pattern: str, salt: str = "", markers: dict[str, tuple[str, ...]] | None = None, escape: str | None = "\\"
) -> tuple[Part, ...]:
    """Parts for a pattern: each marker (``PATTERN_HELP`` by default, or ``markers``) an independent
    choice among its pool, the rest literal; ``escape`` makes the next character literal."""
    pools = _PATTERN_POOLS if markers is None else markers
    parts: list[Part] = []
    text = ""
    escaped = False
    for position, char in enumerate(pattern):
        if escaped or (char not in pools and char != escape):
            text += char
            escaped = False
        elif char == escape:
            escaped = True
        else:
            if text:
                parts.append(literal(text))
                text = ""
            parts.append(Part(pools[char], salt=f"{salt}{char}{position}"))
    if escaped:
        raise ValueError(f"pattern {pattern!r} ends with an unfinished escape '\\'")
    if text or not parts:
        parts.append(literal(text))
    return tuple(parts)


@dataclass(frozen=True)
class Composition:
    """What a composed column's strings are made of."""

    variants: tuple[tuple[Part, ...], ...]
    """The templates; each row uses one."""
    weights: tuple[float, ...] | None = None
    """Relative weight of each template; equal when None."""

    @classmethod
    def of(cls, *parts: Part) -> Composition:
        """A single-template composition."""
        return cls((tuple(parts),))

    def span(self) -> int:
        """How many distinct combinations the first template can make (what ``unique`` can reach)."""
        total = 1
        for part in self.variants[0]:
            total *= len(part.entries)
        return total
