"""Omics matrices of a cohort: a block of patients x all genes (or proteins) per call, every value a pure
function of (key, patient, gene), so batches of patients and workers give the same bytes.

Values come from a Gaussian copula, as omics simulators (and the seed's peer) build them: each value has a
latent standard normal ``x = sqrt(rho) * z[patient, module] + sqrt(1 - rho) * e[patient, gene]`` (genes of
one module share ``z``, so their latents correlate by ``rho``), mapped to the gene's marginal:

- counts (RNA-Seq): the negative binomial's quantile at ``Phi(x)``, found in the gene's table of
  cumulative probabilities (``nb_tables``, see ``KNOTS``), which covers the probabilities in [TAIL,
  1 - TAIL] and is indexed by ``x`` directly;
- intensities: ``loc + scale * x`` (microarray, log scale), or its exponential (log-normal abundances).

A patient's group picks the table (or the location) of each gene: a disease effect is a table of the
gene's mean times the fold change, used for that group's patients only, so nothing else moves.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.copula import normal_quantile
from fastsynth.kernels.jit import kernel, parallel_kernel
from fastsynth.kernels.permutation import permute

__all__ = [
    "KNOTS",
    "SPREAD",
    "TAIL",
    "counts_of",
    "fill_counts",
    "fill_intensities",
    "intensities_of",
    "mixing",
    "nb_tables",
    "ranks",
    "shared_part",
    "visit_days",
]

TAIL = 1e-9
"""The probability left out at each end of a count table: values there are clamped to the table's ends
(one value in 500 million moves, by a few counts)."""

_SQRT_HALF = math.sqrt(0.5)
_FEATURES = 64
"""Genes (or proteins) a thread takes at a time, for every patient of the block: their tables (3 kB a
gene and group) stay in the core's cache while all the patients' values are made. Tiles of 64
patients, each gene's table read again for every tile, spent most of a count's time waiting for memory
(about 1.4x slower); chunks of 16 to 256 genes run about as fast as 64. Fewer features (50 proteins)
are shared out in 8 chunks, so that every thread has some."""


@kernel
def _chunk(width: int) -> int:
    """Features per chunk of a table ``width`` features wide (see ``_FEATURES``)."""
    return max(1, min(_FEATURES, (width + 7) // 8))


KNOTS = 256
"""Points each count table keeps, so that a table's size does not grow with its gene's spread (20,000
genes: 60 MB). Knot ``i`` is the first count whose cumulative probability reaches ``Phi(z_i)``, the
``z_i = -SPREAD + i * _STEP`` evenly spaced on the latent scale from ``Phi**-1(TAIL)`` to
``Phi**-1(1 - TAIL)``: where counts are few (most genes, and every gene near zero) consecutive knots are
consecutive counts and the counts are exactly negative binomial; where a knot interval holds several
counts, they follow the straight line between the counts' latent edges, at most 0.047 apart, along which
the quantile function hardly bends. With dispersions up to 5 and means up to a million, a gene's mean
and variance come out within 0.05% of the negative binomial's (``tests/clinical``)."""
SPREAD = NormalDist().inv_cdf(1.0 - TAIL)
"""The latent value of the last knot (about 6.0); the first is at its negative."""
_STEP = 2.0 * SPREAD / (KNOTS - 1)
"""The latent distance between consecutive knots: a latent value's knot interval is found by one
multiplication (by ``_PER_STEP``), with no search."""
_PER_STEP = 1.0 / _STEP
"""A division by ``_STEP`` would cost a tenth of a count; the product differs from the quotient by a
rounding at most, which moves a latent value to the next knot interval only within 1e-15 of a knot."""
_EDGE_CAP = 40.0
"""Where a count's cumulative probability rounds to 1 its edge is infinite; it is kept at 40 (Phi(40) is
1 too), so that ``_quantile``'s arithmetic stays finite."""


@parallel_kernel
def nb_tables(means: np.ndarray, dispersions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The negative binomial tables of genes with ``means`` and ``dispersions`` (variance ``mean +
    dispersion * mean**2``): for gene ``g``, ``KNOTS`` counts ``counts[g]`` (see KNOTS) from the first
    count whose cumulative probability reaches TAIL to the first that reaches 1 - TAIL, and the latent
    value where each count's cumulative probability is reached (``edges[g]``: ``Phi**-1`` of it)."""
    n = means.shape[0]
    counts = np.zeros((n, KNOTS), np.int32)
    edges = np.empty((n, KNOTS), np.float64)
    targets = np.empty(KNOTS)
    for knot in range(KNOTS):
        targets[knot] = 0.5 * math.erfc(-(knot * _STEP - SPREAD) * _SQRT_HALF)
    for g in prange(n):
        r = 1.0 / dispersions[g]
        q = means[g] / (r + means[g])
        k, mass = _start(means[g], dispersions[g])
        total = mass
        for knot in range(KNOTS):
            # The walk stops where a count's probability no longer adds to the total, past the mean: the
            # tail is there. (Waiting for it to reach zero never ended: the smallest subnormal times a
            # ratio over one half rounds back to itself, and a total a rounding short of 1 - TAIL never
            # reaches it.)
            while total < targets[knot] and not (k > means[g] and total + mass == total):
                k += 1
                mass *= (k - 1 + r) / k * q
                total += mass
            counts[g, knot] = k
            # A count that reaches several targets repeats its edge.
            edges[g, knot] = (
                edges[g, knot - 1]
                if knot and k == counts[g, knot - 1]
                else min(normal_quantile(total), _EDGE_CAP)
            )
    return counts, edges


@kernel
def _start(mean: float, dispersion: float) -> tuple[int, float]:
    """A count below which the probability is negligible (under 1e-30 of the mode's, so below 1e-25 in
    all) and its probability, from the log-probability at the mode: ``P(0) = p**r`` underflows to zero for
    large means with small dispersions, and a walk up from it would stay at zero."""
    r = 1.0 / dispersion
    q = mean / (r + mean)
    mode = math.floor((r - 1.0) * q / (1.0 - q)) if r > 1.0 else 0
    k = max(mode, 0)
    log_mass = (
        math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1.0) + r * math.log1p(-q) + k * math.log(q)
    )
    mass = math.exp(log_mass)
    peak = mass
    while k > 0 and mass > peak * 1e-30:
        mass *= k / ((k - 1 + r) * q)  # P(k - 1) from P(k)
        k -= 1
    return k, mass


@kernel
def _quantile(x: float, start: np.uint64, counts: np.ndarray, edges: np.ndarray) -> int:
    """The count at latent value ``x`` of the table whose knots start at ``start`` in ``counts`` and
    ``edges`` (``nb_tables``' arrays flattened, ``start`` a table's index times KNOTS), in the knot
    interval ``[z_(i-1), z_i)`` that holds ``x``: knot ``i - 1``'s count while its edge reaches ``x``
    (no smaller count does: their probabilities fall short of ``Phi(z_(i-1))``), past it the counts up
    to knot ``i``'s (whose edge is past ``z_i``) along the straight line between the two knots' edges.
    The tails are clamped to the first and last knots.

    Without branches inside the interval: which of the two cases holds is as good as random, and a
    mispredicted branch a value took a third of a count's time. Flat tables and unsigned indices: numba
    wraps negative indices around, and indexes two dimensions with strides it reads at run time, which
    took 15-25% of a count."""
    place = (x + SPREAD) * _PER_STEP
    if not place > 0.0:  # NaN too: it would index before the table
        return counts[start]
    if place >= KNOTS - 1:
        return counts[start + np.uint64(KNOTS - 1)]
    at = start + np.uint64(np.int64(place)) + np.uint64(1)  # truncation: no rounding instruction
    before = at - np.uint64(1)
    low = counts[before]
    below = edges[before]
    span = float(counts[at] - low)
    width = edges[at] - below  # zero only where the two knots are one count, and then span is zero
    width = width if width > 0.0 else 1.0
    return low + math.ceil(min(max((x - below) / width * span, 0.0), span))


@kernel
def shared_part(key: np.uint64, patients: int, first: int, n_modules: int) -> np.ndarray:
    """The module factors ``z[patient, module]`` of ``patients`` patients from ``first`` (one normal per
    patient and module, whatever the number of genes)."""
    shared = np.empty((patients, n_modules), np.float64)
    factors = rng.stream(key, 1)
    for row in range(patients):
        for module in range(n_modules):
            shared[row, module] = rng.normal_at(factors, (first + row) * n_modules + module)
    return shared


@kernel
def mixing(rho: float) -> tuple[float, float]:
    """The weights of a module's factor and of a gene's own normal in the gene's latent value, for a
    within-module correlation ``rho``. With ``rho`` 0 they are (0, 1), which give the own normal exactly
    (the factors are finite)."""
    return math.sqrt(rho), math.sqrt(1.0 - rho)


@kernel
def _fill_weights(
    modules: np.ndarray, rhos: np.ndarray, low: int, leads: np.ndarray, keeps: np.ndarray
) -> None:
    """``mixing`` of features ``low ..`` (as many as ``leads`` holds): their factors' weights into
    ``leads``, their own normals' into ``keeps``."""
    for j in range(leads.shape[0]):
        leads[j], keeps[j] = mixing(rhos[modules[low + j]])


@kernel
def _fill_starts(table_of: np.ndarray, low: int, starts: np.ndarray) -> None:
    """Where each group's table of features ``low ..`` starts in the flattened tables: ``starts[group,
    feature - low]`` (see ``_quantile``)."""
    for group in range(starts.shape[0]):
        for j in range(starts.shape[1]):
            starts[group, j] = np.uint64(table_of[group, low + j]) * np.uint64(KNOTS)


@kernel
def _intensity(
    x: float, driver: float, follow: float, keep_own: float, loc: float, scale: float, log_normal: bool
) -> float:
    """An intensity from its latent ``x``: mixed with ``driver`` by ``follow`` when that is positive, then
    ``loc + scale * x``, or its exponential."""
    if follow > 0.0:
        x = follow * driver + keep_own * x
    value = loc + scale * x
    return math.exp(value) if log_normal else value


# The kernels below take a chunk of features (``_chunk``) per thread and fill it a patient at a time:
# a row's values are written side by side (a patient's row of 20,000 genes is 80 kB long, and writing
# down a column of them took a fifth of a count's time), and a row's own normals come from one
# vectorized call (``rng.normals_at``: the counters of a row's genes follow each other). The chunk's
# tables (3 kB for each gene and table its groups use: 200-400 kB for two groups) stay in the core's
# cache across the rows. Helpers fill arrays made here: with a helper returning them instead, the rows'
# loops ran 15% slower.


@parallel_kernel
def fill_counts(
    out: np.ndarray,
    first: int,
    key: np.uint64,
    modules: np.ndarray,
    rhos: np.ndarray,
    groups: np.ndarray,
    table_of: np.ndarray,
    counts: np.ndarray,
    edges: np.ndarray,
) -> None:
    """Counts of patients ``first .. first + len(out) - 1`` (rows of ``out``) x genes (columns):
    ``groups[row]`` is each patient's group and ``table_of[group, gene]`` the table (of ``nb_tables``)
    it draws from; ``counts`` and ``edges`` as ``nb_tables`` makes them (C-contiguous: they are read
    flat). A value's latent is ``lead * z[patient, module] + keep * e[patient, gene]`` (``mixing``), ``e``
    the normal of counter ``patient * n_genes + gene``."""
    n_patients, n_genes = out.shape
    shared = shared_part(key, n_patients, first, rhos.shape[0])
    own = rng.stream(key, 0)
    flat_counts, flat_edges = counts.reshape(-1), edges.reshape(-1)
    step = _chunk(n_genes)
    for chunk in prange((n_genes + step - 1) // step):
        low = chunk * step
        width = min(step, n_genes - low)
        leads, keeps = np.empty(width), np.empty(width)
        _fill_weights(modules, rhos, low, leads, keeps)
        starts = np.empty((table_of.shape[0], width), np.uint64)
        _fill_starts(table_of, low, starts)
        normals = np.empty(width)
        for row in range(n_patients):
            rng.normals_at(normals, own, (first + row) * n_genes + low)
            patient_group = np.uint64(groups[row])
            for j in range(width):
                x = leads[j] * shared[row, modules[low + j]] + keeps[j] * normals[j]
                out[row, low + j] = _quantile(x, starts[patient_group, j], flat_counts, flat_edges)


@parallel_kernel
def fill_intensities(
    out: np.ndarray,
    first: int,
    key: np.uint64,
    modules: np.ndarray,
    rhos: np.ndarray,
    groups: np.ndarray,
    locs: np.ndarray,
    scales: np.ndarray,
    log_normal: bool,
    driver: np.ndarray,
    follow: float,
    n_genes: int,
) -> None:
    """Intensities of patients ``first ..`` x the first ``len(out[0])`` of ``n_genes`` genes or proteins:
    ``locs[group, feature] + scales[feature] * x``, or its exponential when ``log_normal``; ``x`` is the
    latent of ``fill_counts``, and with ``follow`` > 0 it correlates by ``follow`` with ``driver[row,
    feature]`` (the latent standard normal of the gene a protein follows: these values with locations 0
    and scales 1)."""
    n_patients, n_features = out.shape
    shared = shared_part(key, n_patients, first, rhos.shape[0])
    own = rng.stream(key, 0)
    keep_own = math.sqrt(1.0 - follow * follow)
    step = _chunk(n_features)
    for chunk in prange((n_features + step - 1) // step):
        low = chunk * step
        width = min(step, n_features - low)
        leads, keeps = np.empty(width), np.empty(width)
        _fill_weights(modules, rhos, low, leads, keeps)
        normals = np.empty(width)
        for row in range(n_patients):
            rng.normals_at(normals, own, (first + row) * n_genes + low)
            for j in range(width):
                g = low + j
                x = leads[j] * shared[row, modules[g]] + keeps[j] * normals[j]
                mixed = driver[row, g] if follow > 0.0 else 0.0
                out[row, g] = _intensity(
                    x, mixed, follow, keep_own, locs[groups[row], g], scales[g], log_normal
                )


@kernel
def ranks(first: int, count: int, patients: int, half_bits: int, key: np.uint64) -> np.ndarray:
    """Each patient's place in a keyed shuffle of all ``patients`` (``half_bits`` from
    ``permutation.feistel_half_bits``): groups and transitions take consecutive places, so their sizes
    are exact."""
    out = np.empty(count, np.int64)
    for row in range(count):
        out[row] = permute(np.uint64(first + row), np.uint64(patients), np.uint64(half_bits), key)
    return out


@parallel_kernel
def counts_of(
    out: np.ndarray,
    latents: np.ndarray,
    states: np.ndarray,
    table_of: np.ndarray,
    counts: np.ndarray,
    edges: np.ndarray,
) -> None:
    """Counts of given latent values (rows x genes, as ``out``): ``table_of[states[row], gene]`` is the
    table each draws from. ``fill_counts``' mapping, for latents made elsewhere (visits, demographic
    effects): the same latents give the same counts. ``counts`` and ``edges`` C-contiguous, as there."""
    n_rows, n_genes = out.shape
    flat_counts, flat_edges = counts.reshape(-1), edges.reshape(-1)
    step = _chunk(n_genes)
    for chunk in prange((n_genes + step - 1) // step):
        low = chunk * step
        width = min(step, n_genes - low)
        starts = np.empty((table_of.shape[0], width), np.uint64)
        _fill_starts(table_of, low, starts)
        for row in range(n_rows):
            state = np.uint64(states[row])
            for j in range(width):
                x = latents[row, low + j]
                out[row, low + j] = _quantile(x, starts[state, j], flat_counts, flat_edges)


@parallel_kernel
def intensities_of(
    out: np.ndarray,
    latents: np.ndarray,
    states: np.ndarray,
    locs: np.ndarray,
    scales: np.ndarray,
    log_normal: bool,
    driver: np.ndarray,
    follow: float,
) -> None:
    """``fill_intensities``' values for given latent values: ``locs[states[row], feature] + scales[feature]
    * x`` (or its exponential), ``x`` mixed with ``driver`` by ``follow`` exactly as there, so that the
    same latents give the same bytes."""
    n_rows, n_features = out.shape
    keep_own = math.sqrt(1.0 - follow * follow)
    step = _chunk(n_features)
    for chunk in prange((n_features + step - 1) // step):
        low = chunk * step
        width = min(step, n_features - low)
        for row in range(n_rows):
            for j in range(width):
                g = low + j
                mixed = driver[row, g] if follow > 0.0 else 0.0
                loc = locs[states[row], g]
                out[row, g] = _intensity(latents[row, g], mixed, follow, keep_own, loc, scales[g], log_normal)


@kernel
def visit_days(out: np.ndarray, first: int, between: int, jitter: int, key: np.uint64) -> None:
    """Days since the first visit of patients ``first ..`` (rows) at each visit (columns): visit ``v``
    at ``v * between`` days moved by a whole number of days uniform in ``[-jitter, jitter]`` (visit 0 at
    day 0), drawn from (key, patient, visit)."""
    n_rows, visits = out.shape
    span = np.uint64(2 * jitter + 1)
    for row in range(n_rows):
        out[row, 0] = 0
        for v in range(1, visits):
            shift = int(rng.bounded(rng.at(key, (first + row) * visits + v), span)) - jitter
            out[row, v] = v * between + shift
