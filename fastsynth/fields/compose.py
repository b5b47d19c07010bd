"""Strings composed from pools of parts (``fastsynth.compositions``), written straight into Arrow
buffers by ``kernels.strings``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, utf8_buffers
from fastsynth.compositions import Composition
from fastsynth.errors import UsageError
from fastsynth.fields.base import Block, Field
from fastsynth.fields.caches import BoundedCache
from fastsynth.fields.weights import alias_tables
from fastsynth.kernels import rng
from fastsynth.kernels import strings as ks
from fastsynth.kernels.permutation import feistel_half_bits

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["ComposedField", "compose"]

_MAX_STRING_BYTES = 2**31 - 1
_MAX_SPAN = 2**64 - 1
_KEPT_PARTS = 24
_NONE = np.zeros((0, 0), np.int32)


@dataclass(frozen=True)
class _Pool:
    offsets: np.ndarray
    data: np.ndarray
    bases: np.ndarray
    sizes: np.ndarray
    strides: np.ndarray
    thresholds: np.ndarray
    aliases: np.ndarray
    variant_first: np.ndarray
    variant_last: np.ndarray
    variant_thresholds: np.ndarray
    variant_aliases: np.ndarray


def _pool_bytes(pool: _Pool) -> int:
    return sum(v.nbytes for v in vars(pool).values() if isinstance(v, np.ndarray))


POOLS: BoundedCache[_Pool] = BoundedCache(max_bytes=256 * 2**20, max_entries=4096, size_of=_pool_bytes)
"""Built pools by composition: 256 MiB at most (the built-in types' pools take a few MiB; a server
sees a new composition per pattern, and per seed for ``faker`` pools)."""


def _pool(composition: Composition) -> _Pool:
    """Everything about a composition that does not depend on the seed, built once (while kept)."""
    return POOLS.get(composition, lambda: _build_pool(composition))


def _build_pool(composition: Composition) -> _Pool:
    parts = [part for variant in composition.variants for part in variant]
    offsets, data = utf8_buffers([e for part in parts for e in part.entries], padding=ks.POOL_PADDING)
    sizes = np.array([len(part.entries) for part in parts], np.int64)
    bases = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    strides, stride = [], 1
    for part in parts:
        strides.append(min(stride, _MAX_SPAN))
        stride *= len(part.entries)
    tables = [alias_tables(part.weights or [1.0] * len(part.entries)) for part in parts]
    counts = [len(v) for v in composition.variants]
    variant_last = np.cumsum(counts).astype(np.int64)
    variant_tables = alias_tables(composition.weights or [1.0] * len(counts))
    return _Pool(
        offsets=offsets,
        data=np.frombuffer(data, np.uint8),
        bases=bases,
        sizes=sizes,
        strides=np.array(strides, np.uint64),
        thresholds=np.concatenate([t for t, _ in tables]),
        aliases=np.concatenate([a for _, a in tables]).astype(np.int64),
        variant_first=variant_last - np.array(counts, np.int64),
        variant_last=variant_last,
        variant_thresholds=variant_tables[0],
        variant_aliases=variant_tables[1].astype(np.int64),
    )


def compose(block: Block, composition: Composition, *, unique: bool = False) -> pa.Array:
    """An Arrow string array: row ``j`` is one template of ``composition`` with each part filled.

    With ``unique``, rows below ``composition.span()`` get distinct combinations of the first template.
    """
    pool = _pool(composition)
    parts = [part for variant in composition.variants for part in variant]
    streams = np.array(
        [rng.stream(block.key_of(p.column or block.name, p.salt), 0) for p in parts], np.uint64
    )
    unique_plan = np.zeros(3, np.uint64)
    if unique:
        span = min(composition.span(), _MAX_SPAN)
        unique_plan[:] = (span, feistel_half_bits(span), block.key_of(block.name, "unique"))
    plan = ks.ComposePlan(
        pool.bases,
        pool.sizes,
        streams,
        pool.strides,
        pool.thresholds,
        pool.aliases,
        pool.variant_first[:1] if unique else pool.variant_first,
        pool.variant_last[:1] if unique else pool.variant_last,
        pool.variant_thresholds,
        pool.variant_aliases,
        np.array([rng.stream(block.key_of(block.name, "variant"), 0)], np.uint64),
        unique_plan,
    )
    # Keeping each row's entries saves drawing them twice; a long template (paragraphs) redraws
    # instead, so that memory stays small.
    width = int(np.max(pool.variant_last - pool.variant_first))
    chosen = empty(block.size * width, np.int32).reshape(block.size, width) if width <= _KEPT_PARTS else _NONE
    offsets = empty(block.size + 1, np.int32)
    ks.compose_lengths(offsets, chosen, block.start, pool.offsets, plan)
    total = ks.prefix_offsets(offsets)
    if total > _MAX_STRING_BYTES:
        raise UsageError(
            f"column {block.name!r}: one batch would hold {total} bytes of text, more than Arrow's 2 GiB "
            "per string array; use a smaller batch size"
        )
    data = empty(max(total, 1), np.uint8)
    ks.compose_write(data, offsets, chosen, block.start, pool.offsets, pool.data, plan)
    return pa.Array.from_buffers(
        pa.string(), block.size, [None, pa.py_buffer(offsets), pa.py_buffer(data[:total])]
    )


@dataclass(frozen=True, kw_only=True)
class ComposedField(Field):
    """Base of string fields made by ``compose``: subclasses say what the composition is."""

    def composition(self, schema: Schema | None) -> Composition:
        """What every row's string is made of, inside ``schema`` (which may be None)."""
        raise NotImplementedError

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def capacity(self, schema: Schema | None = None) -> int | None:
        return self.composition(schema).span() if getattr(self, "unique", False) else None

    def generate(self, block: Block) -> pa.Array:
        return compose(block, self.composition(block.schema), unique=getattr(self, "unique", False))
