"""The three linked tables of a cohort, made a block of patients at a time: demographics (with each
patient's group and, when patients move between groups, the ground truth of who moved), genes and
proteins. Any block of any size gives the same rows as the whole cohort in one go."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pyarrow as pa

from fastsynth.clinical.cohort import Cohort
from fastsynth.clinical.features import Features, exact_sizes, gene_features, protein_features
from fastsynth.fields.base import column_key
from fastsynth.generation import make_batch
from fastsynth.kernels import omics
from fastsynth.kernels.permutation import feistel_half_bits
from fastsynth.schema import Schema

__all__ = ["Layout", "Tables"]

Layout = Literal["wide", "long", "matrix"]
"""How omics tables are shaped: a column per feature (``G_0``, ``G_1``, ...), one row per (patient,
feature) (``Patient_ID``, ``Gene``, ``Value``), or one fixed-size list of every feature per patient
(``expression``: compact and fast for tens of thousands of genes)."""

_KIND = {"genes": ("G", "Gene"), "proteins": ("P", "Protein")}


@dataclass
class Tables:
    """A cohort's tables, made on demand by patient block."""

    cohort: Cohort

    @cached_property
    def demographic_schema(self) -> Schema:
        return Schema.from_dict({"fields": dict(self.cohort.demographics)})

    @cached_property
    def genes(self) -> Features:
        return gene_features(self.cohort)

    @cached_property
    def proteins(self) -> Features:
        return protein_features(self.cohort)

    def groups(self, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(group before transitions, group after) of patients ``first .. first + count - 1``, as
        indices into ``cohort.groups``. Groups take consecutive places of a keyed shuffle of the
        patients, so each has exactly its share; a transition takes the first places of its source."""
        n = self.cohort.patients
        place = omics.ranks(
            first, count, n, feistel_half_bits(n), np.uint64(column_key(self.cohort.seed, "groups"))
        )
        sizes = exact_sizes(list(self.cohort.groups.values()), n)
        starts = np.concatenate([[0], np.cumsum(sizes)])
        before = np.searchsorted(starts, place, side="right") - 1
        after = before.copy()
        names = list(self.cohort.groups)
        taken = dict.fromkeys(range(len(names)), 0)  # places of each source already moved
        for transition in self.cohort.transitions:
            source = names.index(transition.source)
            moved = round(transition.share * sizes[source])
            low = starts[source] + taken[source]
            chosen = (before == source) & (place >= low) & (place < low + moved)
            after[chosen] = names.index(transition.target)
            taken[source] += moved
        return before, after

    def demographics(self, first: int, count: int) -> pa.RecordBatch:
        before, after = self.groups(first, count)
        names = pa.array(list(self.cohort.groups))
        columns = make_batch(self.demographic_schema, first, count, self.cohort.seed)
        ids = pa.array(np.arange(first, first + count, dtype=np.int64))
        arrays = [
            ids,
            *columns.columns,
            pa.DictionaryArray.from_arrays(pa.array(after.astype(np.int8)), names),
        ]
        fields = ["Patient_ID", *columns.schema.names, "Group"]
        if self.cohort.transitions:
            arrays += [
                pa.DictionaryArray.from_arrays(pa.array(before.astype(np.int8)), names),
                pa.array(before != after),
            ]
            fields += ["Group_Before", "Transitioned"]
        return pa.RecordBatch.from_arrays(arrays, names=fields)

    def matrix(self, kind: Literal["genes", "proteins"], first: int, count: int) -> np.ndarray:
        """The values of patients ``first ..`` (rows) x every gene or protein (columns)."""
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
        ids = np.arange(first, first + count, dtype=np.int64)
        n = values.shape[1]
        if layout == "long":
            return pa.RecordBatch.from_arrays(
                [
                    pa.array(np.repeat(ids, n)),
                    pa.array(np.tile(np.arange(n, dtype=np.int32), count)),
                    pa.array(values.ravel()),
                ],
                names=["Patient_ID", noun, "Value"],
            )
        if layout == "matrix" and n:  # Arrow's fixed-size lists hold at least one value
            flat = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), n)
            return pa.RecordBatch.from_arrays(
                [pa.array(ids), flat], names=["Patient_ID", "expression" if kind == "genes" else "abundance"]
            )
        columns = [pa.array(ids), *(pa.array(values[:, j]) for j in range(n))]
        return pa.RecordBatch.from_arrays(columns, names=["Patient_ID", *(f"{prefix}_{j}" for j in range(n))])

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
