"""Omics matrices of a cohort: a block of patients x all genes (or proteins) per call, every value a pure
function of (key, patient, gene), so batches of patients and workers give the same bytes.

Values come from a Gaussian copula, as omics simulators (and the seed's peer) build them: each value has a
latent standard normal ``x = sqrt(rho) * z[patient, module] + sqrt(1 - rho) * e[patient, gene]`` (genes of
one module share ``z``, so their latents correlate by ``rho``), mapped to the gene's marginal:

- counts (RNA-Seq): the negative binomial's quantile at ``Phi(x)``, found in the gene's table of
  cumulative probabilities (``nb_tables``), which covers the probabilities in [TAIL, 1 - TAIL];
- intensities: ``loc + scale * x`` (microarray, log scale), or its exponential (log-normal abundances).

A patient's group picks the table (or the location) of each gene: a disease effect is a table of the
gene's mean times the fold change, used for that group's patients only, so nothing else moves.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel, parallel_kernel
from fastsynth.kernels.permutation import permute

__all__ = [
    "KNOTS",
    "TAIL",
    "fill_counts",
    "fill_intensities",
    "fill_latent",
    "latent",
    "nb_tables",
    "ranks",
    "shared_part",
]

TAIL = 1e-9
"""The probability left out at each end of a count table: values there are clamped to the table's ends
(one value in 500 million moves, by a few counts)."""

_SQRT_HALF = math.sqrt(0.5)
_TILE = 64
"""Patients a thread takes at a time: each gene's table is searched 64 times while it is in cache."""


KNOTS = 256
"""Points each count table keeps: counts between two knots are found by walking the probabilities from
the lower knot, so a table's size does not grow with its gene's spread (20,000 genes: 80 MB)."""
GUIDE = 256
"""Cells of each table's guide: cell ``j`` holds the first knot whose cumulative probability reaches
``j / GUIDE``, so a search starts a knot or two below its answer (Chen and Asau's guide table)."""


@parallel_kernel
def nb_tables(
    means: np.ndarray, dispersions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The negative binomial tables of genes with ``means`` and ``dispersions`` (variance ``mean +
    dispersion * mean**2``): for gene ``g``, ``KNOTS`` counts ``counts[g]`` evenly spaced from the first
    count whose cumulative probability passes TAIL to the first that passes 1 - TAIL, with their
    cumulative probabilities ``cdf[g]`` and probabilities ``pmf[g]``; ``r`` and ``q = 1 - p``, the
    distribution's parameters, for walking between knots; and the guide ``guide[g]``."""
    n = means.shape[0]
    counts = np.zeros((n, KNOTS), np.int64)
    cdf = np.ones((n, KNOTS), np.float64)
    pmf = np.zeros((n, KNOTS), np.float64)
    params = np.empty((n, 2), np.float64)
    guide = np.zeros((n, GUIDE), np.int16)
    for g in prange(n):
        low, high = _extent(means[g], dispersions[g])
        step = max(1, -(-(high - low) // (KNOTS - 1)))
        r = 1.0 / dispersions[g]
        p = r / (r + means[g])
        params[g, 0] = r
        params[g, 1] = 1.0 - p
        mass = math.exp(r * math.log(p))  # P(0)
        total = mass
        k = 0
        for knot in range(KNOTS):
            target = min(low + knot * step, high)
            while k < target:
                k += 1
                mass *= (k - 1 + r) / k * (1.0 - p)
                total += mass
            counts[g, knot] = k
            cdf[g, knot] = total
            pmf[g, knot] = mass
        cdf[g, KNOTS - 1] = 1.0  # the last knot takes the upper tail
        knot = 0
        for cell in range(GUIDE):
            while cdf[g, knot] < cell / GUIDE:
                knot += 1
            guide[g, cell] = knot
    return counts, cdf, pmf, params, guide


@kernel
def _extent(mean: float, dispersion: float) -> tuple[int, int]:
    """The first counts whose cumulative probability passes TAIL and 1 - TAIL."""
    r = 1.0 / dispersion
    p = r / (r + mean)
    mass = math.exp(r * math.log(p))
    total = mass
    k = 0
    low = -1
    while True:
        if low < 0 and total > TAIL:
            low = k
        if total >= 1.0 - TAIL or (mass == 0.0 and k > mean):
            return low, k
        k += 1
        mass *= (k - 1 + r) / k * (1.0 - p)
        total += mass


@kernel
def _quantile(
    u: float,
    t: int,
    counts: np.ndarray,
    cdf: np.ndarray,
    pmf: np.ndarray,
    params: np.ndarray,
    guide: np.ndarray,
) -> int:
    """The first count of table ``t`` whose cumulative probability reaches ``u``: the guide's knot, up to
    the first knot that reaches ``u``, then a walk from the knot below it."""
    knot = int(guide[t, min(int(u * GUIDE), GUIDE - 1)])  # u may round to 1
    while cdf[t, knot] < u:
        knot += 1
    if knot == 0:
        return counts[t, 0]  # the lower tail is clamped to the first knot
    k = counts[t, knot - 1]
    total = cdf[t, knot - 1]
    mass = pmf[t, knot - 1]
    r = params[t, 0]
    q = params[t, 1]
    end = counts[t, knot]
    while total < u and k < end:
        k += 1
        mass *= (k - 1 + r) / k * q
        total += mass
    return k


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
def latent(own: np.uint64, patient: int, gene: int, n_genes: int, shared: float, rho: float) -> float:
    """The latent standard normal of (patient, gene), from its own normal (stream ``own``) and its
    module's factor ``shared``."""
    x = rng.normal_at(own, patient * n_genes + gene)
    if rho == 0.0:
        return x
    return math.sqrt(rho) * shared + math.sqrt(1.0 - rho) * x


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
    cdf: np.ndarray,
    pmf: np.ndarray,
    params: np.ndarray,
    guide: np.ndarray,
) -> None:
    """Counts of patients ``first .. first + len(out) - 1`` (rows of ``out``) x genes (columns):
    ``groups[row]`` is each patient's group and ``table_of[group, gene]`` the table (of ``nb_tables``)
    it draws from."""
    n_patients, n_genes = out.shape
    shared = shared_part(key, n_patients, first, rhos.shape[0])
    own = rng.stream(key, 0)
    for tile in prange((n_patients + _TILE - 1) // _TILE):
        begin = tile * _TILE
        end = min(begin + _TILE, n_patients)
        for g in range(n_genes):
            module = modules[g]
            rho = rhos[module]
            for row in range(begin, end):
                x = latent(own, first + row, g, n_genes, shared[row, module], rho)
                u = 0.5 * math.erfc(-x * _SQRT_HALF)
                t = table_of[groups[row], g]
                out[row, g] = _quantile(u, t, counts, cdf, pmf, params, guide)


@parallel_kernel
def fill_latent(out: np.ndarray, first: int, key: np.uint64, modules: np.ndarray, rhos: np.ndarray) -> None:
    """The latent normals themselves, of patients ``first ..`` x features (what proteins driven by
    their genes follow)."""
    n_patients, n_genes = out.shape
    shared = shared_part(key, n_patients, first, rhos.shape[0])
    own = rng.stream(key, 0)
    for tile in prange((n_patients + _TILE - 1) // _TILE):
        begin = tile * _TILE
        end = min(begin + _TILE, n_patients)
        for g in range(n_genes):
            module = modules[g]
            for row in range(begin, end):
                out[row, g] = latent(own, first + row, g, n_genes, shared[row, module], rhos[module])


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
) -> None:
    """Intensities of patients ``first ..`` x genes or proteins: ``locs[group, feature] + scales[feature]
    * x``, or its exponential when ``log_normal``; with ``follow`` > 0, ``x`` correlates by ``follow``
    with ``driver[row, feature]`` (the latent of the gene a protein follows)."""
    n_patients, n_genes = out.shape
    shared = shared_part(key, n_patients, first, rhos.shape[0])
    own = rng.stream(key, 0)
    keep = math.sqrt(1.0 - follow)
    lead = math.sqrt(follow)
    for tile in prange((n_patients + _TILE - 1) // _TILE):
        begin = tile * _TILE
        end = min(begin + _TILE, n_patients)
        for g in range(n_genes):
            module = modules[g]
            rho = rhos[module]
            scale = scales[g]
            for row in range(begin, end):
                x = latent(own, first + row, g, n_genes, shared[row, module], rho)
                if follow > 0.0:
                    x = lead * driver[row, g] + keep * x
                value = locs[groups[row], g] + scale * x
                out[row, g] = math.exp(value) if log_normal else value


@kernel
def ranks(first: int, count: int, patients: int, half_bits: int, key: np.uint64) -> np.ndarray:
    """Each patient's place in a keyed shuffle of all ``patients`` (``half_bits`` from
    ``permutation.feistel_half_bits``): groups and transitions take consecutive places, so their sizes
    are exact."""
    out = np.empty(count, np.int64)
    for row in range(count):
        out[row] = permute(np.uint64(first + row), np.uint64(patients), np.uint64(half_bits), key)
    return out
