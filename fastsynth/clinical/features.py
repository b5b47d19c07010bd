"""The per-feature parameters of a cohort's omics, drawn once from its seed: each gene's distribution,
its module and the module's correlation, the fold changes of disease effects and of trends over visits
(one table of parameters per state, a (visit, group) pair, where only the affected features differ),
and the same for proteins."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fastsynth.clinical.cohort import MAX_MEAN, Cohort, effect_indices
from fastsynth.fields.base import column_key
from fastsynth.kernels import omics

__all__ = ["Features", "gene_features", "protein_features"]


@dataclass(frozen=True)
class Features:
    """What the kernels need to fill a block of one kind of feature (genes or proteins)."""

    key: np.uint64
    modules: np.ndarray
    """Each feature's module (0 for all when there are none)."""
    rhos: np.ndarray
    """Each module's latent correlation."""
    counts: tuple[np.ndarray, ...] | None
    """``omics.nb_tables`` of every (feature, fold change) needed, for counts; else None."""
    table_of: np.ndarray
    """[row, feature] -> the table (counts) drawn from; ``rows`` gives each state's row."""
    locs: np.ndarray
    """[row, feature] -> the location (intensities)."""
    scales: np.ndarray
    fold_changes: np.ndarray
    """[group, feature] -> the fold change applied (1 where no effect): the ground truth of effects."""
    trends: np.ndarray | None = None
    """[group, feature] -> the fold change per visit of trends (1 where none; visit ``v`` has its power
    ``v``): their ground truth."""
    rows: np.ndarray | None = None
    """The row of ``table_of`` and ``locs`` of each state ``visit * groups + group``: only a group with
    trends has rows of its own past visit 0, so visits cost no memory of their own without trends."""
    means: np.ndarray | None = None
    """Each gene's negative binomial mean, before effects (counts)."""
    dispersions: np.ndarray | None = None
    """Each gene's dispersion: its variance is ``mean + dispersion * mean**2`` (counts)."""


def _generator(cohort: Cohort, what: str) -> np.random.Generator:
    return np.random.default_rng([cohort.seed & (2**63 - 1), int(column_key(cohort.seed, what))])


def _fold_changes(cohort: Cohort, kind: str, n: int) -> np.ndarray:
    """[group, feature] fold changes: 1, but for the features each effect names in its group (drawn
    apart from the features' own parameters, which an effect must not move)."""
    draw = _generator(cohort, f"{kind}.effects")
    groups = list(cohort.groups)
    folds = np.ones((len(groups), n))
    for effect in cohort.effects:
        touched = effect_indices(effect, kind)  # type: ignore[arg-type]
        low, high = effect.fold_change
        folds[groups.index(effect.group), touched] = draw.uniform(low, high, len(touched))
    return folds


def _trends(cohort: Cohort, kind: str, n: int) -> np.ndarray:
    """[group, feature] fold changes per visit of the cohort's trends (drawn apart from effects)."""
    draw = _generator(cohort, f"{kind}.trends")
    groups = list(cohort.groups)
    folds = np.ones((len(groups), n))
    for trend in cohort.visits.trends if cohort.visits else ():
        touched = effect_indices(trend, kind)  # type: ignore[arg-type]
        low, high = trend.fold_change
        folds[groups.index(trend.group), touched] *= draw.uniform(low, high, len(touched))
    return folds


def _state_folds(cohort: Cohort, effects: np.ndarray, trends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct [row, feature] fold changes of the states, and each state's row: a group's effects
    times its trends to the power of the visit."""
    visits = cohort.visits.count if cohort.visits else 1
    n_groups = len(effects)
    trending = [g for g in range(n_groups) if (trends[g] != 1.0).any()]
    rows = np.tile(np.arange(n_groups, dtype=np.int64), visits)
    folds = [effects]
    for visit in range(1, visits):
        for group in trending:
            rows[visit * n_groups + group] = n_groups + len(folds) - 1
            folds.append(effects[group : group + 1] * trends[group : group + 1] ** visit)
    return np.concatenate(folds), rows


def _modules(cohort: Cohort, n: int) -> tuple[np.ndarray, np.ndarray]:
    draw = _generator(cohort, "genes.modules")
    if cohort.modules is None or n == 0:
        return np.zeros(n, np.int64), np.zeros(1)
    size = cohort.modules.size
    low, high = cohort.modules.correlation
    return np.arange(n, dtype=np.int64) // size, draw.uniform(low, high, -(-n // size))


def gene_features(cohort: Cohort) -> Features:
    n = cohort.genes
    draw = _generator(cohort, "genes")
    modules, rhos = _modules(cohort, n)
    effects = _fold_changes(cohort, "genes", n)
    trends = _trends(cohort, "genes", n)
    folds, rows = _state_folds(cohort, effects, trends)
    key = np.uint64(column_key(cohort.seed, "genes"))
    if cohort.gene_type == "microarray":
        levels = cohort.microarray
        locs = draw.normal(levels.loc, levels.loc_sd, n)
        scales = draw.uniform(levels.scale[0], levels.scale[1], n)
        # Intensities are on a log2 scale: a fold change adds its log2.
        return Features(
            key,
            modules,
            rhos,
            None,
            np.zeros((1, n), np.int64),
            locs + np.log2(folds),
            scales,
            effects,
            trends,
            rows=rows,
        )
    spec = cohort.counts
    means = np.clip(np.round(np.exp(draw.normal(spec.log_mean, spec.log_mean_sd, n))), 1.0, MAX_MEAN)
    dispersions = draw.uniform(spec.dispersion[0], spec.dispersion[1], n)
    # One table per gene, and one more per (gene, fold change) an effect or a trend gives some state.
    table_of = np.tile(np.arange(n, dtype=np.int64), (len(folds), 1))
    states, genes = np.nonzero(folds != 1.0)
    pairs, which = np.unique(np.stack([genes, folds[states, genes]], axis=1), axis=0, return_inverse=True)
    table_of[states, genes] = n + which.reshape(-1)
    extra = pairs[:, 0].astype(np.int64)
    # A fold change moves a mean up to MAX_MEAN at most, as the means are drawn: past it a table takes
    # long to make and its counts leave int32.
    tables = omics.nb_tables(
        np.concatenate([means, np.minimum(means[extra] * pairs[:, 1], MAX_MEAN)]),
        np.concatenate([dispersions, dispersions[extra]]),
    )
    return Features(
        key,
        modules,
        rhos,
        tables,
        table_of,
        np.zeros((1, n)),
        np.ones(n),
        effects,
        trends=trends,
        means=means,
        dispersions=dispersions,
        rows=rows,
    )


def protein_features(cohort: Cohort) -> Features:
    """Log-normal abundances: the logarithm is Gaussian, and a fold change adds its logarithm."""
    n = cohort.proteins
    draw = _generator(cohort, "proteins")
    effects = _fold_changes(cohort, "proteins", n)
    trends = _trends(cohort, "proteins", n)
    folds, rows = _state_folds(cohort, effects, trends)
    spec = cohort.protein_levels
    locs = draw.normal(spec.loc, spec.loc_sd, n)
    scales = draw.uniform(spec.scale[0], spec.scale[1], n)
    key = np.uint64(column_key(cohort.seed, "proteins"))
    modules, rhos = np.zeros(n, np.int64), np.zeros(1)
    return Features(
        key,
        modules,
        rhos,
        None,
        np.zeros((1, n), np.int64),
        locs + np.log(folds),
        scales,
        effects,
        trends=trends,
        rows=rows,
    )


def exact_sizes(shares: list[float], total: int) -> list[int]:
    """Sizes summing to ``total`` in the proportions ``shares`` (largest remainders)."""
    raw = [share * total for share in shares]
    sizes = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in order[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes
