"""SDV's single-table synthesizers (GaussianCopula, CTGAN, TVAE, CopulaGAN) behind plain functions: fit
one on an Arrow table, sample rows from it with fastsynth's seeds, and convert between Arrow and the
pandas frames SDV reads and writes. ``fastsynth.models.sdv`` builds its models on these.

SDV is the engine and samples from process-wide generators: numpy's global ``RandomState``, torch's
default generator, Python's ``random``, and per transformer (rdt) a ``RandomState`` or a Faker instance
it sets up after fitting. ``sample`` seeds every one of them from its key under one lock (another
thread sampling or fitting in between would move them), and puts the global ones back afterwards, so
the rows depend on the key alone and code around fastsynth does not see its generators moved.

SDV, pandas and torch are imported when a synthesizer is first fitted or loaded, never by
``import fastsynth``.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import random
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.dependencies import optional_import
from fastsynth.errors import SchemaError, UsageError

__all__ = [
    "SYNTHESIZERS",
    "discrete_columns",
    "dumps",
    "fit",
    "loads",
    "sample",
    "synthesizer_class",
    "to_arrays",
    "unsupported_columns",
    "version",
]

SYNTHESIZERS = {
    "gaussian_copula": "GaussianCopulaSynthesizer",
    "ctgan": "CTGANSynthesizer",
    "tvae": "TVAESynthesizer",
    "copulagan": "CopulaGANSynthesizer",
}
"""fastsynth's method name -> the class of ``sdv.single_table`` it fits."""

_TABLE = "data"
_NOT_OPTIONS = ("self", "metadata")
_DISCRETE = ("categorical", "boolean")
_SEED_RANGE = 2**32 - 1  # numpy's and rdt's seeds are 32-bit

_LOCK = threading.RLock()
"""Held while SDV fits or samples: the generators it draws from are process-wide."""


def synthesizer_class(method: str) -> type:
    """The SDV class of ``method`` (a MissingDependencyError naming the ``sdv`` extra without SDV)."""
    single_table = optional_import("sdv.single_table", "sdv")
    return getattr(single_table, SYNTHESIZERS[method])


def options_of(cls: type) -> list[str]:
    """The parameters SDV's ``cls`` takes besides its metadata, the options a user may pass through."""
    parameters = inspect.signature(cls.__init__).parameters.values()  # type: ignore[misc]
    return [
        p.name
        for p in parameters
        if p.name not in _NOT_OPTIONS and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def unsupported_columns(schema: pa.Schema) -> list[str]:
    """The columns whose Arrow type does not go to SDV and back (as ``name (type)``)."""
    return [f"{f.name} ({f.type})" for f in schema if not _supported(f.type)]


def _supported(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _supported(kind.value_type)
    return (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_date(kind)
    )


def fit(method: str, table: pa.Table, options: Mapping[str, Any], key: int) -> Any:
    """SDV's synthesizer for ``method`` with ``options`` (of those ``options_of`` lists), its metadata
    detected from ``table``, fitted on it with the generators seeded from ``key``. Option values SDV
    refuses are UsageErrors."""
    cls = synthesizer_class(method)
    frame = _to_frame(table)
    metadata_module = optional_import("sdv.metadata", "sdv")
    with _LOCK, _quiet(), _seeded(key):
        metadata = metadata_module.Metadata.detect_from_dataframes({_TABLE: frame})
        _seen_values_only(metadata, table)
        try:
            synthesizer = cls(metadata, **options)
            synthesizer.fit(_fit_input(frame))
        except (ValueError, TypeError, AssertionError, _sdv_errors()) as exc:
            # SDV (and ctgan under it) check option values as they use them: a value they refuse is
            # the user's to fix, so it reads as one with the method named.
            shown = ", ".join(f"{k}={v!r}" for k, v in options.items()) or "the defaults"
            reason = str(exc) or type(exc).__name__  # ctgan's bare asserts say nothing
            raise UsageError(
                f"fit: method {method!r} (SDV's {cls.__name__}) with {shown}: {reason}"
            ) from None
    return synthesizer


def _seen_values_only(metadata: Any, table: pa.Table) -> None:
    """SDV takes a column named ``city``, ``email`` or ``user_id`` for personal data or an id and
    invents new values for it: here every column is modelled on its values (text and booleans as
    categories, numbers as numbers), as fastsynth's other methods model them."""
    if metadata.tables[_TABLE].primary_key is not None:  # a key is an id: it goes with the ids
        metadata.remove_primary_key(table_name=_TABLE)
    columns = metadata.tables[_TABLE].columns
    for name, info in list(columns.items()):
        if info.get("sdtype") in ("numerical", "datetime", "categorical", "boolean"):
            continue
        kind = table.schema.field(name).type
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        metadata.update_column(
            column_name=name, sdtype="numerical" if numeric else "categorical", table_name=_TABLE
        )


def discrete_columns(synthesizer: Any) -> list[str]:
    """The columns SDV models as categories (categorical, boolean): those it can condition on."""
    metadata = synthesizer.get_metadata()
    columns = metadata.tables[metadata._get_single_table_name()].columns
    return [name for name, info in columns.items() if info.get("sdtype") in _DISCRETE]


def sample(synthesizer: Any, rows: int, key: int, condition: Mapping[str, Any] | None = None) -> Any:
    """``rows`` rows (a pandas DataFrame) from ``synthesizer``, every generator it draws from seeded from
    ``key``; with ``condition`` (column -> value), rows that have those values, by SDV's
    ``sample_from_conditions``."""
    with _LOCK, _quiet(), _seeded(key, synthesizer):
        if condition is None:
            made = synthesizer.sample(rows)
        else:
            condition_class = optional_import("sdv.sampling", "sdv").Condition
            try:
                # sample_from_conditions always draws a progress bar (tqdm, on sys.stderr at the time)
                with contextlib.redirect_stderr(io.StringIO()):
                    made = synthesizer.sample_from_conditions([condition_class(dict(condition), rows)])
            except (ValueError, _sdv_errors()) as exc:
                shown = ", ".join(f"{k}={v!r}" for k, v in condition.items())
                raise UsageError(f"cannot make rows with {shown}: {exc}") from None
    frame = made[_TABLE] if isinstance(made, dict) else made
    if len(frame) != rows:
        # SDV's reject sampling (CTGAN, TVAE) gives up after its tries on a value it rarely makes
        shown = "" if condition is None else " with " + ", ".join(f"{k}={v!r}" for k, v in condition.items())
        raise UsageError(f"SDV made {len(frame)} of {rows} rows{shown}: the model rarely makes them")
    return frame


def dumps(synthesizer: Any) -> bytes:
    """The fitted synthesizer as SDV saves it (``synthesizer.save``: a cloudpickle)."""
    with tempfile.TemporaryDirectory() as folder, _quiet():
        path = Path(folder) / "synthesizer.pkl"
        synthesizer.save(str(path))
        return path.read_bytes()


def loads(data: bytes) -> Any:
    """The synthesizer ``dumps`` saved, loaded as SDV loads one (``load_synthesizer``: unpickles, so
    runs code from ``data``; callers check the user trusts it first)."""
    utils = optional_import("sdv.utils", "sdv")
    with tempfile.TemporaryDirectory() as folder, _quiet():
        path = Path(folder) / "synthesizer.pkl"
        path.write_bytes(data)
        try:
            return utils.load_synthesizer(str(path))
        except Exception as exc:  # a pickle fails in as many ways as the code it runs
            raise SchemaError(f"the SDV synthesizer in the model file cannot be loaded: {exc}") from None


# -- Arrow <-> pandas ----------------------------------------------------------------------------------


def _to_frame(table: pa.Table) -> Any:
    """``table`` as the pandas frame SDV reads: dictionaries decoded, times as naive UTC datetimes."""
    optional_import("pandas", "sdv")
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            column = column.cast(pa.timestamp(kind.unit))  # keeps the UTC instants
        elif pa.types.is_date(kind):
            column = column.cast(pa.timestamp("ms"))
        columns.append(column)
    return pa.table(columns, names=table.column_names).to_pandas(coerce_temporal_nanoseconds=True)


def to_arrays(frame: Any, schema: pa.Schema) -> dict[str, pa.Array]:
    """SDV's sampled ``frame`` as one Arrow array per column of ``schema``, of the column's type."""
    return {f.name: _to_arrow(frame[f.name], f.type) for f in schema}


def _to_arrow(series: Any, kind: pa.DataType) -> pa.Array:
    array = pa.Array.from_pandas(series)  # NaN, None and NaT become nulls
    if pa.types.is_integer(kind) and pa.types.is_floating(array.type):
        # SDV gives floats for an integer column with nulls, or unrounded with enforce_rounding=False
        info = np.iinfo(kind.to_pandas_dtype())
        array = pc.min_element_wise(pc.max_element_wise(pc.round(array), info.min), info.max)
    if pa.types.is_timestamp(kind) and kind.tz is not None and pa.types.is_timestamp(array.type):
        array = array.cast(pa.timestamp(array.type.unit, kind.tz))  # the naive values were UTC
    return array.cast(kind, safe=False)


# -- determinism ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _seeded(key: int, synthesizer: Any = None) -> Iterator[None]:
    """Within it, the process-wide generators (and ``synthesizer``'s own) start from ``key``; after
    it, the process-wide ones are back where they were. Hold ``_LOCK`` around it."""
    seed = key % _SEED_RANGE
    numpy_state, python_state = np.random.get_state(), random.getstate()
    torch = sys.modules.get("torch")  # only CTGAN, TVAE and CopulaGAN import it, and draw from it
    torch_state = None if torch is None else torch.get_rng_state()
    np.random.seed(seed)
    random.seed(key)
    if torch is not None:
        torch.manual_seed(key)
    if synthesizer is not None:
        _seed_synthesizer(synthesizer, seed)
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
        if torch is not None and torch_state is not None:
            torch.set_rng_state(torch_state)


def _seed_synthesizer(synthesizer: Any, seed: int) -> None:
    """Seed what ``synthesizer`` samples from: its model (SDV's ``_set_random_state``, which also stops
    ``sample`` from resetting it to SDV's fixed seed) and every transformer's reverse transform (nulls
    placed at random, Faker's values). Without the transformers, each chunk of rows would get nulls
    at the same offsets as every other."""
    synthesizer.reset_sampling()  # forgets the values a unique-valued column has made so far
    synthesizer._set_random_state(seed)
    try:
        transformers = synthesizer.get_transformers()
    except ValueError:  # no column is transformed
        transformers = {}
    for index, transformer in enumerate(t for t in transformers.values() if t is not None):
        own = (seed + 7919 * (index + 1)) % _SEED_RANGE
        for method in ("transform", "reverse_transform"):
            transformer.set_random_state(np.random.RandomState(own), method)
        faker = getattr(transformer, "faker", None)
        if faker is not None:
            faker.seed_instance(own)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """SDV warns about what a fastsynth user cannot act on (save the metadata to JSON, the detected
    primary key, pandas' deprecations inside it): silenced while it runs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def version() -> str:
    """The installed SDV's version."""
    return str(optional_import("sdv", "sdv").__version__)


def _fit_input(frame: Any) -> Any:
    """What ``synthesizer.fit`` takes: SDV 2 a dict of table name to frame, SDV 1 the frame."""
    return {_TABLE: frame} if int(version().split(".")[0]) >= 2 else frame


def _sdv_errors() -> type[Exception]:
    errors = optional_import("sdv.errors", "sdv")
    return getattr(errors, "SynthesizerInputError", ValueError)
