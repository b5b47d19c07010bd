"""calm-data-generator's ``ScenarioInjector`` under its name and parameters, over ``fastsynth.scenarios``.

Code written against the seed switches by changing its import::

    from calm_data_generator.generators.dynamics import ScenarioInjector   # before
    from fastsynth.compat.calmops import ScenarioInjector                 # after

``evolve_features`` translates each ``evolution_config`` (or ``scenario_config.evolve_features``) entry
into a ``fastsynth.scenarios.evolve`` spec, ``construct_target`` calls ``construct_target`` and
``project_to_future_period`` picks the seed's base rows and calls ``project``; each returns a pandas
DataFrame (the input's index kept by the first two; an evolved integer column becomes float64, as in
the seed) and keeps fastsynth's ground-truth log in ``injector.log``. Nothing here changes data.
``t`` is the row position, or the ``time_col``'s value (seconds since the epoch for times), as in the
seed; a sigmoid without ``center``/``width`` centres on row ``n / 2`` with width ``n / 10`` and a step
without ``step`` sits at ``n / 2``, as the seed's do.

Differences from the seed, on purpose: an evolution naming a column the frame lacks is an error (the
seed skipped it); so is a ``time_col`` of anything but numbers, dates or times, such as dates as text
(the seed measured ``t`` over the rows instead), and a ``time_col`` or ``block_col`` the frame lacks in
``project_to_future_period`` (the seed ignored them); ``exponential_decay`` decays (the seed's config
accepts the name but its code applies nothing under it); a step jumps by ``value`` when given, else
``amplitude`` (the seed's code reads only ``amplitude``); noise is fastsynth's counter-based draws, so
values differ from the seed's but repeat for the same ``seed`` (a call without one repeats too); a row
whose score is NaN gets a missing label (the seed's comparison gave it 0); ``correlations``, a callable
``func`` and a ``generator`` are refused rather than run. In ``project_to_future_period`` every trend
type is evaluated at ``t`` = the period number (the seed accumulated ``linear`` only, and evaluated the
others over row positions within each period), a sigmoid's default centre and a step's default place are
the middle of the periods (so the trend moves from period to period; the seed's raised every period by
about half the amplitude), the projected rows are drawn with replacement from the base rows as in the
seed, and the time column of period ``k`` is the base's shifted by ``k`` periods of the base's own span
(the seed gave every period the same new dates, and left number columns alone);
``n_samples_per_period=0`` and an empty frame are refused (the seed returned no new rows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from fastsynth.compat.common import pandas_frame, report
from fastsynth.errors import UsageError
from fastsynth.scenarios import ALIASES, EVOLUTIONS, ScenarioLog, construct_target, evolve, project
from fastsynth.scenarios.project import check_size
from fastsynth.scenarios.target import formula_columns
from fastsynth.seeds import resolve_seed
from fastsynth.specs import PositiveInt, argument, show

__all__ = ["EvolutionFeatureConfig", "ScenarioConfig", "ScenarioInjector"]

_SEED_STEP = 0x9E3779B97F4A7C15
"""Each call draws with its own seed, so that two calls' noises differ as the seed's do."""
_TYPES = {**{name: name for name in EVOLUTIONS}, **ALIASES}
"""The seed's evolution type names, and fastsynth's."""
_FUNC_PARAMS = {
    "slope": "slope",
    "intercept": "intercept",
    "scale": "scale",
    "rate": "rate",
    "exponent": "exponent",
    "coeffs": "coefficients",
}
_STRATEGIES = ("last_period", "window_n", "all")


@dataclass
class EvolutionFeatureConfig:
    """The seed's config of one evolving feature (its fields and defaults)."""

    type: str
    slope: float | None = 0.0
    intercept: float | None = 0.0
    amplitude: float | None = 1.0
    period: float | None = 100.0
    phase: float | None = 0.0
    center: float | None = None
    width: float | None = None
    rate: float | None = None
    noise_std: float | None = None
    step_std: float | None = None
    step: float | None = None
    value: float | None = None
    driver_col: str | None = None
    func: str | None = None
    func_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.type, str) or self.type not in _TYPES:
            raise UsageError(f"type={self.type!r} is not an evolution type; allowed: {', '.join(_TYPES)}")
        number = isinstance(self.period, int | float) and not isinstance(self.period, bool)
        if self.period is not None and not (number and self.period > 0):
            raise UsageError(f"period={show(self.period)} is not a number > 0")


@dataclass
class ScenarioConfig:
    """The seed's scenario config: ``evolve_features`` (column -> config) and a target's settings."""

    state_config: dict[str, Any] | None = None
    evolve_features: dict[str, Any] = field(default_factory=dict)
    construct_target: dict[str, Any] | None = None


class ScenarioInjector:
    """The seed's ``ScenarioInjector``: features that evolve, a target from a formula, future periods."""

    def __init__(self, seed: int | None = None, minimal_report: bool = False) -> None:
        self.seed = seed
        self.minimal_report = minimal_report
        self.log: ScenarioLog | None = None
        """fastsynth's ground-truth log of the last call."""
        self._calls = 0

    def __repr__(self) -> str:
        return f"ScenarioInjector(seed={self.seed!r}, minimal_report={self.minimal_report!r})"

    def evolve_features(
        self,
        df: Any,
        evolution_config: Mapping[str, Any] | None = None,
        time_col: str | None = None,
        output_dir: str | None = None,
        auto_report: bool = True,
        generator_name: str = "ScenarioInjector",
        resample_rule: Any = None,
        correlations: Any = None,
        scenario_config: Any = None,
    ) -> Any:
        """``df`` with each configured column evolved over its rows or ``time_col``."""
        pandas_frame(df, "evolve_features")
        original, df = df, _text(df)
        if correlations is not None and correlations is not False:
            raise UsageError(
                "evolve_features: correlations is not supported by fastsynth's ScenarioInjector; evolve "
                "each column, or use fastsynth.inject_drift with propagate"
            )
        configs = _configs(evolution_config, scenario_config)
        specs = {column: _spec(config, len(df), column) for column, config in configs.items()}
        time_col = _time_column(df, time_col, "evolve_features")
        time = None if time_col is None else {"column": time_col, "unit": "s", "origin": "zero"}
        needed = [*specs, *(s["driver"] for s in specs.values() if s["type"] == "driven_by")]
        table = _narrow(_as_floats(df, specs), [*needed, *([time_col] if time_col else [])])
        evolved, self.log = evolve(table, specs, time=time, seed=self._seed())
        report(bool(auto_report and output_dir))
        return _assign(original, evolved, list(specs))

    def construct_target(
        self,
        df: Any,
        target_col: str,
        formula: str | Callable[[Any], Any],
        noise_std: float = 0.0,
        task_type: str = "regression",
        threshold: float | None = None,
    ) -> Any:
        """``df`` with ``target_col`` from ``formula`` (an SQL expression, or a function of the frame)
        plus noise; for ``classification``, 1 where the score is above ``threshold`` (default 0)."""
        pandas_frame(df, "construct_target")
        if task_type not in ("regression", "classification"):
            raise UsageError(f"task_type={task_type!r} is not allowed; allowed: regression, classification")
        if task_type == "classification" and threshold is None:
            threshold = 0.0  # the seed's default: a centred score or log-odds
        given: Any = formula
        if callable(formula):
            given = lambda _table: formula(df.copy())  # noqa: E731 the seed hands its function the frame
            table = _narrow(df, [])  # the function reads the frame itself
        else:
            table = _narrow(df, formula_columns(formula) if isinstance(formula, str) else [])
        targeted, self.log = construct_target(
            table,
            target_col,
            given,
            noise_std=noise_std,
            task=task_type,  # type: ignore[arg-type]
            threshold=threshold if task_type == "classification" else None,
            seed=self._seed(),
        )
        return _assign(df, targeted, [target_col])

    def project_to_future_period(
        self,
        df: Any,
        periods: int = 1,
        trend_config: Mapping[str, Any] | None = None,
        time_col: str | None = None,
        block_col: str | None = None,
        base_strategy: str = "last_period",
        window_size: int = 1,
        generator: Any = None,
        generator_method: str = "ctgan",
        n_samples_per_period: int | None = None,
        output_dir: str | None = None,
        auto_report: bool = True,
        generator_name: str = "FutureProjection",
    ) -> Any:
        """``df`` followed by ``periods`` periods of rows drawn from its base rows, with the trend."""
        where = "project_to_future_period"
        pd = pandas_frame(df, where)
        original, df = df, _text(df)
        time_col = _time_column(df, time_col, where)
        block_col = None if block_col is None else str(block_col)
        if generator is not None:
            raise UsageError(
                "project_to_future_period: generator is not supported by fastsynth's ScenarioInjector; "
                "it resamples the base rows (fit a generator with fastsynth.fit and project its output)"
            )
        if base_strategy not in _STRATEGIES:
            raise UsageError(
                f"base_strategy={base_strategy!r} is not allowed; allowed: {', '.join(_STRATEGIES)}"
            )
        if block_col is not None and block_col not in df.columns:
            raise UsageError(f"{where}: block_col={block_col!r} is not a column ({', '.join(df.columns)})")
        if df.empty:
            raise UsageError("project_to_future_period: df has no rows to project")
        if block_col is not None and (missing := np.flatnonzero(df[block_col].isna().to_numpy())).size:
            # a missing block equals no block: as the last, it selected no base rows (whose size then
            # divided by zero); among sorted blocks it compares false with each, leaving the order arbitrary
            raise UsageError(
                f"{where}: block_col={block_col!r} is missing at row {int(missing[0])} "
                f"({missing.size} of {len(df)} rows), so its last block is unknown; allowed: a block column "
                "with a block in every row (drop or fill the rows without one first)"
            )
        periods = argument(f"{where}: periods", periods, PositiveInt)
        window_size = argument(f"{where}: window_size", window_size, PositiveInt)
        if n_samples_per_period is not None:  # 0 is refused, not read as "as many as the base"
            argument(f"{where}: n_samples_per_period", n_samples_per_period, PositiveInt)
        base = _base(df, block_col, time_col, base_strategy, window_size)
        rows = len(base) if n_samples_per_period is None else n_samples_per_period
        check_size(  # in the seed's names, before project checks in its own
            periods,
            rows,
            float(base.memory_usage(index=False).sum()) / len(base),
            extra_rows=len(df),
            rows_name="n_samples_per_period" if n_samples_per_period is not None else "the base rows",
        )
        # no row count: t is the period number, and project puts the default centre and step in periods
        trend = {str(c): _spec(config, None, str(c)) for c, config in (trend_config or {}).items()}
        projected, self.log = project(
            _as_floats(base, trend).reset_index(drop=True),
            periods,
            time=time_col,
            trend=trend,
            period_column=block_col,
            rows_per_period=rows,
            include_original=False,
            seed=self._seed(),
        )
        report(bool(auto_report and output_dir))
        projected.columns = original.columns  # the labels the frame came with, not their text
        return pd.concat([original, projected], ignore_index=True)

    def _seed(self) -> int:
        seed = resolve_seed(self.seed)
        self._calls += 1
        return int((seed + _SEED_STEP * self._calls) % (2**63))


def _text(df: Any) -> Any:
    """``df`` with its column labels as text (itself when they are): the seed takes any label, and
    fastsynth's tables are named by text."""
    if all(isinstance(c, str) for c in df.columns):
        return df
    labels = [str(c) for c in df.columns]
    if len(set(labels)) < len(labels):
        twice = next(label for label in labels if labels.count(label) > 1)
        raise UsageError(f"df has two columns labelled {twice!r} as text; give its columns distinct labels")
    return df.set_axis(labels, axis=1)


def _narrow(df: Any, names: list[str]) -> pa.Table:
    """The columns of ``df`` a call reads, as Arrow: converting the others, and converting every
    column back, would cost more than the work. All of them when one is missing, so that fastsynth's
    message lists the frame's columns."""
    by_text = {str(c): c for c in df.columns}
    wanted = list(dict.fromkeys(str(n) for n in names)) or [str(c) for c in df.columns[:1]]
    if not set(wanted) <= set(by_text):
        wanted = list(by_text)
    # column by column: ``df[list]`` would copy the frame's block first (45 ms a million rows x 10),
    # and numpy numbers go over without a copy or a scan for NaN (95 ms); NaN then stays NaN, which
    # fastsynth's transforms carry through as the seed's arithmetic does
    arrays = [_arrow(df[by_text[n]]) for n in wanted]
    return pa.Table.from_arrays(arrays, names=wanted)


def _arrow(column: Any) -> pa.Array:
    values = column.to_numpy() if column.dtype.kind in "iuf" else None
    return (
        pa.array(values)
        if values is not None and values.dtype == column.dtype
        else pa.Array.from_pandas(column)
    )


def _assign(df: Any, table: pa.Table, columns: list[str]) -> Any:
    """A copy of ``df`` (its index kept) with ``columns`` from ``table``, as pandas makes them."""
    out = df.copy()
    labels = {str(c): c for c in df.columns}
    for name in columns:
        out[labels.get(name, name)] = table.column(name).to_pandas().to_numpy()
    return out


def _as_floats(df: Any, specs: Mapping[str, Any]) -> Any:
    """``df`` with the integer columns about to evolve as float64: the seed adds a float change to the
    column, and pandas makes it float64 (fastsynth's own ``evolve`` keeps integers, rounded)."""
    integers = {c: "float64" for c in specs if c in df.columns and df[c].dtype.kind in "iu"}
    return df.astype(integers) if integers else df


def _configs(evolution_config: Any, scenario_config: Any) -> dict[str, Any]:
    """column -> config, ``scenario_config``'s first and ``evolution_config``'s over them (the seed's
    precedence)."""
    configs: dict[str, Any] = {}
    if scenario_config is not None:
        evolving = (
            scenario_config.get("evolve_features", {})
            if isinstance(scenario_config, Mapping)
            else getattr(scenario_config, "evolve_features", {})
        )
        configs.update(evolving or {})
    if evolution_config is not None and not isinstance(evolution_config, Mapping):
        raise UsageError(
            f"evolution_config={show(evolution_config)} is not a mapping of columns to configs "
            "({column: {'type': ..., ...}})"
        )
    configs.update(evolution_config or {})
    # fastsynth names columns by text; a frame labelled 0, 1, ... is read through str (``_text``)
    return {str(column): config for column, config in configs.items()}


def _read(config: Any) -> dict[str, Any]:
    """A config (a mapping, fastsynth's or the seed's config object) as a mapping with the seed's
    defaults filled in."""
    if isinstance(config, Mapping):
        document = dict(config)
        unknown = sorted(set(document) - {f.name for f in dataclasses.fields(EvolutionFeatureConfig)})
        if unknown:
            allowed = ", ".join(f.name for f in dataclasses.fields(EvolutionFeatureConfig))
            raise UsageError(f"unknown key {unknown[0]!r}; allowed: {allowed}")
        if "type" not in document:
            raise UsageError("needs key 'type'")
        return dataclasses.asdict(EvolutionFeatureConfig(**document))
    if hasattr(config, "model_dump"):  # the seed's own pydantic config
        return _read(config.model_dump())
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return dataclasses.asdict(config)
    raise UsageError(f"{show(config)} is not an evolution config (a mapping or EvolutionFeatureConfig)")


def _spec(config: Any, n: int | None, column: str) -> dict[str, Any]:
    """fastsynth's evolution spec for one of the seed's configs over ``n`` rows (None: a projection's
    trend, whose defaults fastsynth takes over the periods)."""
    try:
        c = _read(config)
    except UsageError as exc:
        raise UsageError(f"evolution of {column!r}: {exc}") from None
    kind = _TYPES[c["type"]]

    def given(key: str, default: Any) -> Any:
        return default if c[key] is None else c[key]

    if kind == "linear":
        return {"type": kind, "slope": given("slope", 0.0), "intercept": given("intercept", 0.0)}
    if kind == "cyclic":
        return {
            "type": kind,
            "amplitude": given("amplitude", 1.0),
            "period": given("period", 100.0),
            "phase": given("phase", 0.0),
        }
    if kind == "sigmoid":
        return {
            "type": kind,
            "amplitude": given("amplitude", 1.0),
            "center": given("center", None if n is None else n / 2),
            "width": given("width", None if n is None else max(n / 10, 1e-9)),
        }
    if kind in ("exponential_growth", "exponential_decay"):
        return {"type": kind, "rate": given("rate", 0.01)}
    if kind == "step":
        return {
            "type": kind,
            "at": given("step", None if n is None else n / 2),
            "amplitude": given("value", given("amplitude", 1.0)),
        }
    if kind == "noise":
        return {"type": kind, "std": given("noise_std", given("amplitude", 1.0))}
    if kind == "random_walk":
        return {"type": kind, "step_std": given("step_std", 0.1)}
    func = c["func"] or "linear"
    if not isinstance(func, str):
        raise UsageError(
            f"evolution of {column!r}: func={show(func)} is not supported; allowed: linear, exponential, "
            "power, polynomial"
        )
    spec: dict[str, Any] = {"type": kind, "driver": c["driver_col"] or "", "function": func}
    if not isinstance(c["func_params"] or {}, Mapping):
        raise UsageError(
            f"evolution of {column!r}: func_params={show(c['func_params'])} is not a mapping of "
            f"parameters; allowed keys: {', '.join(_FUNC_PARAMS)}"
        )
    for key, value in (c["func_params"] or {}).items():
        if key not in _FUNC_PARAMS:
            raise UsageError(
                f"evolution of {column!r}: func_params key {key!r} is not known; allowed: "
                f"{', '.join(_FUNC_PARAMS)}"
            )
        spec[_FUNC_PARAMS[key]] = value
    return spec


def _time_column(df: Any, time_col: Any, where: str) -> str | None:
    """``time_col`` as text (``df``'s labels are, ``_text``), once it is known to name a column of
    numbers, dates or times: what fastsynth measures time along. The seed fell back to the row
    positions, silently, for any other column, such as dates read from a CSV as text; fastsynth
    refuses it, since parsing those dates would give ``t`` in seconds since 1970 where the seed's
    code gave row numbers, and ignoring them is not what the caller asked."""
    if time_col is None:
        return None
    name = str(time_col)
    if name not in df.columns:
        raise UsageError(
            f"{where}: time_col={time_col!r} is not a column ({', '.join(map(str, df.columns))})"
        )
    column = df[name]
    try:
        kind = _arrow(column).type
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # values of several types, in an object column
        kind = None
    if kind is None or not (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_date(kind)
    ):
        parse = f" (pd.to_datetime(df[{time_col!r}]) reads ISO dates)" if kind == pa.string() else ""
        raise UsageError(
            f"{where}: time_col={time_col!r} is a column of {column.dtype} ({kind or 'mixed values'}); "
            f"allowed: a column of numbers, dates or times: convert it{parse}, or leave time_col out for "
            "t = the row position"
        )
    return name


def _base(df: Any, block_col: str | None, time_col: str | None, strategy: str, window: int) -> Any:
    """The seed's base rows: the last block (or last ``window`` blocks), or the last tenth of the rows
    (or ``window`` tenths) when there is only a time column, or all of them."""
    if block_col is not None and block_col in df.columns:
        blocks = sorted(df[block_col].unique())
        if strategy == "last_period":
            return df[df[block_col] == blocks[-1]]
        if strategy == "window_n":
            return df[df[block_col] >= blocks[max(0, len(blocks) - window)]]
        return df
    if time_col is not None and time_col in df.columns:
        if strategy == "last_period":
            return df.iloc[int(len(df) * 0.9) :]
        if strategy == "window_n":
            return df.iloc[max(0, int(len(df) * (1 - window * 0.1))) :]
    return df
