from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel
from tests import naive

u64 = st.integers(0, 2**64 - 1)


@given(st.lists(u64, min_size=1, max_size=50))
def test_mix64_matches_reference(values):
    expected = naive.mix64(np.array(values, dtype=np.uint64))
    got = np.array([rng.mix64(np.uint64(v)) for v in values], dtype=np.uint64)
    np.testing.assert_array_equal(got, expected)


def test_mix64_is_a_bijection_on_a_sample():
    values = np.arange(200_000, dtype=np.uint64) * np.uint64(0x1000_0001)
    assert len(np.unique(naive.mix64(values))) == len(values)


@given(u64, st.integers(0, 2**40), st.integers(0, 20))
def test_draw_matches_reference(key, row, k):
    expected = naive.at(naive.stream(key, k), np.array([row]))[0]
    assert rng.draw(np.uint64(key), row, k) == expected


@given(u64, st.integers(0, 2**64))
def test_bounded_matches_exact_integer_arithmetic(u, n):
    expected = u if n % 2**64 == 0 else (u * n) >> 64
    assert int(rng.bounded(np.uint64(u), np.uint64(n % 2**64))) == expected


def test_unit_edges():
    assert rng.unit(np.uint64(0)) == 0.0
    assert rng.unit(np.uint64(2**64 - 1)) < 1.0
    assert 0.0 < rng.open_unit(np.uint64(0)) < rng.open_unit(np.uint64(2**64 - 1)) < 1.0


def test_streams_differ_by_draw_and_key():
    a = rng.draw(np.uint64(1), 5, 0)
    assert a != rng.draw(np.uint64(1), 5, 1)
    assert a != rng.draw(np.uint64(2), 5, 0)
    assert a != rng.draw(np.uint64(1), 6, 0)


def test_ziggurat_tables_cover_the_distribution():
    x = rng._ZIG_X
    assert x[1] == rng._ZIG_R
    assert np.all(np.diff(x[1:]) < 0)  # layer edges shrink towards zero
    assert x[-1] == 0.0


@kernel
def _normals(stream_key, n, inlined, called):
    for i in range(n):
        inlined[i] = rng.normal_at(stream_key, i)
        called[i] = rng.normal(stream_key, rng.at(stream_key, i), i)


@kernel
def _normals_from(stream_key, first, out, widths):
    """``rng.normals_at`` over ``out`` in pieces of the given widths, from counter ``first``."""
    start = 0
    for width in widths:
        rng.normals_at(out[start : start + width], stream_key, first + start)
        start += width


def test_the_inlined_normal_is_rngs():
    """200k values: about 5,500 leave the fast path (2.76%), some 50 reach the tail. The key is a
    ``np.uint64``, as the kernels' are (a Python int compiles them for int64, whose shifts differ)."""
    inlined, called = np.empty(200_000), np.empty(200_000)
    stream_key = np.uint64(rng.stream(np.uint64(5), 3))
    _normals(stream_key, 200_000, inlined, called)
    np.testing.assert_array_equal(inlined, called)
    assert np.abs(called).max() > 3.5
    assert 0.45 < np.mean(called > 0) < 0.55
    # The vectorized row of them: first tries for all, then the rejected ones, the same values.
    pieces = np.empty(200_000)
    _normals_from(stream_key, 0, pieces, np.array([1, 63, 64, 7, 99_865, 100_000]))
    np.testing.assert_array_equal(pieces, called)
    shifted = np.empty(1000)
    _normals_from(stream_key, 5000, shifted, np.array([1000]))
    np.testing.assert_array_equal(shifted, called[5000:6000])
