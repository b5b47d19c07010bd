"""calm-data-generator's (calmops') stream generators under their names, over fastsynth's generators.

Code written against the second seed switches by changing its import::

    from calmops.data_generators.Synthetic import SyntheticBlockGenerator     # before
    from fastsynth.compat.calmops import SyntheticBlockGenerator              # after

``GeneratorFactory`` turns a ``GeneratorConfig`` into a fastsynth generator spec (river's parameter
names) wrapped in a ``GeneratorStream``, which iterates like a river stream (``take(n)`` yields
``(dict, y)``). ``SyntheticGenerator.generate`` and ``SyntheticBlockGenerator.generate_blocks_simple``
/ ``generate`` translate their arguments into a schema's ``generator`` document
(``fastsynth.concepts.stream``), call ``fastsynth.generate`` and the CSV sink, and return what the seed
returns: a pandas DataFrame, the CSV's path. Columns come in the seed's order (features, target, date,
block), features under river's keys (``0``, ``1``... for SEA), SEA's labels as booleans, as river gives
them. Nothing here makes data.

Differences from the seed, on purpose: classes are balanced exactly (each class once in every group
of as many rows, in a drawn order) rather than by oversampling; blocks may use different generators; a
call without a seed repeats (fastsynth's default seed) where the seed's differed from run to run; no
report is written yet (the flag is accepted and logged). Parameters that would change the data and that
the facade cannot honour (``drift_config``, ``dynamics_config``, ``constraints``...) are refused, never
ignored.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import pyarrow as pa

from fastsynth.compat.calmops_clinic import ClinicGenerator
from fastsynth.compat.calmops_drift import DriftInjector
from fastsynth.compat.calmops_real import RealBlockGenerator, RealGenerator
from fastsynth.compat.calmops_scenario import EvolutionFeatureConfig, ScenarioConfig, ScenarioInjector
from fastsynth.compat.common import date_arguments, dates_document, make_folder, report, write_csv
from fastsynth.concepts import GENERATORS, Generator, generator_from_document
from fastsynth.concepts.river import from_river
from fastsynth.dependencies import optional_import
from fastsynth.errors import SchemaError, UsageError
from fastsynth.generation import generate as generate_table
from fastsynth.generation import iter_batches
from fastsynth.schema import Schema
from fastsynth.seeds import resolve_seed
from fastsynth.specs import Bounds, Count, PositiveInt, argument, options_of, show

__all__ = [
    "ClinicGenerator",
    "DriftInjector",
    "EvolutionFeatureConfig",
    "GeneratorConfig",
    "GeneratorFactory",
    "GeneratorStream",
    "GeneratorType",
    "RealBlockGenerator",
    "RealGenerator",
    "ScenarioConfig",
    "ScenarioInjector",
    "StreamBlockGenerator",
    "StreamGenerator",
    "SyntheticBlockGenerator",
    "SyntheticGenerator",
]

log = logging.getLogger("fastsynth.compat")

_TAKE_BATCH = 65_536
"""Rows made at a time when a GeneratorStream is iterated: one fastsynth batch, then handed out row by
row as river's ``(dict, y)`` pairs."""


class GeneratorType(enum.Enum):
    """The generators the seed's factory names (and LED and Waveform): fastsynth's generator names."""

    AGRAWAL = "agrawal"
    SEA = "sea"
    HYPERPLANE = "hyperplane"
    RANDOM_TREE = "random_tree"
    STAGGER = "stagger"
    SINE = "sine"
    MIXED = "mixed"
    FRIEDMAN = "friedman"
    RANDOM_RBF = "random_rbf"
    LED = "led"
    WAVEFORM = "waveform"


@dataclass
class GeneratorConfig:
    """Every generator's parameters, under the seed's names and defaults (which are not always
    river's: SEA's noise is 0.1 here, 0 in river). Mutable, as the seed's is."""

    random_state: int | None = None
    """The generator's seed."""
    seed: int | None = None
    """Alias of ``random_state``."""

    classification_function: int = 0
    """Agrawal: which of its ten functions labels the rows."""
    balance_classes: bool = True
    """Agrawal: balanced classes (fastsynth's stream-level ``balance``)."""
    perturbation: float = 0.0
    """Agrawal: share of noise added to the numeric features."""

    function: int = 0
    """SEA: the variant (thresholds 8, 9, 7, 9.5)."""
    noise_percentage: float = 0.1
    """SEA: share of labels flipped."""

    n_features: int = 10
    """Hyperplane: features."""
    n_dims: int | None = None
    """Alias of ``n_features``."""
    mag_change: float = 0.0
    """Hyperplane: how fast the weights move (incremental drift)."""
    noise_percentage_hyperplane: float = 0.05
    """Hyperplane: share of labels flipped."""
    sigma: float = 0.1
    """Hyperplane: probability that a weight's direction of change reverses."""

    n_num_features: int = 5
    """Random tree: numeric features."""
    n_cat_features: int = 5
    """Random tree: categorical features."""
    n_categories_per_cat_feature: int = 5
    """Random tree: values of each categorical feature."""
    max_tree_depth: int = 5
    """Random tree: depth of the tree."""
    first_leaf_label: int = 1
    """Random tree: the first level that may hold leaves (river's ``first_leaf_level``)."""

    classification_function_stagger: int = 0
    """STAGGER: which of its three functions."""
    balance_classes_stagger: bool = True
    """STAGGER: balanced classes."""

    has_noise: bool = False
    """Sine and Waveform: add river's irrelevant noise features."""
    noise_percentage_sine: float = 0.1
    """Sine: kept for the seed's signature; river's Sine has no such share (it is refused if changed)."""
    classification_function_sine: int = 0
    """Sine: which of its four functions (fastsynth's addition; the seed always used 0)."""
    balance_classes_sine: bool = False
    """Sine: balanced classes (fastsynth's addition)."""

    classification_function_mixed: int = 0
    """Mixed: which of its two functions."""
    balance_classes_mixed: bool = True
    """Mixed: balanced classes."""

    n_features_friedman: int = 10
    """Friedman: features (river's Friedman has 10)."""

    n_features_rbf: int = 10
    """Random RBF: features."""
    n_centroids: int = 50
    """Random RBF: centroids."""

    noise_percentage_led: float = 0.0
    """LED: share of segments flipped (fastsynth's addition)."""
    irrelevant_features: bool = False
    """LED: add 17 irrelevant features (fastsynth's addition)."""

    def __post_init__(self) -> None:
        if self.seed is not None and self.random_state is not None and self.seed != self.random_state:
            raise UsageError(
                f"GeneratorConfig: seed={show(self.seed)} and random_state={show(self.random_state)} are "
                "one setting under two names; give one"
            )
        self.random_state = self.seed = self.random_state if self.random_state is not None else self.seed
        if self.n_dims is not None:
            if self.n_features not in (_DEFAULTS["n_features"], self.n_dims):
                raise UsageError(
                    f"GeneratorConfig: n_dims={show(self.n_dims)} and n_features={show(self.n_features)} "
                    "are one setting under two names; give one"
                )
            self.n_features = self.n_dims
        elif self.n_features != _DEFAULTS["n_features"]:
            self.n_dims = self.n_features


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(GeneratorConfig)}

_PARAMETERS: dict[str, dict[str, str]] = {
    "agrawal": {"classification_function": "classification_function", "perturbation": "perturbation"},
    "sea": {"function": "variant", "noise_percentage": "noise"},
    "hyperplane": {
        "n_features": "n_features",
        "mag_change": "mag_change",
        "sigma": "sigma",
        "noise_percentage_hyperplane": "noise_percentage",
    },
    "random_tree": {
        "n_num_features": "n_num_features",
        "n_cat_features": "n_cat_features",
        "n_categories_per_cat_feature": "n_categories_per_feature",
        "max_tree_depth": "max_tree_depth",
        "first_leaf_label": "first_leaf_level",
    },
    "stagger": {"classification_function_stagger": "classification_function"},
    "sine": {"classification_function_sine": "classification_function", "has_noise": "has_noise"},
    "mixed": {"classification_function_mixed": "classification_function"},
    "friedman": {"n_features_friedman": "n_features"},
    "random_rbf": {"n_features_rbf": "n_features", "n_centroids": "n_centroids"},
    "led": {"noise_percentage_led": "noise_percentage", "irrelevant_features": "irrelevant_features"},
    "waveform": {"has_noise": "has_noise"},
}
"""Each generator's GeneratorConfig fields and the (river) parameter each becomes."""

_MODEL_SEEDS = {"random_tree": "seed_tree", "random_rbf": "seed_model"}
"""River's seed of what a generator builds once (a tree, centroids), which the seed's factory sets to
``random_state``: the same ``random_state`` gives the tree of river's ``RandomTree(seed_tree=...)``."""

_BALANCE = {
    "agrawal": "balance_classes",
    "stagger": "balance_classes_stagger",
    "sine": "balance_classes_sine",
    "mixed": "balance_classes_mixed",
}
"""The field holding river's ``balance_classes``: fastsynth balances a whole stream (``balance``)."""

_HINTS = {
    "noise_percentage_sine": "river's Sine has no share of noise; has_noise=True adds its noise features",
}

_BOOLEAN_LABELS = frozenset({"sea"})
"""Generators whose river labels are True/False rather than 0/1 (the seed's target column is boolean)."""

_INFO: dict[str, dict[str, Any]] = {
    "agrawal": {
        "name": "Agrawal",
        "description": "Loan applicants (salary, age, loan...) labelled by one of ten functions.",
        "features": 9,
        "classes": 2,
        "drift_capable": True,
    },
    "sea": {
        "name": "SEA Concepts",
        "description": "Three uniform features; class 1 when the first two sum above a threshold.",
        "features": 3,
        "classes": 2,
        "drift_capable": True,
    },
    "hyperplane": {
        "name": "Hyperplane",
        "description": "The side of a hyperplane whose weights may move (incremental drift).",
        "features": "configurable",
        "classes": 2,
        "drift_capable": True,
    },
    "random_tree": {
        "name": "Random Tree",
        "description": "Labels from a random tree built once from the seed.",
        "features": "configurable",
        "classes": 2,
        "drift_capable": False,
    },
    "stagger": {
        "name": "STAGGER Concepts",
        "description": "Size, colour and shape labelled by one of three rules.",
        "features": 3,
        "classes": 2,
        "drift_capable": True,
    },
    "sine": {
        "name": "Sine",
        "description": "Two uniform features labelled by which side of a sine curve they fall.",
        "features": 2,
        "classes": 2,
        "drift_capable": True,
    },
    "mixed": {
        "name": "Mixed",
        "description": "Two boolean and two numeric features labelled by one of two functions.",
        "features": 4,
        "classes": 2,
        "drift_capable": True,
    },
    "friedman": {
        "name": "Friedman",
        "description": "Friedman #1 regression: ten uniform features, five of them used.",
        "features": 10,
        "classes": "regression",
        "drift_capable": False,
    },
    "random_rbf": {
        "name": "Random RBF",
        "description": "Points around random centroids, each centroid of one class.",
        "features": "configurable",
        "classes": "variable",
        "drift_capable": False,
    },
    "led": {
        "name": "LED",
        "description": "The seven segments of a digit display, some flipped; the class is the digit.",
        "features": "7 (24 with irrelevant features)",
        "classes": 10,
        "drift_capable": False,
    },
    "waveform": {
        "name": "Waveform",
        "description": "Breiman's three waveforms, combined and noisy: 21 features (40 with noise).",
        "features": "21 (40 with noise)",
        "classes": 3,
        "drift_capable": False,
    },
}


# -- the factory ------------------------------------------------------------------------------------


class GeneratorStream:
    """What ``GeneratorFactory.create_generator`` returns: a fastsynth generator spec (``generator``)
    and river's ``balance_classes`` (None for generators without it). It iterates like a river stream:
    ``take(n)`` and ``iter()`` yield ``(features, label)`` from row 0 each time, made by fastsynth in
    batches."""

    def __init__(self, generator: Generator, *, balance_classes: bool | None = None) -> None:
        self.generator = generator
        self.balance_classes = balance_classes

    @property
    def name(self) -> str:
        """The generator's fastsynth name (``sea``, ``agrawal``...)."""
        return self.generator.type_name

    def to_document(self) -> dict[str, Any]:
        """The generator as a fastsynth document, as a schema's ``generator`` takes it."""
        return self.generator.to_document()

    def take(self, n: int) -> Iterator[tuple[dict[Any, Any], Any]]:
        """The first ``n`` rows as river's ``(features, label)`` pairs."""
        return self._rows(0, argument("n", n, Count))

    def __iter__(self) -> Iterator[tuple[dict[Any, Any], Any]]:
        for start in itertools.count(0, _TAKE_BATCH):
            yield from self._rows(start, _TAKE_BATCH)

    def _rows(self, start: int, count: int) -> Iterator[tuple[dict[Any, Any], Any]]:
        document = {"concepts": [self.to_document()], "balance": bool(self.balance_classes)}
        schema = Schema.from_dict({"generator": document})
        keys = [_river_key(name) for name in self.generator.feature_names()]
        boolean = self.name in _BOOLEAN_LABELS
        for batch in iter_batches(schema, count, batch_size=_TAKE_BATCH, start=start):
            columns = [batch.column(n).to_pylist() for n in range(len(keys))]
            labels = batch.column(len(keys)).to_pylist()
            for values, label in zip(zip(*columns, strict=True), labels, strict=True):
                yield dict(zip(keys, values, strict=True)), bool(label) if boolean else label

    def __repr__(self) -> str:
        return f"GeneratorStream({self.generator!r}, balance_classes={self.balance_classes!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GeneratorStream) and (self.generator, self.balance_classes) == (
            other.generator,
            other.balance_classes,
        )

    def __hash__(self) -> int:
        return hash((self.generator, self.balance_classes))


class GeneratorFactory:
    """The seed's factory: generators by ``GeneratorType`` and ``GeneratorConfig``."""

    @staticmethod
    def get_available_generators() -> list[GeneratorType]:
        """The types fastsynth can make now (those of its generators that are registered)."""
        return [kind for kind in GeneratorType if kind.value in GENERATORS]

    @staticmethod
    def create_generator(
        generator_type: GeneratorType | str, config: GeneratorConfig | None = None
    ) -> GeneratorStream:
        """The generator of ``generator_type`` with ``config``'s fields as its parameters."""
        kind = _generator_type(generator_type, "generator_type")
        config = GeneratorConfig() if config is None else config
        name = kind.value
        where = f"GeneratorFactory.create_generator({kind.name})"
        try:
            cls = GENERATORS.get(name)
        except SchemaError:
            raise UsageError(f"{where}: {_not_available(name)}") from None
        accepted = options_of(cls)
        own = _PARAMETERS[name]
        balance_field = _BALANCE.get(name)
        parameters: dict[str, Any] = {}
        for field, parameter in own.items():
            value = getattr(config, field)
            if parameter in accepted:
                parameters[parameter] = value
            elif value != _DEFAULTS[field]:
                raise UsageError(
                    f"{where}: GeneratorConfig.{field}={show(value)} has no counterpart: fastsynth's "
                    f"{name!r} generator has no parameter {parameter!r} (its parameters: "
                    f"{', '.join(sorted(accepted))})"
                )
        for field, default in _DEFAULTS.items():
            if field in own or field in ("random_state", "seed", "n_dims", balance_field):
                continue
            value = getattr(config, field)
            if value != default:
                hint = _HINTS.get(field, f"its fields: {', '.join([*own, *filter(None, [balance_field])])}")
                raise UsageError(
                    f"{where}: GeneratorConfig.{field}={show(value)} does not apply to generator {name!r} "
                    f"(left at its default {show(default)} it is fine); {hint}"
                )
        seed = config.random_state if config.random_state is not None else config.seed
        if seed is not None:
            parameters["seed"] = seed
            if name in _MODEL_SEEDS:  # what river builds once comes from the seed itself, as the seed's does
                parameters[_MODEL_SEEDS[name]] = seed
        mapped = ", ".join(f"{f} -> {p}" for f, p in own.items() if p in parameters)
        try:
            generator = generator_from_document(
                {"type": name, **parameters}, f"{where}: GeneratorConfig ({mapped or 'no fields'})"
            )
        except SchemaError as exc:
            raise UsageError(str(exc)) from None
        balance = None if balance_field is None else bool(getattr(config, balance_field))
        return GeneratorStream(generator, balance_classes=balance)

    @staticmethod
    def create_preset_concept_drift(
        generator_type: GeneratorType | str, seed: int = 42, drift_magnitude: float = 0.5
    ) -> tuple[GeneratorStream, GeneratorStream]:
        """A (base, drift) pair, as the seed makes it: the drift generator has seed ``seed + 1`` and,
        for Agrawal the second function, for SEA the second variant with ``drift_magnitude * 0.1`` more
        noise, for Hyperplane ``mag_change=drift_magnitude``, for STAGGER the second function."""
        kind = _generator_type(generator_type, "generator_type")
        base = GeneratorConfig(random_state=seed)
        drift = GeneratorConfig(random_state=seed + 1)
        if kind is GeneratorType.AGRAWAL:
            drift.classification_function = 1
        elif kind is GeneratorType.SEA:
            drift.function = 1
            drift.noise_percentage = base.noise_percentage + drift_magnitude * 0.1
        elif kind is GeneratorType.HYPERPLANE:
            drift.mag_change = drift_magnitude
        elif kind is GeneratorType.STAGGER:
            drift.classification_function_stagger = 1
        create = GeneratorFactory.create_generator
        return create(kind, base), create(kind, drift)

    @staticmethod
    def get_generator_info(generator_type: GeneratorType | str) -> dict[str, Any]:
        """Name, description, features, classes and whether it drifts, as the seed lists them (with
        river's facts: Sine is a classification), and whether fastsynth has it now."""
        kind = _generator_type(generator_type, "generator_type")
        return {**_INFO[kind.value], "available": kind.value in GENERATORS}


# -- one stream -------------------------------------------------------------------------------------

_SHARE = Annotated[float, Bounds(0, 1)]

_DRIFT_TYPES = ("none", "abrupt", "gradual", "incremental", "virtual_drift")

_REFUSED = {
    "drift_config": "the facade does not run DriftInjector schedules; apply fastsynth.inject_drift to the "
    "data (README, 'Drift')",
    "dynamics_config": "the facade does not run ScenarioInjector dynamics; apply ScenarioInjector (or "
    "fastsynth.scenarios) to the data",
    "constraints": "the facade does not drop rows after generating them",
    "sequence_config": "the facade makes no entity sequences; fastsynth's schemas have entities (README, "
    "'Time series')",
}
"""Seed parameters that change the data and that the facade cannot honour: refused when given."""


class SyntheticGenerator:
    """The seed's ``SyntheticGenerator`` (``StreamGenerator``): one stream, with or without drift."""

    DEFAULT_OUTPUT_DIR: ClassVar[str] = "real_time_output"

    def __init__(
        self, random_state: int | None = None, auto_report: bool = True, minimal_report: bool = False
    ) -> None:
        self.random_state = random_state
        """The dataset's seed: that of generators made without one, and of the stream's own draws
        (which rows drift, which values go missing) when its first generator has no seed of its own."""
        self.auto_report = auto_report
        self.minimal_report = minimal_report

    @classmethod
    def set_default_output_dir(cls, path: str) -> None:
        """Where ``save_dataset`` writes when no ``output_dir`` is given."""
        cls.DEFAULT_OUTPUT_DIR = path

    @classmethod
    def get_default_output_dir(cls) -> str:
        return cls.DEFAULT_OUTPUT_DIR

    def generate(
        self,
        generator_instance: Any,
        n_samples: int,
        filename: str = "synthetic_data.csv",
        output_dir: str | None = None,
        target_col: str = "target",
        balance: bool = False,
        date_config: Any = None,
        drift_type: str = "none",
        drift_options: Mapping[str, Any] | None = None,
        drift_config: Any = None,
        save_dataset: bool = False,
        generate_report: bool | None = None,
        report_config: Any = None,
        constraints: Any = None,
        sequence_config: Any = None,
        *,
        output_path: str | None = None,
        date_start: Any = None,
        date_every: int = 1,
        date_step: Mapping[str, int] | None = None,
        date_col: str = "timestamp",
        position_of_drift: int | None = None,
        transition_width: int | None = None,
        generator_instance_drift: Any = None,
        inconsistency: float = 0.0,
        metadata_generator_instance: Any = None,
        dynamics_config: Any = None,
        **kwargs: Any,
    ) -> Any:
        """``n_samples`` rows of ``generator_instance`` as a pandas DataFrame (features, target, then
        ``date_col`` when ``date_start`` is given), drifting as ``drift_type`` says, also written to
        ``output_dir/filename`` when ``save_dataset``.

        ``abrupt``: ``generator_instance_drift`` from ``position_of_drift`` (default ``n_samples // 2``)
        on. ``gradual``: a sigmoid around that position over ``transition_width`` rows (default
        ``n_samples // 10``). ``incremental``: the same over all the rows, centred at ``n_samples // 2``.
        ``virtual_drift``: from the position on, features (``drift_options["feature_cols"]``, default
        all) go missing with probability ``drift_options["missing_fraction"]`` (default 0.1)."""
        where = "SyntheticGenerator.generate"
        _refuse(
            where,
            kwargs,
            drift_config=drift_config,
            dynamics_config=dynamics_config,
            constraints=constraints,
            sequence_config=sequence_config,
        )
        if inconsistency:
            raise UsageError(
                f"{where}: inconsistency={show(inconsistency)} (a random walk added to the drift's weights) "
                "is not supported; leave it at 0"
            )
        stream = _as_stream(generator_instance, "generator_instance")
        if metadata_generator_instance not in (None, generator_instance):
            raise UsageError(
                f"{where}: metadata_generator_instance must be generator_instance or None; the columns "
                "are those of generator_instance"
            )
        n = argument("n_samples", n_samples, PositiveInt)
        directory = _alias("output_dir", output_dir, "output_path", output_path)
        date_start, date_every, date_step, date_col = date_arguments(
            date_config, date_start, date_every, date_step, date_col
        )
        drift = "virtual_drift" if drift_type == "virtual" else drift_type
        if drift not in _DRIFT_TYPES:
            raise UsageError(
                f"drift_type={show(drift_type)} is not allowed; allowed: {', '.join(_DRIFT_TYPES)}"
            )
        streams = [stream]
        document: dict[str, Any] = {}
        if drift in ("abrupt", "gradual", "incremental"):
            if generator_instance_drift is None:
                raise UsageError(
                    f"drift_type={drift!r} needs generator_instance_drift, the generator the stream drifts to"
                )
            streams.append(_as_stream(generator_instance_drift, "generator_instance_drift"))
            document["drift"] = [_switch(drift, n, position_of_drift, transition_width)]
        elif generator_instance_drift is not None:
            raise UsageError(
                f"generator_instance_drift is given but drift_type={drift_type!r}; drift to it with "
                "drift_type 'abrupt', 'gradual' or 'incremental'"
            )
        elif transition_width is not None:
            raise UsageError(f"transition_width is given but drift_type={drift_type!r} has no transition")
        if drift == "virtual_drift":
            document["virtual"] = _virtual(n, position_of_drift, drift_options)
        elif drift_options:
            raise UsageError(
                f"drift_options={show(drift_options)} are given but drift_type={drift_type!r}; they are "
                "the options of 'virtual_drift'"
            )
        elif drift == "none" and position_of_drift is not None:
            raise UsageError("position_of_drift is given but drift_type='none'")
        document["balance"] = _balance(balance, streams)
        dates = dates_document(date_start, date_step, date_every, date_col)
        table = _generate(streams, document, n, target_col, dates, None, resolve_seed(self.random_state))
        if save_dataset:
            folder = directory if directory is not None else self.DEFAULT_OUTPUT_DIR
            make_folder(folder)
            write_csv(table, os.path.join(folder, filename))
        elif directory is not None:
            make_folder(directory)  # as the seed, which writes its report there
        report(self.auto_report if generate_report is None else generate_report)
        return _frame(table, streams)


# -- blocks -----------------------------------------------------------------------------------------


class SyntheticBlockGenerator:
    """The seed's ``SyntheticBlockGenerator`` (``StreamBlockGenerator``): a CSV made of blocks, each
    from its own generator, with a ``block`` column and optional block timestamps. Unlike the seed's,
    blocks may use different generators (a feature a block's generator lacks is empty there)."""

    def generate_blocks_simple(
        self,
        output_dir: str | None = None,
        filename: str | None = None,
        n_blocks: int | None = None,
        total_samples: int | None = None,
        methods: Any = None,
        method_params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        n_samples_block: int | Sequence[int] | None = None,
        target_col: str = "target",
        balance: bool = False,
        random_state: int | None = None,
        date_start: Any = None,
        date_step: Mapping[str, int] | None = None,
        date_col: str = "timestamp",
        generate_report: bool = True,
        drift_config: Any = None,
        dynamics_config: Any = None,
        report_config: Any = None,
        *,
        output_path: str | None = None,
        instances_per_block: int | Sequence[int] | None = None,
        block_labels: Sequence[Any] | None = None,
    ) -> str:
        """Blocks by generator name: ``methods`` (one name, or one per block) with ``method_params``
        (GeneratorConfig fields: one mapping, or one per block); ``total_samples`` split equally with
        the remainder on the last block, or ``n_samples_block`` rows each. With ``random_state``,
        block ``i``'s generator has seed ``random_state + i``. Returns the CSV's path."""
        where = "SyntheticBlockGenerator.generate_blocks_simple"
        _refuse(where, {}, drift_config=drift_config, dynamics_config=dynamics_config)
        directory = _required_alias("output_dir", output_dir, "output_path", output_path)
        count = argument("n_blocks", _required("n_blocks", n_blocks), PositiveInt)
        sizes = _alias("n_samples_block", n_samples_block, "instances_per_block", instances_per_block)
        names = _per_block("methods", _required("methods", methods), count)
        several = isinstance(methods, list | tuple) and len(methods) > 1
        kinds = [_generator_type(m, f"methods[{k}]" if several else "methods") for k, m in enumerate(names)]
        params = _per_block("method_params", {} if method_params is None else method_params, count)
        each = isinstance(method_params, list | tuple) and len(method_params) > 1
        generators = [
            GeneratorFactory.create_generator(kind, _config(options, k, random_state, each))
            for k, (kind, options) in enumerate(zip(kinds, params, strict=True))
        ]
        return self.generate(
            directory,
            filename,
            count,
            total_samples,
            sizes,
            generators,
            target_col=target_col,
            balance=balance,
            date_start=date_start,
            date_step=date_step,
            date_col=date_col,
            generate_report=generate_report,
            report_config=report_config,
            block_labels=block_labels,
            random_state=random_state,
        )

    def generate(
        self,
        output_dir: str | None = None,
        filename: str | None = None,
        n_blocks: int | None = None,
        total_samples: int | None = None,
        n_samples_block: int | Sequence[int] | None = None,
        generators: Any = None,
        target_col: str = "target",
        balance: bool = False,
        date_start: Any = None,
        date_step: Mapping[str, int] | None = None,
        date_col: str = "timestamp",
        generate_report: bool = True,
        drift_config: Any = None,
        dynamics_config: Any = None,
        report_config: Any = None,
        block_labels: Sequence[Any] | None = None,
        *,
        output_path: str | None = None,
        instances_per_block: int | Sequence[int] | None = None,
        random_state: int | None = None,
    ) -> str:
        """Blocks from ``generators`` (GeneratorFactory's, one for all or one per block), written to
        ``output_dir/filename`` with the columns features..., ``target_col``, ``date_col`` (one
        timestamp per block, ``date_start + k * date_step``, when ``date_start`` is given), ``block``
        (``block_labels``, 1..n by default). Returns the CSV's path."""
        where = "SyntheticBlockGenerator.generate"
        _refuse(where, {}, drift_config=drift_config, dynamics_config=dynamics_config)
        directory = _required_alias("output_dir", output_dir, "output_path", output_path)
        name = argument("filename", _required("filename", filename), str)
        count = argument("n_blocks", _required("n_blocks", n_blocks), PositiveInt)
        given = _per_block("generators", _required("generators", generators), count)
        streams = [_as_stream(g, f"generators[{k}]") for k, g in enumerate(given)]
        sizes = _block_sizes(
            count,
            total_samples,
            _alias("n_samples_block", n_samples_block, "instances_per_block", instances_per_block),
        )
        blocks: dict[str, Any] = {"rows": sizes}
        if block_labels:
            labels = list(block_labels)
            if len(labels) != count:
                raise UsageError(
                    f"block_labels has {len(labels)} labels ({show(labels)}) for n_blocks={count}; give one "
                    "per block"
                )
            blocks["labels"] = labels
        document = {"blocks": blocks, "balance": _balance(balance, streams)}
        dates = dates_document(date_start, date_step, None, date_col)
        table = _generate(
            streams, document, sum(sizes), target_col, dates, "block", resolve_seed(random_state)
        )
        make_folder(directory)
        path = os.path.join(directory, name)
        write_csv(table, path)
        log.info("Generated %d rows in %d blocks at %s", table.num_rows, count, path)
        report(generate_report)
        return path


StreamGenerator = SyntheticGenerator
StreamBlockGenerator = SyntheticBlockGenerator


# -- translation helpers ----------------------------------------------------------------------------


def _generator_type(value: Any, parameter: str) -> GeneratorType:
    """A GeneratorType from itself or its name (``"sea"``, ``"SEA"``), or a UsageError listing them."""
    if isinstance(value, GeneratorType):
        return value
    if isinstance(value, str):
        for kind in GeneratorType:
            if value.lower() in (kind.value, kind.name.lower()):
                return kind
    names = ", ".join(kind.value for kind in GeneratorFactory.get_available_generators())
    raise UsageError(f"{parameter}={show(value)} is not a generator; allowed: {names}")


def _not_available(name: str) -> str:
    names = ", ".join(kind.value for kind in GeneratorFactory.get_available_generators())
    return f"generator {name!r} is not available in this fastsynth; available: {names}"


def _as_stream(value: Any, parameter: str) -> GeneratorStream:
    """A GeneratorStream from one, a fastsynth generator spec or its document."""
    if isinstance(value, GeneratorStream):
        return value
    if isinstance(value, Generator):
        return GeneratorStream(value)
    if isinstance(value, Mapping) and "type" in value:
        try:
            return GeneratorStream(generator_from_document(dict(value), parameter))
        except SchemaError as exc:
            raise UsageError(str(exc)) from None
    if callable(getattr(value, "take", None)):  # a river stream the seed's code made itself: river's speed
        return GeneratorStream(from_river(value))
    kind = type(value)
    raise UsageError(
        f"{parameter}: a {kind.__module__}.{kind.__qualname__} is not a generator fastsynth can make; "
        "give one from fastsynth.compat.calmops.GeneratorFactory, a river stream or a fastsynth generator"
    )


def _refuse(where: str, unknown: Mapping[str, Any], **given: Any) -> None:
    """A UsageError for a refused parameter that was given (not empty: the seed acts on it only then),
    or an unknown keyword."""
    for name, value in given.items():
        if value:
            raise UsageError(f"{where}: {name} is not supported: {_REFUSED[name]}")
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise UsageError(
            f"{where}: unknown parameter{'s' if len(unknown) > 1 else ''} {names}; see help({where}) "
            "for those the facade takes"
        )


def _alias(name: str, value: Any, old: str, old_value: Any) -> Any:
    """One setting under its new and old names (the seed renamed output_path to output_dir...)."""
    if value is not None and old_value is not None and value != old_value:
        raise UsageError(f"{name}={show(value)} and {old}={show(old_value)} are one setting; give one")
    return value if value is not None else old_value


def _required(name: str, value: Any) -> Any:
    if value is None:
        raise UsageError(f"{name} is required")
    return value


def _required_alias(name: str, value: Any, old: str, old_value: Any) -> Any:
    chosen = _alias(name, value, old, old_value)
    if chosen is None:
        raise UsageError(f"give {name} (or {old}): the folder the CSV is written to")
    return chosen


def _per_block(parameter: str, value: Any, count: int) -> list[Any]:
    """The seed's rule: one value (or a list of one) for every block, or a list of one per block."""
    if isinstance(value, list | tuple):
        if len(value) == 1:
            return list(value) * count
        if len(value) != count:
            raise UsageError(
                f"{parameter} has {len(value)} values ({show(value)}) for n_blocks={count}; give one for "
                "every block, or one per block"
            )
        return list(value)
    return [value] * count


def _config(options: Any, block: int, random_state: int | None, several: bool) -> GeneratorConfig:
    """Block ``block``'s GeneratorConfig from its ``method_params`` mapping."""
    where = f"method_params[{block}]" if several else "method_params"
    if isinstance(options, GeneratorConfig):
        options = dataclasses.asdict(options)
        options = {k: v for k, v in options.items() if v != _DEFAULTS[k]}
    if not isinstance(options, Mapping):
        raise UsageError(f"{where}={show(options)} is not a mapping of GeneratorConfig fields")
    for key in options:
        if key not in _DEFAULTS:
            raise UsageError(
                f"{where}: unknown GeneratorConfig field {key!r}; allowed: {', '.join(sorted(_DEFAULTS))}"
            )
    fields = dict(options)
    if random_state is not None:
        for key in ("random_state", "seed"):
            if fields.get(key) is not None:
                raise UsageError(
                    f"{where}: {key}={show(fields[key])} and random_state={show(random_state)} both seed "
                    "the block; give one"
                )
        fields["random_state"] = (random_state + block) % (2**32 - 1)
    return GeneratorConfig(**fields)


def _block_sizes(count: int, total: int | None, sizes: Any) -> list[int]:
    """Each block's rows: ``total`` split equally (remainder on the last), or ``sizes``."""
    if sizes is None:
        if total is None:
            raise UsageError("give total_samples, or n_samples_block (rows per block)")
        total = argument("total_samples", total, PositiveInt)
        if total < count:
            raise UsageError(f"total_samples={total} is fewer than one row for each of n_blocks={count}")
        return [total // count] * (count - 1) + [total // count + total % count]
    rows = [argument("n_samples_block", s, PositiveInt) for s in _per_block("n_samples_block", sizes, count)]
    if total is not None and sum(rows) != total:
        raise UsageError(
            f"n_samples_block={show(sizes)} adds up to {sum(rows)}, not total_samples={show(total)}; "
            "make them agree, or give one of them"
        )
    return rows


def _switch(drift: str, n: int, position: int | None, width: int | None) -> dict[str, float]:
    """The drift switch of ``abrupt``, ``gradual`` or ``incremental``, as the seed places it."""
    if drift == "incremental":
        for name, value in (("position_of_drift", position), ("transition_width", width)):
            if value is not None:
                raise UsageError(
                    f"{name}={show(value)}: incremental drift spans all n_samples rows, centred at "
                    "n_samples // 2 (as the seed has it); for a chosen position or width use 'gradual'"
                )
        return {"position": n // 2, "width": n}
    at = n // 2 if position is None else argument("position_of_drift", position, Count)
    if at > n:
        raise UsageError(f"position_of_drift={at} is past the last of n_samples={n} rows")
    if drift == "abrupt":
        if width is not None:
            raise UsageError(f"transition_width={show(width)}: abrupt drift has no transition; use 'gradual'")
        return {"position": at, "width": 0}
    return {"position": at, "width": n // 10 if width is None else argument("transition_width", width, Count)}


def _virtual(n: int, position: int | None, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Virtual drift (features go missing) from the seed's ``drift_options``."""
    given = dict(options or {})
    unknown = set(given) - {"missing_fraction", "feature_cols"}
    if unknown:
        raise UsageError(
            f"drift_options: unknown key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, sorted(unknown)))}; allowed: missing_fraction, feature_cols"
        )
    at = n // 2 if position is None else argument("position_of_drift", position, Count)
    rate = argument("drift_options['missing_fraction']", given.get("missing_fraction", 0.1), _SHARE)
    virtual: dict[str, Any] = {"position": at, "rate": rate}
    if given.get("feature_cols") is not None:
        virtual["columns"] = [str(c) for c in given["feature_cols"]]
    return virtual


def _balance(balance: bool, streams: Sequence[GeneratorStream]) -> bool:
    """The stream's ``balance``: asked for, or asked by every generator's ``balance_classes``."""
    if balance:
        return True
    wanted = [bool(s.balance_classes) for s in streams]
    if len(set(wanted)) > 1:
        flags = ", ".join(f"{s.name}: balance_classes={s.balance_classes}" for s in streams)
        raise UsageError(
            f"generators disagree on balanced classes ({flags}); fastsynth balances a whole dataset: "
            "pass balance=True, or set balance_classes alike"
        )
    return all(wanted)


def _generate(
    streams: Sequence[GeneratorStream],
    document: dict[str, Any],
    rows: int,
    target: str,
    dates: dict[str, Any] | None,
    block: str | None,
    seed: int,
) -> pa.Table:
    """fastsynth's rows, columns in the seed's order: features, target, date, block."""
    generator = {
        **document,
        "concepts": [s.generator for s in streams],  # specs: a river object has no document form
        "target": target,
        "concept_column": None,
        **({"dates": dates} if dates is not None else {}),
    }
    try:
        table = generate_table({"generator": generator}, rows, seed=seed)
    except SchemaError as exc:
        raise UsageError(str(exc)) from None
    last = [target, *([dates["column"]] if dates is not None else []), *([block] if block else [])]
    features = [name for name in table.column_names if name not in last]
    table = table.select([*features, *last])
    if all(s.name in _BOOLEAN_LABELS for s in streams):
        table = table.set_column(len(features), target, table[target].cast(pa.bool_()))
    return table


def _river_key(name: str) -> Any:
    """A feature's key in river's dicts: SEA's ``0`` is the integer 0, Agrawal's ``salary`` a string."""
    return int(name) if name.isascii() and name.isdigit() else name


def _frame(table: pa.Table, streams: Sequence[GeneratorStream]) -> Any:
    """The table as the seed's DataFrame: river's keys as column names, integers as int64 and times in
    nanoseconds, as pandas makes them from river's Python values."""
    optional_import("pandas", "calmops")
    features = {name for s in streams for name in s.generator.feature_names()}
    for n, column in enumerate(table.columns):
        if pa.types.is_integer(column.type):
            table = table.set_column(n, table.field(n).name, column.cast(pa.int64()))
    frame = table.to_pandas(coerce_temporal_nanoseconds=True)
    frame.columns = [_river_key(name) if name in features else name for name in table.column_names]
    return frame
