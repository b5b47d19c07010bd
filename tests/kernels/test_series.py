"""Series kernels against their plain references (tests/naive.py): edge cases, then hypothesis inputs.

The stateful kernels take segments (runs of one entity's consecutive steps); each test lays rows out as a
dataset does (``Entities.segments``) and checks every row against the reference computed for its own
(entity, step), so a bug in the segment bookkeeping shows as well as one in the arithmetic.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastsynth.entities import Entities
from fastsynth.fields.series import moving_average_weights
from fastsynth.kernels import series as ks
from tests import naive

KEY = 0x1234_5678_9ABC_DEF0
u64 = st.integers(0, 2**64 - 1)


def _layout(count: int, start: int, size: int, chunk: int, order: str = "time", steps: int | None = None):
    """The segments of rows ``[start, start + size)`` and each row's (step, entity)."""
    entities = Entities(count, order=order, steps=steps)
    segments = entities.segments(start, size, chunk)
    rows = np.arange(start, start + size)
    if order == "time":
        return segments, rows // count, rows % count
    return segments, rows % steps, rows // steps


def _per_row(reference, steps: np.ndarray, entities: np.ndarray, dtype=np.float64) -> np.ndarray:
    """The reference of each row, computed entity by entity over its run of steps."""
    out = np.empty(len(steps), dtype)
    for e in np.unique(entities):
        mine = entities == e
        first, count = int(steps[mine].min()), int(mine.sum())
        assert np.array_equal(steps[mine], np.arange(first, first + count))
        out[mine] = reference(int(e), first, count)
    return out


# -- entity keys and the time line ---------------------------------------------------------------------


@given(u64, st.integers(0, 2**40))
def test_entity_key_matches_reference(key, entity):
    assert int(ks.entity_key(np.uint64(key), entity)) == naive.entity_key(key, entity)


@given(st.integers(0, 2**50), st.integers(0, 200), st.integers(1, 10**6))
def test_locate_matches_reference(start, size, count):
    steps, entities = np.empty(size, np.int64), np.empty(size, np.int64)
    ks.locate(steps, entities, start, count)
    expected_steps, expected_entities = naive.locate(start, size, count)
    np.testing.assert_array_equal(steps, expected_steps)
    np.testing.assert_array_equal(entities, expected_entities)


# -- the deterministic shape ---------------------------------------------------------------------------


def _shape(base, steps, entities, trend, params, changepoints, level, seasons, lo=-np.inf, hi=np.inf):
    """Kernel and reference on the same arguments; ``seasons`` is a list of (period, amplitudes per
    entity, phases per entity, profile)."""
    count = len(level)
    periods = np.array([s[0] for s in seasons], np.float64)
    amplitudes = np.array([s[1] for s in seasons], np.float64).reshape(len(seasons), count).T.copy()
    phases = np.array([s[2] for s in seasons], np.float64).reshape(len(seasons), count).T.copy()
    profiles = [np.asarray(s[3], np.float64) for s in seasons]
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in profiles])]).astype(np.int64)
    flat = np.concatenate([np.zeros(0), *profiles])
    arguments = (
        np.asarray(base, np.float64),
        np.asarray(steps, np.int64),
        np.asarray(entities, np.int64),
        trend,
        np.asarray(params, np.float64).reshape(count, 3),
        np.asarray(changepoints, np.float64).reshape(-1, 2),
        np.asarray(level, np.float64),
        periods,
        amplitudes,
        phases,
        flat,
        offsets,
    )
    out = np.empty(len(base))
    ks.shape_series(out, *arguments, lo, hi)
    return out, naive.shape_series(*arguments, lo, hi)


def test_shape_series_edges():
    flat = ([0.0, 0.0, 0.0], [], [0.0])
    # No rows.
    out, expected = _shape([], [], [], 0, *flat, [])
    assert out.shape == expected.shape == (0,)
    # One row; a NaN base stays NaN through the clip (a null is not a bound).
    out, expected = _shape([np.nan], [3], [0], 0, *flat, [(7.0, [0.5], [0.0], [])], lo=0.0, hi=1.0)
    assert np.isnan(out[0]) and np.isnan(expected[0])
    # Bounds clip; a linear trend with changepoints is the integral of its slopes.
    steps = np.arange(0, 40)
    base = np.full(40, 1.0)
    out, expected = _shape(
        base, steps, np.zeros(40), 0, [0.5, 0, 0], [[10, -1.0], [20, 2.0], [20, 0.25]], [2.0], [], hi=6.0
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert out.max() == 6.0 and expected[15] == pytest.approx(3.0 + 5.0 - 5.0)
    # The far end of the horizon: integer periods keep the phase exact.
    far = np.array([2**40 - 3, 2**40 - 2, 2**40 - 1])
    out, expected = _shape(
        np.ones(3), far, np.zeros(3), 0, [0.0, 0, 0], [], [0.0], [(24.0, [0.5], [0.25], [1.0, -1.0, 3.0])]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # Exponential growth overflows to infinity, and a zero season times infinity is NaN, in both.
    out, expected = _shape(
        [1.0, 1.0], [801, 1000], [0, 0], 2, [1.0, 0, 0], [], [0.0], [(4.0, [1.0], [0.75], [])]
    )
    np.testing.assert_array_equal(out, expected)
    assert np.isinf(out[0]) and np.isnan(out[1])


@st.composite
def shape_cases(draw):
    count = draw(st.integers(1, 3))
    size = draw(st.integers(0, 40))
    finite = st.floats(-1e3, 1e3)
    trend = draw(st.sampled_from([0, 1, 2]))
    params = [
        [draw(st.floats(-1e-2, 1e-2)) if trend == 2 else draw(finite), draw(finite), draw(finite)]
        for _ in range(count)
    ]
    if trend == 1:  # a logistic rate small enough not to overflow exp
        for row in params:
            row[1] = draw(st.floats(-1.0, 1.0))
    changepoints = sorted([draw(st.integers(0, 10**6)), draw(finite)] for _ in range(draw(st.integers(0, 3))))
    seasons = []
    for _ in range(draw(st.integers(0, 3))):
        period = draw(st.one_of(st.integers(2, 10_000).map(float), st.floats(1.5, 1e4)))
        profile = draw(st.one_of(st.just([]), st.lists(finite, min_size=2, max_size=6)))
        seasons.append(
            (
                period,
                [draw(st.floats(-2.0, 2.0)) for _ in range(count)],
                [draw(st.floats(0.0, 1.0, exclude_max=True)) for _ in range(count)],
                profile,
            )
        )
    return (
        [draw(finite) for _ in range(size)],
        [draw(st.integers(0, 10**6)) for _ in range(size)],
        [draw(st.integers(0, count - 1)) for _ in range(size)],
        trend,
        params,
        changepoints,
        [draw(finite) for _ in range(count)],
        seasons,
    )


@pytest.mark.slow
@given(shape_cases())
def test_shape_series_matches_reference(case):
    out, expected = _shape(*case)
    scale = max(1.0, float(np.abs(expected[np.isfinite(expected)]).max(initial=0.0)))
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9 * scale)


# -- Poisson counts at a varying rate ------------------------------------------------------------------


def _counts(rates, start=0, key=KEY):
    out = np.empty(len(rates), np.int64)
    ks.fill_poisson(out, np.uint64(key), start, np.asarray(rates, np.float64))
    return out


def test_poisson_edges():
    assert _counts([]).shape == (0,)
    # Negative and zero rates make no events.
    assert _counts([-5.0, 0.0, -np.inf]).tolist() == [0, 0, 0]
    # A NaN rate (0 x an overflowed trend) used to spin for ever in the sampler; it makes no events.
    # A rate past what int64 holds used to come out as -2**63; it saturates instead.
    rates = [np.nan, np.inf, 1e19, 1e300, 9.1e18]
    out = _counts(rates)
    np.testing.assert_array_equal(out, naive.poisson_counts(KEY, 0, rates))
    assert out[:4].tolist() == [0] + [naive.POISSON_LARGEST] * 3
    assert abs(out[4] - 9.1e18) < 1e11  # still a draw, within a few standard deviations
    assert float(naive.POISSON_LARGEST) < 2.0**63  # a count that survives float64 and back
    # Both sides of the switch between inversion and PTRS, and a row far along.
    rates = [9.999999, 10.0, 10.000001, 1e6]
    np.testing.assert_array_equal(_counts(rates, 2**40), naive.poisson_counts(KEY, 2**40, rates))


@given(
    u64,
    st.integers(0, 2**40),
    st.lists(st.one_of(st.floats(-10, 30), st.floats(0, 1e9), st.just(np.nan)), max_size=60),
)
def test_poisson_matches_reference(key, start, rates):
    np.testing.assert_array_equal(_counts(rates, start, key), naive.poisson_counts(key, start, rates))


# -- AR noise ------------------------------------------------------------------------------------------


def _psi(phi: list[float]) -> np.ndarray:
    """The moving-average weights of a stationary AR(p), as the series field computes them."""
    psi = moving_average_weights(np.array(phi, np.float64))
    assert psi is not None
    return psi


@pytest.mark.parametrize(
    "phi", [[0.5], [-0.9], [0.3, 0.2], [0.06] * 16, [1.2, -0.5], [0.9998], [0.5, -0.3, 0.1, 0.05]]
)
@pytest.mark.slow
def test_moving_average_weights_match_reference(phi):
    """Bit for bit: the kernel's sums run in the reference's order (AR noise replays them)."""
    expected = naive.moving_average_weights(phi, 200_000 if phi == [0.9998] else 5_000)
    np.testing.assert_array_equal(
        moving_average_weights(np.array(phi), 200_000 if phi == [0.9998] else 5_000), expected
    )


def test_moving_average_weights_give_up_near_a_unit_root():
    assert moving_average_weights(np.array([0.99999])) is None
    assert naive.moving_average_weights([0.999], 100) is None
    assert moving_average_weights(np.array([0.999]), 100) is None


def _ar_batches(key, count, cuts, phi, psi, block):
    """AR noise of rows ``[cuts[0], cuts[-1])`` made batch by batch (one carry throughout)."""
    carry = np.full(count, -1, np.int64), np.zeros((count, len(phi)))
    parts = []
    for start, end in itertools.pairwise(cuts):
        out = np.full(end - start, np.nan)
        segments, _, _ = _layout(count, start, end - start, block)
        ks.fill_ar(out, np.uint64(key), *segments, np.array(phi), psi, block, *carry)
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0)


def _ar_reference(key, count, start, end, phi, psi, block):
    _, steps, entities = _layout(count, start, end - start, block)
    reference = lambda e, first, n: naive.ar(key, e, first, n, np.array(phi), psi, block)  # noqa: E731
    return _per_row(reference, steps, entities)


def test_ar_edges():
    phi = [0.6, -0.2]
    psi = _psi(phi)
    # No rows, then one row; then one row at the far end of a block and at the start of the next.
    assert _ar_batches(KEY, 1, [0, 0], phi, psi, 16).shape == (0,)
    for start in (0, 15, 16, 2**40):
        np.testing.assert_array_equal(
            _ar_batches(KEY, 1, [start, start + 1], phi, psi, 16),
            _ar_reference(KEY, 1, start, start + 1, phi, psi, 16),
        )
    # Batches that end mid-block resume from the carry, with the very same values as a replay.
    cuts = [0, 5, 6, 20, 21, 47, 64]
    np.testing.assert_array_equal(
        _ar_batches(KEY, 3, cuts, phi, psi, 8), _ar_reference(KEY, 3, 0, 64, phi, psi, 8)
    )
    # Near a unit root, a long memory: psi is long, the values still agree.
    slow = [0.995]
    np.testing.assert_array_equal(
        _ar_batches(KEY, 1, [100, 130], slow, _psi(slow), 64),
        _ar_reference(KEY, 1, 100, 130, slow, _psi(slow), 64),
    )
    # An explosive process has no moving-average form: one recursion from step 0 (x before it is 0).
    explosive, block = [1.01], 1 << 62
    np.testing.assert_array_equal(
        _ar_batches(KEY, 2, [0, 7, 40], explosive, np.zeros(0), block),
        _ar_reference(KEY, 2, 0, 40, explosive, np.zeros(0), block),
    )


stationary = st.sampled_from([[0.5], [-0.9], [0.3, 0.2], [1.2, -0.5], [0.1, -0.1, 0.05], [0.0]])


@given(
    u64,
    st.integers(1, 4),
    st.integers(0, 2**30),
    st.lists(st.integers(0, 30), max_size=4),
    stationary,
    st.sampled_from([4, 16, 64]),
)
@pytest.mark.slow
def test_ar_matches_reference(key, count, start, sizes, phi, block):
    cuts = list(np.cumsum([start, *sizes]))
    psi = _psi(phi)
    np.testing.assert_array_equal(
        _ar_batches(key, count, cuts, phi, psi, block),
        _ar_reference(key, count, cuts[0], cuts[-1], phi, psi, block),
    )


# -- bridges: random walks and arrival times -----------------------------------------------------------


def _bridge(key, count, start, size, gamma, order="time", steps=None):
    out = np.full(size, np.nan)
    segments, row_steps, entities = _layout(count, start, size, 4096, order, steps)
    ks.fill_bridge(out, np.uint64(key), *segments, gamma)
    reference = lambda e, first, n: naive.bridge(key, e, first, n, gamma)  # noqa: E731
    return out, _per_row(reference, row_steps, entities)


@pytest.mark.parametrize("gamma", [False, True])
def test_bridge_edges(gamma):
    out, expected = _bridge(KEY, 1, 0, 0, gamma)
    assert out.shape == expected.shape == (0,)
    # Step 0 (the walk starts at 0; the first arrival is one exponential gap), and the far end.
    for start in (0, 1, naive.HORIZON - 3):
        out, expected = _bridge(KEY, 1, start, 2, gamma)
        np.testing.assert_array_equal(out, expected)
    out, _ = _bridge(KEY, 1, 0, 1, gamma)
    assert (out[0] > 0) if gamma else (out[0] == 0.0)
    # Entity order: each entity's whole run in one segment.
    out, expected = _bridge(KEY, 3, 5, 20, gamma, order="entity", steps=9)
    np.testing.assert_array_equal(out, expected)


@given(u64, st.integers(1, 3), st.integers(0, naive.HORIZON - 64), st.integers(0, 12), st.booleans())
def test_bridge_matches_reference(key, count, start, size, gamma):
    out, expected = _bridge(key, count, start - start % count, size, gamma)
    np.testing.assert_array_equal(out, expected)
    if gamma and size:  # arrival times increase along each entity
        assert all(np.all(np.diff(out[e::count]) > 0) for e in range(count))


# -- regimes -------------------------------------------------------------------------------------------


def _regimes(key, count, start, size, length, mean_count, weights):
    cumulative = np.cumsum(weights) / np.sum(weights)
    out = np.full(size, -1, np.int8)
    segments, steps, entities = _layout(count, start, size, length)
    ks.fill_regimes(out, np.uint64(key), *segments, length, mean_count, cumulative)
    reference = lambda e, first, n: naive.regimes(key, e, first, n, length, mean_count, cumulative)  # noqa: E731
    return out, _per_row(reference, steps, entities, np.int8)


def test_regime_edges():
    out, expected = _regimes(KEY, 1, 0, 0, 16, 1.0, [1, 1])
    assert out.shape == expected.shape == (0,)
    for start, size, mean_count, weights in [
        (0, 1, 1.0, [1.0, 2.0]),  # step 0 starts a regime
        (5000, 40, 1e-3, [1.0, 1.0, 1.0]),  # switches so rare that the first step looks back far
        (300, 64, 500.0, [0.2, 0.8]),  # more switches than steps: most steps are switches, some twice
        (0, 30, 2.0, [1.0]),  # one regime
        (123, 50, 3.0, [1.0, 0.0, 1.0]),  # a regime of weight 0 is never drawn
    ]:
        out, expected = _regimes(KEY, 2, start, size, 16, mean_count, weights)
        np.testing.assert_array_equal(out, expected)
        assert set(out.tolist()) <= {k for k, w in enumerate(weights) if w > 0}


@given(
    u64,
    st.integers(1, 3),
    st.integers(0, 10**6),
    st.integers(0, 60),
    st.sampled_from([8, 64, 4096]),
    st.floats(0.05, 100.0),
    st.lists(st.floats(0.01, 10.0), min_size=1, max_size=5),
)
def test_regimes_match_reference(key, count, start, size, length, mean_count, weights):
    out, expected = _regimes(key, count, start, size, length, mean_count, weights)
    np.testing.assert_array_equal(out, expected)


# -- anomaly episodes ----------------------------------------------------------------------------------


def _episodes(key, count, start, size, rate, duration, sign, chunk=4096):
    out = np.full(size, 9, np.int8)
    segments, steps, entities = _layout(count, start, size, chunk)
    ks.fill_episodes(out, np.uint64(key), *segments, rate, duration, sign)
    reference = lambda e, first, n: naive.episodes(key, e, first, n, rate, duration, sign)  # noqa: E731
    return out, _per_row(reference, steps, entities, np.int8)


def test_episode_edges():
    out, expected = _episodes(KEY, 1, 0, 0, 0.5, 3, 0)
    assert out.shape == expected.shape == (0,)
    out, _ = _episodes(KEY, 2, 0, 50, 0.0, 5, 0)
    assert not out.any()  # rate 0: never
    out, _ = _episodes(KEY, 2, 0, 50, 1.0, 1, -1)
    assert (out == -1).all()  # rate 1: always, with the forced sign
    for start, rate, duration, sign in [
        (0, 0.1, 7, 0),
        (3, 0.3, 1, 1),
        (10**9, 0.02, 4096, 0),
        (1, 0.5, 2, -1),
    ]:
        # an episode that started before the batch is still in force at its first steps
        out, expected = _episodes(KEY, 3, start, 90, rate, duration, sign, chunk=16)
        np.testing.assert_array_equal(out, expected)


@given(
    u64,
    st.integers(1, 3),
    st.integers(0, 2**40),
    st.integers(0, 80),
    st.floats(0.0, 1.0),
    st.integers(1, 200),
    st.sampled_from([-1, 0, 1]),
)
def test_episodes_match_reference(key, count, start, size, rate, duration, sign):
    out, expected = _episodes(key, count, start, size, rate, duration, sign)
    np.testing.assert_array_equal(out, expected)
