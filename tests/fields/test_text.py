"""Realistic text: validity, locale pools, linked columns, uniqueness, patterns and templates."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastsynth
from fastsynth.adapters import faker_pools as fp
from fastsynth.errors import SchemaError
from fastsynth.fields import text
from fastsynth.registry import Registry
from fastsynth.schema import EXAMPLES

N = 20_000


def table(fields, rows=N, seed=5, **schema):
    return fastsynth.generate({**schema, "fields": fields}, rows, seed=seed)


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def test_seed_schema_emails_follow_the_names():
    rows = fastsynth.generate(EXAMPLES["tabular"], 5000, seed=1).to_pylist()
    for row in rows:
        first, last = row["name"].split(" ", 1)
        assert row["email"].startswith(f"{fp.ascii_fold(first)}.{fp.ascii_fold(last)}")
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+\d{0,2}@[a-z.]+\.[a-z]+", row["email"])


@pytest.mark.parametrize("locale", fp.LOCALES)
def test_locale_text_is_valid_and_from_the_locales_pools(locale):
    t = table(
        {
            "first": {"type": "first_name"},
            "last": {"type": "last_name"},
            "email": {"type": "email"},
            "city": {"type": "city"},
            "state": {"type": "state"},
            "postcode": {"type": "postcode"},
            "phone": {"type": "phone"},
        },
        locale=locale,
    )
    t.validate(full=True)  # includes UTF-8 validity of every string
    pools = fp.person_pools(locale)
    assert set(t.column("first").to_pylist()) <= set(pools.first.entries)
    assert set(t.column("last").to_pylist()) <= set(pools.last.entries)
    emails = t.column("email").to_pylist()
    address = re.compile(r"[a-z0-9]+\.[a-z0-9]+\d{0,2}@[a-z0-9.-]+\.[a-z]+")
    assert all(address.fullmatch(e) for e in emails), emails[:3]
    # email follows first_name and last_name columns of the same locale
    columns = zip(t.column("first").to_pylist(), t.column("last").to_pylist(), emails, strict=True)
    for first, last, email in list(columns)[:500]:
        ascii_first = pools.first_ascii.entries[pools.first.entries.index(first)]
        ascii_last = pools.last_ascii.entries[pools.last.entries.index(last)]
        assert email.startswith(f"{ascii_first}.{ascii_last}")
    sampled_states = set(fp.sampled_pool(locale, "administrative_unit").entries)
    assert set(t.column("state").to_pylist()) <= sampled_states
    assert len(set(t.column("city").to_pylist())) > 50
    assert all(re.search(r"\d", p) for p in t.column("phone").to_pylist())


POSTCODES = {
    "en_US": r"\d{5}(-\d{4})?",
    "en_GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "de_DE": r"\d{5}",
    "fr_FR": r"\d{5}",
    "es_ES": r"\d{5}",
    "it_IT": r"\d{5}",
    "ja_JP": r"\d{3}-\d{4}",
    "pt_BR": r"\d{5}-?\d{3}",
}


@pytest.mark.parametrize(("locale", "pattern"), POSTCODES.items())
def test_postcodes_match_the_locales_pattern(locale, pattern):
    codes = table({"p": {"type": "postcode", "locale": locale}}, rows=3000).column("p").to_pylist()
    assert all(re.fullmatch(pattern, c) for c in codes), [c for c in codes if not re.fullmatch(pattern, c)][
        :5
    ]


@pytest.mark.slow
def test_network_identifiers_parse():
    t = table(
        {
            "v4": {"type": "ipv4"},
            "v6": {"type": "ipv6"},
            "mac": {"type": "mac_address"},
            "url": {"type": "url"},
        }
    )
    for value in t.column("v4").to_pylist():
        ipaddress.IPv4Address(value)
    for value in t.column("v6").to_pylist():
        ipaddress.IPv6Address(value)
    assert all(re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", m) for m in t.column("mac").to_pylist())
    assert all(re.fullmatch(r"https?://(www\.)?[a-z0-9]+\.[a-z]+/", u) for u in t.column("url").to_pylist())


@pytest.mark.slow
def test_cards_and_ibans_pass_their_checks():
    t = table(
        {
            "card": {"type": "credit_card_number"},
            "visa": {"type": "credit_card_number", "issuer": "visa"},
            "de": {"type": "iban", "country": "DE"},
            "gb": {"type": "iban", "country": "GB"},
            "it": {"type": "iban", "country": "IT"},
            "local": {"type": "iban"},
        },
        locale="fr_FR",
    )
    assert all(luhn_ok(c) and len(c) == 16 for c in t.column("card").to_pylist())
    assert all(v.startswith("4") for v in t.column("visa").to_pylist())
    for column, country, length in (
        ("de", "DE", 22),
        ("gb", "GB", 22),
        ("it", "IT", 27),
        ("local", "FR", 27),
    ):
        values = t.column(column).to_pylist()
        assert all(iban_ok(v) and v[:2] == country and len(v) == length for v in values)


@pytest.mark.parametrize(
    ("spec", "rows"),
    [
        ({"type": "username", "unique": True}, 100_000),
        ({"type": "email", "unique": True}, 100_000),
        ({"type": "pattern", "pattern": "ID-%#####", "unique": True}, 100_000),
        ({"type": "ipv4", "unique": True}, 100_000),
        ({"type": "domain", "unique": True}, 5_000),  # 1,000 names x 5 top-level domains, all of them
    ],
)
def test_unique_text_is_distinct(spec, rows):
    values = table({"u": spec}, rows=rows).column("u").to_pylist()
    assert len(set(values)) == len(values)


def test_unique_text_beyond_its_combinations_is_refused():
    with pytest.raises(fastsynth.SchemaError, match=r"field 'code': unique values run out.*only 260"):
        table({"code": {"type": "pattern", "pattern": "#?", "unique": True}}, rows=261)


def test_names_follow_faker_frequencies():
    names = table({"n": {"type": "first_name"}}, rows=200_000).column("n").to_pylist()
    pools = fp.person_pools("en_US")
    weights = dict(zip(pools.first.entries, pools.first.weights, strict=True))
    common, rare = max(weights, key=weights.get), min(weights, key=weights.get)
    assert names.count(common) > 5 * max(names.count(rare), 1)


def test_japanese_names_put_the_family_name_first():
    pools = fp.person_pools("ja_JP")
    for name in table({"n": {"type": "name"}}, rows=200, locale="ja_JP").column("n").to_pylist():
        last, first = name.split(" ")
        assert last in pools.last.entries and first in pools.first.entries


def test_sentences_and_paragraphs():
    t = table(
        {"s": {"type": "sentence", "min_words": 3, "max_words": 6}, "p": {"type": "paragraph"}}, rows=2000
    )
    lengths = {len(s.split()) for s in t.column("s").to_pylist()}
    assert lengths <= set(range(3, 7)) and len(lengths) == 4
    assert all(s[0].isupper() and s.endswith(".") for s in t.column("s").to_pylist())
    assert {p.count(".") for p in t.column("p").to_pylist()} == set(range(3, 7))


pattern_text = st.text(st.sampled_from(list("#%?^*-AB.x\\ ")), min_size=1, max_size=12)


@given(pattern_text)
def test_patterns_make_matching_text_or_a_clear_error(pattern):
    try:
        schema = fastsynth.Schema.from_dict({"p": {"type": "pattern", "pattern": pattern}})
    except fastsynth.SchemaError as exc:
        assert "field 'p'" in str(exc) and pattern.endswith("\\")
        return
    regex, escaped = "", False
    classes = {"#": "[0-9]", "%": "[1-9]", "?": "[A-Z]", "^": "[a-z]", "*": "[A-Z0-9]"}
    for char in pattern:
        if not escaped and char == "\\":
            escaped = True
            continue
        regex += classes[char] if char in classes and not escaped else re.escape(char)
        escaped = False
    values = fastsynth.generate(schema, 200).column("p").to_pylist()
    assert all(re.fullmatch(regex, v) for v in values)


def test_templates_combine_columns_and_types():
    t = table(
        {
            "first": {"type": "first_name"},
            "n": {"type": "int", "min": 1, "max": 9},
            "code": {"type": "template", "template": "{first}-{n}@{domain} {{literal}}"},
        },
        rows=1000,
    )
    for first, n, code in zip(*(t.column(c).to_pylist() for c in ("first", "n", "code")), strict=True):
        assert re.fullmatch(rf"{re.escape(first)}-{n}@[a-z0-9]+\.[a-z]+ \{{literal\}}", code)


@given(st.text(st.sampled_from(list("{}ab_0 !:")), max_size=14))
def test_random_templates_raise_only_schema_errors(template):
    try:
        schema = fastsynth.Schema.from_dict(
            {"a": {"type": "word"}, "t": {"type": "template", "template": template}}
        )
    except fastsynth.SchemaError as exc:
        assert str(exc).startswith("field 't'")
        return
    fastsynth.generate(schema, 20)


def test_template_cycles_are_refused():
    with pytest.raises(
        fastsynth.SchemaError, match="field 'a': columns depend on each other in a cycle: a -> b -> a"
    ):
        fastsynth.Schema.from_dict(
            {"a": {"type": "template", "template": "{b}"}, "b": {"type": "template", "template": "{a}"}}
        )


def test_unknown_locale_is_refused():
    with pytest.raises(fastsynth.SchemaError, match="field 'x': locale='xx_XX' is not a Faker locale"):
        fastsynth.Schema.from_dict({"x": {"type": "city", "locale": "xx_XX"}})


def test_faker_provider_pool_is_deterministic_and_bounded():
    spec = {"b": {"type": "faker", "provider": "bban", "pool_size": 300}}
    values = table(spec, rows=20_000).column("b").to_pylist()
    assert len(set(values)) <= 300 and all(re.fullmatch(r"[A-Z]{4}\d{14}", v) for v in values)
    assert table(spec, rows=20_000).column("b").to_pylist() == values
    assert table(spec, rows=20_000, seed=6).column("b").to_pylist() != values


def test_faker_provider_exact_mode_is_per_row_and_chunk_invariant():
    spec = {"isbn": {"type": "faker", "provider": "isbn13", "exact": True}, "n": {"type": "sequence"}}
    whole = fastsynth.generate(spec, 300, seed=2)
    assert len(set(whole.column("isbn").to_pylist())) == 300
    assert fastsynth.generate(spec, 300, seed=2, batch_size=7).equals(whole)
    assert fastsynth.generate(spec, 50, seed=2, start=100).equals(whole.slice(100, 50))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"provider": "nope"}, "provider='nope' is not a Faker data method"),
        ({"provider": "pyint", "args": {"bogus": 1}}, "provider 'pyint' fails with args={'bogus': 1}"),
        ({"provider": "pyint", "pool_size": 0}, "pool_size=0 is not an integer in [1, 10000000]"),
        ({"provider": "pyint", "args": [1]}, "args=[1] is not an object"),
    ],
)
def test_bad_faker_fields(spec, message):
    with pytest.raises(fastsynth.SchemaError, match=re.escape(f"field 'f': {message}")):
        fastsynth.Schema.from_dict({"f": {"type": "faker", **spec}})


def test_unique_is_refused_where_text_could_repeat():
    with pytest.raises(fastsynth.SchemaError, match="unique=true is not offered for type 'sentence'"):
        fastsynth.Schema.from_dict({"s": {"type": "sentence", "unique": True}})


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP"])
def test_unique_emails_stay_distinct_where_names_fold_alike(locale):
    # Folding maps several names to one spelling (Müller, Mueller); unique mode must not repeat them.
    values = table(
        {"e": {"type": "email", "unique": True}, "u": {"type": "username", "unique": True}},
        rows=50_000,
        locale=locale,
    )
    for column in ("e", "u"):
        assert len(set(values.column(column).to_pylist())) == 50_000


@pytest.mark.subprocess
def test_pools_are_kept_on_disk_and_later_processes_skip_faker(tmp_path):
    """The seed schema's pools are built from Faker once; a later process reads them back without
    importing Faker (a fifth of a second of every short run) and makes the same bytes."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, sys, fastsynth\n"
        "from fastsynth.schema import EXAMPLES\n"
        "t = fastsynth.generate(EXAMPLES['tabular'], 2000, seed=3)\n"
        "print('faker' in sys.modules, hashlib.sha256(str(t.to_pydict()).encode()).hexdigest())\n"
    )
    import numba

    # A fresh pool cache, with the kernels already compiled by this process.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "NUMBA_CACHE_DIR": numba.config.CACHE_DIR}
    first, second = (
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    )
    assert first[0] == "True" and second[0] == "False"
    assert first[1] == second[1]
    assert list((tmp_path / "fastsynth" / "pools").glob("faker-*/en_US.person.json"))


def test_an_address_type_registered_again_under_another_name_makes_the_same_addresses():
    """A subclass registered under a name of its own (as a plugin would) keeps its parent's pool."""
    plugins = Registry("field type", "tests.fields", SchemaError, name_attribute="type_name")

    @plugins.register("server_ip")
    class ServerIp(text.Ipv4Field):
        pass

    schema = fastsynth.Schema.from_dict({"a": {"type": "ipv4"}})
    made = fastsynth.generate(fastsynth.Schema((ServerIp(name="a"),)), 50, seed=4)
    assert made.column("a").equals(fastsynth.generate(schema, 50, seed=4).column("a"))
