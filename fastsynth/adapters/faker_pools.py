"""Word pools and templates taken from Faker's locale providers, once per locale, then reused.

No Faker call is made per row. A pool is read from a provider's tables where Faker keeps them (first and
last names, with their frequencies) or sampled from a seeded Faker (city names, companies), deduplicated
with the sample counts kept as weights; a method that Faker builds from format strings (street
addresses, phone numbers) becomes a ``Composition`` whose ``{{method}}`` placeholders are pools and whose
``#`` markers are digits, so the combinations stay as many as Faker's. Sampled pools are cached on disk
per Faker version, so later processes skip the sampling.

The same Faker version gives the same pools, hence the same bytes.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import string
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastsynth.compositions import Composition, Part, literal, pattern_parts
from fastsynth.errors import SchemaError

__all__ = [
    "LOCALES",
    "Pool",
    "ascii_fold",
    "check_locale",
    "faker_composition",
    "free_email_domains",
    "fresh_faker",
    "numerify_parts",
    "person_pools",
    "provider_methods",
    "sampled_pool",
]

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "ja_JP", "pt_BR")
"""Locales tested here; any other locale Faker has also works."""
SAMPLE_SIZE = 4096
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Pool:
    """Distinct values and their relative weights."""

    entries: tuple[str, ...]
    weights: tuple[float, ...] | None = None

    def part(self, salt: str, column: str | None = None) -> Part:
        return Part(self.entries, self.weights, salt, column)


def _faker() -> Any:
    """Faker, imported only when a pool is not cached on disk yet (a quarter second saved per process)."""
    import faker

    return faker


def check_locale(locale: str, field: str) -> None:
    """Raise a SchemaError naming the field if Faker has no such locale."""
    if locale in LOCALES:  # known without importing Faker, which takes a fifth of a second
        return
    if locale not in _faker().config.AVAILABLE_LOCALES:
        raise SchemaError(
            f"field {field!r}: locale={locale!r} is not a Faker locale; for example: {', '.join(LOCALES)}"
        )


@cache
def _instance(locale: str) -> Any:
    """A Faker kept per locale for reading its providers' tables only: nothing calls its methods
    (``fresh_faker`` makes the instances that do), so no request can change what it holds."""
    return _faker().Faker(locale)


_BUILDING = threading.Lock()

# Faker's and its Generator's own machinery, which a provider method's name must never reach.
_MACHINERY = frozenset(
    {
        "add_provider", "cache_pattern", "del_arguments", "factories", "format", "generator_attrs",
        "get_arguments", "get_formatter", "get_providers", "items", "locales", "optional", "parse",
        "provider", "random", "seed", "seed_instance", "seed_locale", "set_arguments", "set_formatter",
        "unique", "weights",
    }
)  # fmt: skip


def fresh_faker(locale: str, seed: int) -> Any:
    """A Faker of ``locale`` of its own, seeded with ``seed`` (its own random generator, not the one
    Faker instances share by default): what one caller does with it changes no other's values.
    Made under a lock, as Faker's constructor fills class-level caches. About a millisecond."""
    with _BUILDING:
        fake = _faker().Faker(locale)
    fake.seed_instance(seed)
    return fake


@cache
def provider_methods(locale: str) -> frozenset[str]:
    """The data methods a ``faker`` field may call for ``locale``: the public functions defined by
    Faker's provider classes (``bban``, ``license_plate``, ``pyint``...), not Faker's machinery."""
    names: set[str] = set()
    for provider in _instance(locale).get_providers():
        for cls in type(provider).__mro__:
            if not cls.__module__.startswith("faker.providers"):
                continue
            for name, member in vars(cls).items():
                if not name.startswith("_") and (
                    inspect.isfunction(member) or isinstance(member, staticmethod)
                ):
                    names.add(name)
    return frozenset(names - _MACHINERY)


def _provider(locale: str, family: str) -> Any:
    """The provider instance of ``family`` (person, address, ...) that Faker uses for ``locale``."""
    for provider in _instance(locale).get_providers():
        if type(provider).__module__.startswith(f"faker.providers.{family}"):
            return provider
    raise SchemaError(f"Faker has no {family} provider for locale {locale!r}")


def ascii_fold(text: str) -> str:
    """Lowercase ASCII letters and digits only: 'Müller-Lüdenscheidt' -> 'muellerluedenscheidt'."""
    from faker.decode import unidecode

    return re.sub(
        r"[^a-z0-9]", "", unidecode(text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")).lower()
    )


def _pool_of(values: Any) -> Pool:
    if isinstance(values, dict):  # Faker keeps frequencies as an OrderedDict of value -> weight
        return Pool(tuple(values), tuple(float(w) for w in values.values()))
    counts = Counter(values)
    return Pool(tuple(counts), tuple(float(c) for c in counts.values()))


@dataclass(frozen=True)
class PersonPools:
    """Name pools of a locale; ``*_ascii`` are aligned with them, entry for entry, for emails."""

    first: Pool
    last: Pool
    first_ascii: Pool
    last_ascii: Pool
    family_name_first: bool


@cache
def _faker_version() -> str:
    from importlib.metadata import version

    return version("faker")


def _stored(locale: str, name: str, build: Callable[[], Any]) -> Any:
    """``build()``'s JSON value, made once per Faker version and locale and then read back from the
    user's cache folder: later processes neither sample Faker nor import it."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "fastsynth" / "pools" / f"faker-{_faker_version()}" / f"{locale}.{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        pass  # a read-only home only costs the work next time
    return value


def _pool_json(pool: Pool) -> dict[str, Any]:
    return {"entries": pool.entries, "weights": pool.weights}


def _pool_from(data: dict[str, Any]) -> Pool:
    weights = data["weights"]
    return Pool(tuple(data["entries"]), None if weights is None else tuple(weights))


def _person_json(locale: str) -> dict[str, Any]:
    person = _provider(locale, "person")
    pairs = getattr(person, "first_name_pairs", None)
    if pairs:  # ja_JP keeps (kanji, kana, romaji) triples: romaji makes the ASCII form
        first = Pool(tuple(p[0] for p in pairs))
        last_pairs = person.last_name_pairs
        last = Pool(tuple(p[0] for p in last_pairs))
        first_ascii = Pool(tuple(ascii_fold(p[2]) for p in pairs))
        last_ascii = Pool(tuple(ascii_fold(p[2]) for p in last_pairs))
    else:
        first = _pool_of(person.first_names)
        last = _pool_of(person.last_names)
        first_ascii = Pool(tuple(ascii_fold(n) or "x" for n in first.entries), first.weights)
        last_ascii = Pool(tuple(ascii_fold(n) or "x" for n in last.entries), last.weights)
    family_first = any(f.strip().startswith("{{last_name}}") for f in getattr(person, "formats", ()))
    pools = {"first": first, "last": last, "first_ascii": first_ascii, "last_ascii": last_ascii}
    return {**{key: _pool_json(pool) for key, pool in pools.items()}, "family_name_first": family_first}


@cache
def person_pools(locale: str) -> PersonPools:
    """First and last names with Faker's frequencies, and their ASCII forms for addresses."""
    data = _stored(locale, "person", lambda: _person_json(locale))
    return PersonPools(
        first=_pool_from(data["first"]),
        last=_pool_from(data["last"]),
        first_ascii=_pool_from(data["first_ascii"]),
        last_ascii=_pool_from(data["last_ascii"]),
        family_name_first=data["family_name_first"],
    )


@cache
def free_email_domains(locale: str) -> tuple[str, ...]:
    """The free mail domains (gmail.com, ...) Faker's internet provider knows for ``locale``."""

    def build() -> list[str]:
        provider = _provider(locale, "internet")
        return list(getattr(provider, "free_email_domains", ("example.com",)))

    return tuple(_stored(locale, "free_email_domains", build))


@cache
def sampled_pool(locale: str, method: str, size: int = SAMPLE_SIZE) -> Pool:
    """``size`` values of Faker's ``method`` from a seeded instance, deduplicated, counts as weights."""

    def build() -> dict[str, Any]:
        fake = _faker().Faker(locale)
        fake.seed_instance(f"fastsynth:{locale}:{method}")
        produce = getattr(fake, method)
        return _pool_json(_pool_of(str(produce()) for _ in range(size)))

    return _pool_from(_stored(locale, f"{method}.{size}", build))


_NUMERIFY = {
    "#": tuple(string.digits),
    "%": tuple(string.digits[1:]),
    "!": ("", *string.digits),
    "@": ("", *string.digits[1:]),
    "$": tuple(string.digits[2:]),
}


def numerify_parts(text: str, salt: str) -> list[Part]:
    """Faker's numerify markers (# digit, % digit 1-9, $ digit 2-9, ! optional digit, @ optional
    digit 1-9) as parts; an empty text gives none."""
    return [p for p in pattern_parts(text, salt, _NUMERIFY, escape=None) if p.entries != ("",)]


def _formats(locale: str, family: str, method: str) -> tuple[tuple[str, ...], tuple[float, ...] | None]:
    """The format strings Faker's ``method`` picks from, with their weights, if the method is the
    family's generic one that only fills formats (a locale that overrides it has its own logic)."""
    provider = _provider(locale, family)
    owner = next((c for c in type(provider).__mro__ if method in c.__dict__), None)
    if owner is None or owner.__module__ != f"faker.providers.{family}":
        return (), None
    formats = getattr(provider, "formats" if family == "phone_number" else f"{method}_formats", None)
    if isinstance(formats, dict):
        return tuple(formats), tuple(float(w) for w in formats.values())
    return tuple(formats or ()), None


@cache
def faker_composition(locale: str, family: str, method: str) -> Composition:
    """Faker's ``method`` as a composition: its format strings as templates, each ``{{placeholder}}``
    a sampled pool, numerify markers as digits; a sampled pool of the method where Faker has no
    plain formats for it."""
    formats, weights = _formats(locale, family, method)
    if not formats:
        return Composition.of(sampled_pool(locale, method).part(f"{method}"))
    variants = []
    for index, fmt in enumerate(formats):
        parts: list[Part] = []
        pos = 0
        for match in _PLACEHOLDER.finditer(fmt):
            parts += numerify_parts(fmt[pos : match.start()], f"{method}{index}:{pos}")
            placeholder = match.group(1)
            parts.append(
                sampled_pool(locale, placeholder).part(f"{method}{index}.{placeholder}{match.start()}")
            )
            pos = match.end()
        parts += numerify_parts(fmt[pos:], f"{method}{index}:{pos}")
        variants.append(tuple(parts) or (literal(""),))
    return Composition(tuple(variants), weights)
