"""calm-data-generator's clinical generator under its names, over ``fastsynth.clinical``.

Code written against the seed switches by changing its import::

    from calm_data_generator.generators.clinical import ClinicalDataGenerator   # before
    from fastsynth.compat.calmops import ClinicGenerator                         # after

``generate`` returns the seed's dict of pandas DataFrames, ``demographics``, ``genes`` and ``proteins``,
indexed by ``Patient_ID`` (``PAT_0``, ``PAT_1``, ...), with columns ``G_0``... and ``P_0``... ;
``inject_drift_group_transition`` moves patients between Control and Disease and regenerates their
omics; ``generate_longitudinal_data`` gives the seed's visits table (``longitudinal``: the demographics
at each visit with ``Patient_ID``, ``Visit_ID`` and ``Days_Since_Start``) with the baseline tables.
Nothing here makes data: it translates arguments into a ``Cohort``.

Differences from the seed, on purpose: group sizes are exact (``control_disease_ratio`` times the
patients, rounded) where the seed's were drawn; a disease effect's fold change is drawn per gene, the
same for every patient of the group, where the seed drew one per patient; demographics are Age, Sex,
BMI, the custom columns and Group (no ``Disease_Subgroup``); patient ids carry no random part, so a seed
gives the same ids; in the visits table ``Patient_ID`` holds the same ``PAT_<n>`` as the other tables'
index (the seed wrote ``P_<n>`` there) and an evolving column's noise is drawn per (patient, visit) from
the seed, so it does not depend on what was generated before. Omics at every visit (the seed's tables
hold the baseline's only) come from ``fastsynth.clinical.Visits``.
Arguments that would change the data and that the facade cannot honour (gene correlation matrices, drift
and dynamics configurations, constraints, subgroups) are refused, never ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.clinical import Cohort, Effect, Evolution, Tables, Transition, Visits, generate_cohort
from fastsynth.clinical.cohort import MAX_VISITS
from fastsynth.compat.calmops_demographics import demographics
from fastsynth.dependencies import optional_import
from fastsynth.errors import SchemaError, UsageError
from fastsynth.specs import show

__all__ = ["ClinicGenerator"]

_GENE_TYPES = {"rna-seq": "rna-seq", "microarray": "microarray"}
_LONGITUDINAL = ("n_visits", "time_step_days", "evolution_config")
_TRANSITIONS = {
    "control_to_disease": (("Control", "Disease"),),
    "disease_to_control": (("Disease", "Control"),),
    "bidirectional": (("Control", "Disease"), ("Disease", "Control")),
}


class ClinicGenerator:
    """The seed's ``ClinicGenerator`` (calm-data-generator's ``ClinicalDataGenerator``)."""

    def __init__(self, seed: int = 42, auto_report: bool = False, minimal_report: bool = False) -> None:
        self.seed = seed
        self.cohort: Cohort | None = None
        """The cohort of the last ``generate``: transitions start from it."""

    def generate(
        self,
        n_samples: int = 100,
        n_genes: int = 200,
        n_proteins: int = 50,
        *,
        control_disease_ratio: float = 0.5,
        gene_type: str = "RNA-Seq",
        disease_effects_config: Sequence[Mapping[str, Any]] | None = None,
        custom_demographic_columns: Mapping[str, Any] | None = None,
        demographic_correlations: Any = None,
        **unsupported: Any,
    ) -> dict[str, Any]:
        """The demographics, genes and proteins of ``n_samples`` patients, as pandas DataFrames.
        ``custom_demographic_columns`` and ``demographic_correlations`` are the seed's (see
        ``calmops_demographics``): the groups follow the matrix's Propensity row."""
        if unsupported.get("longitudinal_config") is not None:
            raise UsageError(
                "generate: longitudinal_config makes no visits here (the seed's generate ignored it); "
                "allowed: generate_longitudinal_data(n_samples, longitudinal_config, ...)"
            )
        _refuse(unsupported, "generate")
        kind = _GENE_TYPES.get(str(gene_type).lower())
        if kind is None:
            raise UsageError(f"gene_type={show(gene_type)} is not allowed; allowed: RNA-Seq, Microarray")
        if not 0 <= control_disease_ratio <= 1:
            raise UsageError(f"control_disease_ratio={show(control_disease_ratio)} is outside [0, 1]")
        fields, correlations = demographics(custom_demographic_columns, demographic_correlations)
        self.cohort = Cohort(
            patients=n_samples,
            genes=n_genes,
            proteins=n_proteins,
            gene_type=kind,  # type: ignore[arg-type]
            groups={"Control": control_disease_ratio, "Disease": 1 - control_disease_ratio},
            effects=tuple(_effect(e, i) for i, e in enumerate(disease_effects_config or ())),
            demographics=fields,
            correlations=correlations,
            seed=self.seed,
        )
        return _frames(self.cohort)

    def generate_longitudinal_data(
        self,
        n_samples: int,
        longitudinal_config: Mapping[str, Any],
        date_config: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The seed's longitudinal cohort: ``longitudinal`` (the demographics of each patient at each of
        ``n_visits`` visits, ``time_step_days`` apart, the columns ``evolution_config`` names changing by
        ``trend`` and ``noise`` from visit to visit), ``base_demographics`` and ``base_omics`` (the genes
        at the first visit). ``kwargs`` are ``generate``'s (``n_genes``, ``gene_type``, ...); a
        ``date_config`` with a ``start_date`` adds ``Visit_Date``."""
        pd = optional_import("pandas", "calmops")
        config = dict(longitudinal_config or {})
        _refuse({k: v for k, v in config.items() if k not in _LONGITUDINAL}, "longitudinal_config")
        evolution = dict(config.get("evolution_config") or {})
        _refuse(
            {k: v for k, v in evolution.items() if k not in ("features", "trend", "noise")},
            "longitudinal_config.evolution_config",
        )
        n_visits, step = config.get("n_visits", 3), config.get("time_step_days", 30)
        for name, value, most in (("n_visits", n_visits, MAX_VISITS), ("time_step_days", step, 36_500)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
                raise UsageError(
                    f"longitudinal_config: {name}={show(value)} is not allowed; "
                    f"allowed: an integer in [1, {most}]"
                )
        features = evolution.get("features") or []
        if isinstance(features, str):
            features = [features]
        base = self.generate(n_samples, **kwargs)
        assert self.cohort is not None
        numeric = [
            c for c in base["demographics"].columns if pd.api.types.is_numeric_dtype(base["demographics"][c])
        ]
        for feature in features:
            if feature not in numeric:
                raise UsageError(
                    f"longitudinal_config.evolution_config: features names {show(feature)}, not a numeric "
                    f"demographic column; allowed: {', '.join(numeric)}"
                )
        try:
            change = Evolution(trend=evolution.get("trend", 0.0), noise=evolution.get("noise", 0.0))
        except SchemaError as exc:
            raise UsageError(f"longitudinal_config.evolution_config: {exc}") from None
        visits = Visits(count=n_visits, days_between=step, noise=0.0, evolve=dict.fromkeys(features, change))
        cohort = dataclasses.replace(self.cohort, visits=visits, genes=0, proteins=0)
        table = Tables(cohort).demographics(0, cohort.patients).to_pandas()
        ids = "PAT_" + table.pop("Patient_ID").astype(str)
        frame = table.drop(columns=["Visit_ID", "Days_Since_Start"])
        frame["Patient_ID"] = ids
        frame["Visit_ID"] = table["Visit_ID"].astype("int64")
        frame["Days_Since_Start"] = table["Days_Since_Start"].astype("int64")
        start = (
            getattr(date_config, "start_date", None)
            if not isinstance(date_config, Mapping)
            else date_config.get("start_date")
        )
        if start:
            frame["Visit_Date"] = pd.to_datetime(start) + pd.to_timedelta(frame["Days_Since_Start"], unit="D")
        return {"longitudinal": frame, "base_demographics": base["demographics"], "base_omics": base["genes"]}

    def inject_drift_group_transition(
        self,
        demographic_df: Any,
        omics_data_df: Any,
        transition_type: str,
        selection_criteria: Mapping[str, Any],
        omics_type: str = "genes",
        **unsupported: Any,
    ) -> tuple[Any, Any]:
        """Move a share of a group's patients to the other group (``selection_criteria``:
        ``{"percentage": p}`` of the group, or ``{"random": n}`` patients) and regenerate their omics;
        the updated demographics and ``omics_type`` table (``genes``, ``proteins``; ``both`` gives a
        dict of the two). Every other patient's values stay as they were."""
        _refuse(unsupported, "inject_drift_group_transition")
        if self.cohort is None:
            raise UsageError("inject_drift_group_transition: call generate first (the patients come from it)")
        if len(demographic_df) != self.cohort.patients:
            raise UsageError(
                f"demographic_df has {len(demographic_df)} patients, the last generate made "
                f"{self.cohort.patients}; pass the tables generate returned"
            )
        moves = _TRANSITIONS.get(transition_type)
        if moves is None:
            raise UsageError(
                f"transition_type={show(transition_type)} is not allowed; allowed: {', '.join(_TRANSITIONS)}"
            )
        if omics_type not in ("genes", "proteins", "both"):
            raise UsageError(f"omics_type={show(omics_type)} is not allowed; allowed: genes, proteins, both")
        counts = demographic_df["Group"].value_counts()
        transitions = tuple(
            Transition(
                source=source, target=target, share=_share(selection_criteria, int(counts.get(source, 0)))
            )
            for source, target in moves
        )
        frames = _frames(dataclasses.replace(self.cohort, transitions=transitions))
        omics = {"genes": frames["genes"], "proteins": frames["proteins"]}
        return frames["demographics"], omics if omics_type == "both" else omics[omics_type]


def _share(criteria: Mapping[str, Any], size: int) -> float:
    if set(criteria) == {"percentage"}:
        return float(criteria["percentage"])
    if set(criteria) == {"random"}:
        return min(int(criteria["random"]), size) / size if size else 0.0
    raise UsageError(
        f"selection_criteria={show(dict(criteria))} is not allowed; allowed: {{'percentage': p}} or "
        "{'random': n} (a list of patient_ids would move patients other than a share of the group)"
    )


def _effect(config: Mapping[str, Any], index: int) -> Effect:
    """The seed's old-format effect ``{"index": [...], "effect_type": "fold_change", "effect_value":
    v or [low, high]}`` on the Disease group."""
    where = f"disease_effects_config[{index}]"
    if config.get("effect_type", "fold_change") != "fold_change":
        raise UsageError(
            f"{where}: effect_type={show(config.get('effect_type'))} is not allowed; allowed: fold_change"
        )
    value = config.get("effect_value")
    low, high = (value, value) if isinstance(value, int | float) else tuple(value or ())
    return Effect(group="Disease", genes=tuple(config.get("index") or ()), fold_change=(low, high))


def _refuse(unsupported: Mapping[str, Any], method: str) -> None:
    given = sorted(k for k, v in unsupported.items() if v is not None)
    if given:
        raise UsageError(
            f"{method}: {given[0]} is not supported by fastsynth's ClinicGenerator (it would change the "
            "data, and is not translated yet); describe the cohort with fastsynth.clinical.Cohort instead"
        )


def _frames(cohort: Cohort) -> dict[str, Any]:
    """The cohort's tables as the seed's DataFrames, indexed by ``PAT_<n>``."""
    pd = optional_import("pandas", "calmops")
    frames = {}
    for name, table in generate_cohort(cohort).items():
        ids = pc.binary_join_element_wise("PAT_", pc.cast(table["Patient_ID"], pa.string()), "")
        frame = table.drop_columns("Patient_ID").to_pandas()
        frame.index = pd.Index(ids.to_numpy(zero_copy_only=False), name="Patient_ID")
        frames[name] = frame
    return frames
