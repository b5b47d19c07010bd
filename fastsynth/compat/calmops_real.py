"""calm-data-generator's (calmops') ``RealGenerator`` and ``RealBlockGenerator`` over ``fastsynth.fit``.

Code written against the seed switches by changing its import; ``generate`` fits the method asked on the
data and returns a pandas DataFrame, as the seed does. The seed's method names map to fastsynth's:

============================  =====================================================================
seed ``method``               fastsynth
============================  =====================================================================
``cart``, ``rf``              ``cart``, ``rf`` (trees per column, sampled from their leaves)
``resample``, ``smote``       ``resample``, ``smote``
``ctgan``, ``tvae``           SDV's CTGAN and TVAE (the ``sdv`` extra)
``gaussian_copula``           SDV's GaussianCopula
``copula``                    SDV's CopulaGAN, as in the seed (fastsynth's own copula is ``fastsynth``)
``fastsynth``                 fastsynth's Gaussian copula (``fastsynth.fit``'s default)
============================  =====================================================================

Constraints are the seed's ``{"col", "op", "val"}`` objects or SQL predicates; every output row meets
them (the seed drops rows that fail and may return fewer). ``balance=True`` balances ``target_col``
exactly. ``drift_injection_config`` (``RealBlockGenerator``'s ``drift_config``) runs on the output
through the seed's ``DriftInjector`` (``fastsynth.compat.calmops_drift``, over
``fastsynth.inject_drift``), as the seed does: each entry a ``{"method": name, "params": {...}}`` dict, a
flat dict of the method's parameters with ``method`` or ``drift_method``, or a ``DriftConfig``; the date
column is the time column and, for blocks, the block column is given to every method that selects rows
(the injector's own CSV of each step, which the seed writes, is not written). Differences, on purpose: a
call without ``random_state`` repeats; the seed's options that would change the data and that the facade
cannot honour are refused, never ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.compat.calmops_drift import DriftInjector, apply_schedule
from fastsynth.compat.common import date_arguments, dates_document, make_folder, report, write_csv
from fastsynth.concepts.stream import Dates
from fastsynth.dependencies import optional_import
from fastsynth.errors import UsageError
from fastsynth.generation import generate as generate_table
from fastsynth.seeds import resolve_seed
from fastsynth.sources import to_arrow
from fastsynth.specs import from_document
from fastsynth.synthesis import fit, fit_blocks

__all__ = ["METHOD_NAMES", "RealBlockGenerator", "RealGenerator"]

METHOD_NAMES = {
    "cart": "cart",
    "rf": "rf",
    "resample": "resample",
    "smote": "smote",
    "ctgan": "ctgan",
    "tvae": "tvae",
    "gaussian_copula": "gaussian_copula",
    "copula": "copulagan",
    "copulagan": "copulagan",
    "fastsynth": "copula",
}
"""The seed's method names and fastsynth's."""

_OPERATORS = {">": ">", "<": "<", ">=": ">=", "<=": "<=", "==": "=", "!=": "<>"}
_REFUSED = ("dynamics_config", "cond", "epsilon", "report_config", "date_config_legacy")


class RealGenerator:
    """The seed's ``RealGenerator``: synthesis that mimics a real dataset."""

    def __init__(
        self,
        auto_report: bool = True,
        minimal_report: bool = False,
        logger: Any = None,
        random_state: int | None = None,
        verbose_training: bool = False,
    ) -> None:
        self.auto_report = auto_report
        self.random_state = random_state

    def generate(
        self,
        data: Any,
        n_samples: int,
        method: str = "cart",
        target_col: str | None = None,
        output_dir: str | None = None,
        custom_distributions: Mapping[str, Mapping[Any, float]] | None = None,
        date_config: Any = None,
        date_start: Any = None,
        date_every: int = 1,
        date_step: Mapping[str, int] | None = None,
        date_col: str = "timestamp",
        balance: bool = False,
        save_dataset: bool = False,
        drift_injection_config: Sequence[Any] | None = None,
        constraints: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """``n_samples`` rows like ``data`` by ``method`` (its options as keyword arguments), as a
        pandas DataFrame; with ``save_dataset``, also ``output_dir/synthetic_data_{method}.csv``."""
        _refuse(kwargs)
        table = _table(data)
        seed = resolve_seed(self.random_state)
        schema = fit(
            table,
            method=_method(method),
            target=target_col,
            seed=seed,
            custom_distributions=custom_distributions,
            balance_target=balance,
            constraints=_constraints(constraints),
            **kwargs,
        )
        made = generate_table(schema, n_samples, seed=seed)
        start, every, step, column = date_arguments(date_config, date_start, date_every, date_step, date_col)
        dates = dates_document(start, step, every, column)
        if dates is not None:
            spec = from_document(Dates, dates, where="date_start", error=UsageError)
            steps = np.arange(made.num_rows) // (spec.every or 1)
            made = made.append_column(
                spec.column, pa.array(spec.times(steps), pa.int64()).cast(spec.arrow_type())
            )
        injector = DriftInjector(
            generator_name=f"{method}_drifted",
            target_column=target_col,
            time_col=column if dates is not None else None,
            random_state=self.random_state,
        )
        drift = ("drift_injection_config", drift_injection_config, injector, {"time_col": injector.time_col})
        return _finish(
            made, save_dataset, output_dir, f"synthetic_data_{method}.csv", self.auto_report, drift
        )


class RealBlockGenerator:
    """The seed's ``RealBlockGenerator``: one model per block, one dataset of all blocks."""

    def __init__(self, auto_report: bool = True, random_state: int | None = None, **_: Any) -> None:
        self.auto_report = auto_report
        self.random_state = random_state

    def generate(
        self,
        data: Any,
        output_dir: str | None = None,
        method: str = "cart",
        target_col: str | None = None,
        block_column: str | None = None,
        chunk_size: int | None = None,
        chunk_by_timestamp: str | None = None,
        n_samples_block: int | Mapping[Any, int] | None = None,
        drift_config: Sequence[Any] | None = None,
        custom_distributions: Mapping[str, Mapping[Any, float]] | None = None,
        date_start: Any = None,
        date_step: Mapping[str, int] | None = None,
        date_col: str = "timestamp",
        model_params: Mapping[str, Any] | None = None,
        report_config: Any = None,
        save_dataset: bool = False,
    ) -> Any:
        """Every block's rows (``n_samples_block``: a number, or ``{block: rows}``; by default as many
        as the block had), with the block column and, from ``date_start``, a timestamp per block."""
        _refuse({"report_config": report_config} if report_config is not None else {})
        seed = resolve_seed(self.random_state)
        schema = fit_blocks(
            _table(data),
            method=_method(method),
            block_column=block_column,
            chunk_size=chunk_size,
            time_column=chunk_by_timestamp,
            rows=n_samples_block,
            dates=dates_document(date_start, date_step, None, date_col),
            target=target_col,
            seed=seed,
            custom_distributions=custom_distributions,
            **dict(model_params or {}),
        )
        made = generate_table(schema, schema.capacity() or 0, seed=seed)
        blocks = block_column if block_column is not None else chunk_by_timestamp or "block"
        injector = DriftInjector(
            generator_name=f"RealBlockGenerator_{method}",
            target_column=target_col,
            time_col=date_col if date_start is not None else None,
            block_column=blocks,
            random_state=self.random_state,
        )
        drift = (
            "drift_config",
            drift_config,
            injector,
            {"time_col": injector.time_col, "block_column": blocks},
        )
        return _finish(
            made, save_dataset, output_dir, f"synthetic_blocks_{method}.csv", self.auto_report, drift
        )


def _table(data: Any) -> pa.Table:
    table, _ = to_arrow(data)
    return table


def _method(name: str) -> str:
    if name not in METHOD_NAMES:
        raise UsageError(
            f"method={name!r} is not available; allowed: {', '.join(METHOD_NAMES)} (see "
            "fastsynth.compat.calmops_real for how they map to fastsynth's methods)"
        )
    return METHOD_NAMES[name]


def _constraints(constraints: Sequence[Any] | None) -> list[str]:
    """The seed's ``{"col", "op", "val"}`` constraints as SQL predicates (strings pass as they are)."""
    rules = []
    for index, rule in enumerate(constraints or ()):
        if isinstance(rule, str):
            rules.append(rule)
            continue
        if not isinstance(rule, Mapping) or rule.get("op") not in _OPERATORS or "col" not in rule:
            raise UsageError(
                f"constraints[{index}]={rule!r} is not a SQL predicate or an object of col, op "
                f"({', '.join(_OPERATORS)}) and val"
            )
        value = rule.get("val")
        if isinstance(value, str):
            literal = "'" + value.replace("'", "''") + "'"
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"constraints[{index}]: val={value!r} is not a number or a string")
        else:
            literal = repr(value)
        column = '"' + str(rule["col"]).replace('"', '""') + '"'
        rules.append(f"{column} {_OPERATORS[rule['op']]} {literal}")
    return rules


def _refuse(options: Mapping[str, Any]) -> None:
    for name in _REFUSED:
        if options.get(name) is not None:
            raise UsageError(f"{name}: not supported by the facade; fastsynth would not honour it")


def _finish(
    table: pa.Table,
    save: bool,
    folder: str | None,
    filename: str,
    reports: bool,
    drift: tuple[str, Sequence[Any] | None, DriftInjector, Mapping[str, Any]],
) -> Any:
    """The frame, drifted by the seed's schedule if one is given, then saved (as the seed saves it:
    after the drift)."""
    optional_import("pandas", "calmops")
    if save and folder is None:
        raise UsageError("save_dataset=True needs output_dir, the folder to write the CSV into")
    frame = table.to_pandas()
    name, schedule, injector, context = drift
    if schedule:
        frame = apply_schedule(injector, frame, schedule, context, name)
        table = pa.Table.from_pandas(frame, preserve_index=False)
    if save:
        assert folder is not None
        make_folder(folder)
        write_csv(table, os.path.join(folder, filename))
    report(reports)
    return frame
