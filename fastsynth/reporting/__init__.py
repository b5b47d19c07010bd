"""Reports on data, as a JSON document and a self-contained HTML page.

- Quality (``report(real, synthetic)``): how closely synthetic data follows real data: column shapes
  and pair trends as SDMetrics' ``QualityReport`` scores them, a discriminator (can a classifier tell
  the two apart?) and privacy (how close synthetic rows come to real ones, and how many copy one).
- Drift (``report(data, blocks=COLUMN)``, ``windows=N``, ``reference=OTHER``): where and how much each
  column moves over blocks or windows, beside the ground truth when the data came with a drift log.

Large inputs: drift statistics are streamed over every row; quality, discriminator and privacy work
on a seeded sample of at most ``max_rows`` rows of each table, and the document says so.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastsynth.errors import UsageError
from fastsynth.reporting.document import Report, plain
from fastsynth.reporting.inputs import Input, open_input
from fastsynth.specs import show

__all__ = ["MAX_ROWS", "Report", "report"]

MAX_ROWS = 2_000_000
"""Rows of each table a quality report reads in full; larger tables are sampled (seeded)."""
_SKLEARN_SEEDS = 2**32
"""scikit-learn's seeds (``random_state``) are below this; a report's seed may be any integer >= 0."""


def report(
    data: Any,
    synthetic: Any = None,
    *,
    reference: Any = None,
    blocks: str | None = None,
    windows: int | None = None,
    time_column: str | None = None,
    drift_log: str | Path | None = None,
    kinds: Mapping[str, str] | None = None,
    max_rows: int = MAX_ROWS,
    seed: int = 0,
) -> Report:
    """The report of ``data``: against ``synthetic`` (quality), or over ``blocks`` / ``windows`` /
    against ``reference`` (drift). Each table is a path to a file fastsynth reads or an Arrow,
    polars or pandas table; ``kinds`` overrides column kinds (``{"zip": "categorical"}``)."""
    max_rows = _integer("max_rows", max_rows, 1)
    seed = _integer("seed", seed, 0)  # any size: a generator's 64-bit seed (POST /report) included
    if synthetic is not None:
        if blocks is not None or windows is not None or reference is not None:
            raise UsageError(
                "a report compares real with synthetic data, or shows drift over blocks, windows or "
                "against a reference; not both: drop synthetic, or blocks / windows / reference"
            )
        return _quality(open_input(data, "real"), open_input(synthetic, "synthetic"), kinds, max_rows, seed)
    if blocks is None and windows is None and reference is None:
        raise UsageError(
            "nothing to report: give synthetic data to compare with, or blocks=COLUMN, windows=N or "
            "reference=DATA for drift"
        )
    from fastsynth.reporting.drift import drift_document

    ref = open_input(reference, "reference") if reference is not None else None
    return Report(
        plain(
            drift_document(
                open_input(data, "data"),
                ref,
                blocks=blocks,
                windows=windows,
                time_column=time_column,
                drift_log=Path(drift_log) if drift_log is not None else None,
                kinds=kinds,
                seed=seed,
            )
        )
    )


def _integer(name: str, value: Any, low: int) -> int:
    """``value`` as an ``int`` of at least ``low``: Python's or numpy's integers of any size, not
    booleans or floats (``operator.index``), or a UsageError naming the argument."""
    if not isinstance(value, bool):
        try:
            number = operator.index(value)
        except TypeError:
            pass
        else:
            if number >= low:
                return number
    raise UsageError(f"{name}={show(value)} is not allowed; allowed: an integer >= {low}")


def _sklearn_seed(seed: int) -> int:
    """A seed scikit-learn takes (below 2**32) for ``seed``: the seed itself when it is one (the same
    report as ever), else 32 bits numpy's ``SeedSequence`` mixes from all of its bits, so that seeds
    2**32 apart do not give one discriminator."""
    if seed < _SKLEARN_SEEDS:
        return seed
    import numpy as np

    return int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0])


def _quality(
    real: Input, synthetic: Input, kinds: Mapping[str, str] | None, max_rows: int, seed: int
) -> Report:
    from importlib.metadata import version

    from fastsynth.reporting.columns import aligned, check_comparable, column_kinds, flat
    from fastsynth.reporting.discriminator import discriminate
    from fastsynth.reporting.privacy import distances
    from fastsynth.reporting.quality import shapes_and_trends

    missing = [c for c in real.schema.names if c not in synthetic.schema.names]
    if missing:
        raise UsageError(
            f"synthetic data {synthetic.name!r} lacks the real data's column(s) "
            + ", ".join(map(repr, missing))
        )
    real_table, real_sampled = real.load(max_rows, seed)
    synthetic_table, synthetic_sampled = synthetic.load(max_rows, seed + 1)
    synthetic_table = synthetic_table.select(real_table.column_names)
    if real_table.num_rows == 0 or synthetic_table.num_rows == 0:
        empty = real.name if real_table.num_rows == 0 else synthetic.name
        raise UsageError(f"input {empty!r} has no rows; a quality report needs rows on both sides")
    column_kind = column_kinds(real_table, kinds)
    check_comparable(column_kind, real_table.schema, synthetic_table.schema, real.name, synthetic.name)
    # one type per column from here on, so that every measure below reads both tables alike
    real_table, synthetic_table = aligned(real_table, synthetic_table, column_kind)
    # Nested columns (lists, structs, maps) are left out of every computation; privacy names them.
    compared = [c for c in real_table.column_names if flat(real_table.schema.field(c).type)]
    real_compared, synthetic_compared = real_table.select(compared), synthetic_table.select(compared)
    document: dict[str, Any] = {
        "kind": "quality",
        "version": version("fastsynth"),
        "inputs": {
            "real": {"name": real.name, "rows": real.rows, "used_rows": real_table.num_rows},
            "synthetic": {
                "name": synthetic.name,
                "rows": synthetic.rows,
                "used_rows": synthetic_table.num_rows,
            },
        },
        "sample": {"rows": max_rows, "seed": seed} if real_sampled or synthetic_sampled else None,
        "kinds": column_kind,
    }
    document.update(shapes_and_trends(real_compared, synthetic_compared, column_kind))
    document["discriminator"] = discriminate(
        real_compared, synthetic_compared, column_kind, seed=_sklearn_seed(seed)
    )
    # exact copies: the synthetic rows used against every real row, streamed when real was sampled
    document["privacy"] = distances(
        real_table,
        synthetic_table,
        column_kind,
        seed=seed,
        real_batches=real.batches if real_sampled else None,
    )
    return Report(plain(document))
