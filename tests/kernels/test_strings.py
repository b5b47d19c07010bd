from __future__ import annotations

import uuid

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fastsynth.fields.base import Block
from fastsynth.fields.compose import Part, compose
from fastsynth.kernels import rng
from fastsynth.kernels import strings as ks
from tests import naive


def _reference(block: Block, parts: list[Part]) -> list[str]:
    rows = np.arange(block.start, block.start + block.size)
    chosen = []
    for part in parts:
        if len(part.entries) == 1:
            chosen.append([part.entries[0]] * block.size)
            continue
        u = naive.at(int(rng.stream(block.subkey(part.salt), 0)), rows)
        idx = naive.bounded(u, len(part.entries))
        chosen.append([part.entries[i] for i in idx.tolist()])
    return ["".join(row) for row in zip(*chosen, strict=True)]


text = st.text(min_size=0, max_size=6)


@given(
    st.lists(
        st.tuples(st.lists(text, min_size=1, max_size=5), st.sampled_from(["a", "b", "c"])),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 2**40),
    st.integers(0, 60),
)
def test_compose_matches_reference(spec, start, size):
    parts = [Part(tuple(entries), salt) for entries, salt in spec]
    block = Block("col", 3, start, size)
    array = compose(block, parts)
    array.validate(full=True)
    assert array.to_pylist() == _reference(block, parts)


def test_parts_sharing_a_salt_pick_the_same_entry():
    block = Block("col", 1, 0, 1000)
    letters = tuple("abcdefghij")
    digits = tuple("0123456789")
    values = compose(block, [Part(letters, "x"), Part(digits, "x")]).to_pylist()
    assert all(letters.index(v[0]) == digits.index(v[1]) for v in values)


def test_uuids_are_canonical_version_4_and_distinct():
    n = 50_000
    data = np.empty(36 * n, np.uint8)
    ks.fill_uuid(data, np.uint64(9), 123, np.uint64(2**60), np.uint64(30))
    text = bytes(data).decode()
    values = [text[i : i + 36] for i in range(0, len(text), 36)]
    parsed = [uuid.UUID(v) for v in values]
    assert all(p.version == 4 and p.variant == uuid.RFC_4122 for p in parsed)
    assert [str(p) for p in parsed] == values
    assert len(set(values)) == n


@given(
    st.lists(st.lists(st.text(max_size=3), min_size=1, max_size=4), min_size=1, max_size=5),
    st.integers(2000, 7000),
)
def test_compose_across_chunks_with_tiny_parts(entries, size):
    # Word copies overrun short parts; chunk ends must still hold exactly the right bytes.
    parts = [Part(tuple(e), f"s{i}") for i, e in enumerate(entries)]
    block = Block("col", 5, 11, size)
    assert compose(block, parts).to_pylist() == _reference(block, parts)


def test_compose_long_multibyte_entries():
    words = ("ß" * 9, "日本語のテキスト", "x" * 40, "")
    parts = [Part(words, "a"), Part((" / ",)), Part(words, "b")]
    block = Block("col", 5, 0, 5000)
    array = compose(block, parts)
    array.validate(full=True)
    assert array.to_pylist() == _reference(block, parts)


def test_uuid_matches_reference():
    data = np.empty(36 * 50, np.uint8)
    ks.fill_uuid(data, np.uint64(77), 1000, np.uint64(2**60), np.uint64(30))
    text = bytes(data).decode()
    assert [text[i : i + 36] for i in range(0, len(text), 36)] == [
        naive.uuid4(77, r) for r in range(1000, 1050)
    ]
