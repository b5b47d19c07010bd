"""The three linked tables of a cohort, made a block of patients at a time: demographics (with each
patient's group and, when patients move between groups, the ground truth of who moved), genes and
proteins; with visits, a row per (patient, visit) in each. Any block of any size gives the same rows as
the whole cohort in one go.

Without visits or demographic effects, the kernels draw each value straight from (seed, patient,
feature). Otherwise values go through their latent standard normals: visit 0's are the same latents (so
the same bytes), each later visit's a step of a per-patient autoregression whose fresh part is drawn from
(seed, visit, patient, feature), and demographic effects mix a standardised demographic column in."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.clinical.cohort import Cohort, Evolution, Transition, VisitTransition, effect_indices
from fastsynth.clinical.features import Features, exact_sizes, gene_features, protein_features
from fastsynth.errors import SchemaError
from fastsynth.fields.base import Block, column_key
from fastsynth.generation import make_batch
from fastsynth.kernels import numeric as kn
from fastsynth.kernels import omics
from fastsynth.kernels.copula import normal_quantiles
from fastsynth.kernels.permutation import feistel_half_bits
from fastsynth.schema import Schema
from fastsynth.schema.correlation import Correlation, require_correlatable

__all__ = ["Layout", "Tables"]

Layout = Literal["wide", "long", "matrix"]
"""How omics tables are shaped: a column per feature (``G_0``, ``G_1``, ...), one row per (patient,
feature) (``Patient_ID``, ``Gene``, ``Value``), or one fixed-size list of every feature per patient
(``expression``: compact and fast for tens of thousands of genes)."""

_KIND = {"genes": ("G", "Gene"), "proteins": ("P", "Protein")}
CALIBRATION_ROWS = 1 << 16
"""Rows of the demographics whose mean and spread standardise a column that features correlate with:
a function of the seed alone, so every block standardises alike."""
DAYS_PER_YEAR = 365.25


@dataclass
class Tables:
    """A cohort's tables, made on demand by patient block."""

    cohort: Cohort

    @cached_property
    def demographic_schema(self) -> Schema:
        """The demographic columns as a schema, with the correlation groups that leave Group out (those
        naming it are ``propensity``'s)."""
        plain = [group.to_dict() for group in self.cohort.correlations if "Group" not in group.columns]
        schema = Schema.from_dict({"fields": dict(self.cohort.demographics), "correlations": plain})
        age = None if self.cohort.visits is None else self.cohort.visits.age
        if age is not None:  # it grows with every visit's days
            kind = schema.arrow_schema().field(age).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                raise SchemaError(
                    f"cohort: visits.age={age!r} is a column of {kind}; allowed: a column of numbers"
                )
        return schema

    @cached_property
    def propensity(self) -> _Propensity | None:
        """How demographic columns follow the groups, when a correlation group names Group."""
        linked = [(i, g) for i, g in enumerate(self.cohort.correlations) if "Group" in g.columns]
        return None if not linked else _Propensity.of(self.demographic_schema, *linked[0], self.cohort.seed)

    def places(self, first: int, count: int) -> np.ndarray:
        """Each patient's place in the keyed shuffle that gives the groups (and transitions) their
        patients."""
        n = self.cohort.patients
        return omics.ranks(
            first, count, n, feistel_half_bits(n), np.uint64(column_key(self.cohort.seed, "groups"))
        )

    def demographic_columns(self, first: int, count: int) -> pa.RecordBatch:
        """The demographic columns of patients ``first ..`` (one row each), those that follow the groups
        made from their latent propensity."""
        batch = make_batch(self.demographic_schema, first, count, self.cohort.seed)
        if self.propensity is None:
            return batch
        # The propensity is the normal quantile of the patient's place: places are a uniform shuffle,
        # so it is a standard normal, and the groups, consecutive places, are its ranges in order.
        latent = normal_quantiles((self.places(first, count) + 0.5) / self.cohort.patients)
        return self.propensity.apply(batch, latent, first)

    @cached_property
    def genes(self) -> Features:
        return gene_features(self.cohort)

    @cached_property
    def proteins(self) -> Features:
        return protein_features(self.cohort)

    @property
    def visits(self) -> int:
        """Rows per patient: its visits (one without visits)."""
        return self.cohort.visits.count if self.cohort.visits else 1

    def groups(self, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(group before transitions, group after, at the first visit) of patients ``first .. first +
        count - 1``, as indices into ``cohort.groups``."""
        before, by_visit, _ = self.trajectories(first, count)
        return before, by_visit[:, 0]

    def trajectories(self, first: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Of patients ``first ..``: the group before any transition, the group at each visit (patients x
        visits), and the visit each moved at (0 for the cohort's transitions, -1 for none). Groups take
        consecutive places of a keyed shuffle of the patients, so each has exactly its share; a transition
        takes the next places of its source, the cohort's transitions first, then the visits' in order."""
        n = self.cohort.patients
        place = self.places(first, count)
        sizes = exact_sizes(list(self.cohort.groups.values()), n)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        before = np.searchsorted(starts, place, side="right") - 1
        by_visit = np.repeat(before[:, None], self.visits, axis=1)
        moved_at = np.full(count, -1, np.int32)
        names = list(self.cohort.groups)
        taken = dict.fromkeys(range(len(names)), 0)  # places of each source already moved
        moves: list[Transition | VisitTransition] = [
            *self.cohort.transitions,
            *(self.cohort.visits.transitions if self.cohort.visits else ()),
        ]
        for transition in moves:
            source = names.index(transition.source)
            moved = round(transition.share * sizes[source])
            low = starts[source] + taken[source]
            chosen = (before == source) & (place >= low) & (place < low + moved)
            visit = getattr(transition, "visit", 0)
            by_visit[chosen, visit:] = names.index(transition.target)
            moved_at[chosen] = visit
            taken[source] += moved
        return before, by_visit, moved_at

    def days(self, first: int, count: int) -> np.ndarray:
        """Days since the first visit, patients x visits."""
        out = np.zeros((count, self.visits), np.int32)
        visits = self.cohort.visits
        if visits is not None:
            key = np.uint64(column_key(self.cohort.seed, "visits.days"))
            omics.visit_days(out, first, visits.days_between, visits.jitter_days, key)
        return out

    def demographics(self, first: int, count: int) -> pa.RecordBatch:
        before, by_visit, moved_at = self.trajectories(first, count)
        names = pa.array(list(self.cohort.groups))
        columns = self.demographic_columns(first, count)
        visits = self.cohort.visits
        if visits is None:
            ids = pa.array(np.arange(first, first + count, dtype=np.int64))
            arrays = [ids, *columns.columns, _groups(by_visit[:, 0], names)]
            fields = ["Patient_ID", *columns.schema.names, "Group"]
            if self.cohort.transitions:
                arrays += [_groups(before, names), pa.array(before != by_visit[:, 0])]
                fields += ["Group_Before", "Transitioned"]
            return pa.RecordBatch.from_arrays(arrays, names=fields)
        per_row = np.repeat(np.arange(count), self.visits)
        days = self.days(first, count).ravel()
        columns = columns.take(pa.array(per_row))
        if visits.age is not None:
            at = columns.schema.names.index(visits.age)
            grown = pc.add(columns.column(at).cast(pa.float64()), pa.array(days / DAYS_PER_YEAR))
            columns = columns.set_column(at, visits.age, grown)
        for column, evolution in visits.evolve.items():
            at = columns.schema.names.index(column)
            columns = columns.set_column(
                at, column, self._evolved(column, evolution, columns.column(at), first)
            )
        arrays = [
            pa.array(first + per_row),
            pa.array(np.tile(np.arange(self.visits, dtype=np.int32), count)),
            pa.array(days),
            *columns.columns,
            _groups(by_visit.ravel(), names),
        ]
        fields = ["Patient_ID", "Visit_ID", "Days_Since_Start", *columns.schema.names, "Group"]
        if self.cohort.transitions or visits.transitions:
            original = before[per_row]
            at_visit = moved_at[per_row]
            arrays += [
                _groups(original, names),
                pa.array(by_visit.ravel() != original),
                pa.array(at_visit, mask=at_visit < 0),
            ]
            fields += ["Group_Before", "Transitioned", "Transition_Visit"]
        return pa.RecordBatch.from_arrays(arrays, names=fields)

    def matrix(self, kind: Literal["genes", "proteins"], first: int, count: int) -> np.ndarray:
        """The values of patients ``first ..`` (rows; with visits, a row per patient and visit, visits of
        a patient together) x every gene or protein (columns)."""
        if self.cohort.visits is not None or self._links(kind):
            return self._through_latents(kind, first, count)
        _, groups = self.groups(first, count)
        features = self.genes if kind == "genes" else self.proteins
        n = self.cohort.genes if kind == "genes" else self.cohort.proteins
        if features.counts is not None:
            out = np.empty((count, n), np.int32)
            omics.fill_counts(
                out,
                first,
                features.key,
                features.modules,
                features.rhos,
                groups,
                features.table_of,
                *features.counts,
            )
            return out
        out = np.empty((count, n), np.float64)
        follow = self.cohort.protein_gene_correlation if kind == "proteins" else 0.0
        driver = self._driver(first, count, n) if follow > 0 else np.zeros((0, 0))
        log_normal = kind == "proteins"
        omics.fill_intensities(
            out,
            first,
            features.key,
            features.modules,
            features.rhos,
            groups,
            features.locs,
            features.scales,
            log_normal,
            driver,
            follow,
            n,
        )
        return out

    def _driver(self, first: int, count: int, n: int) -> np.ndarray:
        """The latent values of genes ``0 .. n - 1``, which proteins ``0 .. n - 1`` follow. A protein past
        the last gene follows a normal of its own (a stream of its own), so that its spread is kept."""
        genes = self.genes
        width = min(n, self.cohort.genes)
        driver = np.empty((count, n))
        _latents(driver[:, :width], first, genes.key, genes.modules[:width], genes.rhos, self.cohort.genes)
        if width < n:
            key = np.uint64(column_key(self.cohort.seed, "proteins.unlinked"))
            _latents(driver[:, width:], first, key, np.zeros(n - width, np.int64), np.zeros(1), n - width)
        return driver

    def omics(
        self, kind: Literal["genes", "proteins"], first: int, count: int, layout: Layout = "wide"
    ) -> pa.RecordBatch:
        values = self.matrix(kind, first, count)
        prefix, noun = _KIND[kind]
        visits = self.visits
        ids = np.repeat(np.arange(first, first + count, dtype=np.int64), visits)
        keys, key_names = [ids], ["Patient_ID"]
        if self.cohort.visits is not None:
            keys.append(np.tile(np.arange(visits, dtype=np.int32), count))
            key_names.append("Visit_ID")
        n = values.shape[1]
        if layout == "long":
            return pa.RecordBatch.from_arrays(
                [
                    *(pa.array(np.repeat(k, n)) for k in keys),
                    pa.array(np.tile(np.arange(n, dtype=np.int32), len(ids))),
                    pa.array(values.ravel()),
                ],
                names=[*key_names, noun, "Value"],
            )
        if layout == "matrix" and n:  # Arrow's fixed-size lists hold at least one value
            # Declared without nulls, which they never hold: Parquet's levels for them are simpler to
            # work out, and the matrix is encoded 11% faster.
            row = pa.list_(pa.field("item", pa.from_numpy_dtype(values.dtype), nullable=False), n)
            flat = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), type=row)
            arrays = [pa.array(k) for k in keys]
            fields = [pa.field(name, a.type) for name, a in zip(key_names, arrays, strict=True)]
            name = "expression" if kind == "genes" else "abundance"
            return pa.RecordBatch.from_arrays(
                [*arrays, flat], schema=pa.schema([*fields, pa.field(name, row, nullable=False)])
            )
        columns = [*(pa.array(k) for k in keys), *(pa.array(values[:, j]) for j in range(n))]
        return pa.RecordBatch.from_arrays(columns, names=[*key_names, *(f"{prefix}_{j}" for j in range(n))])

    def _evolved(self, column: str, evolution: Evolution, values: pa.Array, first: int) -> pa.Array:
        """``values`` (a row per patient and visit) changed visit by visit as ``evolution`` says."""
        if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
            raise SchemaError(
                f"cohort: visits.evolve names {column!r}, which holds {values.type}, not numbers; "
                "allowed: an integer or float demographic column"
            )
        start = values.to_numpy(zero_copy_only=False).astype(np.float64).reshape(-1, self.visits)
        normals = np.empty_like(start)
        key = np.uint64(column_key(self.cohort.seed, f"visits.evolve.{column}"))
        _latents(normals, first, key, np.zeros(self.visits, np.int64), np.zeros(1), self.visits)
        factors = 1.0 + evolution.trend * (1.0 + evolution.noise * normals)
        factors[:, 0] = 1.0
        return pa.array((start * np.cumprod(factors, axis=1)).ravel(), mask=np.isnan(start).ravel())

    def _links(self, kind: Literal["genes", "proteins"]) -> list[tuple[np.ndarray, float, str]]:
        """The demographic effects on ``kind``: (features, correlation, column) each."""
        found = []
        for link in self.cohort.demographic_effects:
            touched = np.asarray(sorted(set(effect_indices(link, kind))), np.int64)
            if len(touched):
                found.append((touched, link.correlation, link.column))
        return found

    @cached_property
    def standardisers(self) -> dict[str, tuple[float, float]]:
        """Mean and spread of each demographic column features correlate with, over CALIBRATION_ROWS
        rows of the demographics (the seed's: whatever the cohort's size or blocks)."""
        columns = {link.column for link in self.cohort.demographic_effects}
        if not columns:
            return {}
        # Columns that follow the groups keep their distribution (their latent normal stays standard),
        # so the rows made without the groups standardise them too, past the patients as well.
        sample = make_batch(self.demographic_schema, 0, CALIBRATION_ROWS, self.cohort.seed)
        found = {}
        for column in sorted(columns):
            values = sample.column(sample.schema.names.index(column))
            if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
                raise SchemaError(
                    f"cohort: demographic_effects column {column!r} holds {values.type}, not numbers; "
                    "allowed: an integer or float demographic column"
                )
            numbers = values.to_numpy(zero_copy_only=False).astype(np.float64)
            mean, spread = float(np.nanmean(numbers)), float(np.nanstd(numbers))
            if not spread > 0:
                raise SchemaError(
                    f"cohort: demographic_effects column {column!r} is constant; "
                    "allowed: a column that varies"
                )
            found[column] = (mean, spread)
        return found

    def _scores(self, first: int, count: int) -> dict[str, np.ndarray]:
        """Each linked demographic column of patients ``first ..``, standardised (0 where null)."""
        standardisers = self.standardisers
        if not standardisers:
            return {}
        batch = self.demographic_columns(first, count)
        scores = {}
        for column, (mean, spread) in standardisers.items():
            values = batch.column(batch.schema.names.index(column)).to_numpy(zero_copy_only=False)
            scores[column] = np.nan_to_num((values.astype(np.float64) - mean) / spread)
        return scores

    def _through_latents(self, kind: Literal["genes", "proteins"], first: int, count: int) -> np.ndarray:
        """``matrix`` by way of the latent values: visits' trajectories and demographic effects."""
        features = self.genes if kind == "genes" else self.proteins
        n = self.cohort.genes if kind == "genes" else self.cohort.proteins
        visits, n_groups = self.visits, len(self.cohort.groups)
        noise = self.cohort.visits.noise if self.cohort.visits else 0.0
        _, by_visit, _ = self.trajectories(first, count)
        follow = self.cohort.protein_gene_correlation if kind == "proteins" else 0.0
        own = self._chain(kind, first, count, n)
        driver = self._chain("driver", first, count, n) if follow > 0 else None
        links = self._links(kind)
        scores = self._scores(first, count)
        counts = features.counts is not None
        assert features.rows is not None
        out = np.empty((count, visits, n), np.int32 if counts else np.float64)
        block = np.empty((count, n), out.dtype)
        for visit in range(visits):
            if visit:
                own.step(visit, noise)
                if driver is not None:
                    driver.step(visit, noise)
            x = own.latents
            if driver is not None:
                x = follow * driver.latents + math.sqrt(1.0 - follow * follow) * x
            if links:
                x = x.copy() if x is own.latents else x
                for touched, rho, column in links:
                    x[:, touched] = rho * scores[column][:, None] + math.sqrt(1.0 - rho * rho) * x[:, touched]
            states = features.rows[visit * n_groups + by_visit[:, visit]]
            if features.counts is not None:
                omics.counts_of(block, x, states, features.table_of, *features.counts)
            else:
                log_normal = kind == "proteins"
                omics.intensities_of(
                    block, x, states, features.locs, features.scales, log_normal, np.zeros((0, 0)), 0.0
                )
            out[:, visit, :] = block
        return out.reshape(count * visits, n)

    def _chain(self, kind: str, first: int, count: int, n: int) -> _Chain:
        """The latent trajectory of ``kind``'s values (``driver``: the genes' that proteins follow)."""
        genes = self.genes
        parts: list[tuple[int, int, str, np.ndarray, np.ndarray, int]] = []
        if kind == "genes":
            parts.append((0, n, "genes", genes.modules, genes.rhos, n))
        elif kind == "proteins":
            parts.append((0, n, "proteins", np.zeros(n, np.int64), np.zeros(1), n))
        else:  # as ``_driver``: genes 0 .. n - 1, and noise of its own past the last gene
            width = min(n, self.cohort.genes)
            parts.append((0, width, "genes", genes.modules[:width], genes.rhos, self.cohort.genes))
            if width < n:
                parts.append(
                    (width, n, "proteins.unlinked", np.zeros(n - width, np.int64), np.zeros(1), n - width)
                )
        return _Chain(self.cohort.seed, first, count, n, parts)

    def batches(
        self, table: Literal["demographics", "genes", "proteins"], batch: int, layout: Layout = "wide"
    ) -> Iterator[pa.RecordBatch]:
        for first in range(0, self.cohort.patients, batch):
            count = min(batch, self.cohort.patients - first)
            yield (
                self.demographics(first, count)
                if table == "demographics"
                else self.omics(table, first, count, layout)
            )


def _groups(indices: np.ndarray, names: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int8)), names)


class _Chain:
    """The latent values of a block of patients x features at one visit after another: visit 0's are
    the cohort's own (key ``name``), visit ``v``'s keep ``sqrt(1 - noise**2)`` of visit ``v - 1``'s and
    add ``noise`` times latents of key ``name.visit.v`` (the same modules, so correlations hold)."""

    def __init__(
        self,
        seed: int,
        first: int,
        count: int,
        n: int,
        parts: list[tuple[int, int, str, np.ndarray, np.ndarray, int]],
    ) -> None:
        self.seed, self.first, self.parts = seed, first, parts
        self.latents = np.empty((count, n))
        for low, high, name, modules, rhos, total in parts:
            self.latents[:, low:high] = self._draw(name, modules, rhos, total)

    def _draw(self, name: str, modules: np.ndarray, rhos: np.ndarray, total: int) -> np.ndarray:
        out = np.empty((self.latents.shape[0], len(modules)))
        _latents(out, self.first, np.uint64(column_key(self.seed, name)), modules, rhos, total)
        return out

    def step(self, visit: int, noise: float) -> None:
        keep = math.sqrt(1.0 - noise * noise)
        self.latents *= keep
        if noise == 0.0:
            return
        for low, high, name, modules, rhos, total in self.parts:
            self.latents[:, low:high] += noise * self._draw(f"{name}.visit.{visit}", modules, rhos, total)


def _latents(
    out: np.ndarray, first: int, key: np.uint64, modules: np.ndarray, rhos: np.ndarray, n: int
) -> None:
    """The latent standard normals of a block of features (of ``n``): intensities at location 0, scale 1."""
    patients, width = out.shape
    groups = np.zeros(patients, np.int64)
    omics.fill_intensities(
        out,
        first,
        key,
        modules,
        rhos,
        groups,
        np.zeros((1, width)),
        np.ones(width),
        False,
        np.zeros((0, 0)),
        0.0,
        n,
    )


@dataclass(frozen=True)
class _GivenNormal(Block):
    """A column's rows made from given standard normals, as a copula's would be."""

    normals: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    def correlated_normal(self) -> np.ndarray:
        return self.normals


@dataclass(frozen=True)
class _Propensity:
    """Demographic columns correlated with the groups: the latent normal of column ``c`` is
    ``loading[c] * p + spread[c] * w[c]``, ``p`` the patient's propensity and ``w`` normals correlated by
    what is left of the matrix once ``p`` is accounted for (the conditional correlations), so the
    columns and ``p`` have together the group's matrix."""

    schema: Schema
    columns: tuple[str, ...]
    loadings: np.ndarray
    spreads: np.ndarray
    factor: np.ndarray
    keys: np.ndarray
    seed: int

    @classmethod
    def of(cls, schema: Schema, index: int, group: Correlation, seed: int) -> _Propensity:
        where = f"cohort: correlations[{index}]"
        columns = tuple(c for c in group.columns if c != "Group")
        for column in columns:
            require_correlatable(schema.column_named(column), column, where)
            if schema.copula_of(column) is not None:
                raise SchemaError(f"{where}: {column!r} is already in another correlation group")
        for other in schema.fields:
            read = sorted(set(other.dependencies(schema)) & set(columns))
            if read:
                raise SchemaError(
                    f"{where}: demographic column {other.name!r} reads {read[0]!r}, which follows Group; "
                    "allowed: columns that follow Group read by no other column"
                )
        matrix = np.array(group.matrix, dtype=np.float64)
        at = group.columns.index("Group")
        rest = [i for i in range(len(group.columns)) if i != at]
        loadings = matrix[rest, at]
        left = matrix[np.ix_(rest, rest)] - np.outer(loadings, loadings)
        spreads = np.sqrt(np.diag(left))
        factor = np.linalg.cholesky(left / np.outer(spreads, spreads))
        keys = np.array([column_key(seed, f"propensity.{c}") for c in columns], np.uint64)
        return cls(schema, columns, loadings, spreads, factor, keys, seed)

    def apply(self, batch: pa.RecordBatch, propensity: np.ndarray, first: int) -> pa.RecordBatch:
        """``batch`` with the following columns remade from ``propensity`` (one per row)."""
        count = len(propensity)
        own = np.empty((len(self.columns), count))
        normal = kn.FLOAT_DISTRIBUTIONS["normal"]
        for row, key in enumerate(self.keys):
            kn.fill_float(own[row], key, first, normal, 0.0, 1.0, -np.inf, np.inf, 0.0)
        mixed = np.empty_like(own)
        kn.mix_rows(mixed, self.factor, own)  # a kernel, not BLAS: a row's values never depend on the batch
        latents = self.loadings[:, None] * propensity + self.spreads[:, None] * mixed
        for row, column in enumerate(self.columns):
            spec = self.schema.column_named(column)
            assert spec is not None
            block = _GivenNormal(column, self.seed, first, count, self.schema, normals=latents[row])
            batch = batch.set_column(batch.schema.get_field_index(column), column, spec.column(block))
        return batch
