"""Financial identifiers with check digits: ``credit_card_number`` (Luhn) and ``iban`` (ISO 13616).

Check digits depend on every other character of the value, so these have their own kernels rather than
being compositions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, fixed_width_strings
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.fields.weights import alias_tables
from fastsynth.kernels import strings as ks

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["CreditCardField", "IbanField"]

# Issuer: (prefixes, share of cards). Every issuer here uses 16 digits.
_ISSUERS = {
    "visa": (("4",), 0.5),
    "mastercard": (("51", "52", "53", "54", "55", "2221", "2720"), 0.35),
    "discover": (("6011", "644", "65"), 0.15),
}


@cache
def _card_tables(issuer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    chosen = _ISSUERS if issuer == "any" else {issuer: _ISSUERS[issuer]}
    prefixes = [(p, share / len(ps)) for ps, share in chosen.values() for p in ps]
    digits = np.zeros((len(prefixes), 15), np.int64)
    for row, (prefix, _) in enumerate(prefixes):
        digits[row, : len(prefix)] = [int(c) for c in prefix]
    lengths = np.array([len(p) for p, _ in prefixes], np.int64)
    thresholds, aliases = alias_tables([w for _, w in prefixes])
    return digits, lengths, thresholds, aliases.astype(np.int64)


@FIELDS.register("credit_card_number")
@dataclass(frozen=True, kw_only=True)
class CreditCardField(Field):
    """A 16-digit card number with a valid Luhn check digit and a real issuer prefix."""

    issuer: Literal["any", "visa", "mastercard", "discover"] = "any"
    """Card network; ``any`` mixes them by market share."""

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        data = empty(block.size * 16, np.uint8)
        ks.fill_card_numbers(data, block.key, block.start, *_card_tables(self.issuer))
        return fixed_width_strings(data, 16, block.size)


# BBAN layouts: n digit, a uppercase letter, c letter or digit (ECBS IBAN registry).
_BBAN = {
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "ES": "n" * 20,
    "IT": "a" + "n" * 10 + "c" * 12,
    "NL": "aaaa" + "n" * 10,
    "BR": "n" * 23 + "ac",
    "PT": "n" * 21,
    "BE": "n" * 12,
    "CH": "n" * 5 + "c" * 12,
    "AT": "n" * 16,
}
_LOCALE_COUNTRY = {"de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt_BR": "BR", "pt": "PT"}


@FIELDS.register("iban")
@dataclass(frozen=True, kw_only=True)
class IbanField(Field):
    """An IBAN with valid check digits and the country's BBAN layout."""

    country: str | None = None
    """ISO country code (DE, GB, FR, ES, IT, NL, BR, PT, BE, CH, AT); default: from the schema's
    locale (GB for locales without one of these)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.country is not None and self.country not in _BBAN:
            raise self.error(
                f"country={self.country!r} is not supported; allowed: {', '.join(sorted(_BBAN))}"
            )

    def _country(self, schema: Schema | None) -> str:
        if self.country is not None:
            return self.country
        locale = getattr(schema, "locale", None) or "en_GB"
        return _LOCALE_COUNTRY.get(locale, _LOCALE_COUNTRY.get(locale.split("_")[0], "GB"))

    def arrow_type(self) -> pa.DataType:
        return pa.string()

    def generate(self, block: Block) -> pa.Array:
        country = self._country(block.schema)
        layout = np.array(["nac".index(c) for c in _BBAN[country]], np.int64)
        width = 4 + len(layout)
        data = empty(block.size * width, np.uint8)
        ks.fill_ibans(data, block.key, block.start, np.frombuffer(country.encode(), np.uint8), layout)
        return fixed_width_strings(data, width, block.size)
