"""SQL expressions over a table's columns (``expr`` fields, drift rules and selections, constraints,
scenario targets), parsed by polars once per text.

polars' parser and planner recurse over an expression's terms: about 10,000 terms in a row (``a + a +
... + a``) overflow the native stack and end the process, a segmentation fault rather than an
exception. ``parse`` refuses texts over ``MAX_TOKENS`` before polars reads them, whatever the caller's
limits (servers cap expressions far lower, ``Limits.max_expression_tokens``)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["MAX_TOKENS", "parse", "tokens", "words"]

MAX_TOKENS = 5_000
"""Words, numbers and symbols an SQL expression may have: half of what crashed polars (1.x) here."""

# One token of an SQL expression, found in one linear pass. Every word and symbol counts, inside quotes
# and comments too: what polars reads as code is always counted, however quotes and comments are
# nested to hide it.
_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> int:
    """The tokens of ``text``: its words, numbers and symbols, in strings and comments too."""
    return sum(1 for _ in _TOKEN.finditer(text))


def words(text: str) -> list[str]:
    """The tokens of ``text`` themselves, in order."""
    return [match.group() for match in _TOKEN.finditer(text)]


@lru_cache(maxsize=1024)  # bounded: a server sees new expressions per request
def parse(text: str) -> Any:
    """The polars expression of ``text``; a ``ValueError`` when it is too long to parse safely (callers
    turn polars' errors and this one into their own messages)."""
    count = tokens(text)
    if count > MAX_TOKENS:
        raise ValueError(
            f"it has {count} tokens (words and symbols); allowed: at most {MAX_TOKENS} in an SQL expression"
        )
    import polars as pl

    return pl.sql_expr(text)
