"""calm-data-generator's ``DriftInjector`` under its name and parameters, over ``fastsynth.inject_drift``.

Code written against the seed switches by changing its import::

    from calm_data_generator.generators.drift.DriftInjector import DriftInjector   # before
    from fastsynth.compat.calmops import DriftInjector                             # after

Each method translates its arguments into fastsynth drift specs (``fastsynth.drift``) and returns a
pandas DataFrame with the input's index; nothing here changes data. The seed's row selections map to
fastsynth's: ``start_index``/``end_index``/``index_step`` to ``rows``, ``block_index``/``blocks`` to
``blocks``, ``time_start``/``time_end``/``time_ranges``/``specific_times`` (both ends inclusive) to a
``where`` condition on the time column. The seed's windowed drifts (``center``, ``width``, ``profile``,
``speed_k``, ``direction``) ramp the weight of every row of the selection, which is fastsynth's
``incremental`` profile (``fading`` going down), its sigmoid's steepness set from ``width``.

===============================================  ====================================================
seed                                             fastsynth drift
===============================================  ====================================================
``drift_type`` ``gaussian_noise``                ``gaussian_noise`` in ``std`` of the window
``uniform_noise``                                ``uniform_noise`` in ``std`` of the window
``shift`` (by ``magnitude`` times the mean)      ``shift``, ``unit: relative`` (down if the mean < 0)
``scale`` (spread times ``1 + magnitude``)       ``scale`` by ``1 + magnitude``
``add_value``, ``subtract_value``                ``add`` (``direction: down`` to subtract)
``multiply_value``, ``divide_value``             ``multiply`` (``direction: down`` to divide)
a category column in a feature drift             ``label_flip`` at ``rate`` = magnitude
``correlations``                                 ``propagate`` (the seed's rule, every correlation)
``inject_label_drift``, ``inject_concept_drift``  ``label_flip`` (exactly ``int(rows * magnitude)``)
``inject_label_shift``                           ``prior_shift`` (exact counts)
``inject_outliers_global``                       ``outliers``
``inject_nulls``, ``inject_missing_values_drift``  ``nulls``
``inject_new_category_drift``                    ``new_category``
``inject_categorical_frequency_drift``           ``frequencies`` toward the seed's expected mix
``inject_typos_drift``                           ``typos``
``inject_category_merge_drift``                  ``merge``
``inject_correlation_matrix_drift`` (2 columns)  ``correlation``
``inject_conditional_drift``                     any of these with a ``where`` condition
===============================================  ====================================================

Differences from the seed, on purpose: fastsynth's transitions run from no drift at the window's first
row to full drift at its last (the seed's sigmoid stops short of both: 0.12 and 0.88 for
``inject_feature_drift_incremental``); flipped labels and categories are an exact count (the rate times
the rows' weights, rounded down) where the seed's windowed and feature drifts tossed a coin per row; a
global outlier lands at the window's mean plus or minus ``factor`` standard deviations (the seed added
them to the value); a deleting typo may empty a one-letter string (the seed leaves strings under two
letters alone); the correlation drift reorders the second column, so both marginals stay exactly as they
were; a call without ``random_state`` repeats; errors are raised where the seed warned and carried on (a
missing column, a failing step of a schedule); ``inject_label_shift``'s ``target_distribution`` must
give shares of the column's own classes that sum to 1 (calmops refused other sums; calm-data-generator
divides by the sum and adds a class the column lacks). The same ``random_state`` gives the same frames
for the same sequence of calls. Parameters that would change the data and that fastsynth cannot honour are
refused with ``UsageError``, never ignored; so are the seed's methods that have no fastsynth drift. With
``output_dir`` (and ``auto_report``), each method also writes its frame as the seed names it,
``{generator_name}_feature_drift.csv`` and so on; no report is written.
"""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Annotated, Any

import numpy as np
import pyarrow as pa

from fastsynth.compat.common import make_folder, pandas_frame, report, write_csv
from fastsynth.dependencies import optional_import
from fastsynth.drift import inject_drift
from fastsynth.errors import UsageError
from fastsynth.seeds import resolve_seed
from fastsynth.specs import Bounds, PositiveNumber, argument, show

__all__ = ["DriftInjector", "apply_schedule", "schedule_entry"]

_NUMERIC_TYPES = {
    "gaussian_noise": ("gaussian_noise", {"unit": "std"}),
    "uniform_noise": ("uniform_noise", {"unit": "std"}),
    "shift": ("shift", {"unit": "relative"}),
    "scale": ("scale", {}),
    "add_value": ("add", {}),
    "subtract_value": ("add", {"direction": "down"}),
    "multiply_value": ("multiply", {}),
    "divide_value": ("multiply", {"direction": "down"}),
}
"""The seed's numeric ``drift_type`` names and fastsynth's drift type, with its fixed options."""

_VALUE_TYPES = ("add_value", "subtract_value", "multiply_value", "divide_value")
_TRANSITIONS = ("sigmoid", "linear", "cosine")
_SELECTION_KEYS = frozenset(
    {
        "start_index",
        "end_index",
        "index_step",
        "block_index",
        "block_column",
        "blocks",
        "block_start",
        "n_blocks",
        "block_step",
        "time_col",
        "time_start",
        "time_end",
        "time_ranges",
        "specific_times",
        "time_step",
    }
)
_ACCEPTED = frozenset({"output_dir", "generator_name", "resample_rule", "auto_report"})
"""Arguments about files and reports: they do not change the data."""
_MAX_STEEPNESS = 100.0
"""fastsynth's sigmoid steepness ceiling (``fastsynth.drift.profiles``)."""
_SEED_STEP = 0x9E3779B97F4A7C15
"""Each call of an injector draws with its own seed, so that two calls differ as the seed's do."""

_REFUSED_METHODS = {
    "inject_label_drift_recurrent": "its windows are sigmoid steps over the whole selection; call "
    "inject_label_drift once per window (start_index, end_index), or use fastsynth.inject_drift with a "
    "recurrent profile",
    "inject_concept_drift_gradual": "it perturbs a binary label by noise and a threshold, which fastsynth "
    "has no drift for; use inject_label_drift_gradual",
    "inject_new_value": "use inject_new_category_drift (text categories) or fastsynth.inject_drift",
    "inject_data_quality_issues": "use inject_multiple_types_of_drift, or fastsynth.inject_drift with a "
    "list of drifts",
    "inject_boolean_drift": "use inject_binary_probabilistic_drift, or fastsynth.inject_drift with a flip "
    "drift",
    "inject_functional_drift": "use fastsynth.inject_drift: a concept drift with an SQL rule, or a shift",
    "inject_causal_cascade": "use fastsynth.inject_drift with propagate, or a schema's derived columns",
}


class DriftInjector:
    """The seed's ``DriftInjector``: known drift injected into a pandas DataFrame."""

    def __init__(
        self,
        output_dir: str | None = None,
        generator_name: str = "DriftInjector",
        random_state: int | None = None,
        time_col: str | None = None,
        block_column: str | None = None,
        target_column: str | None = None,
        original_df: Any = None,
        minimal_report: bool = False,
        auto_report: bool = True,
    ) -> None:
        self.output_dir = output_dir
        self.generator_name = generator_name
        self.random_state = random_state
        self.time_col = time_col
        self.block_column = block_column
        self.target_column = target_column
        self.original_df = original_df
        self.minimal_report = minimal_report
        self.auto_report = auto_report
        self._calls = 0

    def __repr__(self) -> str:
        return (
            f"DriftInjector(output_dir={self.output_dir!r}, generator_name={self.generator_name!r}, "
            f"random_state={self.random_state!r}, time_col={self.time_col!r}, "
            f"block_column={self.block_column!r}, target_column={self.target_column!r})"
        )

    def __getattr__(self, name: str) -> Any:
        if name in _REFUSED_METHODS:
            raise UsageError(f"DriftInjector.{name} is not supported by fastsynth: {_REFUSED_METHODS[name]}")
        raise AttributeError(name)

    # -- feature drift ----------------------------------------------------------------------------------

    def inject_feature_drift(
        self,
        df: Any,
        feature_cols: Sequence[str] | None = None,
        drift_type: str = "gaussian_noise",
        drift_magnitude: float = 0.2,
        drift_value: float | None = None,
        drift_values: Mapping[str, float] | None = None,
        start_index: int | None = None,
        block_index: Any = None,
        block_column: str | None = None,
        time_col: str | None = None,
        time_start: Any = None,
        time_end: Any = None,
        time_ranges: Sequence[tuple[Any, Any]] | None = None,
        specific_times: Sequence[Any] | None = None,
        output_dir: str | None = None,
        generator_name: str | None = None,
        correlations: Any = None,
        drift_config: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Every selected row of ``feature_cols`` drifted in full by ``drift_type``."""
        where = "inject_feature_drift"
        given = _given(where, locals(), kwargs)
        args = _with_config(where, drift_config, given)
        selection = self._selection(df, where, args)
        drifts = self._feature_drifts(df, where, args, selection, {"type": "abrupt"})
        return self._run(df, drifts, "feature_drift", args)

    def inject_feature_drift_gradual(
        self,
        df: Any,
        feature_cols: Sequence[str] | None = None,
        drift_type: str = "gaussian_noise",
        drift_magnitude: float = 0.2,
        drift_value: float | None = None,
        drift_values: Mapping[str, float] | None = None,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        inconsistency: float = 0.0,
        correlations: Any = None,
        drift_config: Any = None,
        **kwargs: Any,
    ) -> Any:
        """The drift ramped over the selected rows: a transition of ``width`` rows (a fifth of them by
        default) at their middle, fastsynth's ``incremental`` profile."""
        where = "inject_feature_drift_gradual"
        given = _given(where, locals(), kwargs)
        args = _with_config(where, drift_config, given)
        selection = self._selection(df, where, args)
        shape = self._ramp(df, where, selection, args, default_width=lambda n: max(1, n // 5))
        drifts = self._feature_drifts(df, where, args, selection, shape)
        return self._run(df, drifts, "feature_gradual", args)

    def inject_feature_drift_incremental(
        self,
        df: Any,
        feature_cols: Sequence[str],
        drift_type: str,
        drift_magnitude: float,
        drift_value: float | None = None,
        drift_values: Mapping[str, float] | None = None,
        correlations: Any = None,
        **kwargs: Any,
    ) -> Any:
        """The drift ramped across all the selected rows (the seed's one wide sigmoid)."""
        where = "inject_feature_drift_incremental"
        given = _given(where, locals(), kwargs)
        for name in ("center", "width", "profile", "speed_k", "direction"):
            if given.get(name) is not None:
                raise UsageError(f"{where}: {name}={show(given[name])} is not a parameter of this method")
        selection = self._selection(df, where, given)
        shape = {"type": "incremental", "transition": "sigmoid", "steepness": 4.0}
        drifts = self._feature_drifts(df, where, given, selection, shape)
        return self._run(df, drifts, "feature_gradual", given)

    def inject_feature_drift_recurrent(
        self,
        df: Any,
        feature_cols: Sequence[str],
        drift_type: str,
        drift_magnitude: float,
        drift_value: float | None = None,
        drift_values: Mapping[str, float] | None = None,
        windows: Sequence[tuple[int, int]] | None = None,
        cycle_blocks: Sequence[Any] | None = None,
        repeats: int = 1,
        random_repeat_order: bool = False,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        **kwargs: Any,
    ) -> Any:
        """The selected rows cut into ``repeats`` equal parts, the drift ramped over each (rows chosen by
        index only: fastsynth's windows are row ranges)."""
        where = "inject_feature_drift_recurrent"
        given = _given(where, locals(), kwargs)
        for name in ("windows", "cycle_blocks"):
            if given.get(name):
                raise UsageError(
                    f"{where}: {name}={show(given[name])} is not supported (the seed does not use it "
                    "either); give repeats, and start_index/end_index for the rows"
                )
        if random_repeat_order:
            raise UsageError(f"{where}: random_repeat_order=True is not supported (the seed ignores it)")
        if center is not None:
            raise UsageError(
                f"{where}: center={show(center)} is not supported; each part ramps at its middle"
            )
        selection = self._selection(df, where, given)
        if "rows" not in selection and selection:
            raise UsageError(
                f"{where}: selects rows by index only (start_index, end_index); got {', '.join(selection)}"
            )
        rows = selection.get("rows", {})
        start, end, step = rows.get("start", 0), rows.get("end", len(df)), rows.get("step", 1)
        positions = range(start, end, step)
        if not isinstance(repeats, int) or repeats < 1:
            raise UsageError(f"{where}: repeats={show(repeats)} is not a whole number >= 1")
        size = len(positions) // repeats
        drifts: list[dict[str, Any]] = []
        for part in range(repeats):
            first = part * size
            last = (part + 1) * size if part < repeats - 1 else len(positions)
            if last <= first:
                continue
            window = {"rows": {"start": positions[first], "end": positions[last - 1] + 1, "step": step}}
            shape = _ramp_shape(where, last - first, None, width, profile, speed_k, direction, lambda n: n)
            drifts += self._feature_drifts(df, where, given, window, shape)
        return self._run(df, drifts, "feature_recurrent", given)

    def inject_feature_drift_abrupt(
        self,
        df: Any,
        feature_cols: Sequence[str],
        drift_type: str = "gaussian_noise",
        drift_magnitude: float = 0.2,
        change_index: int = 0,
        direction: str = "up",
        time_col: str | None = None,
        output_dir: str | None = None,
        generator_name: str | None = None,
    ) -> Any:
        """Every row from ``change_index`` on drifted in full."""
        return self.inject_feature_drift(
            df,
            feature_cols=feature_cols,
            drift_type=drift_type,
            drift_magnitude=drift_magnitude,
            start_index=change_index,
            output_dir=output_dir,
            generator_name=generator_name,
        )

    def inject_binary_probabilistic_drift(
        self,
        df: Any,
        target_col: str,
        probability: float = 0.4,
        noise_range: tuple[float, float] = (0.1, 0.7),
        threshold: float = 0.5,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        **kwargs: Any,
    ) -> Any:
        """A share ``probability`` of a 0/1 (or boolean) column's selected values flipped, ramped over
        the rows when ``center`` and ``width`` are given. (``noise_range`` and ``threshold`` are unused,
        as in the seed.)"""
        where = "inject_binary_probabilistic_drift"
        given = _given(where, locals(), kwargs)
        column = _column(df, where, "target_col", target_col)
        values = df[column]
        pd = optional_import("pandas", "calmops")
        if not _binary(values):
            raise UsageError(f"{where}: column {column!r} is not binary (0/1 or booleans)")
        selection = self._selection(df, where, given)
        shape: dict[str, Any] = {"type": "abrupt"}
        if center is not None and width is not None:
            shape = self._ramp(df, where, selection, given, default_width=lambda n: n)
        rate = _share(where, "probability", probability)
        flip = {"type": "flip", "columns": [column], "rate": rate}
        if not pd.api.types.is_bool_dtype(values.dtype):
            flip = {"type": "label_flip", "column": column, "rate": rate}
        return self._run(df, [{**flip, **selection, "profile": shape}], "binary_probabilistic_drift", given)

    # -- labels -----------------------------------------------------------------------------------------

    def inject_label_drift(
        self,
        df: Any,
        target_cols: Sequence[str],
        drift_magnitude: float = 0.1,
        drift_magnitudes: Mapping[str, float] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Exactly ``int(rows * drift_magnitude)`` of the selected labels of each column moved to another
        class."""
        where = "inject_label_drift"
        given = _given(where, locals(), kwargs)
        selection = self._selection(df, where, given)
        drifts = []
        for name in _names(target_cols):
            column = _column(df, where, "target_cols", name)
            magnitude = (drift_magnitudes or {}).get(name, drift_magnitude)
            rate = min(max(float(magnitude), 0.0), 1.0)  # the seed clips the share
            drifts.append({"type": "label_flip", "column": column, "rate": rate, **selection})
        return self._run(df, drifts, "label_drift", given)

    def inject_label_drift_gradual(
        self,
        df: Any,
        target_col: str,
        drift_magnitude: float = 0.3,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        inconsistency: float = 0.0,
        **kwargs: Any,
    ) -> Any:
        """Labels flipped with a share that ramps up to ``drift_magnitude`` over the selected rows."""
        where = "inject_label_drift_gradual"
        given = _given(where, locals(), kwargs)
        column = _column(df, where, "target_col", target_col)
        selection = self._selection(df, where, given)
        shape = self._ramp(df, where, selection, given, default_width=lambda n: max(1, n // 5))
        rate = min(max(float(drift_magnitude), 0.0), 1.0)
        drift = {"type": "label_flip", "column": column, "rate": rate, **selection, "profile": shape}
        return self._run(df, [drift], "label_gradual", given)

    def inject_label_drift_abrupt(
        self, df: Any, target_col: str, drift_magnitude: float, change_index: int, **kwargs: Any
    ) -> Any:
        """A share ``drift_magnitude`` of the labels from ``change_index`` on flipped."""
        if kwargs.get("start_index") is not None:
            raise UsageError("inject_label_drift_abrupt: give change_index, not start_index")
        return self.inject_label_drift(
            df, [target_col], drift_magnitude=drift_magnitude, start_index=change_index, **kwargs
        )

    def inject_label_drift_incremental(
        self, df: Any, target_col: str, drift_magnitude: float, **kwargs: Any
    ) -> Any:
        """Labels flipped with a share that ramps across all the selected rows."""
        where = "inject_label_drift_incremental"
        given = _given(where, locals(), kwargs)
        column = _column(df, where, "target_col", target_col)
        selection = self._selection(df, where, given)
        shape = {"type": "incremental", "transition": "sigmoid", "steepness": 4.0}
        rate = min(max(float(drift_magnitude), 0.0), 1.0)
        drift = {"type": "label_flip", "column": column, "rate": rate, **selection, "profile": shape}
        return self._run(df, [drift], "label_gradual", given)

    def inject_label_shift(
        self, df: Any, target_col: str, target_distribution: Mapping[Any, float], **kwargs: Any
    ) -> Any:
        """The selected rows' labels relabelled so that their classes have ``target_distribution``'s
        shares, exactly, by moving the fewest rows: shares of the column's classes, summing to 1."""
        where = "inject_label_shift"
        given = _given(where, locals(), kwargs)
        column = _column(df, where, "target_col", target_col)
        target = _distribution(where, target_distribution, df[column])
        selection = self._selection(df, where, given)
        drift = {"type": "prior_shift", "column": column, "target": target, **selection}
        return self._run(df, [drift], "label_shift", given)

    def inject_concept_drift(
        self,
        df: Any,
        concept_drift_type: str = "label_flip",
        concept_drift_magnitude: float = 0.2,
        target_column: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The seed's local concept drift: ``int(rows * concept_drift_magnitude)`` selected labels of
        ``target_column`` flipped (its only type, ``label_flip``)."""
        where = "inject_concept_drift"
        given = _given(where, locals(), kwargs)
        if concept_drift_type != "label_flip":
            raise UsageError(
                f"{where}: concept_drift_type={show(concept_drift_type)} is not allowed; allowed: label_flip"
            )
        name = target_column or self.target_column
        if not name:
            raise UsageError(f"{where}: needs target_column, the label column")
        column = _column(df, where, "target_column", name)
        selection = self._selection(df, where, given)
        rate = _share(where, "concept_drift_magnitude", concept_drift_magnitude)
        drift = {"type": "label_flip", "column": column, "rate": rate, **selection}
        return self._run(df, [drift], "concept_drift", given)

    # -- data quality -----------------------------------------------------------------------------------

    def inject_outliers_global(
        self, df: Any, cols: Sequence[str], outlier_prob: float = 0.05, factor: float = 3.0, **kwargs: Any
    ) -> Any:
        """A share ``outlier_prob`` of the selected values moved to their mean plus or minus ``factor``
        standard deviations (of the selected rows)."""
        where = "inject_outliers_global"
        given = _given(where, locals(), kwargs)
        columns = [_numeric(df, where, "cols", c) for c in _names(cols)]
        rate = _share(where, "outlier_prob", outlier_prob)
        if factor < 0:
            raise UsageError(f"{where}: factor={show(factor)} is negative")
        selection = self._selection(df, where, given)
        drift = {"type": "outliers", "columns": columns, "rate": rate, "magnitude": float(factor)}
        return self._run(df, [{**drift, **selection}], "outliers", given)

    def inject_nulls(self, df: Any, cols: Sequence[str], prob: float = 0.1, **kwargs: Any) -> Any:
        """A share ``prob`` of the selected values of ``cols`` made missing (NaN, None)."""
        return self.inject_missing_values_drift(df, cols, missing_fraction=prob, **kwargs)

    def inject_missing_values_drift(
        self, df: Any, feature_cols: Sequence[str], missing_fraction: float = 0.1, **kwargs: Any
    ) -> Any:
        """A share ``missing_fraction`` of the selected values of ``feature_cols`` made missing."""
        where = "inject_missing_values_drift"
        given = _given(where, locals(), kwargs)
        columns = [_column(df, where, "feature_cols", c) for c in _names(feature_cols)]
        rate = _share(where, "missing_fraction", missing_fraction)
        selection = self._selection(df, where, given)
        drift = {"type": "nulls", "columns": columns, "rate": rate, **selection}
        return self._run(df, [drift], "missing_values", given)

    def inject_conditional_drift(
        self,
        df: Any,
        feature_cols: Sequence[str],
        conditions: Sequence[Mapping[str, Any]],
        drift_type: str,
        drift_magnitude: float,
        drift_method: str = "abrupt",
        drift_value: float | None = None,
        drift_values: Mapping[str, float] | None = None,
        correlations: Any = None,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        repeats: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """A feature drift on the selected rows that meet every condition (``{"column", "operator",
        "value"}``, operators ``> >= < <= == != in``): ``drift_method`` abrupt, gradual or incremental."""
        where = "inject_conditional_drift"
        given = _given(where, locals(), kwargs)
        if repeats is not None or drift_method == "recurrent":
            raise UsageError(
                f"{where}: drift_method='recurrent' is not supported; allowed: abrupt, gradual, incremental"
            )
        selection = self._selection(df, where, given)
        if "rows" in selection:
            raise UsageError(
                f"{where}: start_index/end_index cannot be combined with conditions by fastsynth; select "
                "by blocks or time, or add a condition"
            )
        clauses = [_condition(df, where, i, c) for i, c in enumerate(_names(conditions))]
        if not clauses:
            raise UsageError(f"{where}: conditions={show(conditions)} is not a non-empty list of conditions")
        if "blocks" in selection:
            blocks = selection["blocks"]
            clauses.insert(0, f"{_quote(blocks['column'])} IN ({', '.join(map(_literal, blocks['values']))})")
        elif "where" in selection:
            clauses.insert(0, f"({selection['where']})")
        condition = {"where": " AND ".join(clauses)}
        if drift_method == "abrupt":
            shape: dict[str, Any] = {"type": "abrupt"}
        elif drift_method == "gradual":
            shape = self._ramp(df, where, condition, given, default_width=lambda n: n)
        elif drift_method == "incremental":
            shape = {"type": "incremental", "transition": "sigmoid", "steepness": 4.0}
        else:
            raise UsageError(
                f"{where}: drift_method={show(drift_method)} is not allowed; allowed: abrupt, gradual, "
                "incremental"
            )
        drifts = self._feature_drifts(df, where, given, condition, shape)
        return self._run(df, drifts, f"conditional_{drift_method}", given)

    # -- structure --------------------------------------------------------------------------------------

    def inject_correlation_matrix_drift(
        self, df: Any, feature_cols: Sequence[str], target_correlation_matrix: Any, **kwargs: Any
    ) -> Any:
        """Two numeric columns' correlation over the selected rows set to the matrix's off-diagonal
        value, by reordering the second column's values among those rows (both marginals kept)."""
        where = "inject_correlation_matrix_drift"
        given = _given(where, locals(), kwargs)
        columns = [_numeric(df, where, "feature_cols", c) for c in _names(feature_cols)]
        try:
            matrix = np.asarray(target_correlation_matrix, dtype=np.float64)
        except (TypeError, ValueError):
            matrix = np.full(1, np.nan)  # refused below, with the value given
        if len(columns) != 2:
            raise UsageError(
                f"{where}: feature_cols={show(list(feature_cols))} has {len(columns)} columns; fastsynth's "
                "correlation drift sets the correlation of two"
            )
        if matrix.shape != (2, 2) or not math.isclose(matrix[0, 1], matrix[1, 0]):
            raise UsageError(
                f"{where}: target_correlation_matrix={show(target_correlation_matrix)} is not a symmetric "
                "2x2 matrix of numbers"
            )
        selection = self._selection(df, where, given)
        drift = {"type": "correlation", "columns": columns, "target": float(matrix[0, 1]), **selection}
        return self._run(df, [drift], "correlation_drift", given)

    def inject_new_category_drift(
        self,
        df: Any,
        feature_col: str,
        new_category: Any,
        probability: float = 0.1,
        replace_categories: Sequence[Any] | None = None,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        **kwargs: Any,
    ) -> Any:
        """A share ``probability`` of the selected values replaced by ``new_category`` (ramped over the
        rows when ``center`` or ``width`` is given)."""
        where = "inject_new_category_drift"
        given = _given(where, locals(), kwargs)
        column = _column(df, where, "feature_col", feature_col)
        if not isinstance(new_category, str):
            raise UsageError(
                f"{where}: new_category={show(new_category)} is not text; fastsynth adds text categories"
            )
        if replace_categories is not None:
            raise UsageError(
                f"{where}: replace_categories={show(replace_categories)} is not supported; select the rows "
                "with inject_conditional_drift or fastsynth.inject_drift's where"
            )
        selection = self._selection(df, where, given)
        shape: dict[str, Any] = {"type": "abrupt"}
        if center is not None or width is not None:
            shape = self._ramp(df, where, selection, given, default_width=lambda n: max(1, n // 5))
        rate = _share(where, "probability", probability)
        drift = {"type": "new_category", "columns": [column], "value": new_category, "rate": rate}
        return self._run(df, [{**drift, **selection, "profile": shape}], "new_category", given)

    def inject_categorical_frequency_drift(
        self,
        df: Any,
        feature_cols: Sequence[str],
        drift_magnitude: float = 0.3,
        perturbation: str = "uniform",
        **kwargs: Any,
    ) -> Any:
        """Each column's mix of categories over the selected rows moved toward ``perturbation``'s
        (``uniform``, ``invert``: the rarer the likelier, ``random``), as far as redrawing a share
        ``drift_magnitude`` of the rows from it would move it; fastsynth moves the fewest rows."""
        where = "inject_categorical_frequency_drift"
        given = _given(where, locals(), kwargs)
        if perturbation not in ("uniform", "invert", "random"):
            raise UsageError(
                f"{where}: perturbation={show(perturbation)} is not allowed; allowed: uniform, invert, random"
            )
        rate = _share(where, "drift_magnitude", drift_magnitude)
        selection = self._selection(df, where, given)
        inside = self._window(df, selection)
        draws = np.random.default_rng(self._seed_for_draws())
        drifts = []
        for name in _names(feature_cols):
            column = _column(df, where, "feature_cols", name)
            shares = df[column][inside].value_counts(normalize=True, sort=False, dropna=True)
            if len(shares) < 2:
                continue
            if perturbation == "uniform":
                wanted = np.full(len(shares), 1 / len(shares))
            elif perturbation == "invert":
                inverse = 1.0 - shares.to_numpy()
                wanted = (
                    inverse / inverse.sum() if inverse.sum() > 0 else np.full(len(shares), 1 / len(shares))
                )
            else:
                wanted = draws.random(len(shares))
                wanted /= wanted.sum()
            mix = (1 - rate) * shares.to_numpy() + rate * wanted
            mix /= mix.sum()
            target = {_label(k): float(v) for k, v in zip(shares.index, mix, strict=True)}
            drifts.append({"type": "frequencies", "columns": [column], "target": target, **selection})
        return self._run(df, drifts, "freq_drift", given)

    def inject_typos_drift(
        self,
        df: Any,
        feature_cols: Sequence[str],
        drift_magnitude: float = 0.1,
        typo_density: int = 1,
        typo_type: str = "random",
        **kwargs: Any,
    ) -> Any:
        """One typo in a share ``drift_magnitude`` of the selected strings: ``swap``, ``delete``,
        ``duplicate`` (a character), or ``random`` (one of the three)."""
        where = "inject_typos_drift"
        given = _given(where, locals(), kwargs)
        modes = {"swap": ["swap"], "delete": ["delete"], "duplicate": ["duplicate"]}
        modes["random"] = ["swap", "delete", "duplicate"]
        _choice(where, "typo_type", typo_type, modes)
        if typo_density != 1:
            raise UsageError(
                f"{where}: typo_density={show(typo_density)} is not supported; fastsynth makes one typo"
            )
        columns = [_column(df, where, "feature_cols", c) for c in _names(feature_cols)]
        rate = _share(where, "drift_magnitude", drift_magnitude)
        selection = self._selection(df, where, given)
        drift = {"type": "typos", "columns": columns, "rate": rate, "modes": modes[typo_type], **selection}
        return self._run(df, [drift], "typos", given)

    def inject_category_merge_drift(
        self, df: Any, col: str, categories_to_merge: Sequence[Any], new_category_name: Any, **kwargs: Any
    ) -> Any:
        """The selected rows of ``categories_to_merge`` relabelled ``new_category_name``."""
        where = "inject_category_merge_drift"
        given = _given(where, locals(), kwargs)
        column = _column(df, where, "col", col)
        present = set(df[column].dropna().unique())
        categories = [c for c in _names(categories_to_merge) if isinstance(c, Hashable) and c in present]
        selection = self._selection(df, where, given)
        if not categories:
            return self._run(df, [], "merge", given)
        drift = {"type": "merge", "columns": [column], "categories": categories, "into": new_category_name}
        return self._run(df, [{**drift, **selection}], "merge", given)

    # -- several at once --------------------------------------------------------------------------------

    def inject_drift(
        self,
        df: Any,
        columns: Sequence[str],
        drift_magnitude: float = 0.3,
        drift_mode: str = "abrupt",
        numeric_operation: str | None = None,
        categorical_operation: str | None = None,
        boolean_operation: str | None = None,
        center: float | None = None,
        width: float | None = None,
        profile: str = "sigmoid",
        speed_k: float = 1.0,
        direction: str = "up",
        repeats: int = 3,
        windows: Sequence[tuple[int, int]] | None = None,
        conditions: Sequence[Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """The seed's unified call: each column drifted by the operation of its kind (numbers ``shift``,
        categories ``frequency``, booleans ``flip`` by default) in ``drift_mode``."""
        where = "inject_drift"
        pd = pandas_frame(df, where)
        _checked(
            where, {"drift_magnitude": drift_magnitude, "center": center, "width": width, "speed_k": speed_k}
        )
        if drift_mode not in ("abrupt", "gradual", "incremental", "recurrent"):
            raise UsageError(
                f"{where}: drift_mode={show(drift_mode)} is not allowed; allowed: abrupt, gradual, "
                "incremental, recurrent"
            )
        if windows:
            raise UsageError(f"{where}: windows={show(windows)} is not supported; give repeats")
        files = {k: kwargs.pop(k) for k in list(kwargs) if k in _ACCEPTED}
        selection = {k: kwargs.pop(k) for k in list(kwargs) if k in _SELECTION_KEYS}
        new_category = kwargs.pop("new_category", None)
        numeric_options: dict[
            str, Any
        ] = {  # passed on to the numeric columns' drift, as the seed passes them
            k: kwargs.pop(k) for k in ("drift_value", "drift_values", "correlations") if k in kwargs
        }
        _refuse_unknown(where, kwargs)
        ramp: dict[str, Any] = {
            "center": center,
            "width": width,
            "profile": profile,
            "speed_k": speed_k,
            "direction": direction,
        }
        numeric, categorical, boolean = [], [], []
        for name in _names(columns):
            column = _column(df, where, "columns", name)
            dtype = df[column].dtype
            if pd.api.types.is_bool_dtype(dtype) or (
                df[column].nunique() == 2 and dtype in (np.int64, np.int32, object)
            ):
                boolean.append(column)
            elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
                categorical.append(column)
            elif pd.api.types.is_numeric_dtype(dtype):
                numeric.append(column)
            else:
                raise UsageError(
                    f"{where}: column {column!r} is {dtype}, not numeric, categorical or boolean"
                )
        out = df
        self.auto_report, saved_report = False, self.auto_report
        try:
            if numeric:
                op = numeric_operation or "shift"
                common: dict[str, Any] = {
                    "feature_cols": numeric,
                    "drift_type": op,
                    "drift_magnitude": drift_magnitude,
                    **numeric_options,
                }
                if conditions:
                    out = self.inject_conditional_drift(
                        out, conditions=conditions, drift_method=drift_mode, **common, **ramp, **selection
                    )
                elif drift_mode == "abrupt":
                    out = self.inject_feature_drift(out, **common, **selection)
                elif drift_mode == "gradual":  # the seed's unified call: a quarter of the rows wide
                    start = selection.get("start_index") or 0
                    wide = {**ramp, "width": width if width is not None else (len(df) - start) // 4}
                    out = self.inject_feature_drift_gradual(out, **common, **wide, **selection)
                elif drift_mode == "incremental":
                    out = self.inject_feature_drift_incremental(out, **common, **selection)
                else:
                    out = self.inject_feature_drift_recurrent(out, **common, repeats=repeats, **selection)
            for column in categorical:
                op = categorical_operation or "frequency"  # frequency and typos: abrupt, as the seed's
                if op == "frequency":
                    out = self.inject_categorical_frequency_drift(
                        out, [column], drift_magnitude=drift_magnitude, **selection
                    )
                elif op == "new_category":
                    out = self.inject_new_category_drift(
                        out,
                        column,
                        new_category or f"NEW_{column.upper()}",
                        probability=drift_magnitude,
                        **({} if drift_mode == "abrupt" else ramp),
                        **selection,
                    )
                elif op == "typos":  # the seed's "typos" here moves values to other categories
                    out = self.inject_feature_drift(
                        out, [column], drift_type="shift", drift_magnitude=drift_magnitude, **selection
                    )
                else:
                    raise UsageError(
                        f"{where}: categorical_operation={show(op)} is not allowed; allowed: frequency, "
                        "new_category, typos"
                    )
            if boolean and (boolean_operation or "flip") != "flip":
                raise UsageError(
                    f"{where}: boolean_operation={show(boolean_operation)} is not allowed; allowed: flip"
                )
            for column in boolean:
                if drift_mode == "abrupt":
                    out = self.inject_label_drift(out, [column], drift_magnitude=drift_magnitude, **selection)
                elif drift_mode == "gradual" and _binary(df[column]):  # as the seed: ramped with
                    out = self.inject_binary_probabilistic_drift(  # center and width, else flat
                        out, column, probability=drift_magnitude, **ramp, **selection
                    )
                elif drift_mode == "gradual":
                    out = self.inject_label_drift_gradual(
                        out, column, drift_magnitude=drift_magnitude, **ramp, **selection
                    )
                elif drift_mode == "incremental":
                    out = self.inject_label_drift_incremental(
                        out, column, drift_magnitude=drift_magnitude, **selection
                    )
                else:
                    raise UsageError(
                        f"{where}: drift_mode='recurrent' for boolean column {column!r} is not supported"
                    )
        finally:
            self.auto_report = saved_report
        return self._save(out, "unified_drift", files)

    def inject_multiple_types_of_drift(
        self,
        df: Any,
        schedule: Sequence[Any],
        output_dir: str | None = None,
        generator_name: str | None = None,
        time_col: str | None = None,
        block_column: str | None = None,
        target_column: str | None = None,
    ) -> Any:
        """Each entry of ``schedule`` applied in order to the result of the ones before: a
        ``{"method": name, "params": {...}}`` dict, a flat dict of the method's parameters with
        ``method`` or ``drift_method``, or a ``DriftConfig`` (``.method``, ``.params`` and its fields).
        A failing entry is an error, where the seed warned and skipped it."""
        pandas_frame(df, "inject_multiple_types_of_drift")
        if isinstance(schedule, Mapping | str) or not isinstance(schedule, Sequence):
            raise UsageError(
                f"inject_multiple_types_of_drift: schedule={show(schedule)} is not a list of drifts"
            )
        out = df
        for index, entry in enumerate(schedule):
            method, params = schedule_entry(entry, f"schedule[{index}]")
            params.pop("df", None)
            if output_dir and "output_dir" not in params:
                params["output_dir"] = output_dir
            if generator_name and "generator_name" not in params:
                params["generator_name"] = f"{generator_name}_step_{index}"
            context = {"time_col": time_col, "block_column": block_column}
            out = self._call(out, method, params, context, target_column, f"schedule[{index}]")
        return out

    # -- translation ------------------------------------------------------------------------------------

    def _call(
        self,
        df: Any,
        method: str,
        params: dict[str, Any],
        context: Mapping[str, Any],
        target_column: str | None,
        where: str,
    ) -> Any:
        """``method(df, **params)``, with the schedule's columns where the method takes them."""
        if method.startswith("_") or not callable(getattr(type(self), method, None)):
            refused = _REFUSED_METHODS.get(method)
            allowed = ", ".join(sorted(_public_methods()))
            raise UsageError(
                f"{where}: method={method!r} is not a DriftInjector method fastsynth runs"
                + (f": {refused}" if refused else f"; allowed: {allowed}")
            )
        takes_selection = method not in ("inject_multiple_types_of_drift", "inject_feature_drift_abrupt")
        for key, value in context.items():
            if value is not None and key not in params and takes_selection:
                params[key] = value
        if target_column is not None and method == "inject_concept_drift":
            params.setdefault("target_column", target_column)
        return getattr(self, method)(df, **params)

    def _selection(self, df: Any, where: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """The fastsynth selection (``rows``, ``blocks``, ``where``, or none for every row) of the seed's
        selection arguments, taken in the seed's order: time, blocks, block index, row index."""
        times = [k for k in ("time_start", "time_end", "time_ranges", "specific_times") if args.get(k)]
        block_list = [k for k in ("blocks",) if args.get(k) is not None]
        block_one = [k for k in ("block_index",) if args.get(k) is not None]
        index = [k for k in ("start_index", "end_index", "index_step") if args.get(k) is not None]
        for name in ("block_start", "n_blocks", "block_step", "time_step"):
            if args.get(name) is not None:
                raise UsageError(
                    f"{where}: {name}={show(args[name])} is not supported; give blocks=[...] (the blocks) or "
                    "time_start and time_end"
                )
        kinds = [group for group in (times, block_list, block_one, index) if group]
        if len(kinds) > 1:
            raise UsageError(
                f"{where}: {kinds[0][0]} and {kinds[1][0]} both select rows; the seed would use only "
                f"{kinds[0][0]}: give one"
            )
        if times:
            column = args.get("time_col") or self.time_col
            if not column or column not in df.columns:
                raise UsageError(
                    f"{where}: time_col={show(column)} is not a column; it is needed with {times[0]}"
                )
            return {"where": _time_condition(where, column, args)}
        if block_list or block_one:
            column = args.get("block_column") or self.block_column
            if not column or column not in df.columns:
                raise UsageError(
                    f"{where}: block_column={show(column)} is not a column; it is needed to select blocks"
                )
            values = list(args["blocks"]) if block_list else [args["block_index"]]
            return {"blocks": {"column": column, "values": [_label(v) for v in values]}}
        if index:
            start, end, step = (args.get(k) for k in ("start_index", "end_index", "index_step"))
            for name, value in (("start_index", start), ("end_index", end), ("index_step", step)):
                if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)):
                    raise UsageError(f"{where}: {name}={show(value)} is not a whole number")
                if value is not None and value < 0:
                    raise UsageError(f"{where}: {name}={show(value)} is negative; count rows from the start")
            rows = {"start": int(start or 0), "end": min(int(end), len(df)) if end is not None else None}
            rows["step"] = int(step or 1)
            return {"rows": {k: v for k, v in rows.items() if v is not None}}
        return {}

    def _window(self, df: Any, selection: Mapping[str, Any]) -> np.ndarray:
        """Which rows ``selection`` picks, as fastsynth selects them (a drift that changes nothing, with
        its weight column)."""
        if not selection:
            return np.ones(len(df), np.bool_)
        probe = "\x00window"
        spec = {"type": "nulls", "columns": [str(df.columns[0])], "rate": 0.0, **selection}
        marked = inject_drift(df, [spec], seed=0, weight_column=probe).data
        return np.asarray(marked[probe].to_numpy() > 0)

    def _ramp(
        self,
        df: Any,
        where: str,
        selection: Mapping[str, Any],
        args: Mapping[str, Any],
        default_width: Any,
    ) -> dict[str, Any]:
        """fastsynth's profile for the seed's window over the selected rows."""
        if float(args.get("inconsistency") or 0.0) > 0:
            raise UsageError(
                f"{where}: inconsistency={show(args['inconsistency'])} is not supported; fastsynth's "
                "profiles are smooth"
            )
        count = int(self._window(df, selection).sum())
        return _ramp_shape(
            where,
            count,
            args.get("center"),
            args.get("width"),
            args.get("profile") or "sigmoid",
            args.get("speed_k", 1.0) if args.get("speed_k") is not None else 1.0,
            args.get("direction") or "up",
            default_width,
        )

    def _feature_drifts(
        self,
        df: Any,
        where: str,
        args: Mapping[str, Any],
        selection: Mapping[str, Any],
        shape: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        """One fastsynth drift per column of ``feature_cols``: the numeric operation of ``drift_type``
        on a numeric column, labels moved between categories on any other."""
        pd = optional_import("pandas", "calmops")
        names = args.get("feature_cols")
        if not names:
            raise UsageError(f"{where}: needs feature_cols, the columns to drift")
        drift_type = args.get("drift_type") or "gaussian_noise"
        _choice(where, "drift_type", drift_type, _NUMERIC_TYPES)
        magnitude = float(
            args.get("drift_magnitude", 0.2) if args.get("drift_magnitude") is not None else 0.2
        )
        if drift_type in ("gaussian_noise", "shift", "scale") and magnitude < 0:
            raise UsageError(
                f"{where}: drift_magnitude={show(magnitude)} is negative; {drift_type} needs >= 0"
            )
        values, one_value = args.get("drift_values"), args.get("drift_value")
        drifts = []
        for name in _names(names):
            column = _column(df, where, "feature_cols", name)
            dtype = df[column].dtype
            if pd.api.types.is_bool_dtype(dtype):
                raise UsageError(
                    f"{where}: column {column!r} is boolean; drift it with inject_binary_probabilistic_drift"
                )
            if not pd.api.types.is_numeric_dtype(dtype):
                rate = min(max(magnitude, 0.0), 1.0)
                drifts.append(
                    {
                        "type": "label_flip",
                        "column": column,
                        "rate": rate,
                        **selection,
                        "profile": dict(shape),
                    }
                )
                continue
            kind, options = _NUMERIC_TYPES[drift_type]
            spec: dict[str, Any] = {
                "type": kind,
                "columns": [column],
                **options,
                **selection,
                "profile": dict(shape),
            }
            if drift_type in _VALUE_TYPES:
                value = values.get(name) if values else one_value
                if value is None:
                    raise UsageError(f"{where}: {drift_type} needs drift_value or drift_values[{name!r}]")
                if drift_type == "divide_value" and float(value) == 0.0:
                    raise UsageError(f"{where}: drift_value=0 cannot divide")
                spec["magnitude"] = float(value)
            elif drift_type == "scale":
                spec["magnitude"] = 1.0 + magnitude
            elif drift_type == "shift":
                mean = float(np.nanmean(df[column][self._window(df, selection)].to_numpy(np.float64)))
                spec["magnitude"] = magnitude
                spec["direction"] = "down" if mean < 0 else "up"
            else:
                spec["magnitude"] = magnitude
            propagation = _propagation(where, df, column, args.get("correlations"))
            if propagation is not None:
                spec["propagate"] = propagation
            drifts.append(spec)
        return drifts

    def _seed_for_draws(self) -> int:
        """The seed of this call: the injector's, stepped once per call."""
        seed = resolve_seed(self.random_state)
        self._calls += 1
        return int((seed + _SEED_STEP * self._calls) % (2**63))

    def _run(self, df: Any, drifts: list[dict[str, Any]], suffix: str, args: Mapping[str, Any]) -> Any:
        out = inject_drift(df, drifts, seed=self._seed_for_draws()).data if drifts else df.copy()
        return self._save(out, suffix, args)

    def _save(self, frame: Any, suffix: str, args: Mapping[str, Any]) -> Any:
        folder = args.get("output_dir") or self.output_dir
        asked = args.get("auto_report")
        if (self.auto_report if asked is None else asked) and folder:
            name = args.get("generator_name") or self.generator_name
            make_folder(folder)
            write_csv(
                pa.Table.from_pandas(frame, preserve_index=False),
                os.path.join(folder, f"{name}_{suffix}.csv"),
            )
            report(True)
        return frame


def apply_schedule(
    injector: DriftInjector, df: Any, schedule: Sequence[Any], context: Mapping[str, Any], where: str
) -> Any:
    """``df`` with each entry of a drift schedule applied in order (``where`` names the schedule in
    errors): how the seed's generators run their ``drift_injection_config``."""
    if isinstance(schedule, Mapping | str) or not isinstance(schedule, Sequence):
        raise UsageError(f"{where}={show(schedule)} is not a list of drift entries")
    for index, entry in enumerate(schedule):
        method, params = schedule_entry(entry, f"{where}[{index}]")
        params.pop("df", None)
        df = injector._call(df, method, params, context, injector.target_column, f"{where}[{index}]")
    return df


def schedule_entry(entry: Any, where: str) -> tuple[str, dict[str, Any]]:
    """(method name, parameters) of one entry of a drift schedule or of ``drift_injection_config``."""
    if isinstance(entry, Mapping):
        if "params" in entry and isinstance(entry.get("params"), Mapping):
            extra = sorted(set(entry) - {"method", "params", "drift_method"})
            if extra:
                raise UsageError(f"{where}: {extra[0]!r} beside params; put it in params")
            method = entry.get("method") or entry.get("drift_method") or "inject_feature_drift"
            return str(method), dict(entry["params"])
        params = {k: v for k, v in entry.items() if k not in ("method", "drift_method")}
        method = entry.get("drift_method") or entry.get("method") or "inject_feature_drift"
        return str(method), params
    method = getattr(entry, "method", None)
    if not isinstance(method, str):
        raise UsageError(f"{where}: {show(entry)} is not a dict or a DriftConfig (with a method)")
    fields = entry.model_dump() if hasattr(entry, "model_dump") else dict(vars(entry))
    params = dict(fields.pop("params", None) or {})
    fields.pop("method", None)
    if method in ("inject_feature_drift", "inject_feature_drift_gradual"):
        params.setdefault("drift_config", {k: v for k, v in fields.items() if v is not None})
        return method, params
    set_fields = sorted(
        k for k, v in fields.items() if v is not None and v != _DEFAULTS.get(_CONFIG_FIELDS.get(k, k))
    )
    if set_fields:
        raise UsageError(
            f"{where}: DriftConfig field {set_fields[0]}={show(fields[set_fields[0]])} is for the feature "
            f"drift methods; {method} takes its parameters from params"
        )
    return method, params


# -- helpers ------------------------------------------------------------------------------------------------


def _public_methods() -> list[str]:
    return [n for n in vars(DriftInjector) if n.startswith("inject_")]


def _given(where: str, local: Mapping[str, Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A method's arguments as one mapping, ``df`` checked to be a DataFrame and the numbers checked
    (``_checked``); anything besides the selection, files and reports, and the method's own
    parameters is refused."""
    pandas_frame(local.get("df"), where)
    given = {k: v for k, v in local.items() if k not in ("self", "df", "kwargs", "given", "where")}
    unknown = {k: v for k, v in kwargs.items() if k not in _SELECTION_KEYS | _ACCEPTED}
    _refuse_unknown("DriftInjector", unknown)
    return _checked(where, {**given, **kwargs})


_NON_NEGATIVE = Annotated[float, Bounds(0)]
_SHARE = Annotated[float, Bounds(0, 1)]
_NUMBERS: dict[str, Any] = {
    "drift_magnitude": float | None,
    "drift_value": float | None,
    "center": float | None,
    "width": _NON_NEGATIVE | None,
    "speed_k": PositiveNumber | None,
    "inconsistency": _NON_NEGATIVE | None,
    "factor": _NON_NEGATIVE,
    "concept_drift_magnitude": _SHARE,
    "probability": _SHARE,
    "outlier_prob": _SHARE,
    "missing_fraction": _SHARE,
}
"""The methods' number parameters and what each allows (finite numbers only): checked before any is
read, so that text such as ``drift_magnitude="big"`` is refused by name, not a ``ValueError`` from
``float()`` deep in a method. Ranges that depend on another argument (a negative ``drift_magnitude``
is refused only for the drift types that cannot take it) stay with the methods."""
_NUMBER_MAPPINGS = ("drift_values", "drift_magnitudes")
"""Parameters that map columns to numbers."""


def _checked(where: str, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` with the parameters of ``_NUMBERS`` and ``_NUMBER_MAPPINGS`` checked, and numpy scalars
    read as the Python numbers they hold (the values otherwise as given, so that later messages show
    them as the caller wrote them)."""
    out = dict(args)
    for name, allowed in _NUMBERS.items():
        if name in out:
            out[name] = _label(out[name])
            argument(f"{where}: {name}", out[name], allowed)
    for name in _NUMBER_MAPPINGS:
        given = out.get(name)
        if given is None:
            continue
        if not isinstance(given, Mapping):
            raise UsageError(f"{where}: {name}={show(given)} is not a mapping of columns to numbers")
        out[name] = {k: _label(v) for k, v in given.items()}
        for key, value in out[name].items():
            argument(f"{where}: {name}[{key!r}]", value, float)
    return out


def _refuse_unknown(where: str, unknown: Mapping[str, Any]) -> None:
    named = sorted(
        k for k, v in unknown.items() if v is not None and k not in ("target_col", "target_column")
    )
    if named:
        raise UsageError(
            f"{where}: {named[0]}={show(unknown[named[0]])} is not a parameter fastsynth's DriftInjector "
            "honours (it would be ignored)"
        )


_CONFIG_FIELDS = {
    "feature_cols": "feature_cols",
    "drift_type": "drift_type",
    "magnitude": "drift_magnitude",
    "drift_value": "drift_value",
    "drift_values": "drift_values",
    "start_index": "start_index",
    "end_index": "end_index",
    "block_index": "block_index",
    "block_column": "block_column",
    "time_start": "time_start",
    "time_end": "time_end",
    "center": "center",
    "width": "width",
    "profile": "profile",
    "speed_k": "speed_k",
    "direction": "direction",
    "inconsistency": "inconsistency",
}
"""A DriftConfig's fields and the methods' parameters."""


def _with_config(where: str, config: Any, given: dict[str, Any]) -> dict[str, Any]:
    """The arguments with a ``drift_config`` (a DriftConfig or a dict of its fields) under them: as in
    the seed, arguments given explicitly win over the config's values."""
    if config is None:
        return given
    if hasattr(config, "model_dump"):
        config = config.model_dump()
    if not isinstance(config, Mapping):
        raise UsageError(f"{where}: drift_config={show(config)} is not a DriftConfig or a dict")
    merged = dict(given)
    for key, value in config.items():
        key = str(key)
        if key in ("method", "params") or value is None:
            continue
        if key not in _CONFIG_FIELDS and key not in _SELECTION_KEYS:
            raise UsageError(
                f"{where}: drift_config field {key!r} is not one fastsynth's DriftInjector honours"
            )
        name = _CONFIG_FIELDS.get(key, key)
        default = _DEFAULTS.get(name)
        if merged.get(name) is None or merged.get(name) == default:
            merged[name] = value
    return _checked(where, merged)


_DEFAULTS = {
    "drift_type": "gaussian_noise",
    "drift_magnitude": 0.2,
    "profile": "sigmoid",
    "speed_k": 1.0,
    "direction": "up",
    "inconsistency": 0.0,
}


def _ramp_shape(
    where: str,
    count: int,
    center: Any,
    width: Any,
    profile: str,
    speed_k: float,
    direction: str,
    default_width: Any,
) -> dict[str, Any]:
    """fastsynth's ``incremental`` (``fading`` going down) profile for the seed's transition of
    ``width`` rows centred at row ``center`` of ``count`` selected rows. fastsynth centres it in the
    window; a sigmoid's steepness over the window is ``4 speed_k (count - 1) / width`` (the seed's
    10%-90% span is ``width / speed_k`` rows); a linear or cosine ramp spans the window."""
    if profile not in _TRANSITIONS:
        raise UsageError(
            f"{where}: profile={show(profile)} is not allowed; allowed: {', '.join(_TRANSITIONS)}"
        )
    if direction not in ("up", "down"):
        raise UsageError(f"{where}: direction={show(direction)} is not allowed; allowed: up, down")
    kind = "incremental" if direction == "up" else "fading"
    if count < 2:
        return {"type": "abrupt"}
    middle = count // 2
    if center is not None and int(np.clip(center, 0, count - 1)) not in (middle, (count - 1) // 2):
        raise UsageError(
            f"{where}: center={show(center)} is not supported: fastsynth centres a transition in its window "
            f"(row {middle} of the {count} selected); select the rows around the centre (start_index, "
            "end_index) instead"
        )
    span = max(1, int(width)) if width is not None else int(default_width(count))
    if profile == "sigmoid":
        steepness = 4.0 * float(speed_k) * (count - 1) / span
        if not 0 < steepness <= _MAX_STEEPNESS:
            raise UsageError(
                f"{where}: width={show(width)} with speed_k={show(speed_k)} over {count} rows is a step "
                f"fastsynth's sigmoid cannot make (steepness {steepness:.4g}, allowed (0, "
                f"{_MAX_STEEPNESS:g}]); use an abrupt drift from the step's row"
            )
        return {"type": kind, "transition": "sigmoid", "steepness": steepness}
    if speed_k != 1.0 or span < count - 1:
        raise UsageError(
            f"{where}: a {profile} transition of width={show(width)} (speed_k={show(speed_k)}) inside "
            f"{count} selected rows is not supported: fastsynth's {profile} ramp spans its window; select "
            "the transition's rows, or use the sigmoid profile"
        )
    return {"type": kind, "transition": profile}


def _propagation(where: str, df: Any, column: str, correlations: Any) -> Any:
    """fastsynth's ``propagate`` for the seed's ``correlations``: True (measured: every correlation,
    as the seed), or a matrix (a DataFrame or a dict of dicts) whose row ``column`` gives them."""
    if correlations is None or correlations is False:
        return None
    if correlations is True:
        return {"min_correlation": 0.0}
    pd = optional_import("pandas", "calmops")
    try:
        matrix = pd.DataFrame(correlations)
    except (TypeError, ValueError):
        raise UsageError(
            f"{where}: correlations={show(correlations)} is not True or a correlation matrix"
        ) from None
    if column not in matrix.index:
        return None
    given = {}
    for other in matrix.columns:
        if other == column or other not in df.columns or not pd.api.types.is_numeric_dtype(df[other].dtype):
            continue
        if pd.api.types.is_bool_dtype(df[other].dtype):
            continue
        rho = matrix.loc[column, other]
        if pd.notna(rho) and rho != 0:
            given[str(other)] = float(rho)
    return {"correlations": given} if given else None


def _choice(where: str, name: str, value: Any, allowed: Iterable[str]) -> None:
    """Refuse ``value`` unless it is one of the names ``allowed`` (a list or an unhashable value
    given for a name is refused too, where a dict lookup would raise ``TypeError``)."""
    names = list(allowed)
    if not isinstance(value, str) or value not in names:
        raise UsageError(f"{where}: {name}={show(value)} is not allowed; allowed: {', '.join(names)}")


def _distribution(where: str, given: Any, labels: Any) -> dict[Any, float]:
    """``target_distribution`` checked against the label column ``labels``: a share (>= 0) for
    classes the column has (a key written as text, as JSON and YAML write them, names the class it
    spells), summing to 1. calmops refused other sums and calm-data-generator divides by the sum:
    fastsynth refuses, as its own ``prior_shift`` does, since {0: 0.25, 1: 0.25} is more likely a slip
    than weights. A class the column lacks is refused: a label shift moves rows between the classes
    there are (the seed added the new label)."""
    if not isinstance(given, Mapping) or not given:
        raise UsageError(f"{where}: target_distribution={show(given)} is not {{class: share}}")
    classes = [_label(c) for c in labels.dropna().unique()]
    spelled = {str(c): c for c in classes}
    target: dict[Any, float] = {}
    for key, share in given.items():
        label = _label(key)
        if not (isinstance(label, Hashable) and label in classes) and str(label) not in spelled:
            shown = ", ".join(map(repr, sorted(classes, key=str)[:20]))
            raise UsageError(
                f"{where}: target_distribution names class {label!r}, which column {labels.name!r} does "
                f"not have; allowed: its classes ({shown})"
            )
        label = label if isinstance(label, Hashable) and label in classes else spelled[str(label)]
        target[label] = argument(f"{where}: target_distribution[{key!r}]", _label(share), _NON_NEGATIVE)
    total = math.fsum(target.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise UsageError(
            f"{where}: target_distribution's shares sum to {total:g}; allowed: shares that sum to 1 "
            f"(to use them as weights, divide each by {total:g})"
        )
    return target


def _binary(values: Any) -> bool:
    """Whether a column holds booleans, or numbers that are all 0 or 1."""
    pd = optional_import("pandas", "calmops")
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    return bool(pd.api.types.is_numeric_dtype(values.dtype) and set(values.dropna().unique()) <= {0, 1})


def _names(columns: Any) -> list[Any]:
    """Column names as a list: one name (not a list) stands for itself, as the seed wraps it."""
    if columns is None:
        return []
    if isinstance(columns, str | Mapping) or not isinstance(columns, Iterable):
        return [columns]
    return list(columns)


def _column(df: Any, where: str, argument: str, name: Any) -> str:
    if not isinstance(name, Hashable) or name not in df.columns:
        raise UsageError(
            f"{where}: {argument}: column {name!r} is not in the frame ({', '.join(map(str, df.columns))})"
        )
    return str(name)


def _numeric(df: Any, where: str, argument: str, name: Any) -> str:
    pd = optional_import("pandas", "calmops")
    column = _column(df, where, argument, name)
    dtype = df[column].dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise UsageError(f"{where}: {argument}: column {column!r} is {dtype}, not numeric")
    return column


def _share(where: str, name: str, value: Any) -> float:
    return float(argument(f"{where}: {name}", _label(value), _SHARE))


def _label(value: Any) -> Any:
    """A numpy scalar as the Python value fastsynth's documents hold."""
    return value.item() if isinstance(value, np.generic) else value


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(value: Any) -> str:
    value = _label(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    raise UsageError(f"{show(value)} is not a number, text or boolean to compare with")


def _instant(where: str, name: str, value: Any) -> str:
    pd = optional_import("pandas", "calmops")
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: {name}={show(value)} is not a date or time") from None
    if moment.tzinfo is not None:
        moment = moment.tz_convert("UTC").tz_localize(None)
    return f"CAST('{moment.isoformat(sep=' ')}' AS TIMESTAMP)"


def _time_condition(where: str, column: str, args: Mapping[str, Any]) -> str:
    """The seed's time selection (both ends inclusive) as an SQL condition on ``column``."""
    name = _quote(column)
    parts = []
    for value in args.get("specific_times") or ():
        parts.append(f"{name} = {_instant(where, 'specific_times', value)}")
    for pair in args.get("time_ranges") or ():
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise UsageError(f"{where}: time_ranges entry {show(pair)} is not a (start, end) pair")
        low, high = (_instant(where, "time_ranges", v) for v in pair)
        parts.append(f"{name} >= {low} AND {name} <= {high}")
    bounds = []
    if args.get("time_start"):
        bounds.append(f"{name} >= {_instant(where, 'time_start', args['time_start'])}")
    if args.get("time_end"):
        bounds.append(f"{name} <= {_instant(where, 'time_end', args['time_end'])}")
    if bounds:
        parts.append(" AND ".join(bounds))
    return " OR ".join(f"({p})" for p in parts)


_OPERATORS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "==": "=", "!=": "<>"}


def _condition(df: Any, where: str, index: int, condition: Any) -> str:
    """One of the seed's ``{"column", "operator", "value"}`` conditions as SQL."""
    if not isinstance(condition, Mapping) or not {"column", "operator", "value"} <= set(condition):
        raise UsageError(f"{where}: conditions[{index}]={show(condition)} is not {{column, operator, value}}")
    column = _column(df, where, f"conditions[{index}]", condition["column"])
    op, value = condition["operator"], condition["value"]
    if op == "in":
        values = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        if not values:
            return "FALSE"
        return f"{_quote(column)} IN ({', '.join(_literal(v) for v in values)})"
    _choice(f"{where}: conditions[{index}]", "operator", op, [*_OPERATORS, "in"])
    return f"{_quote(column)} {_OPERATORS[op]} {_literal(value)}"
