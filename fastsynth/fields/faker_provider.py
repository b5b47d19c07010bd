"""The ``faker`` field type: any Faker provider method, fast from a pool or exact per row.

``{"type": "faker", "provider": "bban"}`` calls ``Faker().bban()``. By default the method is called
``pool_size`` times once (per seed, column and locale) and rows draw from that pool with the string
kernels: fast, deterministic, but at most ``pool_size`` distinct values. ``exact: true`` calls Faker
for every row instead, seeding it with the row's own key so that chunking does not change the output:
unlimited distinct values at Faker's speed (thousands of rows per second, not millions).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from fastsynth.adapters import faker_pools as fp
from fastsynth.buffers import values_array
from fastsynth.compositions import Composition, Part
from fastsynth.fields.base import FIELDS, Block, Field, column_key
from fastsynth.fields.compose import compose

__all__ = ["FakerField"]


@cache
def _pool(locale: str, provider: str, args_json: str, seed: int, column: str, size: int) -> Composition:
    fake = fp._instance(locale)
    fake.seed_instance(column_key(seed, f"{column}\x00faker-pool"))
    method = getattr(fake, provider)
    counts = Counter(str(method(**json.loads(args_json))) for _ in range(size))
    return Composition.of(Part(tuple(counts), tuple(float(c) for c in counts.values()), salt="faker"))


@FIELDS.register("faker")
@dataclass(frozen=True, kw_only=True)
class FakerField(Field):
    """Any Faker provider method, as text."""

    provider: str
    """The Faker method, e.g. ``bban``, ``license_plate``, ``isbn13``."""
    args: dict[str, Any] | None = None
    """Keyword arguments for the method."""
    locale: str | None = None
    """Faker locale; default: the schema's, else en_US."""
    pool_size: int = 10_000
    """Values made once per column; rows draw from them (unless ``exact``)."""
    exact: bool = False
    """Call Faker for every row (slow; unlimited distinct values)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.locale is not None:
            fp.check_locale(self.locale, self.name)
        if not 1 <= self.pool_size <= 10_000_000:
            raise self.error(f"pool_size={self.pool_size} is outside [1, 10000000]")
        fake = fp._instance(self.locale or "en_US")
        method = getattr(fake, self.provider, None) if not self.provider.startswith("_") else None
        if not callable(method):
            raise self.error(
                f"provider={self.provider!r} is not a method of Faker (e.g. bban, isbn13, license_plate)"
            )
        try:
            method(**(self.args or {}))
        except Exception as exc:
            raise self.error(f"provider {self.provider!r} fails with args={self.args!r}: {exc}") from None

    def _locale(self, block: Block) -> str:
        return self.locale or getattr(block.schema, "locale", None) or "en_US"

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        args_json = json.dumps(self.args or {}, sort_keys=True)
        if not self.exact:
            pool = _pool(
                self._locale(block), self.provider, args_json, block.seed, block.name, self.pool_size
            )
            return compose(block, pool)
        fake = fp._faker().Faker(self._locale(block))
        method = getattr(fake, self.provider)
        args = self.args or {}
        prefix = f"{block.seed}\x00{block.name}\x00faker\x00".encode()
        values = []
        for row in range(block.start, block.start + block.size):  # the documented slow path
            fake.seed_instance(
                int.from_bytes(hashlib.blake2b(prefix + str(row).encode(), digest_size=8).digest())
            )
            values.append(str(method(**args)))
        return values_array(values) if values else values_array([]).cast(pa.string())
