"""Drift kernels against their plain references (tests/naive.py): edge cases, then hypothesis inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastsynth.kernels import drift as kd
from tests import naive

KEY = 0x0DDB_A11C_AFE0_0001
u64 = st.integers(0, 2**64 - 1)
OPS = sorted(set(kd.NUMERIC_OPS.values()))


def _numeric(x, weights, op, a=2.0, b=0.0, c=0.5, key=KEY, start=0, lo=-np.inf, hi=np.inf):
    """Kernel and reference on the same arguments (integer columns when ``x`` is)."""
    x = np.asarray(x)
    weights = np.asarray(weights, np.float64)
    integer = x.dtype.kind in "iu"
    out = np.empty_like(x)
    a_, b_ = (np.atleast_1d(np.asarray(v, np.float64)) for v in (a, b))
    kd.drift_numeric(out, x, weights, op, a_, b_, c, np.uint64(key), start, lo, hi, integer)
    return out, naive.drift_numeric(x, weights, op, a, b, c, key, start, lo, hi, integer)


@pytest.mark.parametrize("op", OPS)
def test_numeric_edges(op):
    out, expected = _numeric(np.zeros(0), np.zeros(0), op)
    assert out.shape == expected.shape == (0,)
    # One row; NaN stays NaN (shifted, scaled or noised) and weight 0 keeps the row bit for bit,
    # -0.0 and NaN included.
    x = np.array([1.5, np.nan, -0.0, np.nan, 7.0])
    weights = np.array([1.0, 1.0, 0.0, 0.0, 0.5])
    for rows in (slice(0, 1), slice(None)):
        out, expected = _numeric(x[rows], weights[rows], op, start=2**40)
        np.testing.assert_array_equal(out, expected)
    assert np.signbit(out[2]) and np.isnan(out[3])
    # Extreme parameters overflow to infinity in both.
    out, expected = _numeric(np.array([1e308, -1e308]), np.ones(2), op, a=1e308, b=1e308, c=1.0)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
@pytest.mark.parametrize("op", OPS)
def test_numeric_integers_round_and_saturate(op, dtype):
    info = np.iinfo(dtype)
    # The bounds a float64 holds that the type holds too (for 64 bits, just inside the type's range).
    lo = float(info.min)
    hi = float(info.max) if int(float(info.max)) <= info.max else float(np.nextafter(float(info.max), 0))
    x = np.array([info.min, info.max, 0, 3, info.max // 2], dtype)
    for a, b in [(2.5, 1.0), (1e30, 0.0), (-1e30, 0.0), (0.49, -3.0)]:
        out, expected = _numeric(x, np.full(5, 0.75), op, a=a, b=b, c=0.9, lo=lo, hi=hi)
        np.testing.assert_array_equal(out, expected)
        assert out.dtype == dtype


@given(
    st.sampled_from(OPS),
    st.lists(st.floats(-1e6, 1e6), max_size=60),
    st.data(),
    st.floats(-1e3, 1e3),
    st.floats(-1e3, 1e3),
    st.floats(0.0, 1.0),
    u64,
    st.integers(0, 2**40),
)
@pytest.mark.slow
def test_numeric_matches_reference(op, x, data, a, b, c, key, start):
    weights = data.draw(
        st.lists(st.sampled_from([0.0, 1.0, 0.25]) | st.floats(0, 1), min_size=len(x), max_size=len(x))
    )
    out, expected = _numeric(np.array(x, np.float64), weights, op, a, b, c, key, start)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.slow
@given(st.sampled_from(OPS), st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.data(), u64)
def test_numeric_with_a_value_per_row_matches_reference(op, x, data, key):
    """Window statistics give each row its own ``a`` (a spread) and ``b`` (a mean)."""
    n = len(x)
    per_row = st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n)
    a, b = np.array(data.draw(per_row)), np.array(data.draw(per_row))
    weights = data.draw(st.lists(st.sampled_from([0.0, 1.0]) | st.floats(0, 1), min_size=n, max_size=n))
    out, expected = _numeric(np.array(x, np.float64), weights, op, a, b, 0.5, key, 7)
    np.testing.assert_array_equal(out, expected)


@given(
    st.sampled_from(OPS),
    st.lists(st.integers(-(2**31), 2**31 - 1), max_size=60),
    st.floats(-1e10, 1e10),
    st.floats(-1e10, 1e10),
    u64,
)
def test_numeric_on_int32_matches_reference(op, x, a, b, key):
    out, expected = _numeric(
        np.array(x, np.int32), np.full(len(x), 0.6), op, a, b, 0.5, key, 0, -(2.0**31), 2.0**31 - 1
    )
    np.testing.assert_array_equal(out, expected)


def _window_moments(x, valid, runs):
    starts = np.array([r[0] for r in runs], np.int64)
    ends = np.array([r[1] for r in runs], np.int64)
    means, spreads = np.empty(len(runs)), np.empty(len(runs))
    kd.window_moments(np.asarray(x), np.asarray(valid, np.bool_), starts, ends, means, spreads)
    return (means, spreads), naive.window_moments(x, valid, starts, ends)


def test_window_moments_edges():
    x = np.array([1.0, 4.0, 2.0, 8.0, 5.0, 7.0, np.nan])
    for runs in ([], [(0, 0)], [(0, 1)], [(0, 2)], [(0, 3)], [(0, 4)], [(0, 6), (2, 5), (6, 7)]):
        (means, spreads), (m, s) = _window_moments(x, [], runs)
        np.testing.assert_allclose(means, m, rtol=1e-12)
        np.testing.assert_allclose(spreads, s, rtol=1e-12)
    valid = [True, False, True, True, False, True, True]
    (means, spreads), (m, s) = _window_moments(np.nan_to_num(x), valid, [(0, 6), (0, 7)])
    np.testing.assert_allclose(means, m, rtol=1e-12)
    np.testing.assert_allclose(spreads, s, rtol=1e-12)
    # A run's numbers are the same alone or among others (window statistics must not depend on batches).
    (alone, _), _ = _window_moments(x, [], [(1, 6)])
    (among, _), _ = _window_moments(x, [], [(0, 3), (1, 6), (2, 4)])
    assert alone[0] == among[1]


@given(st.lists(st.floats(-1e6, 1e6), max_size=80), st.data())
def test_window_moments_match_reference(x, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(x)), min_size=2, max_size=8)))
    runs = list(itertools.pairwise(cuts))
    valid = data.draw(st.lists(st.booleans(), min_size=len(x), max_size=len(x)))
    (means, spreads), (m, s) = _window_moments(np.array(x, np.float64), valid, runs)
    np.testing.assert_allclose(means, m, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(spreads, s, rtol=1e-6, atol=1e-6)


@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.integers(0, 3), st.booleans()), max_size=60), st.data())
def test_window_moments_grouped_match_the_python_reference(rows, data):
    """Runs of rows of several entities, as the schedule measures them when a schema has entities;
    the reference is the per-run Python the kernel replaced (``_moments``, still used for columns)."""
    import pyarrow as pa

    from fastsynth.drift.schedule import _moments, _validity_mask

    x = np.array([r[0] for r in rows], np.float64)
    groups = np.array([r[1] for r in rows], np.int64)
    column = pa.array(x, mask=np.array([not r[2] for r in rows], np.bool_))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(x)), min_size=2, max_size=8)))
    starts, ends = (np.array(v, np.int64) for v in zip(*itertools.pairwise(cuts), strict=True))
    means, spreads = np.zeros(len(starts)), np.zeros(len(starts))
    values = column.fill_null(0).to_numpy(zero_copy_only=False)
    kd.window_moments_grouped(values, _validity_mask(column), groups, starts, ends, means, spreads)
    for j, (a, b) in enumerate(zip(starts, ends, strict=True)):
        mean, spread = _moments(column.slice(a, b - a), groups[a:b])
        assert means[j] == pytest.approx(mean, rel=1e-9, abs=1e-6)
        assert spreads[j] == pytest.approx(spread, rel=1e-6, abs=1e-6)


# -- categories ----------------------------------------------------------------------------------------


def _codes(codes, weights, change, targets, fixed, key=KEY, start=0):
    codes = np.asarray(codes, np.int32)
    weights = np.asarray(weights, np.float64)
    out = np.empty_like(codes)
    change, targets = np.asarray(change, np.float64), np.asarray(targets, np.float64)
    kd.drift_codes(out, codes, weights, change, targets, np.uint64(key), start, fixed)
    return out, naive.drift_codes(codes, weights, change, targets, key, start, fixed)


def test_codes_edges():
    out, expected = _codes([], [], [1.0], [1.0], -1)
    assert out.shape == expected.shape == (0,)
    # Nulls stay; weight 0 and change 0 keep the code; change 1 at weight 1 always moves.
    out, expected = _codes([-1, 0, 1, 1, 2], [1.0, 1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0], -1)
    np.testing.assert_array_equal(out, expected)
    assert out.tolist() == [-1, 2, 1, 2, 2]
    out, expected = _codes([0, 1, 0], [1.0, 1.0, 1.0], [1.0, 1.0], [1.0], 5)  # to a fixed new code
    assert out.tolist() == expected.tolist() == [5, 5, 5]


@pytest.mark.slow
@given(st.data(), st.integers(1, 8), st.integers(0, 60), u64, st.integers(0, 2**40), st.booleans())
def test_codes_match_reference(data, categories, size, key, start, fixed):
    codes = data.draw(st.lists(st.integers(-1, categories - 1), min_size=size, max_size=size))
    weights = data.draw(st.lists(st.floats(0, 1), min_size=size, max_size=size))
    change = data.draw(st.lists(st.floats(0, 1), min_size=categories, max_size=categories))
    shortfall = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=1, max_size=categories + 2)))
    targets = np.cumsum(shortfall) / shortfall.sum()
    out, expected = _codes(codes, weights, change, targets, categories if fixed else -1, key, start)
    np.testing.assert_array_equal(out, expected)


# -- booleans ------------------------------------------------------------------------------------------


@pytest.mark.slow
@given(st.data(), st.integers(0, 80), st.floats(0, 1), u64, st.integers(0, 2**40))
def test_flip_bits_match_reference(data, size, rate, key, start):
    values = np.array(data.draw(st.lists(st.integers(0, 1), min_size=size, max_size=size)), np.uint8)
    weights = np.array(data.draw(st.lists(st.floats(0, 1), min_size=size, max_size=size)))
    out = np.empty_like(values)
    kd.flip_bits(out, values, weights, rate, np.uint64(key), start)
    np.testing.assert_array_equal(out, naive.flip_bits(values, weights, rate, key, start))


def test_flip_bits_edges():
    for rate, weight in [(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]:
        values = np.array([0, 1, 1], np.uint8)
        out = np.empty_like(values)
        kd.flip_bits(out, values, np.full(3, weight), rate, np.uint64(KEY), 0)
        assert out.tolist() == ([1, 0, 0] if rate * weight == 1.0 else [0, 1, 1])


# -- typos ---------------------------------------------------------------------------------------------


def _typos(strings, weights, rate, key=KEY, start=0):
    encoded = [s.encode() for s in strings]
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in encoded])]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded), np.uint8).copy()
    expected = naive.typos(data.tobytes(), offsets, weights, rate, key, start)
    kd.typos(data, offsets, np.asarray(weights, np.float64), rate, np.uint64(key), start)
    return data.tobytes(), expected


def test_typo_edges():
    assert _typos([], [], 1.0) == (b"", b"")
    # Empty strings, one letter (nothing to swap with: it becomes another letter), non-ASCII only.
    got, expected = _typos(["", "a", "Z", "ééé", "日本"], [1.0] * 5, 1.0)
    assert got == expected
    text = got.decode()
    assert text[0] != "a" and text[0].islower() and text[1] != "Z" and text[1].isupper()
    assert text[2:] == "ééé日本"
    # Digits and punctuation swap but never become letters; rate 0 or weight 0 changes nothing.
    got, expected = _typos(["12", "..", "a1"] * 20, [1.0] * 60, 1.0, start=7)
    assert got == expected and got != b"12..a1" * 20
    assert sorted(c for c in got.decode() if not c.isalpha()) == sorted("12..1" * 20)
    assert _typos(["hello"] * 5, [1.0] * 5, 0.0) == (b"hello" * 5, b"hello" * 5)
    assert _typos(["hello"] * 5, [0.0] * 5, 1.0) == (b"hello" * 5, b"hello" * 5)


@given(st.data(), st.lists(st.text(max_size=12), max_size=40), st.floats(0, 1), u64, st.integers(0, 2**40))
def test_typos_match_reference(data, strings, rate, key, start):
    weights = data.draw(st.lists(st.floats(0, 1), min_size=len(strings), max_size=len(strings)))
    got, expected = _typos(strings, weights, rate, key, start)
    assert got == expected
    got.decode()  # still valid UTF-8


def _typo_edits(strings, weights, rate, modes, key=KEY, start=0):
    """Kernels (plan, then apply) and reference on the same strings: (bytes, offsets) of each."""
    encoded = [s.encode() for s in strings]
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in encoded])]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded), np.uint8)
    codes = np.array(sorted({kd.TYPO_MODES[m] for m in modes}), np.int8)
    expected = naive.typo_edits(data.tobytes(), offsets, weights, rate, key, start, codes.tolist())
    n = len(strings)
    edit, at, letter = np.empty(n, np.int8), np.empty(n, np.int64), np.empty(n, np.uint8)
    weights = np.asarray(weights, np.float64)
    kd.typo_plan(data, offsets, weights, rate, np.uint64(key), start, codes, edit, at, letter)
    new = np.zeros(n + 1, np.int64)
    np.cumsum(np.diff(offsets) + (edit == 3) - (edit == 2), out=new[1:])
    out = np.empty(new[-1], np.uint8)
    kd.typo_apply(out, data, offsets, new, edit, at, letter)
    return (out.tobytes(), new.tolist()), expected


def test_typo_deletes_and_duplicates_edges():
    assert _typo_edits([], [], 1.0, ["delete"]) == ((b"", [0]), (b"", [0]))
    # One-letter strings vanish or double; non-ASCII and empty strings are never edited.
    got, expected = _typo_edits(["a", "", "é", "日本"], [1.0] * 4, 1.0, ["delete"])
    assert got == expected == (b"\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac", [0, 0, 0, 2, 8])
    got, expected = _typo_edits(["a", "", "é"], [1.0] * 3, 1.0, ["duplicate"])
    assert got == expected == ("aaé".encode(), [0, 2, 2, 4])
    # Every string loses (gains) exactly one character at rate 1; weight 0 or rate 0 leave them.
    words = ["hello", "world", "typo", "x1"] * 25
    for mode, change in (("delete", -1), ("duplicate", 1)):
        got, expected = _typo_edits(words, [1.0] * 100, 1.0, [mode], start=11)
        assert got == expected
        assert np.diff(got[1]).tolist() == [len(w) + change for w in words]
        assert _typo_edits(words, [0.0] * 100, 1.0, [mode])[0] == (
            "".join(words).encode(),
            np.cumsum([0] + [len(w) for w in words]).tolist(),
        )
    # Swap and change through the planning kernel make the same strings as the in-place one.
    got, _ = _typo_edits(words, [1.0] * 100, 1.0, ["swap", "change", "delete"])
    assert sorted(set(np.diff(got[1]).tolist())) == [1, 2, 3, 4, 5]


@given(
    st.data(),
    st.lists(st.text(max_size=12), max_size=40),
    st.floats(0, 1),
    u64,
    st.integers(0, 2**40),
    st.lists(st.sampled_from(sorted(kd.TYPO_MODES)), min_size=1, max_size=4),
)
@pytest.mark.slow
def test_typo_edits_match_reference(data, strings, rate, key, start, modes):
    weights = data.draw(st.lists(st.floats(0, 1), min_size=len(strings), max_size=len(strings)))
    got, expected = _typo_edits(strings, weights, rate, modes, key, start)
    assert got == expected
    got[0].decode()  # still valid UTF-8


# -- statistics ----------------------------------------------------------------------------------------


def _moments(x, valid):
    x = np.asarray(x, np.float64)
    valid = np.asarray(valid, np.bool_)
    return kd.moments(x, valid), naive.moments(x, valid)


def test_moments_edges():
    assert _moments([], []) == ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    assert _moments([1.0, 2.0], [False, False]) == ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))  # nothing valid
    assert _moments([4.0], []) == ((1.0, 4.0, 0.0), (1.0, 4.0, 0.0))
    got, expected = _moments([1.0, np.nan], [])
    np.testing.assert_array_equal(got, expected)  # NaN in, NaN out
    got, expected = _moments([1.0, np.nan], [True, False])
    np.testing.assert_array_equal(got, expected)  # a NaN that is not valid is not counted
    # Several chunks of 65,536 values, merged in order. Each chunk's mean is a plain sum, so values a
    # billion standard deviations from their mean keep 8 digits of their standard deviation (a one-pass
    # sum of squares would keep none); numpy's pairwise sums keep 14.
    rng = np.random.default_rng(1)
    for mean, rtol in [(0.0, 1e-12), (1e9, 1e-7)]:
        x = mean + rng.standard_normal(200_001)
        valid = rng.random(200_001) < 0.7
        for mask in (valid, np.zeros(0, np.bool_)):
            got, expected = _moments(x, mask)
            assert got[0] == expected[0]
            np.testing.assert_allclose(got[1:], expected[1:], rtol=rtol, atol=1e-12)


@given(st.lists(st.tuples(st.floats(-1e9, 1e9), st.booleans()), max_size=80), st.booleans())
def test_moments_match_reference(values, masked):
    x = [v for v, _ in values]
    valid = [m for _, m in values] if masked else []
    got, expected = _moments(x, valid)
    assert got[0] == expected[0]
    np.testing.assert_allclose(got[1:], expected[1:], rtol=1e-9, atol=1e-6)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, -0.0, 1.0, np.nan, np.inf]),
            st.sampled_from([0.0, -0.0, 1.0, np.nan, np.inf]),
        ),
        max_size=60,
    )
)
def test_count_changed_matches_reference(pairs):
    before = np.array([p[0] for p in pairs], np.float64)
    after = np.array([p[1] for p in pairs], np.float64)
    assert kd.count_changed(before, after) == naive.count_changed(before, after)
