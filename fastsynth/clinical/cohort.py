"""A clinical cohort as a spec: how many patients, genes and proteins, the groups and their shares, the
omics' distributions, gene modules, disease effects, group transitions, correlations between demographic
columns and features, correlations among demographic columns and with the groups, and longitudinal
visits (their days, trends, noise and transitions over visits). ``Cohort.from_dict`` reads the same
document from YAML or JSON, with the house's messages for bad values."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np

from fastsynth.errors import SchemaError
from fastsynth.schema.correlation import Correlation
from fastsynth.specs import Bounds, Size, Spec, from_document, show

__all__ = [
    "Cohort",
    "Counts",
    "DemographicEffect",
    "Effect",
    "Evolution",
    "Intensities",
    "Modules",
    "Transition",
    "Trend",
    "VisitTransition",
    "Visits",
]

Share = Annotated[float, Bounds(0, 1)]
MAX_GROUPS = 127
"""Groups a cohort may have: their codes are 8-bit."""
_OWN_COLUMNS = (
    "Patient_ID",
    "Group",
    "Group_Before",
    "Transitioned",
    "Visit_ID",
    "Days_Since_Start",
    "Transition_Visit",
)
MAX_VISITS = 1000
"""Visits a patient may have."""
MAX_TREND_TABLES = 300_000
"""Count tables that trends may add (each about 3.5 kB): one per gene, group and visit a trend touches."""
MAX_TREND_VALUES = 25_000_000
"""Per-visit parameters trends may add (8 bytes each, twice): a group with trends has a fold change,
location or table of every feature at every later visit."""
MAX_MEAN = 1e6
"""The largest mean count of a gene: deeper than any sequencing run's, and its table stays quick to make."""
Positive = Annotated[float, Bounds(0, math.inf)]

DEFAULT_DEMOGRAPHICS: dict[str, Any] = {
    "Age": {"type": "int", "distribution": "normal", "mean": 60, "std": 12, "min": 18, "max": 100},
    "Sex": {"type": "category", "categories": ["Female", "Male"], "probabilities": [0.5, 0.5]},
    "BMI": {"type": "float", "mean": 27, "std": 4.5, "min": 15, "max": 60, "decimals": 1},
}
"""The demographic columns of a cohort that names none: fastsynth fields, so any field can join them."""


@dataclass(frozen=True, kw_only=True)
class Counts(Spec):
    """RNA-Seq counts: negative binomial per gene, its mean log-normal across genes (around e**log_mean,
    spread log_mean_sd; at least 1 and at most MAX_MEAN) and its dispersion uniform in ``dispersion``
    (variance mean + d * mean**2)."""

    log_mean: Annotated[float, Bounds(-5, math.log(MAX_MEAN))] = math.log(80)
    log_mean_sd: Annotated[float, Bounds(0, 5)] = 1.5
    dispersion: tuple[Annotated[float, Bounds(1e-6, 5)], Annotated[float, Bounds(1e-6, 5)]] = (0.1, 1.0)


@dataclass(frozen=True, kw_only=True)
class Intensities(Spec):
    """Gaussian values per feature (microarray intensities on a log scale, or the logarithm of protein
    abundances): location normal around ``loc`` (spread ``loc_sd``), scale uniform in ``scale``."""

    loc: float = 7.0
    loc_sd: Annotated[float, Bounds(0, 100)] = 1.0
    scale: tuple[Annotated[float, Bounds(0, 100)], Annotated[float, Bounds(0, 100)]] = (0.5, 2.0)


@dataclass(frozen=True, kw_only=True)
class Modules(Spec):
    """Genes in consecutive modules of ``size``; within a module the latent values correlate by a value
    drawn per module in ``correlation``."""

    size: Annotated[int, Bounds(2)]
    correlation: tuple[Share, Share] = (0.3, 0.7)


@dataclass(frozen=True, kw_only=True)
class Effect(Spec):
    """A disease effect: the patients of ``group`` have the ``genes`` (and ``proteins``) named, given as
    ``[first, end)`` ranges or lists of indices, at a fold change drawn per feature in ``fold_change``
    (a mean times it for counts and abundances; log2 of it added for microarray intensities)."""

    group: str
    genes: tuple[int, ...] = ()
    gene_range: tuple[int, int] | None = None
    proteins: tuple[int, ...] = ()
    protein_range: tuple[int, int] | None = None
    fold_change: tuple[Annotated[float, Bounds(1e-6, 1e6)], Annotated[float, Bounds(1e-6, 1e6)]] = (2.0, 3.0)


@dataclass(frozen=True, kw_only=True)
class Transition(Spec):
    """Drift by moving patients: ``share`` of group ``source``'s patients (exactly: the share times the
    group's size, rounded half to even) belong to ``target`` instead; their omics follow the new group."""

    source: str
    target: str
    share: Share


@dataclass(frozen=True, kw_only=True)
class Trend(Spec):
    """A change over visits: at visit ``v`` the patients in ``group`` have the named genes' (and
    proteins') means times ``f**v``, ``f`` drawn per feature in ``fold_change`` (for microarray
    intensities, ``v * log2(f)`` added). It adds to the group's disease effects."""

    group: str
    genes: tuple[int, ...] = ()
    gene_range: tuple[int, int] | None = None
    proteins: tuple[int, ...] = ()
    protein_range: tuple[int, int] | None = None
    fold_change: tuple[Annotated[float, Bounds(1e-3, 1e3)], Annotated[float, Bounds(1e-3, 1e3)]] = (1.1, 1.3)


@dataclass(frozen=True, kw_only=True)
class VisitTransition(Spec):
    """Patients moving between groups at a visit: ``share`` of group ``source``'s patients (exactly: the
    share times the group's size, rounded half to even) are in ``target`` from visit ``visit`` on, and
    their omics follow the new group's from then (its visit-``visit`` values: effects and trends)."""

    source: str
    target: str
    share: Share
    visit: Annotated[int, Bounds(1, MAX_VISITS - 1)]


@dataclass(frozen=True, kw_only=True)
class Evolution(Spec):
    """A numeric demographic column that changes from visit to visit, by the seed's rule: each visit
    multiplies the previous visit's value by ``1 + trend * (1 + noise * e)``, ``e`` a standard normal
    drawn per (patient, visit)."""

    trend: Annotated[float, Bounds(-1, 10)] = 0.0
    noise: Annotated[float, Bounds(0, 100)] = 0.0


@dataclass(frozen=True, kw_only=True)
class Visits(Spec):
    """Longitudinal visits: every patient has ``count`` visits (``Visit_ID`` 0 to ``count - 1``), visit
    ``v`` about ``v * days_between`` days after the first (``Days_Since_Start``), moved by up to
    ``jitter_days`` either way. Visit 0 is the cohort without visits, value for value. Each later visit's
    latent value of a feature keeps ``sqrt(1 - noise**2)`` of the previous visit's and adds ``noise``
    times a fresh one (with the modules' correlations): a per-patient trajectory whose values keep their
    feature's distribution, consecutive visits correlating by ``sqrt(1 - noise**2)`` on the latent scale.
    Demographics stay the patient's, but for the ``age`` column, which grows by the days over 365.25, and
    the columns ``evolve`` names."""

    count: Annotated[int, Bounds(1, MAX_VISITS), Size("visits")]
    days_between: Annotated[int, Bounds(1, 36_500)] = 30
    jitter_days: Annotated[int, Bounds(0, 18_250)] = 0
    noise: Share = 0.3
    """The share of a feature's latent spread renewed at each visit (0: every visit repeats visit 0)."""
    trends: tuple[Trend, ...] = ()
    transitions: tuple[VisitTransition, ...] = ()
    age: str | None = None
    """A numeric demographic column that grows with the visits' days (as float years); None: constant."""
    evolve: dict[str, Evolution] = field(default_factory=dict)
    """Numeric demographic columns that change from visit to visit (as floats), by name."""


@dataclass(frozen=True, kw_only=True)
class DemographicEffect(Spec):
    """The named genes' (and proteins') latent values correlate by ``correlation`` with the numeric
    demographic ``column``: ``correlation * d + sqrt(1 - correlation**2) * x``, ``d`` the column
    standardised (mean and spread of its first 65,536 rows). So the Pearson correlation of the column
    with a microarray intensity or a protein's logarithm is ``correlation``, and counts' rank
    correlation is close to it; every other feature is untouched."""

    column: str
    genes: tuple[int, ...] = ()
    gene_range: tuple[int, int] | None = None
    proteins: tuple[int, ...] = ()
    protein_range: tuple[int, int] | None = None
    correlation: Annotated[float, Bounds(-1, 1)]


@dataclass(frozen=True, kw_only=True)
class Cohort(Spec):
    """Patients with demographics, gene expression and protein abundances (three tables linked by
    ``Patient_ID``, and ``Visit_ID`` with visits), every value a function of (seed, patient, visit,
    feature)."""

    patients: Annotated[int, Bounds(1, 10**9)]
    # Under a server's limits (a cohort in a schema) features count as columns: each is one in the
    # wide tables, and each draws its parameters when the cohort is read.
    genes: Annotated[int, Bounds(0, 10**6), Size("fields")] = 200
    proteins: Annotated[int, Bounds(0, 10**6), Size("fields")] = 50
    gene_type: Literal["rna-seq", "microarray"] = "rna-seq"
    groups: dict[str, Share] = field(default_factory=lambda: {"Control": 0.5, "Disease": 0.5})
    counts: Counts = field(default_factory=Counts)
    microarray: Intensities = field(default_factory=Intensities)
    protein_levels: Intensities = field(
        default_factory=lambda: Intensities(loc=3.0, loc_sd=1.0, scale=(0.2, 0.6))
    )
    protein_gene_correlation: Share = 0.0
    """How strongly protein ``j`` follows gene ``j`` (its latent value's correlation; 0: independent)."""
    modules: Modules | None = None
    effects: tuple[Effect, ...] = ()
    transitions: tuple[Transition, ...] = ()
    demographics: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_DEMOGRAPHICS))
    """The demographic columns, as a schema's fields (any fastsynth field)."""
    demographic_effects: tuple[DemographicEffect, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    """Correlations among demographic columns, as a schema's ``correlations``. A group may name
    ``Group``: then the patients' groups take part through a latent propensity, a standard normal
    whose order is the groups' order (the first group's patients have the lowest), and the matrix, of
    ``kind: normal``, holds the correlations of the columns' latent normals with it and among themselves.
    So ``[[1, 0.4], [0.4, 1]]`` over ``[Group, Age]`` makes the later groups older, group sizes staying
    exact."""
    visits: Visits | None = None
    """Longitudinal visits: then every table has a row per (patient, visit), keyed by ``Patient_ID``
    and ``Visit_ID``."""
    seed: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.groups:
            raise SchemaError("cohort: groups is empty; allowed: names with shares that sum to 1")
        total = sum(self.groups.values())
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise SchemaError(
                f"cohort: the groups' shares sum to {show(total)}; allowed: shares that sum to 1"
            )
        if len(self.groups) > MAX_GROUPS:
            raise SchemaError(f"cohort: {len(self.groups)} groups; allowed: at most {MAX_GROUPS}")
        reserved = sorted(set(self.demographics) & set(_OWN_COLUMNS))
        if reserved:
            raise SchemaError(
                f"cohort: demographics names {reserved[0]!r}, a column the cohort makes itself; allowed: "
                f"any other name ({', '.join(_OWN_COLUMNS)} are the cohort's)"
            )
        ranges = [
            ("counts.dispersion", self.counts.dispersion),
            ("microarray.scale", self.microarray.scale),
            ("protein_levels.scale", self.protein_levels.scale),
            *([("modules.correlation", self.modules.correlation)] if self.modules else []),
        ]
        for i, effect in enumerate(self.effects):
            ranges += [(f"effects[{i}].fold_change", effect.fold_change)]
            ranges += [
                (f"effects[{i}].{n}", r)
                for n, r in (("gene_range", effect.gene_range), ("protein_range", effect.protein_range))
                if r
            ]
        trends = self.visits.trends if self.visits else ()
        for i, trend in enumerate(trends):
            ranges += [(f"visits.trends[{i}].fold_change", trend.fold_change)]
            ranges += [
                (f"visits.trends[{i}].{n}", r)
                for n, r in (("gene_range", trend.gene_range), ("protein_range", trend.protein_range))
                if r
            ]
        for i, link in enumerate(self.demographic_effects):
            ranges += [
                (f"demographic_effects[{i}].{n}", r)
                for n, r in (("gene_range", link.gene_range), ("protein_range", link.protein_range))
                if r
            ]
        for name, (low, high) in ranges:
            if low > high:
                raise SchemaError(f"cohort: {name}={show([low, high])} is not [low, high] with low <= high")
        named: list[tuple[str, Effect | Trend | DemographicEffect]] = [
            *((f"cohort: effects[{i}]", e) for i, e in enumerate(self.effects)),
            *((f"cohort: visits.trends[{i}]", t) for i, t in enumerate(trends)),
            *((f"cohort: demographic_effects[{i}]", d) for i, d in enumerate(self.demographic_effects)),
        ]
        for where, named_effect in named:
            if not isinstance(named_effect, DemographicEffect):
                self._check_group(named_effect.group, f"{where}.group")
            self._check_features(named_effect, where)
        self._check_demographic_effects()
        self._check_correlations()
        self._check_visits()
        moved: dict[str, float] = {}
        visit_moves = self.visits.transitions if self.visits else ()
        moves: list[tuple[int, Transition | VisitTransition]] = [
            *enumerate(self.transitions),
            *enumerate(visit_moves),
        ]
        for i, transition in moves:
            where = f"cohort: {'visits.' if isinstance(transition, VisitTransition) else ''}transitions[{i}]"
            self._check_group(transition.source, f"{where}.source")
            self._check_group(transition.target, f"{where}.target")
            if transition.source == transition.target:
                raise SchemaError(
                    f"{where}: source and target are both {transition.source!r}; allowed: two groups"
                )
            moved[transition.source] = moved.get(transition.source, 0.0) + transition.share
            if moved[transition.source] > 1 + 1e-9:
                raise SchemaError(
                    f"{where}: the transitions from {transition.source!r} move shares summing to "
                    f"{show(moved[transition.source])}; allowed: at most 1 (the whole group)"
                )

    def _check_features(self, effect: Effect | Trend | DemographicEffect, where: str) -> None:
        for features, span, count, noun in (
            (effect.genes, effect.gene_range, self.genes, "gene"),
            (effect.proteins, effect.protein_range, self.proteins, "protein"),
        ):
            for index in _indices(features, span):
                if not 0 <= index < count:
                    allowed = f"0 to {count - 1}" if count else f"none (the cohort has no {noun}s)"
                    raise SchemaError(
                        f"{where}: {noun} {index} is past the cohort's {count} {noun}s; allowed: {allowed}"
                    )

    def _check_demographic_effects(self) -> None:
        claimed: dict[tuple[str, int], int] = {}
        for i, link in enumerate(self.demographic_effects):
            where = f"cohort: demographic_effects[{i}]"
            if link.column not in self.demographics:
                raise SchemaError(
                    f"{where}.column={link.column!r} is not a demographic column; allowed: "
                    f"{', '.join(self.demographics) or 'none (demographics is empty)'}"
                )
            for kind in ("genes", "proteins"):
                for index in effect_indices(link, kind):
                    earlier = claimed.setdefault((kind, index), i)
                    if earlier != i:
                        raise SchemaError(
                            f"{where}: {kind[:-1]} {index} is in demographic_effects[{earlier}] too; "
                            "allowed: each feature in at most one demographic effect"
                        )

    def _check_correlations(self) -> None:
        naming = [i for i, group in enumerate(self.correlations) if "Group" in group.columns]
        if len(naming) > 1:
            raise SchemaError(
                f"cohort: correlations[{naming[0]}] and [{naming[1]}] both name Group; allowed: one group "
                "with Group and every column that follows it"
            )
        for i, group in enumerate(self.correlations):
            where = f"cohort: correlations[{i}]"
            twice = sorted({c for c in group.columns if group.columns.count(c) > 1})
            if twice:
                raise SchemaError(f"{where}: {twice[0]!r} is named twice; allowed: each column once")
            for column in group.columns:
                if column != "Group" and column not in self.demographics:
                    raise SchemaError(
                        f"{where}: {column!r} is not a demographic column; allowed: Group, "
                        f"{', '.join(self.demographics) or 'none (demographics is empty)'}"
                    )
            if "Group" not in group.columns:
                continue
            if group.kind != "normal":
                raise SchemaError(
                    f"{where}: kind={group.kind!r} with Group; allowed: kind: normal (the correlations of "
                    "the latent normals, the groups' propensity among them)"
                )
            matrix = np.array(group.matrix, dtype=float)
            for column, loading in zip(group.columns, matrix[group.columns.index("Group")], strict=True):
                if column != "Group" and abs(loading) >= 1.0:
                    raise SchemaError(
                        f"{where}: {column!r} correlates with Group by {show(float(loading))}; "
                        "allowed: -1 < correlation < 1 (a column can only follow the groups in part)"
                    )
            if np.linalg.eigvalsh(matrix).min() <= 1e-12:
                raise SchemaError(
                    f"{where}: the matrix is not positive definite; allowed: a correlation matrix that "
                    "some data could have"
                )

    def _check_visits(self) -> None:
        visits = self.visits
        if visits is None:
            return
        if 2 * visits.jitter_days >= visits.days_between:
            raise SchemaError(
                f"cohort: visits.jitter_days={visits.jitter_days} is too large for days_between="
                f"{visits.days_between}; allowed: jitter_days < days_between / 2 (so visits keep their order)"
            )
        if visits.age is not None and visits.age not in self.demographics:
            raise SchemaError(
                f"cohort: visits.age={visits.age!r} is not a demographic column; allowed: "
                f"{', '.join(self.demographics) or 'none (demographics is empty)'}, or null"
            )
        for column in visits.evolve:
            if column not in self.demographics or column == visits.age:
                raise SchemaError(
                    f"cohort: visits.evolve names {column!r}, "
                    + ("the age column" if column == visits.age else "not a demographic column")
                    + f"; allowed: {', '.join(c for c in self.demographics if c != visits.age) or 'none'}"
                )
        for i, transition in enumerate(visits.transitions):
            if transition.visit >= visits.count:
                raise SchemaError(
                    f"cohort: visits.transitions[{i}].visit={transition.visit} is past the last visit; "
                    f"allowed: 1 to {visits.count - 1}"
                )
        trending = len({trend.group for trend in visits.trends})
        values = trending * (visits.count - 1) * (self.genes + self.proteins)
        if values > MAX_TREND_VALUES:
            raise SchemaError(
                f"cohort: visits.trends need {values} per-visit parameters (the groups with trends times "
                f"the later visits times the features); allowed: at most {MAX_TREND_VALUES} (fewer visits)"
            )
        tables = sum(len(set(effect_indices(t, "genes"))) for t in visits.trends) * (visits.count - 1)
        if self.gene_type == "rna-seq" and tables > MAX_TREND_TABLES:
            raise SchemaError(
                f"cohort: visits.trends need {tables} count tables (the genes they touch times the later "
                f"visits); allowed: at most {MAX_TREND_TABLES} (fewer visits or fewer genes in trends)"
            )

    def _check_group(self, name: str, where: str) -> None:
        if name not in self.groups:
            raise SchemaError(f"{where}={name!r} is not a group; allowed: {', '.join(self.groups)}")

    @classmethod
    def from_dict(cls, document: Any) -> Cohort:
        return from_document(cls, document, where="cohort")

    def without_transitions(self) -> Cohort:
        return dataclasses.replace(self, transitions=())


def _indices(features: tuple[int, ...], span: tuple[int, int] | None) -> list[int]:
    found = list(features)
    if span is not None:
        found += range(span[0], span[1])
    return found


def effect_indices(
    effect: Effect | Trend | DemographicEffect, kind: Literal["genes", "proteins"]
) -> list[int]:
    """The features an effect touches, of one kind."""
    if kind == "genes":
        return _indices(effect.genes, effect.gene_range)
    return _indices(effect.proteins, effect.protein_range)
