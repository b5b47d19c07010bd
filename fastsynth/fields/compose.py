"""Strings composed from pools of parts, written straight into Arrow buffers by ``kernels.strings``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from fastsynth.errors import UsageError
from fastsynth.fields.base import Block, Field, empty, utf8_buffers
from fastsynth.kernels import rng
from fastsynth.kernels import strings as ks

__all__ = ["ComposedField", "Part", "compose"]

_MAX_STRING_BYTES = 2**31 - 1


@dataclass(frozen=True)
class Part:
    """One piece of a composed string: a uniform choice among ``entries``, or a literal if only one."""

    entries: tuple[str, ...]
    """The candidates (UTF-8 text)."""
    salt: str = ""
    """Names the random stream; parts with the same salt in one column pick the same entry index."""


@cache
def _pool(entries: tuple[tuple[str, ...], ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The parts' entries packed as one pool: (entry offsets, UTF-8 bytes, first entry and entry
    count of each part). Built once per distinct list of parts."""
    pool_offsets, data = utf8_buffers([e for part in entries for e in part], padding=ks.POOL_PADDING)
    pool_data = np.frombuffer(data, np.uint8)
    sizes = np.array([len(part) for part in entries], np.int64)
    bases = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return pool_offsets, pool_data, bases, sizes


def compose(block: Block, parts: Sequence[Part]) -> pa.Array:
    """An Arrow string array whose row ``j`` concatenates one entry of each part."""
    if any(not p.entries for p in parts):
        raise ValueError("every part needs at least one entry")
    pool_offsets, pool_data, bases, sizes = _pool(tuple(p.entries for p in parts))
    streams = np.array([rng.stream(block.subkey(p.salt), 0) for p in parts], np.uint64)

    offsets = empty(block.size + 1, np.int32)
    ks.compose_lengths(offsets, block.start, pool_offsets, bases, sizes, streams)
    total = ks.prefix_offsets(offsets)
    if total > _MAX_STRING_BYTES:
        raise UsageError(
            f"column {block.name!r}: one batch would hold {total} bytes of text, more than Arrow's 2 GiB "
            "per string array; use a smaller batch size"
        )
    data = empty(max(total, 1), np.uint8)
    ks.compose_write(data, offsets, block.start, pool_offsets, pool_data, bases, sizes, streams)
    return pa.Array.from_buffers(
        pa.string(), block.size, [None, pa.py_buffer(offsets), pa.py_buffer(data[:total])]
    )


@dataclass(frozen=True, kw_only=True)
class ComposedField(Field):
    """Base of string fields made by ``compose``: subclasses say which parts."""

    def parts(self) -> Sequence[Part]:
        """The parts of every row's string."""
        raise NotImplementedError

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        return compose(block, self.parts())
