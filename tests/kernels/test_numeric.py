"""Numeric kernels against plain-numpy references, and the samplers against their distributions."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from fastsynth.fields.weights import alias_tables
from fastsynth.kernels import numeric as kn
from fastsynth.kernels.permutation import feistel_half_bits, permute
from tests import naive

KEY = 0x1234_5678_9ABC_DEF0


@given(
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**40),
    st.integers(0, 300),
    st.integers(-(2**62), 2**62),
    st.integers(0, 2**62),
)
def test_uniform_int_matches_reference(key, start, size, lo, width):
    out = np.empty(size, np.int64)
    kn.fill_uniform_int(out, np.uint64(key), start, lo, np.uint64(width + 1))
    np.testing.assert_array_equal(out, naive.uniform_int(key, start, size, lo, lo + width))


def test_uniform_int_full_int64_range():
    out = np.empty(100_000, np.int64)
    kn.fill_uniform_int(out, np.uint64(KEY), 0, -(2**63), np.uint64(0))
    assert out.min() < -(2**62) and out.max() > 2**62


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**30), st.integers(0, 200), st.floats(0.0, 1.0))
def test_bits_match_reference(key, start, size, p):
    out = np.empty((size + 7) // 8, np.uint8)
    kn.fill_bits(out, np.uint64(key), start, size, p)
    np.testing.assert_array_equal(out, naive.bits(key, start, size, p))


probability_lists = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40).filter(lambda w: sum(w) > 0)


@given(probability_lists)
def test_alias_tables_imply_the_probabilities(weights):
    p = np.array(weights) / sum(weights)
    threshold, aliases = alias_tables(list(p))
    np.testing.assert_allclose(naive.alias_probabilities(threshold, aliases), p, atol=1e-12)
    zero = np.flatnonzero(p == 0)
    assert np.all(threshold[zero] == 0) and not np.isin(zero, aliases).any()


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**30), probability_lists)
def test_alias_draws_match_reference(key, start, weights):
    threshold, aliases = alias_tables([w / sum(weights) for w in weights])
    out = np.empty(300, np.int32)
    k = len(threshold)
    flat = np.zeros(0, np.int8), threshold, aliases.astype(np.int64), np.zeros(1, np.int64), np.array([k])
    kn.fill_grouped_alias(out, np.uint64(key), start, *flat, np.arange(k))
    np.testing.assert_array_equal(out, naive.alias(key, start, 300, threshold, aliases))


@given(st.integers(1, 5000), st.integers(0, 2**64 - 1))
def test_permutation_is_a_bijection(span, key):
    half = feistel_half_bits(span)
    values = [
        int(permute(np.uint64(i), np.uint64(span), np.uint64(half), np.uint64(key))) for i in range(span)
    ]
    assert sorted(values) == list(range(span))


def test_unique_int_fills_its_range_exactly():
    out = np.empty(100_000, np.int64)
    kn.fill_unique_int(out, np.uint64(KEY), 0, 7, np.uint64(100_000), feistel_half_bits(100_000))
    np.testing.assert_array_equal(np.sort(out), np.arange(7, 100_007))
    assert not np.array_equal(out, np.arange(7, 100_007))  # shuffled, not the identity


N = 200_000


def _floats(dist: str, p0: float, p1: float, lo=-np.inf, hi=np.inf, scale=0.0) -> np.ndarray:
    out = np.empty(N, np.float64)
    kn.fill_float(out, np.uint64(KEY), 0, kn.FLOAT_DISTRIBUTIONS[dist], p0, p1, lo, hi, scale)
    return out


@pytest.mark.parametrize(
    ("dist", "p0", "p1", "reference"),
    [
        ("normal", 3.0, 2.0, stats.norm(3.0, 2.0)),
        ("uniform", -1.0, 5.0, stats.uniform(-1.0, 6.0)),
        ("lognormal", 0.5, 0.75, stats.lognorm(s=0.75, scale=np.exp(0.5))),
        ("exponential", 2.5, 0.0, stats.expon(scale=2.5)),
        ("beta", 2.0, 5.0, stats.beta(2.0, 5.0)),
        ("beta", 0.5, 0.5, stats.beta(0.5, 0.5)),
        ("gamma", 0.3, 2.0, stats.gamma(0.3, scale=2.0)),
        ("gamma", 7.5, 1.0, stats.gamma(7.5)),
    ],
)
@pytest.mark.slow
def test_float_samplers_follow_their_distribution(dist, p0, p1, reference):
    sample = _floats(dist, p0, p1)
    assert stats.kstest(sample, reference.cdf).pvalue > 1e-4


def test_normal_tails_are_reached_and_symmetric():
    sample = _floats("normal", 0.0, 1.0)
    assert (sample > 3.5).sum() > 0 and (sample < -3.5).sum() > 0
    assert abs((sample > 2).mean() - stats.norm.sf(2)) < 0.002


def test_float_clip_and_rounding():
    sample = _floats("normal", 0.0, 10.0, lo=-5.0, hi=5.0, scale=100.0)
    assert sample.min() == -5.0 and sample.max() == 5.0
    np.testing.assert_allclose(sample, np.round(sample, 2))


def _ints(dist: str, p0: float, p1: float = 0.0) -> np.ndarray:
    out = np.empty(N, np.int64)
    kn.fill_int(out, np.uint64(KEY), 0, kn.INT_DISTRIBUTIONS[dist], p0, p1, -(2**63), 2**63 - 1)
    return out


def _chi_square_pvalue(sample: np.ndarray, pmf, support: np.ndarray) -> float:
    observed = np.array([(sample == k).sum() for k in support], dtype=float)
    expected = pmf(support) * len(sample)
    rest = len(sample) - observed.sum()
    observed = np.append(observed, rest)
    expected = np.append(expected, len(sample) - expected.sum())
    keep = expected > 5
    return stats.chisquare(
        observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum()
    ).pvalue


@pytest.mark.parametrize(
    ("dist", "p0", "reference", "support"),
    [
        ("poisson", 3.5, stats.poisson(3.5), np.arange(0, 20)),
        ("poisson", 250.0, stats.poisson(250.0), np.arange(180, 320)),
        ("geometric", 0.3, stats.geom(0.3), np.arange(1, 30)),
        ("zipf", 2.2, stats.zipf(2.2), np.arange(1, 40)),
        ("zipf", 1.3, stats.zipf(1.3), np.arange(1, 40)),
    ],
)
def test_int_samplers_follow_their_distribution(dist, p0, reference, support):
    assert _chi_square_pvalue(_ints(dist, p0), reference.pmf, support) > 1e-4


def test_zipf_near_one_never_draws_past_int64():
    """Draws past int64 used to be rejected and drawn again: 23,000 tries a value for a = 1.000001, a
    hang as a nears 1. They are now never drawn, so a value takes a try or two whatever a is."""
    started = time.perf_counter()
    for a, rows in ((1.000001, N), (1.0 + 2.0**-52, 100)):
        out = np.empty(rows, np.int64)
        kn.fill_int(out, np.uint64(KEY), 0, kn.INT_DISTRIBUTIONS["zipf"], a, 0.0, 1, 2**63 - 1)
        assert out.min() >= 1
    assert time.perf_counter() - started < 5


def test_extreme_parameters_give_their_limits_values_not_hangs_or_nans():
    """Zipf's a past 1025 hung (its acceptance test was NaN for ever), beta's shapes far below one gave
    NaN (both gammas underflowed to zero), and a geometric of tiny p wrapped past int64 to the wrong
    end of a narrow type."""
    started = time.perf_counter()
    ints = np.empty(1000, np.int64)
    for a in (1026.0, 2000.0, 1e300):
        kn.fill_int(ints, np.uint64(KEY), 0, kn.INT_DISTRIBUTIONS["zipf"], a, 0.0, 1, 2**63 - 1)
        assert (ints == 1).all()
    assert time.perf_counter() - started < 5
    small = np.empty(N)
    kn.fill_float(
        small, np.uint64(KEY), 0, kn.FLOAT_DISTRIBUTIONS["beta"], 0.001, 0.001, -math.inf, math.inf, 0
    )
    assert np.isfinite(small).all() and small.min() >= 0.0 and small.max() <= 1.0
    assert abs(small.mean() - 0.5) < 0.01 and ((small > 0.01) & (small < 0.99)).mean() < 0.01  # U-shaped
    narrow = np.empty(100, np.int8)
    kn.fill_int(narrow, np.uint64(KEY), 0, kn.INT_DISTRIBUTIONS["geometric"], 1e-50, 0.0, -128, 127)
    assert (narrow == 127).all()


def test_int_normal_rounds_and_clips():
    out = np.empty(N, np.int32)
    kn.fill_int(out, np.uint64(KEY), 0, kn.INT_DISTRIBUTIONS["normal"], 40.0, 10.0, 18, 60)
    assert out.min() == 18 and out.max() == 60
    assert (out == 60).mean() == pytest.approx(stats.norm.sf(59.5, 40, 10), abs=0.003)
    assert abs(out.mean() - 40.0) < 0.2


def test_samplers_do_not_depend_on_the_start_split():
    whole = _floats("gamma", 0.7, 1.0)
    part = np.empty(1000, np.float64)
    kn.fill_float(part, np.uint64(KEY), 5000, kn.FLOAT_DISTRIBUTIONS["gamma"], 0.7, 1.0, -np.inf, np.inf, 0.0)
    np.testing.assert_array_equal(part, whole[5000:6000])


def test_kernels_give_the_same_output_on_one_and_two_threads(threads):
    results = []
    for n in (1, 2):
        threads(n)
        results.append(_floats("normal", 0.0, 1.0))
    np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.slow
@pytest.mark.parametrize("size", [0, 1, 7, 3000])
def test_float_kernels_match_references(size):
    start = 123_456
    rows = np.arange(start, start + size)
    u = naive.at(naive.stream(KEY, 0), rows)
    cases = {
        "uniform": (-3.0, 9.0, -3.0 + 12.0 * naive.unit(u)),
        "exponential": (2.5, 0.0, 2.5 * -naive.libm(math.log, naive.open_unit(u))),
        "normal": (10.0, 3.0, 10.0 + 3.0 * naive.normal(KEY, start, size)),
        "lognormal": (0.2, 0.5, naive.libm(math.exp, 0.2 + 0.5 * naive.normal(KEY, start, size))),
    }
    for dist, (p0, p1, expected) in cases.items():
        out = np.empty(size)
        kn.fill_float(out, np.uint64(KEY), start, kn.FLOAT_DISTRIBUTIONS[dist], p0, p1, -np.inf, np.inf, 0.0)
        np.testing.assert_array_equal(out, expected, err_msg=dist)


@pytest.mark.slow
def test_gamma_beta_and_integer_kernels_match_references():
    """Row by row in plain Python: each distribution's stream keys and draw numbers are pinned, so a
    kernel cannot swap them with another distribution's unnoticed."""
    start, size, key = 98_765, 400, np.uint64(KEY)
    rows = range(start, start + size)
    other = naive.stream1(KEY, 1)
    s0 = naive.stream(KEY, 0)
    cases = {
        "gamma": (2.5, 1.5, [1.5 * naive.gamma1(KEY, i, 0, 2.5) for i in rows]),
        "beta": (
            0.7,
            2.0,
            [g / (g + naive.gamma1(other, i, 2, 2.0)) for i in rows for g in [naive.gamma1(KEY, i, 2, 0.7)]],
        ),
    }
    for dist, (p0, p1, expected) in cases.items():
        out = np.empty(size)
        kn.fill_float(out, key, start, kn.FLOAT_DISTRIBUTIONS[dist], p0, p1, -np.inf, np.inf, 0.0)
        np.testing.assert_array_equal(out, expected, err_msg=dist)
    ints = {
        "normal": (40.0, 10.0, [np.rint(40.0 + 10.0 * naive.normal_at(KEY, i)) for i in rows]),
        "poisson": (4.0, 0.0, [naive.poisson1(KEY, naive.at1(s0, i), i, 4.0) for i in rows]),
        "poisson (PTRS)": (60.0, 0.0, [naive.poisson1(KEY, naive.at1(s0, i), i, 60.0) for i in rows]),
    }
    for name, (p0, p1, expected) in ints.items():
        out = np.empty(size, np.int64)
        kn.fill_int(out, key, start, kn.INT_DISTRIBUTIONS[name.split()[0]], p0, p1, -(2**63), 2**63 - 1)
        np.testing.assert_array_equal(out, np.array(expected, np.int64), err_msg=name)


@pytest.mark.slow
def test_normal_reference_covers_tail_and_wedge():
    # 20,000 rows reach every branch of the ziggurat (about 1.2% leave the fast path).
    expected = naive.normal(KEY, 0, 20_000)
    out = np.empty(20_000)
    kn.fill_float(out, np.uint64(KEY), 0, kn.FLOAT_DISTRIBUTIONS["normal"], 0.0, 1.0, -np.inf, np.inf, 0.0)
    np.testing.assert_array_equal(out, expected)
    assert np.abs(expected).max() > 3.44  # a tail draw


def test_geometric_matches_reference():
    rows = np.arange(0, 5000)
    u = naive.at(naive.stream(KEY, 0), rows)
    expected = np.ceil(np.log(naive.open_unit(u)) / np.log1p(-0.3)).astype(np.int64)
    np.testing.assert_array_equal(_ints("geometric", 0.3)[:5000], expected)


@given(st.integers(1, 2**64), st.integers(0, 2**64 - 1), st.integers(0, 2**40))
def test_permutation_matches_reference(span, key, row):
    row %= span
    half = feistel_half_bits(span)
    got = permute(np.uint64(row), np.uint64(span % 2**64), np.uint64(half), np.uint64(key))
    assert int(got) == naive.permute(row, span % 2**64, half, key)


def test_grouped_alias_draws_from_each_rows_group():
    # two groups: group 0 -> categories {0, 1} equally, group 1 -> category 2 only
    thresholds = np.concatenate([alias_tables([0.5, 0.5])[0], alias_tables([1.0])[0]])
    aliases = np.array([0, 1, 0], np.int64)
    groups = np.tile(np.array([0, 1], np.int8), 5000)
    out = np.empty(10_000, np.int64)
    kn.fill_grouped_alias(
        out,
        np.uint64(KEY),
        0,
        groups,
        thresholds,
        aliases,
        np.array([0, 2]),
        np.array([2, 1]),
        np.array([0, 1, 2]),
    )
    assert set(out[groups == 1]) == {2}
    assert abs((out[groups == 0] == 0).mean() - 0.5) < 0.03
