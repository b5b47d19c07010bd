from __future__ import annotations

import subprocess
import sys
import uuid

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastsynth.compositions import Composition, Part, pattern_parts
from fastsynth.fields.base import Block
from fastsynth.fields.compose import compose
from fastsynth.fields.weights import alias_tables
from fastsynth.kernels import strings as ks
from tests import naive


def _choices(block: Block, part: Part) -> list[int]:
    if len(part.entries) == 1:
        return [0] * block.size
    key = int(block.key_of(part.column or block.name, part.salt))
    threshold, aliases = alias_tables(part.weights or [1.0] * len(part.entries))
    return naive.alias(key, block.start, block.size, threshold, aliases).tolist()


def _reference(block: Block, parts: list[Part]) -> list[str]:
    chosen = [[part.entries[i] for i in _choices(block, part)] for part in parts]
    return ["".join(row) for row in zip(*chosen, strict=True)]


def compose_parts(block: Block, parts: list[Part], **kwargs) -> pa.Array:
    return compose(block, Composition.of(*parts), **kwargs)


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
@pytest.mark.slow
def test_compose_matches_reference(spec, start, size):
    parts = [Part(tuple(entries), salt=salt) for entries, salt in spec]
    block = Block("col", 3, start, size)
    array = compose_parts(block, parts)
    array.validate(full=True)
    assert array.to_pylist() == _reference(block, parts)


def test_parts_sharing_a_salt_pick_the_same_entry():
    block = Block("col", 1, 0, 1000)
    letters = tuple("abcdefghij")
    digits = tuple("0123456789")
    values = compose_parts(block, [Part(letters, salt="x"), Part(digits, salt="x")]).to_pylist()
    assert all(letters.index(v[0]) == digits.index(v[1]) for v in values)


@pytest.mark.slow
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
@pytest.mark.slow
def test_compose_across_chunks_with_tiny_parts(entries, size):
    # Word copies overrun short parts; chunk ends must still hold exactly the right bytes.
    parts = [Part(tuple(e), salt=f"s{i}") for i, e in enumerate(entries)]
    block = Block("col", 5, 11, size)
    assert compose_parts(block, parts).to_pylist() == _reference(block, parts)


def test_compose_long_multibyte_entries():
    words = ("ß" * 9, "日本語のテキスト", "x" * 40, "")
    parts = [Part(words, salt="a"), Part((" / ",)), Part(words, salt="b")]
    block = Block("col", 5, 0, 5000)
    array = compose_parts(block, parts)
    array.validate(full=True)
    assert array.to_pylist() == _reference(block, parts)


def test_uuid_matches_reference():
    data = np.empty(36 * 50, np.uint8)
    ks.fill_uuid(data, np.uint64(77), 1000, np.uint64(2**60), np.uint64(30))
    text = bytes(data).decode()
    assert [text[i : i + 36] for i in range(0, len(text), 36)] == [
        naive.uuid4(77, r) for r in range(1000, 1050)
    ]


@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(text, st.floats(0.0, 5.0)), min_size=1, max_size=6),
            st.sampled_from(["a", "b"]),
            st.sampled_from([None, "other"]),
        ),
        min_size=1,
        max_size=4,
    ).filter(lambda spec: all(sum(w for _, w in e) > 0 for e, _, _ in spec)),
    st.integers(0, 2**40),
)
@pytest.mark.slow
def test_weighted_and_linked_parts_match_reference(spec, start):
    parts = [Part(tuple(t for t, _ in e), tuple(w for _, w in e), salt, column) for e, salt, column in spec]
    block = Block("col", 8, start, 300)
    assert compose_parts(block, parts).to_pylist() == _reference(block, parts)


def test_linked_parts_agree_with_the_other_column():
    first = Part(("Ann", "Bob", "Cy"), (1.0, 2.0, 3.0), salt="first")
    lower = Part(("ann", "bob", "cy"), (1.0, 2.0, 3.0), salt="first", column="name")
    names = compose_parts(Block("name", 1, 0, 2000), [first]).to_pylist()
    emails = compose_parts(Block("email", 1, 0, 2000), [lower, Part(("@x.org",))]).to_pylist()
    assert [n.lower() + "@x.org" for n in names] == emails


def test_unique_mode_gives_distinct_combinations_until_the_span():
    parts = pattern_parts("AB-#?")
    composition = Composition.of(*parts)
    assert composition.span() == 260
    values = compose(Block("c", 1, 0, 260), composition, unique=True).to_pylist()
    assert len(set(values)) == 260 and all(len(v) == 5 and v.startswith("AB-") for v in values)


def test_variants_follow_their_weights():
    composition = Composition(((Part(("a",)),), (Part(("bb",)),)), (3.0, 1.0))
    values = compose(Block("c", 1, 0, 40_000), composition).to_pylist()
    assert abs(values.count("a") / 40_000 - 0.75) < 0.01


_GUARDED_COMPOSE = """
import ctypes, mmap, sys
import numpy as np
import fastsynth.fields.compose as fc
from fastsynth.compositions import Composition, Part, literal
from fastsynth.fields.base import Block
from fastsynth.kernels.jit import set_threads

libc = ctypes.CDLL(None)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
maps = []

def guarded(n):
    '''n bytes ending where an unreadable, unwritable page starts.'''
    size = -(-n // mmap.PAGESIZE) * mmap.PAGESIZE + mmap.PAGESIZE
    region = mmap.mmap(-1, size)
    start = ctypes.addressof(ctypes.c_char.from_buffer(region))
    assert libc.mprotect(start + size - mmap.PAGESIZE, mmap.PAGESIZE, 0) == 0
    maps.append(region)
    return np.frombuffer(region, np.uint8, count=n, offset=size - mmap.PAGESIZE - n)

compositions = [
    Composition.of(Part(("a" * 22, "b", "")), Part(("x", ""), salt="2")),  # the pool ends in short entries
    Composition.of(Part(("alpha", "beta")), literal("@"), Part(("d.io", "z"), salt="s")),
    Composition.of(Part(("é", "€€", "😀😀😀", "ñ" * 9)), literal("ñ")),
    Composition.of(Part(("q" * 17, "s", "l" * 100)), Part(("t" * 16, "u" * 15), salt="b")),
    Composition.of(*[Part(("ab", "cde", "", "😀"), salt=str(i)) for i in range(30)]),  # drawn twice
]
sizes = [(0, 0), (5, 1), (0, 2), (77, 2047), (3, 2049), (10**6, 4100)]
plain = {(c, s, t): fc.compose(Block("x", 7, *s), comp).to_pylist()
         for c, comp in enumerate(compositions) for s in sizes for t in (1, 2)}
empty, build = fc.empty, fc._build_pool

def guarded_empty(n, dtype):
    return guarded(n) if np.dtype(dtype) == np.uint8 else empty(n, dtype)

def guarded_pool(composition):
    pool = build(composition)
    data = guarded(len(pool.data))
    data[:] = pool.data
    return fc._Pool(**{**vars(pool), "data": data})

fc.empty, fc._build_pool = guarded_empty, guarded_pool
fc.POOLS.clear()
for (c, s, t), expected in plain.items():
    set_threads(t)
    assert fc.compose(Block("x", 7, *s), compositions[c]).to_pylist() == expected, (c, s, t)
print("ok")
"""


@pytest.mark.subprocess
def test_compose_stays_inside_its_pool_and_its_output():
    """Pools and string buffers end right before a page that faults when touched: the words ``_copy``
    reads and writes stay inside (a pool padded less than POOL_PADDING, or a store past the chunk's
    end, kills the process). In a child process, so a fault fails the test instead of the run."""
    done = subprocess.run(
        [sys.executable, "-c", _GUARDED_COMPOSE], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr[-2000:]
