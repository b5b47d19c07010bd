"""A report as data: one JSON-able document holding every number the page shows, and the page made
from it. Pipelines assert on the document; people look at the page. The page is rendered from the
document alone, so the two can never disagree.

The document (``Report.document``), for ``kind: "quality"`` (real against synthetic)::

    kind, version, inputs: {real: {name, rows, used_rows}, synthetic: {...}},
    sample: {rows, seed} | null               # the seeded sample statistics were taken on, if any
    score                                     # mean of column_shapes.score and column_pair_trends.score
    column_shapes: {score, columns: [{column, kind, metric, score, plot, warning}]}
                                              # warning: null, or why the score is 0 (a column with
                                              # real values and no synthetic one)
    column_pair_trends: {score, thresholds: {correlation, association},
                         pairs: [{columns: [a, b], metric, score, real, synthetic, association?}],
                         matrix: {columns, real, synthetic, score}}   # square, null where undefined
                         # a pair's score is null when it does not count (as SDMetrics: the real
                         # |r| <= thresholds.correlation, or the real Cramér's V (association, on
                         # contingency pairs) <= thresholds.association, or undefined); real and
                         # synthetic are the Pearson r of continuous pairs, null on contingency pairs
    discriminator: {auc, score, model, rows, folds}
    privacy: {dcr: {median, p05, share_zero, histogram}, nndr: {median, p05, histogram},
              exact_copies: {count, share}, baseline: {dcr_median}, rows, real_rows, skipped}
              # histogram: {edges, counts}; the DCR's also has baseline: counts of the real-to-real
              # distances on the same edges. rows: synthetic rows measured, real_rows: real rows
              # they are measured against (seeded samples); exact_copies: the synthetic rows used
              # (all unless sampled) that equal a row of the whole real input, and their share;
              # skipped: nested columns (lists, structs, maps), left out of every measure.

for ``kind: "drift"`` (one table over blocks or windows, or against a reference)::

    kind, version, inputs: {data: {name, rows}, reference: {name, rows} | null},
    by: {blocks: COLUMN} | {windows: N, time_column: COLUMN | null}
    reference: "first block" | "reference input"
    thresholds: {js, psi, p_value}            # drifted: (js > thresholds.js or psi > thresholds.psi)
                                              # and p_value < thresholds.p_value
    metrics: {js, psi, mean, p_value, bins: {js, psi}}  # each number in words (js: JS *distance*,
                                              # base 2; p_value: chi-square test in the JS bins), and
                                              # the quantile bins of numbers and times
    quantiles_from: {method: "sample", rows_per_block, seed}   # quantiles: seeded per-block sample
    baseline_sample: {rows, seed}             # the baseline rows the bins' edges come from
    blocks: [{label, rows, start, end}]       # start/end: first and last time (ISO) or row of the block
    columns: [{column, kind, js: [..], psi: [..], p_value: [..], mean: [..] | null,
               quantiles: {"0.05": [..], ...} | null, drifted: [bool, ..],
               baseline: {mean, quantiles} (reference mode only)}]
                                              # one entry per block in every list; times as ISO
                                              # strings; booleans' mean is their share of true
    skipped: [{column, reason: "key" | "text" | "nested" | "time axis" | "ground truth"}]
                                              # nested: lists, structs; time axis: windows over rows
                                              # (or blocks that follow one another in the rows), a
                                              # datetime column in non-decreasing order throughout
    drifted_columns: [COLUMN, ..]
    ground_truth: {source, measure, blocks: [weight, ..], columns: [COLUMN, ..] | null,
                   events: [{index, name, type, columns, profile, selection, start, end,
                             blocks: [share of the block's rows in the event, ..]}],
                   series: {x, values}} | null
                                              # blocks/series: mean _drift_weight, or without that
                                              # column the share of rows inside any logged event
    series_x: "time" | "row"                  # x of series and of events' start/end: ISO time or row
    series: [{column, x: [..], values: [..]}]  # per-window means (numerical columns), for the plots

``plot`` is ``{type: "histogram", edges, real, synthetic}`` (shares per bin; for times ``unit: "ms"``
and edges in milliseconds since the epoch) for numbers and times, or
``{type: "bars", categories, real, synthetic}`` (shares per category of the present values: the 20
most frequent in the real data, then ``(other)`` for the rest) for categories and booleans.
Every number is a plain float or int; NaN and infinities are written as null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastsynth.errors import UsageError

__all__ = ["FORMATS", "OTHER", "Report", "check_output", "plain"]

FORMATS = ("html", "json")
OTHER = "(other)"
"""The category a plot's bars give to every value past the ones shown."""


@dataclass(frozen=True)
class Report:
    """A computed report: ``document`` holds every number; ``html()`` is the page made from it."""

    document: dict[str, Any]

    @property
    def score(self) -> float | None:
        """The overall quality score (quality reports), or None."""
        return self.document.get("score")

    def to_json(self) -> str:
        return json.dumps(self.document, indent=1, allow_nan=False)

    def html(self) -> str:
        from fastsynth.reporting.page import render

        return render(self.document)

    def save(self, path: str | Path, format: Literal["html", "json"] | None = None) -> list[Path]:
        """Write the page to ``path`` with its JSON beside it (``report.html`` and ``report.json``),
        or only the JSON when ``format`` (or the extension) is ``json``. Returns the files written,
        each written whole or not at all; both are made before either is written, so a page that
        fails leaves no new JSON beside an old page."""
        target, chosen = check_output(path, format)
        texts = [self.html(), self.to_json()] if chosen == "html" else [self.to_json()]
        return [_write(where, text) for where, text in zip(_targets(target, chosen), texts, strict=True)]


def check_output(
    path: str | Path, format: str | None, inputs: Mapping[str, str | Path | None] | None = None
) -> tuple[Path, str]:
    """Where a report goes and in which format, checked before anything is computed: a folder that
    exists, a known format, a page that would not overwrite its own JSON, and neither file being one
    of ``inputs`` (what the option is called: its path), which the report would replace."""
    path = Path(path)
    format = format or ("json" if path.suffix.lower() == ".json" else "html")
    if format not in FORMATS:
        raise UsageError(f"report format {format!r} is unknown; allowed: {', '.join(FORMATS)}")
    if format == "html" and path.suffix.lower() == ".json":
        raise UsageError(f"output {str(path)!r}: the page goes to an .html file, its JSON beside it")
    if not path.parent.is_dir():
        raise UsageError(f"output {str(path)!r}: folder {str(path.parent)!r} does not exist")
    for target in _targets(path, format):
        for option, given in (inputs or {}).items():
            if given is not None and Path(given).resolve() == target.resolve():
                raise UsageError(
                    f"output {str(path)!r} would write {str(target)!r}, which is {option} {str(given)!r}; "
                    "allowed: an output whose page and JSON are none of the inputs"
                )
    return path, format


def _targets(path: Path, format: str) -> list[Path]:
    """The files a report saved to ``path`` in ``format`` writes: the page (html), then its JSON."""
    page = [path if path.suffix else path.with_suffix(".html")] if format == "html" else []
    return [*page, path.with_suffix(".json")]


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python numbers and lists, and NaN / infinities as
    None, so that ``json.dumps(..., allow_nan=False)`` takes it."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value
