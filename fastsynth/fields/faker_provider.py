"""The ``faker`` field type: any Faker provider method, fast from a pool or exact per row.

``{"type": "faker", "provider": "bban"}`` calls ``Faker().bban()``. By default the method is called
``pool_size`` times once (per seed, column and locale) and rows draw from that pool with the string
kernels: fast, deterministic, but at most ``pool_size`` distinct values. ``exact: true`` calls Faker
for every row instead, seeding it with the row's own key so that chunking does not change the output:
unlimited distinct values at Faker's speed (thousands of rows per second, not millions).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Annotated

import pyarrow as pa

from fastsynth.adapters import faker_pools as fp
from fastsynth.buffers import values_array
from fastsynth.compositions import Composition, Part
from fastsynth.fields.base import FIELDS, Block, Field, column_key
from fastsynth.fields.caches import BoundedCache
from fastsynth.fields.compose import compose
from fastsynth.specs import Bounds, Size, ceiling, show, spend, work_left

__all__ = ["FakerField"]

Scalar = str | bool | int | float
"""A plain JSON value: Faker is given no objects of its own."""
_TRIAL_CALLS = 5
_TRIAL_SECONDS = 0.2
"""The trial that estimates a provider's cost: up to this many calls while they took less than this long,
and at least three unless they took a second (a median of three absorbs one call's pause; an expensive
provider is still refused after a second of trial)."""

_DOCUMENTS = frozenset(
    {
        "csv",
        "dsv",
        "fixed_width",
        "image",
        "json",
        "json_bytes",
        "psv",
        "pystr_format",
        "tar",
        "tsv",
        "xml",
        "zip",
    }
)
"""Providers whose value is a document of other values, as many as their arguments ask (rows times
columns, files times sizes), built from Faker templates: refused under limits, where no single
argument's ceiling bounds their product (100 columns of 2,000 rows of paragraphs took 15 s a value)."""
_TEMPLATE = "{{"
"""Faker's template syntax (``{{name}}``), which calls any of its formatters by name: its machinery
(``seed_instance``...) too, so a template from a request is refused."""

# Arguments that are values (bounds of a number or a date), not sizes: the text ceiling skips them.
_VALUE_ARGUMENTS = frozenset({"min", "max", "min_value", "max_value", "step", "start", "end"})


def _composition_bytes(composition: Composition) -> int:
    return sum(sys.getsizeof(e) for v in composition.variants for p in v for e in p.entries)


POOLS: BoundedCache[Composition] = BoundedCache(
    max_bytes=64 * 2**20, max_entries=1024, size_of=_composition_bytes
)
"""Pools by (locale, provider, arguments, seed, column, size): 64 MiB and 1,024 pools at most, the
least recently used dropped first, so that a server asked for many seeds stays bounded."""


def _pool(locale: str, provider: str, args_json: str, seed: int, column: str, size: int) -> Composition:
    def build() -> Composition:
        fake = fp.fresh_faker(locale, column_key(seed, f"{column}\x00faker-pool"))
        method = getattr(fake, provider)
        counts = Counter(str(method(**json.loads(args_json))) for _ in range(size))
        return Composition.of(Part(tuple(counts), tuple(float(c) for c in counts.values()), salt="faker"))

    return POOLS.get((locale, provider, args_json, seed, column, size), build)


@FIELDS.register("faker")
@dataclass(frozen=True, kw_only=True)
class FakerField(Field):
    """Any Faker provider method, as text."""

    provider: str
    """The Faker data method, e.g. ``bban``, ``license_plate``, ``isbn13`` (a method of Faker's
    providers; Faker's own machinery such as ``seed`` or ``set_formatter`` is refused)."""
    args: dict[str, Scalar | list[Scalar] | None] | None = None
    """Keyword arguments for the method: strings, numbers, booleans, null or lists of them."""
    locale: str | None = None
    """Faker locale; default: the schema's, else en_US."""
    pool_size: Annotated[int, Bounds(1, 10_000_000), Size("pool")] = 10_000
    """Values made once per column; rows draw from them (unless ``exact``)."""
    exact: bool = False
    """Call Faker for every row (slow; unlimited distinct values)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        locale = self.locale or "en_US"
        if self.locale is not None:
            fp.check_locale(self.locale, self.name)
        allowed = fp.provider_methods(locale)
        if self.provider not in allowed:
            close = difflib.get_close_matches(self.provider, sorted(allowed), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise self.error(
                f"provider={show(self.provider)} is not a Faker data method; {hint}allowed: the methods "
                "of Faker's providers, e.g. bban, isbn13, license_plate (all of them: "
                "fastsynth.adapters.faker_pools.provider_methods(locale), or "
                "https://faker.readthedocs.io/en/master/providers.html)"
            )
        limit = ceiling("text")
        if limit is not None:
            self._check_served(limit[1])
            self._check_sizes(*limit)
        method = getattr(fp.fresh_faker(locale, 0), self.provider)
        seconds: list[float] = []
        # A few calls, and their median: one call's time on a busy machine can be a scheduling pause
        # a thousand times the provider's cost, and would refuse a cheap provider.
        while len(seconds) < _TRIAL_CALLS and (
            sum(seconds) < _TRIAL_SECONDS or (len(seconds) < 3 and sum(seconds) < 1.0)
        ):
            started = time.perf_counter()
            try:
                value = str(method(**(self.args or {})))
            except Exception as exc:
                raise self.error(f"provider {self.provider!r} fails with args={self.args!r}: {exc}") from None
            seconds.append(time.perf_counter() - started)
            if limit is not None and len(value) > limit[0]:
                raise self.error(
                    f"provider {self.provider!r} with args={show(self.args)} makes values of {len(value)} "
                    f"characters, over the limit; allowed: at most {limit[0]} ({limit[1]})"
                )
        self._check_work(statistics.median(seconds))

    def _check_work(self, seconds_per_value: float) -> None:
        """Under limits, a pool that would take longer to build than the work ceiling is refused, and
        ``exact`` (a Faker call per row, without end) is refused outright."""
        budget = work_left()
        if budget is None:
            return
        if self.exact:
            raise self.error(f"exact=true calls Faker for every row; allowed: false here ({budget[1]})")
        needed = seconds_per_value * self.pool_size
        if needed > budget[0]:
            raise self.error(
                f"pool_size={self.pool_size:,} of {self.provider!r} would take about {needed:.1f} s to build "
                f"({seconds_per_value * 1000:.2f} ms a value), over the limit; allowed: at most "
                f"{budget[0]} s ({budget[1]}): ask for a smaller pool_size"
            )
        spend("work", needed)

    def _check_served(self, setting: str) -> None:
        """Under limits, no document providers (``_DOCUMENTS``) and no Faker templates in arguments."""
        if self.provider in _DOCUMENTS:
            raise self.error(
                f"provider={show(self.provider)} makes a document of as many values as its arguments ask; "
                f"allowed here: providers of one value ({setting})"
            )
        for key, value in (self.args or {}).items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and _TEMPLATE in item:
                    raise self.error(
                        f"args[{key!r}]={show(item)} is a Faker template, which calls Faker's methods by "
                        f"name; allowed here: plain values ({setting})"
                    )

    def _check_sizes(self, most: int, setting: str) -> None:
        """Under limits, arguments that size the value (``nb_words``, ``length``, ``digits``...) and
        lists stay within the text ceiling; bounds of a value (``min_value``...) are not sizes."""
        for key, value in (self.args or {}).items():
            if isinstance(value, list) and len(value) > most:
                raise self.error(
                    f"args[{key!r}] has {len(value)} entries, over the limit; allowed: at most {most} "
                    f"({setting})"
                )
            if key in _VALUE_ARGUMENTS:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int | float) and not isinstance(item, bool) and abs(item) > most:
                    raise self.error(
                        f"args[{key!r}]={show(item)} is over the limit; allowed: at most {most} ({setting})"
                    )

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
        fake = fp.fresh_faker(self._locale(block), 0)
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
