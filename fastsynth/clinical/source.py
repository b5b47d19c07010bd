"""One table of a clinical cohort as the rows of a schema (its ``cohort`` key), so that everything that
serves a schema serves it: ``fastsynth gen``, the REST API's generators, Flight tickets, Dask workers::

    seed: 7
    cohort:
      table: genes          # demographics, genes or proteins
      patients: 1000
      genes: 50
      visits: {count: 3}    # then a row per (patient, visit)

Row ``i`` is the ``i``-th row of that table as ``generate_cohort`` makes it for the same cohort and seed:
patient ``i // visits``, visit ``i % visits``. The schema's rows decide how many are made, from the
first; the cohort has ``patients * visits`` rows and asking for more is refused (``fastsynth gen``
without ``--rows`` makes them all). The seed is the run's (``--seed``, else the schema's): a ``seed``
inside ``cohort`` is refused, so that one number decides the data.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import pyarrow as pa

from fastsynth.clinical.cohort import MAX_MEAN, Cohort, Effect, Trend, effect_indices
from fastsynth.clinical.tables import Tables
from fastsynth.errors import SchemaError
from fastsynth.specs import ceiling, from_document, show, spend, to_document, work_left

__all__ = ["CohortRows"]

_WHERE = "schema: cohort"
_TABLES = ("demographics", "genes", "proteins")
_LAYOUTS = ("wide", "matrix")
"""Layouts with a row per patient (and visit): ``long`` has a row per feature too."""
_SEEDS_KEPT = 4
_TABLE_SECONDS = 3e-4
"""Set-up time of one count table an effect or a trend adds (a gene of a group, at a later visit for a
trend): 27,000 took 8 s on this project's machines, parameters and look-ups included."""
_STEP_SECONDS = 4e-9
"""Set-up time of one count a count table walks past (``omics.nb_tables`` sums the negative binomial's
probabilities count by count up to its upper tail): a gene of mean 1e6 and dispersion 5 walks 84 million
counts in 0.25 s."""
_VALUE_SECONDS = 5e-7
"""Set-up time of one per-visit parameter of trends (16 bytes each): it bounds their memory too (the
default 5 s allow 10 million, 160 MB)."""


class CohortRows:
    """The rows of table ``table`` of ``cohort`` (its omics in ``layout``), for any seed."""

    def __init__(self, cohort: Cohort, table: str = "demographics", layout: str = "wide") -> None:
        if table not in _TABLES:
            raise SchemaError(f"{_WHERE}: table={show(table)} is not allowed; allowed: {', '.join(_TABLES)}")
        if layout not in _LAYOUTS:
            raise SchemaError(
                f"{_WHERE}: layout={show(layout)} is not allowed; allowed: {', '.join(_LAYOUTS)} "
                "(long has a row per feature, not per patient: write it with `fastsynth cohort`)"
            )
        if cohort.seed != 0:
            raise SchemaError(
                f"{_WHERE}: seed={cohort.seed} is not allowed here; allowed: the schema's seed (or --seed)"
            )
        self.cohort, self.table, self.layout = cohort, table, layout
        self.visits = cohort.visits.count if cohort.visits else 1
        _spend_setup(cohort)
        _check_width(cohort, table, layout)
        # The demographics' schema is parsed now, while a server's ceilings are in force, and the
        # columns' types are those of an empty block (types do not depend on the seed).
        self._plain = Tables(cohort)
        self._types = self._block(self._plain, 0, 0).schema
        self._by_seed: dict[int, Tables] = {}

    @classmethod
    def from_dict(cls, document: Any) -> CohortRows:
        if not isinstance(document, dict):
            raise SchemaError(f"{_WHERE}={show(document)} is not an object")
        if "table" not in document:
            raise SchemaError(f"{_WHERE}: needs key 'table'; allowed: {', '.join(_TABLES)}")
        spec = {k: v for k, v in document.items() if k not in ("table", "layout")}
        if "seed" in spec:
            raise SchemaError(
                f"{_WHERE}: seed={show(spec['seed'])} is not allowed here; allowed: the schema's seed "
                "(seed: at its top, or --seed)"
            )
        cohort = from_document(Cohort, spec, where=_WHERE)
        return cls(cohort, document["table"], document.get("layout", "wide"))

    def to_dict(self) -> dict[str, Any]:
        layout = {} if self.layout == "wide" else {"layout": self.layout}
        # Options made by a default factory (groups, demographics) are left out too when unchanged.
        defaults = to_document(Cohort(patients=1))
        cohort = {
            k: v for k, v in to_document(self.cohort).items() if k == "patients" or defaults.get(k) != v
        }
        return {"table": self.table, **layout, **cohort}

    def _block(self, tables: Tables, first: int, count: int) -> pa.RecordBatch:
        if self.table == "demographics":
            return tables.demographics(first, count)
        kind: Literal["genes", "proteins"] = "genes" if self.table == "genes" else "proteins"
        return tables.omics(kind, first, count, self.layout)  # type: ignore[arg-type]

    def _tables(self, seed: int) -> Tables:
        """The cohort's tables for ``seed``, kept for the next blocks: its features are drawn once."""
        found = self._by_seed.get(seed)
        if found is None:
            if len(self._by_seed) >= _SEEDS_KEPT:
                self._by_seed.clear()
            found = self._by_seed[seed] = Tables(dataclasses.replace(self.cohort, seed=seed))
        return found

    # -- the interface a schema's columns use (``fastsynth.fields.generated.RowSource``) --------------

    def column_types(self) -> dict[str, pa.DataType]:
        return {f.name: f.type for f in self._types}

    def nullable(self, name: str) -> bool:
        if name == "Transition_Visit":
            return True
        return bool(self._plain.demographic_schema.column_nullable(name))

    def capacity(self) -> int:
        return self.cohort.patients * self.visits

    def make(self, seed: int, start: int, size: int) -> dict[str, pa.Array]:
        """Rows ``[start, start + size)``: the block of the patients they belong to, cut to them."""
        first = start // self.visits
        end = -(-(start + size) // self.visits)
        block = self._block(self._tables(seed), first, end - first).slice(start - first * self.visits, size)
        return {name: block.column(k) for k, name in enumerate(block.schema.names)}

    # -- a schema is compared, hashed and sent to Dask workers by its spec ------------------------------

    def __reduce__(self) -> tuple[Any, ...]:
        return (CohortRows, (self.cohort, self.table, self.layout))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CohortRows) and (self.cohort, self.table, self.layout) == (
            other.cohort,
            other.table,
            other.layout,
        )

    def __hash__(self) -> int:
        return hash((self.table, self.layout, self.cohort.patients, self.cohort.genes))

    def __repr__(self) -> str:
        return f"CohortRows({self.cohort!r}, table={self.table!r}, layout={self.layout!r})"


def _check_width(cohort: Cohort, table: str, layout: str) -> None:
    """Under a server's limits, refuse a wide omics table whose features and keys are more columns than
    ``max_fields``, before it is made (``genes`` alone is capped by the same number)."""
    limit = ceiling("fields")
    if limit is None or table == "demographics" or layout != "wide":
        return
    features = cohort.genes if table == "genes" else cohort.proteins
    keys = 2 if cohort.visits else 1  # Patient_ID, and Visit_ID
    if features + keys > limit[0]:
        raise SchemaError(
            f"{_WHERE}: {table}={features} makes {features + keys} columns with its keys, over the limit; "
            f"allowed: at most {limit[0] - keys} {table} in the wide layout ({limit[1]}), or layout: matrix"
        )


def _walk(cohort: Cohort) -> float:
    """About how many counts the cohort's count tables walk: a table of mean ``m`` and dispersion ``d``
    reaches its upper tail near ``m * (1 + 21 d)`` (a gamma's quantile at 1e-9 for shape ``1 / d``),
    the genes' means taken at their expected value and every effect's table at its largest mean."""
    counts = cohort.counts
    mean = min(MAX_MEAN, math.exp(counts.log_mean + counts.log_mean_sd**2 / 2))
    spread = 1 + 21 * max(counts.dispersion)
    steps = cohort.genes * (mean * spread + 40 * math.sqrt(mean))
    later = cohort.visits.count - 1 if cohort.visits else 0
    trends = cohort.visits.trends if cohort.visits else ()
    tables: list[tuple[Effect | Trend, float, int]] = [(e, max(e.fold_change), 1) for e in cohort.effects]
    tables += [(t, math.exp(min(700.0, later * math.log(max(t.fold_change)))), later) for t in trends]
    for effect, fold, count in tables:
        larger = min(MAX_MEAN, mean * fold)
        genes = len(set(effect_indices(effect, "genes")))
        steps += genes * count * (larger * spread + 40 * math.sqrt(larger))
    return steps


def _spend_setup(cohort: Cohort) -> None:
    """Under a server's limits, refuse effects and trends whose parameters take longer to draw than the
    seconds of set-up left (``max_build_seconds``), before they are drawn: 297,000 count tables (a trend
    on every gene of three groups, at 100 visits) took minutes."""
    budget = work_left()
    if budget is None:
        return
    visits = cohort.visits
    trends = visits.trends if visits else ()
    later = visits.count - 1 if visits else 0
    tables = sum(len(set(effect_indices(e, "genes"))) for e in cohort.effects)
    tables += sum(len(set(effect_indices(t, "genes"))) for t in trends) * later
    if cohort.gene_type != "rna-seq":
        tables = 0
    values = len({t.group for t in trends}) * later * (cohort.genes + cohort.proteins)
    steps = _walk(cohort) if cohort.gene_type == "rna-seq" else 0.0
    needed = tables * _TABLE_SECONDS + values * _VALUE_SECONDS + steps * _STEP_SECONDS
    if needed > budget[0]:
        raise SchemaError(
            f"{_WHERE}: its count tables, effects and trends need about {needed:.0f} s to draw their "
            f"parameters ({tables:,} count tables for effects and trends, {values:,} per-visit values, "
            f"about {steps:.3g} counts walked by the tables), over the limit; allowed: at most {budget[0]} s "
            f"({budget[1]}): smaller means or dispersions in counts, fewer genes, fewer genes in effects, "
            "or fewer visits, genes or groups in trends"
        )
    spend("work", needed)
