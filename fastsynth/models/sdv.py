"""SDV's synthesizers as fitting methods (the ``sdv`` extra): ``gaussian_copula``, ``ctgan``, ``tvae``,
``copulagan``. SDV fits and samples; fastsynth gives the rows its determinism and Arrow types.

Options are the SDV synthesizer's own parameters (``epochs``, ``batch_size``, ``embedding_dim``,
``enforce_min_max_values``, ...); the metadata is SDV's, detected from the data; the rows come back
with the data's Arrow types (int16 stays int16, timestamps stay timestamps).

SDV makes rows from generators, not from row numbers, so rows are made in fixed chunks of
``chunk_rows`` (an option of fastsynth's beside SDV's): chunk ``k`` is SDV's sample with every
generator seeded from ``(seed, k)``, and ``make`` samples the chunks its rows overlap and slices them.
Row ``i`` then depends only on (seed, i), whatever the batches. The last chunks made are kept, so
consecutive small batches sample each chunk once. ``chunk_rows`` is written in the model file: changing
the default does not change the rows of a saved model.

The default, 40,960 (102,400 for TVAE), is where chunking costs SDV little. Each ``sample`` call has
a fixed cost of its own, whatever its rows: rdt's reverse transform and ctgan's inverse transform go
column by column through pandas (about 50 ms a call for twelve columns, more on a busy machine), and
fastsynth's seeding adds 10 ms. The rows of the last chunk past those asked for are made for nothing
(up to one chunk per call of ``generate``). Sampling 200,000 rows of CTGAN and TVAE through
``generate`` against one SDV ``sample`` call on the same synthesizer (benchmarks/bench_sdv.py, two busy
cores): 16,384-row chunks +12% and +59%, 32,768 +11% and +48%, 40,960 +6% and +1%, 65,536 +31% and +30%
(the fourth chunk is 95% unused). The price is the first rows of a chunk: a batch of 10 rows samples a
whole chunk (about 1 s for CTGAN); a smaller ``chunk_rows`` suits small batches of a server.

The fixed cost weighs more on TVAE: measured by CPU time on the same synthesizer (a busy machine makes
wall times noisy), five calls of 40,960 rows cost 11% more than one call of the same 204,800 rows, and
those 4,800 rows past 200,000 cost 2%. So TVAE's chunks are 102,400 rows (the same 204,800 rows for
200,000): in one run of bench_sdv.py on two cores at load 6, +6.5% wall and +4.7% CPU against SDV,
where 40,960 gave +16.0% and +9.4%. A batch of 10 rows then samples 102,400 (about 1.3 s), and a
given value costs that many rows per chunk. TVAE's tail cannot be sampled short instead: ctgan draws
the noise of its continuous columns column after column (``np.random.normal`` over all the rows of one
column, then the next), so its first rows depend on how many are sampled. The chunk size is in the
model file, so TVAE models saved with 40,960 keep their rows.

Given values (``givable``: the columns SDV models as categories) are SDV's conditional sampling
(``sample_from_conditions``): for chunk ``k`` and each combination of given values in it, a whole
chunk of rows with those values is sampled, seeded from ``(seed, k, values)``, and row ``i`` takes
its row of the chunk of its values. The cost is a chunk per combination present in a chunk; CTGAN and
TVAE sample conditions by rejection (SDV's), so a rare value costs as many rows as it takes to see
it ``chunk_rows`` times.

The model file keeps the fitted synthesizer as SDV saves it, a pickle: loading one runs code, so it
needs ``Schema.load(path, trust=True)`` or ``--trust-model``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fastsynth.adapters import sdv_models
from fastsynth.errors import SchemaError, UsageError
from fastsynth.models import files
from fastsynth.models.base import METHODS, Model, check_options, model_key
from fastsynth.specs import Bounds, Spec, argument, from_document, to_document

__all__ = ["CHUNK_ROWS", "CTGAN", "TVAE", "TVAE_CHUNK_ROWS", "CopulaGAN", "GaussianCopula", "SdvModel"]

CHUNK_ROWS = 40_960
"""Rows per chunk of a newly fitted model, unless the ``chunk_rows`` option or the method says (see the
module's docstring); also the chunk of a model file that names none (files from before TVAE's own)."""
TVAE_CHUNK_ROWS = 102_400
"""Rows per chunk of a newly fitted TVAE model: fewer SDV calls, whose fixed cost weighs more on TVAE."""
_CACHE_BYTES = 256 * 2**20
"""The most bytes of recent chunks a model keeps (at least the last one)."""


@dataclass(frozen=True)
class _Document(Spec):
    """What a model file says of an SDV model besides its pickle."""

    synthesizer: str
    """SDV's class (for the reader: the pickle says it too)."""
    chunk_rows: Annotated[int, Bounds(1)] = CHUNK_ROWS
    """Rows sampled with one seed."""
    givable: tuple[str, ...] = ()
    """The columns SDV models as categories, which ``make`` can be given."""
    options: dict[str, Any] = field(default_factory=dict)
    """The options it was fitted with (for the reader: the pickle holds them)."""
    sdv_version: str = ""
    """The SDV that fitted it."""


class SdvModel(Model):
    """An SDV synthesizer fitted on the data; a subclass per method (``sdv_models.SYNTHESIZERS``)."""

    pickled: ClassVar[bool] = True
    default_chunk_rows: ClassVar[int] = CHUNK_ROWS
    """The method's default ``chunk_rows`` for a newly fitted model."""

    def __init__(self, synthesizer: Any, columns: pa.Schema, document: _Document) -> None:
        self.synthesizer = synthesizer
        self.columns = columns
        self.document = document
        self._chunks: OrderedDict[tuple[Any, ...], dict[str, pa.Array]] = OrderedDict()
        self._chunks_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to Dask's workers), without the lock or the recent chunks."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_chunks", "_chunks_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._chunks = OrderedDict()
        self._chunks_lock = threading.Lock()

    @classmethod
    def fit(
        cls,
        table: pa.Table,
        options: Mapping[str, Any],
        *,
        seed: int,
        target: str | None,
        given: Sequence[str] = (),
    ) -> SdvModel:
        unsupported = sdv_models.unsupported_columns(table.schema)
        if unsupported:
            raise UsageError(
                f"fit: method {cls.method!r} cannot model the columns {', '.join(unsupported)}; "
                "allowed types: integers, floats, booleans, strings, timestamps, dates, dictionaries of them"
            )
        sdv_options = dict(options)
        chunk_rows = argument(
            "chunk_rows", sdv_options.pop("chunk_rows", cls.default_chunk_rows), Annotated[int, Bounds(1)],
            error=lambda message: UsageError(f"fit: method {cls.method!r}: {message}"),
        )  # fmt: skip
        sdv_own = sdv_models.options_of(sdv_models.synthesizer_class(cls.method))
        check_options(cls.method, options, [*sdv_own, "chunk_rows"])
        synthesizer = sdv_models.fit(cls.method, table, sdv_options, int(model_key(seed, "sdv fit")))
        document = _Document(
            synthesizer=sdv_models.SYNTHESIZERS[cls.method],
            chunk_rows=chunk_rows,
            givable=tuple(sdv_models.discrete_columns(synthesizer)),
            options=to_document(sdv_options),
            sdv_version=sdv_models.version(),
        )
        model = cls(synthesizer, table.schema, document)
        model._check_given(given)
        return model

    def arrow_schema(self) -> pa.Schema:
        return self.columns

    def givable(self) -> frozenset[str]:
        return frozenset(self.document.givable)

    def make(
        self, seed: int, start: int, size: int, given: Mapping[str, pa.Array] | None = None
    ) -> dict[str, pa.Array]:
        if given:
            self._check_given(given, size)
        if size == 0:
            return {f.name: pa.array([], f.type) for f in self.columns}
        chunk = self.document.chunk_rows
        pieces: list[dict[str, pa.Array]] = []
        for k in range(start // chunk, -(-(start + size) // chunk)):
            low, high = max(start, k * chunk), min(start + size, (k + 1) * chunk)
            if given:
                wanted = {name: values.slice(low - start, high - low) for name, values in given.items()}
                pieces.append(self._given_rows(seed, k, low - k * chunk, wanted))
            else:
                rows = self._chunk(seed, k, None)
                pieces.append({n: a.slice(low - k * chunk, high - low) for n, a in rows.items()})
        out = {f.name: pa.concat_arrays([p[f.name] for p in pieces]) for f in self.columns}
        for name, values in (given or {}).items():  # the given values, exactly as given
            out[name] = values.cast(self.columns.field(name).type)
        return out

    def to_document(self) -> dict[str, Any]:
        return to_document(self.document)

    def tables(self) -> dict[str, pa.Table]:
        return {
            "synthesizer": pa.table(
                {"pickle": pa.array([sdv_models.dumps(self.synthesizer)], pa.large_binary())}
            ),
            "columns": self.columns.empty_table(),
        }

    @classmethod
    def from_parts(cls, document: Mapping[str, Any], tables: Mapping[str, pa.Table]) -> SdvModel:
        where = f"schema: model {cls.method!r}"
        settings = from_document(_Document, dict(document), where=where)
        if "synthesizer" not in tables or "columns" not in tables:
            raise SchemaError(f"{where} keeps its SDV synthesizer in its model file; load that (.fsm)")
        pickle = tables["synthesizer"].column(0)
        if tables["synthesizer"].num_rows != 1 or not pa.types.is_large_binary(pickle.type):
            raise SchemaError(f"{where}: its 'synthesizer' table is not one pickled synthesizer")
        files.check_trusted("an SDV synthesizer")
        synthesizer = sdv_models.loads(pickle[0].as_py())
        return cls(synthesizer, tables["columns"].schema, settings)

    # -- rows --------------------------------------------------------------------------------------------

    def _chunk(self, seed: int, k: int, condition: tuple[tuple[str, Any], ...] | None) -> dict[str, pa.Array]:
        """Chunk ``k`` of the rows for ``seed`` (with the given values ``condition``), from the cache
        when a recent batch made it."""
        cache_key = (seed, k, condition)
        with self._chunks_lock:
            if cache_key in self._chunks:
                self._chunks.move_to_end(cache_key)
                return self._chunks[cache_key]
        key = model_key(seed, "sdv", k) if condition is None else model_key(seed, "sdv", k, *condition)
        frame = sdv_models.sample(
            self.synthesizer,
            self.document.chunk_rows,
            int(key),
            None if condition is None else dict(condition),
        )
        rows = sdv_models.to_arrays(frame, self.columns)
        with self._chunks_lock:
            self._chunks[cache_key] = rows
            while len(self._chunks) > 1 and sum(_nbytes(c) for c in self._chunks.values()) > _CACHE_BYTES:
                self._chunks.popitem(last=False)
        return rows

    def _given_rows(
        self, seed: int, k: int, offset: int, wanted: Mapping[str, pa.Array]
    ) -> dict[str, pa.Array]:
        """Rows ``offset ..`` of chunk ``k`` for the ``wanted`` values: each row from the chunk sampled
        with its own combination of values."""
        names = sorted(wanted)
        codes = np.zeros(len(wanted[names[0]]), np.int64)
        for name in names:
            encoded = pc.dictionary_encode(wanted[name])
            codes = codes * len(encoded.dictionary) + encoded.indices.to_numpy(zero_copy_only=False)
        _, first, group_of = np.unique(codes, return_index=True, return_inverse=True)
        taken: list[dict[str, pa.Array]] = []
        order: list[np.ndarray] = []
        for group, row in enumerate(first):
            members = np.flatnonzero(group_of == group)
            condition = tuple((name, wanted[name][int(row)].as_py()) for name in names)
            rows = self._chunk(seed, k, condition)
            taken.append({n: a.take(pa.array(offset + members)) for n, a in rows.items()})
            order.append(members)
        back = pa.array(np.argsort(np.concatenate(order), kind="stable"))  # rows back to their places
        return {n: pa.concat_arrays([t[n] for t in taken]).take(back) for n in taken[0]}

    def _check_given(self, given: Mapping[str, Any] | Sequence[str], size: int | None = None) -> None:
        allowed = self.document.givable
        for name in given:
            if name not in allowed:
                raise UsageError(
                    f"{self.method}: given column {name!r} is not one it can be given; "
                    f"allowed: {', '.join(allowed) or 'none'} (the columns SDV models as categories)"
                )
            if isinstance(given, Mapping):
                values = given[name]
                if len(values) != size:
                    raise UsageError(
                        f"{self.method}: given {name!r} has {len(values)} values for {size} rows"
                    )
                if values.null_count:
                    raise UsageError(f"{self.method}: given {name!r} has nulls; give a value for every row")


def _nbytes(rows: Mapping[str, pa.Array]) -> int:
    return sum(a.nbytes for a in rows.values())


@METHODS.register("gaussian_copula")
class GaussianCopula(SdvModel):
    """SDV's GaussianCopulaSynthesizer."""


@METHODS.register("ctgan")
class CTGAN(SdvModel):
    """SDV's CTGANSynthesizer (a conditional GAN)."""


@METHODS.register("tvae")
class TVAE(SdvModel):
    """SDV's TVAESynthesizer (a variational autoencoder)."""

    default_chunk_rows: ClassVar[int] = TVAE_CHUNK_ROWS


@METHODS.register("copulagan")
class CopulaGAN(SdvModel):
    """SDV's CopulaGANSynthesizer (CTGAN on Gaussian-copula transformed columns)."""
