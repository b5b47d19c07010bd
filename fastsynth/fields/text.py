"""Realistic text fields: people, places, companies, the internet, lorem ipsum and patterns.

Every type here is a ``Composition`` of pools taken once from Faker's locale providers
(``adapters.faker_pools``) and written by the string kernels: no Faker call per row. Each takes
``locale`` (default: the schema's, else en_US) and, where combinations are countable, ``unique``.
An ``email`` or ``username`` in a schema that also has a ``name`` (or ``first_name`` and ``last_name``)
column of the same locale is built from that row's name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from fastsynth.adapters import faker_pools as fp
from fastsynth.compositions import Composition, Part, literal, pattern_parts
from fastsynth.fields.base import FIELDS
from fastsynth.fields.compose import ComposedField
from fastsynth.specs import Size

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["EmailField", "LocaleText", "NameField", "PatternField"]

DEFAULT_LOCALE = "en_US"
# Types whose distinct combinations always spell distinct text (separators never occur inside parts,
# and unique mode draws from deduplicated pools), so ``unique`` can guarantee distinct values.
_UNIQUE_TYPES = {"email", "username", "domain", "ipv4", "ipv6", "mac_address", "pattern"}


def _distinct(part: Part) -> Part:
    """The part with repeated entries removed (unique mode): two indices must not spell the same text."""
    entries = tuple(dict.fromkeys(part.entries))
    return part if len(entries) == len(part.entries) else Part(entries, None, part.salt, part.column)


@dataclass(frozen=True, kw_only=True)
class LocaleText(ComposedField):
    """Base of the locale-aware text types."""

    locale: str | None = None
    """Faker locale, e.g. de_DE; default: the schema's locale, else en_US."""
    unique: bool = False
    """Every row gets a distinct value (a keyed permutation of the row index over the combinations).
    Offered where different combinations always spell different text: email, username, domain,
    ipv4, ipv6, mac_address and pattern."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.locale is not None:
            fp.check_locale(self.locale, self.name)
        if self.unique and self.type_name not in _UNIQUE_TYPES:
            allowed = ", ".join(sorted(_UNIQUE_TYPES))
            raise self.error(
                f"unique=true is not offered for type {self.type_name!r}; allowed for: {allowed}"
            )

    def locale_in(self, schema: Schema | None) -> str:
        """The locale this field uses inside ``schema``."""
        return self.locale or (schema.locale if schema is not None else None) or DEFAULT_LOCALE


def _person_columns(schema: Schema | None, locale: str) -> tuple[str | None, str | None]:
    """The columns whose first and last names an email or username of ``locale`` should follow."""
    if schema is None:
        return None, None
    return schema.derived(("person_columns", locale), lambda: _find_person_columns(schema, locale))


def _find_person_columns(schema: Schema, locale: str) -> tuple[str | None, str | None]:
    first = last = None
    for field in schema.fields:
        if not isinstance(field, LocaleText) or field.unique or field.locale_in(schema) != locale:
            continue
        if field.type_name == "name" and first is None:
            first = last = field.name
        elif field.type_name == "first_name":
            first = field.name
        elif field.type_name == "last_name":
            last = field.name
    return first, last


@FIELDS.register("first_name")
@dataclass(frozen=True, kw_only=True)
class FirstNameField(LocaleText):
    """A given name, with the locale's frequencies."""

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(fp.person_pools(self.locale_in(schema)).first.part("first"))


@FIELDS.register("last_name")
@dataclass(frozen=True, kw_only=True)
class LastNameField(LocaleText):
    """A family name, with the locale's frequencies."""

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(fp.person_pools(self.locale_in(schema)).last.part("last"))


@FIELDS.register("name")
@dataclass(frozen=True, kw_only=True)
class NameField(LocaleText):
    """A full name in the locale's order ("Jane Doe"; "山田 太郎" in ja_JP)."""

    def composition(self, schema: Schema | None) -> Composition:
        pools = fp.person_pools(self.locale_in(schema))
        first, last = pools.first.part("first"), pools.last.part("last")
        return Composition.of(
            *((last, literal(" "), first) if pools.family_name_first else (first, literal(" "), last))
        )


_DIGITS = ("", *(str(n) for n in range(1, 100)))


def _ascii_name_parts(field: LocaleText, schema: Schema | None) -> tuple[Part, Part]:
    locale = field.locale_in(schema)
    pools = fp.person_pools(locale)
    if field.unique:  # distinct spellings, drawn on their own (not following a name column)
        return _distinct(pools.first_ascii.part("first")), _distinct(pools.last_ascii.part("last"))
    first_column, last_column = _person_columns(schema, locale)
    return pools.first_ascii.part("first", first_column), pools.last_ascii.part("last", last_column)


@FIELDS.register("email")
@dataclass(frozen=True, kw_only=True)
class EmailField(LocaleText):
    """An address such as ``jane.doe87@gmail.com``: ASCII-folded names, the locale's free mail domains."""

    def composition(self, schema: Schema | None) -> Composition:
        first, last = _ascii_name_parts(self, schema)
        domains = Part(fp.free_email_domains(self.locale_in(schema)), salt="domain")
        return Composition.of(first, literal("."), last, Part(_DIGITS, salt="digits"), literal("@"), domains)


@FIELDS.register("username")
@dataclass(frozen=True, kw_only=True)
class UsernameField(LocaleText):
    """A user name such as ``jane_doe87``, from ASCII-folded names."""

    def composition(self, schema: Schema | None) -> Composition:
        first, last = _ascii_name_parts(self, schema)
        # Unique names need a separator that never occurs in a name, or "ann"+"abel" = "anna"+"bel".
        separator = literal("_") if self.unique else Part(("_", ".", ""), salt="separator")
        return Composition.of(first, separator, last, Part(_DIGITS, salt="digits"))


@dataclass(frozen=True, kw_only=True)
class _FakerText(LocaleText):
    """A text type taken from one Faker method, as its formats or as a sampled pool."""

    family: ClassVar[str] = ""
    method: ClassVar[str] = ""

    def composition(self, schema: Schema | None) -> Composition:
        return fp.faker_composition(self.locale_in(schema), self.family, self.method)


# type name: (Faker provider family, method, what it is)
_FAKER_TYPES = {
    "phone": ("phone_number", "phone_number", "A phone number in one of the locale's formats."),
    "street_address": ("address", "street_address", "A street address (number and street) of the locale."),
    "city": ("address", "city", "A city name of the locale."),
    "state": ("address", "administrative_unit", "A state, region, county or prefecture of the locale."),
    "postcode": ("address", "postcode", "A postcode in the locale's format."),
    "country": ("address", "country", "A country name, in the locale's language."),
    "country_code": ("address", "country_code", "An ISO 3166 alpha-2 country code."),
    "company": ("company", "company", "A company name of the locale."),
    "job": ("job", "job", "A job title of the locale."),
    "user_agent": ("user_agent", "user_agent", "A web browser's User-Agent string."),
}


def _register(base: type, table: dict[str, dict[str, Any]]) -> None:
    """Define and register one subclass of ``base`` per type name, with the given class attributes."""
    for type_name, attributes in table.items():
        cls = type(f"{type_name.title().replace('_', '')}Field", (base,), dict(attributes))
        cls.__module__ = __name__
        globals()[cls.__name__] = FIELDS.register(type_name)(dataclass(frozen=True, kw_only=True)(cls))


_register(
    _FakerText,
    {
        t: {"family": family, "method": method, "__doc__": doc}
        for t, (family, method, doc) in _FAKER_TYPES.items()
    },
)


def _tlds(locale: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(getattr(fp._provider(locale, "internet"), "tlds", ("com", "net", "org"))))


def _domain_parts(field: LocaleText, schema: Schema | None) -> tuple[Part, ...]:
    locale = field.locale_in(schema)
    words = fp.person_pools(locale).last_ascii
    return (
        Part(tuple(dict.fromkeys(words.entries)), salt="domain"),
        literal("."),
        Part(_tlds(locale), salt="tld"),
    )


@FIELDS.register("domain")
@dataclass(frozen=True, kw_only=True)
class DomainField(LocaleText):
    """A domain name such as ``garcia.com``."""

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(*_domain_parts(self, schema))


@FIELDS.register("url")
@dataclass(frozen=True, kw_only=True)
class UrlField(LocaleText):
    """A web address such as ``https://www.garcia.com/``."""

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(
            Part(("https://", "http://"), (9.0, 1.0), salt="scheme"),
            Part(("www.", ""), salt="www"),
            *_domain_parts(self, schema),
            literal("/"),
        )


# Pools made on first use: the 65,536 IPv6 groups took 15 ms of every start.
@functools.cache
def _octets() -> tuple[str, ...]:
    return tuple(str(n) for n in range(256))


@functools.cache
def _hex_groups() -> tuple[str, ...]:
    return tuple(f"{n:x}" for n in range(65536))


@functools.cache
def _hex_bytes() -> tuple[str, ...]:
    return tuple(f"{n:02x}" for n in range(256))


def _joined(pool: tuple[str, ...], count: int, separator: str) -> Composition:
    parts: list[Part] = []
    for index in range(count):
        if index:
            parts.append(literal(separator))
        parts.append(Part(pool, salt=f"g{index}"))
    return Composition.of(*parts)


@dataclass(frozen=True, kw_only=True)
class _JoinedText(LocaleText):
    """Groups drawn from one pool, joined by a separator (network addresses)."""

    pool: ClassVar[Any]  # a staticmethod giving the groups, made on first use
    groups: ClassVar[int] = 0
    separator: ClassVar[str] = ""

    def composition(self, schema: Schema | None) -> Composition:
        return _joined(self.pool(), self.groups, self.separator)


# type name: (pool of groups, made on first use; groups; separator; what it is)
_JOINED_TYPES = {
    "ipv4": (_octets, 4, ".", "An IPv4 address in dotted decimal."),
    "ipv6": (_hex_groups, 8, ":", "An IPv6 address: eight hexadecimal groups, leading zeros dropped."),
    "mac_address": (_hex_bytes, 6, ":", "A MAC address such as ``3c:22:fb:0a:91:5e``."),
}
_register(
    _JoinedText,
    {
        t: {"pool": staticmethod(p), "groups": g, "separator": sep, "__doc__": doc}
        for t, (p, g, sep, doc) in _JOINED_TYPES.items()
    },
)


def _lorem(locale: str) -> tuple[tuple[str, ...], str, str]:
    provider = fp._provider(locale, "lorem")
    words = tuple(dict.fromkeys(provider.word_list))
    return words, getattr(provider, "word_connector", " "), getattr(provider, "sentence_punctuation", ".")


@functools.cache  # a paragraph has hundreds of words to draw, all from these
def _sentence_entries(locale: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A locale's (first words, later words, later words that may be left out)."""
    words, connector, _ = _lorem(locale)
    joined = tuple(connector + w for w in words)
    # optional words make sentence lengths vary between the bounds
    return tuple(w[:1].upper() + w[1:] for w in words), joined, joined + ("",) * len(words)


def _sentence_parts(locale: str, salt: str, min_words: int, max_words: int) -> list[Part]:
    capitalised, joined, optional = _sentence_entries(locale)
    stop = _lorem(locale)[2]
    parts = [Part(capitalised, salt=f"{salt}w0")]
    for index in range(1, max_words):
        parts.append(Part(optional if index >= min_words else joined, salt=f"{salt}w{index}"))
    parts.append(literal(stop))
    return parts


@FIELDS.register("word")
@dataclass(frozen=True, kw_only=True)
class WordField(LocaleText):
    """A lorem-ipsum word of the locale."""

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(Part(_lorem(self.locale_in(schema))[0], salt="word"))


def _check_bounds(field: LocaleText, noun: str, limit: int) -> None:
    low, high = getattr(field, f"min_{noun}"), getattr(field, f"max_{noun}")
    if not 1 <= low <= high <= limit:
        raise field.error(
            f"min_{noun}={low}, max_{noun}={high}; allowed: 1 <= min_{noun} <= max_{noun} <= {limit}"
        )


@FIELDS.register("sentence")
@dataclass(frozen=True, kw_only=True)
class SentenceField(LocaleText):
    """A lorem-ipsum sentence of ``min_words`` to ``max_words`` words."""

    min_words: Annotated[int, Size("text")] = 4
    """Fewest words (at least 1)."""
    max_words: Annotated[int, Size("text")] = 12
    """Most words."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bounds(self, "words", 200)

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(*_sentence_parts(self.locale_in(schema), "", self.min_words, self.max_words))


@FIELDS.register("paragraph")
@dataclass(frozen=True, kw_only=True)
class ParagraphField(LocaleText):
    """A lorem-ipsum paragraph of ``min_sentences`` to ``max_sentences`` sentences."""

    min_sentences: Annotated[int, Size("text")] = 3
    """Fewest sentences (at least 1)."""
    max_sentences: Annotated[int, Size("text")] = 6
    """Most sentences."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bounds(self, "sentences", 50)

    def composition(self, schema: Schema | None) -> Composition:
        locale = self.locale_in(schema)
        connector = _lorem(locale)[1]
        variants = []
        for count in range(self.min_sentences, self.max_sentences + 1):
            parts: list[Part] = []
            for index in range(count):
                if index:
                    parts.append(literal(connector))
                parts += _sentence_parts(locale, f"s{index}", 4, 12)
            variants.append(tuple(parts))
        return Composition(tuple(variants))


@FIELDS.register("pattern")
@dataclass(frozen=True, kw_only=True)
class PatternField(LocaleText):
    """Text from a pattern such as ``ORD-####-??``: # digit, % digit 1-9, ? uppercase letter,
    ^ lowercase letter, * uppercase letter or digit, backslash escapes; anything else is literal."""

    pattern: Annotated[str, Size("text", "length")]
    """The pattern."""

    def __post_init__(self) -> None:
        super().__post_init__()
        try:
            pattern_parts(self.pattern)
        except ValueError as exc:
            raise self.error(str(exc)) from None

    def composition(self, schema: Schema | None) -> Composition:
        return Composition.of(*pattern_parts(self.pattern))
