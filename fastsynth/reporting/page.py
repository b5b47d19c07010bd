"""The report's page: one self-contained HTML file made from the report document alone.

Everything is inside the file: the style sheet, and every plot as an SVG in a ``data:`` URI, so the
page opens offline and makes no request to any host (no CDN, no web font, no script). Each plot is an
``<img>`` rather than inline ``<svg>``: matplotlib's SVGs reuse element ids (glyphs, clip paths) that
would collide between plots in one HTML document, and an image keeps each plot its own document.

The template (``templates/report.html.j2``) is rendered by Jinja2 with autoescaping on: column names,
category labels and file names come from user data and are shown as text, never read as markup.
"""

from __future__ import annotations

import base64
import math
from functools import cache
from typing import TYPE_CHECKING, Any

from fastsynth.dependencies import optional_import
from fastsynth.errors import UsageError

if TYPE_CHECKING:
    import jinja2

__all__ = ["render"]

KINDS = ("quality", "drift")
WORST_PAIRS = 10
"""Pairs the quality page lists by name, the lowest scores first."""


def render(document: dict[str, Any]) -> str:
    """The HTML page of a report ``document`` (see ``fastsynth.reporting.document``)."""
    kind = document.get("kind")
    if kind not in KINDS:
        raise UsageError(f"report document: kind {kind!r} is unknown; allowed: {', '.join(KINDS)}")
    optional_import("matplotlib", "report")
    from fastsynth.reporting import plots

    context = _quality(document, plots) if kind == "quality" else _drift(document, plots)
    return _environment().get_template("report.html.j2").render(kind=kind, doc=document, **context)


@cache
def _environment() -> jinja2.Environment:
    jinja = optional_import("jinja2", "report")
    env = jinja.Environment(
        loader=jinja.PackageLoader("fastsynth.reporting", "templates"),
        autoescape=True,
        undefined=jinja.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, num=_num, fixed=_fixed, label=_label)
    return env


def _image(svg: str) -> str:
    # base64 rather than percent-encoding: the same size within a few percent for matplotlib's SVG
    # (its paths are digits and spaces, which percent-encoding triples), and no character in it that
    # an HTML attribute or a URL parser could misread
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


# --- formatting (Jinja filters) --------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _pct(value: Any, digits: int = 1) -> str:
    return "—" if _missing(value) else f"{100 * float(value):.{digits}f}%"


def _num(value: Any) -> str:
    if _missing(value):
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}" if abs(value) >= 1 else f"{value:.3g}"


def _fixed(value: Any, digits: int = 3) -> str:
    return "—" if _missing(value) else f"{float(value):.{digits}f}"


def _label(value: Any) -> str:
    from fastsynth.reporting.plots import short_label

    return short_label(value)


# --- quality ---------------------------------------------------------------------------------------


def _quality(document: dict[str, Any], plots: Any) -> dict[str, Any]:
    shapes = []
    for entry in document["column_shapes"]["columns"]:
        plot = entry.get("plot") or {}
        image = None
        if plot.get("type") == "histogram":
            image = _image(plots.histogram(plot["edges"], plot["real"], plot["synthetic"], plot.get("unit")))
        elif plot.get("type") == "bars" and plot["categories"]:  # none: no value in either table
            image = _image(plots.bars(plot["categories"], plot["real"], plot["synthetic"]))
        shapes.append({**entry, "image": image})

    trends = document["column_pair_trends"]
    matrix = trends.get("matrix") or {}
    correlations = None
    if matrix.get("columns"):
        correlations = _image(
            plots.correlations(
                matrix["columns"], matrix.get("real"), matrix.get("synthetic"), matrix.get("score")
            )
        )
    scored = [p for p in trends.get("pairs", []) if not _missing(p.get("score"))]
    worst = sorted(scored, key=lambda p: p["score"])[:WORST_PAIRS]

    privacy = document.get("privacy")
    dcr_image = nndr_image = None
    if privacy:
        dcr, nndr = privacy.get("dcr") or {}, privacy.get("nndr") or {}
        baseline = (privacy.get("baseline") or {}).get("dcr_median")
        if dcr.get("histogram"):
            edges, counts = _histogram(dcr["histogram"])
            dcr_image = _image(
                plots.distances(
                    edges,
                    counts,
                    [
                        ("median", dcr.get("median"), plots.ORANGE),
                        ("real-to-real median", baseline, plots.GREEN),
                    ],
                    "distance to the closest real row",
                    dcr["histogram"].get("baseline"),
                )
            )
        if nndr.get("histogram"):
            edges, counts = _histogram(nndr["histogram"])
            nndr_image = _image(
                plots.distances(
                    edges,
                    counts,
                    [("median", nndr.get("median"), plots.ORANGE)],
                    "nearest / second-nearest distance",
                )
            )
    kinds = document.get("kinds") or {}
    return {
        "shapes": shapes,
        "skipped": sorted(name for name, kind in kinds.items() if kind == "text"),
        "correlations": correlations,
        "worst_pairs": worst,
        "pair_count": len(trends.get("pairs", [])),
        "dcr_image": dcr_image,
        "nndr_image": nndr_image,
    }


def _histogram(histogram: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Edges and heights of a privacy histogram: counts, or shares when it holds those."""
    for key in ("counts", "shares", "synthetic", "values"):
        if key in histogram:
            return histogram["edges"], histogram[key]
    raise UsageError(
        f"report document: privacy histogram has keys {sorted(histogram)}; "
        "allowed: edges with counts or shares"
    )


# --- drift -----------------------------------------------------------------------------------------


def _drift(document: dict[str, Any], plots: Any) -> dict[str, Any]:
    blocks = document["blocks"]
    labels = [b["label"] for b in blocks]
    columns = document["columns"]
    thresholds = document["thresholds"]
    names = [c["column"] for c in columns]
    heatmaps = []
    if columns:
        for metric in ("js", "psi"):
            svg = plots.drift_heatmap(
                names, labels, [c[metric] for c in columns], thresholds[metric], metric.upper()
            )
            heatmaps.append({"metric": metric, "image": _image(svg)})

    truth = document.get("ground_truth")
    truth_columns = set((truth or {}).get("columns") or [])
    drifted = []
    for c in columns:
        if not any(c["drifted"]):
            continue
        flags = c["drifted"]
        image = plots.change(
            labels, c.get("mean"), c.get("quantiles"), flags, c["kind"], c["js"], c["psi"], thresholds
        )
        drifted.append(
            {
                "column": c["column"],
                "kind": c["kind"],
                "blocks": sum(flags),
                "first": labels[flags.index(True)],
                "js": _largest(c["js"]),
                "psi": _largest(c["psi"]),
                "in_truth": (c["column"] in truth_columns)
                if truth and truth.get("columns") is not None
                else None,
                "image": _image(image),
            }
        )
    drifted_names = {d["column"] for d in drifted}

    # Shading blocks on the series' axis only makes sense when each block is one stretch of rows or
    # time, counted as the axis is (times as ISO strings, rows as integers).
    extents = [(b.get("start"), b.get("end")) for b in blocks]
    timed = document.get("series_x") == "time"
    spans_ok = all(_on_axis(s, timed) and _on_axis(e, timed) for s, e in extents) and _disjoint(extents)
    by_column = {c["column"]: c for c in columns}
    events = (truth or {}).get("events") or []
    series = []
    for s in sorted(document.get("series") or [], key=lambda s: s["column"] not in drifted_names):
        flags = by_column.get(s["column"], {}).get("drifted", [])
        measured = _runs(flags, extents) if spans_ok else []
        spans = [
            (e.get("start"), e.get("end"))
            for e in events
            if (not e.get("columns") or s["column"] in e["columns"])
            and _on_axis(e.get("start"), timed)
            and _on_axis(e.get("end"), timed)
        ]
        series.append(
            {
                "column": s["column"],
                "drifted": s["column"] in drifted_names,
                "image": _image(plots.series(s["x"], s["values"], spans, measured)),
            }
        )

    truth_image = None
    if truth and truth.get("blocks") is not None and columns:
        watched = [c for c in columns if c["column"] in truth_columns] or columns
        largest = [_largest([c["js"][b] for c in watched]) for b in range(len(blocks))]
        truth_image = _image(
            plots.truth(
                labels, truth["blocks"], largest, truth.get("measure", "drift weight"), thresholds["js"]
            )
        )
    return {
        "heatmaps": heatmaps,
        "drifted": drifted,
        "series": series,
        "truth_image": truth_image,
        "events": events,
    }


def _largest(values: list[Any]) -> float | None:
    finite = [float(v) for v in values if not _missing(v)]
    return max(finite) if finite else None


def _on_axis(value: Any, timed: bool) -> bool:
    return isinstance(value, str) if timed else isinstance(value, int | float) and not isinstance(value, bool)


def _disjoint(extents: list[tuple[Any, Any]]) -> bool:
    """Whether the blocks' [start, end] ranges follow one another without overlapping."""
    try:
        return all(extents[i][1] < extents[i + 1][0] for i in range(len(extents) - 1))
    except TypeError:
        return False


def _runs(flags: list[bool], extents: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The extents of runs of consecutive flagged blocks: one shaded stretch each, not a comb."""
    out: list[tuple[Any, Any]] = []
    for b, flag in enumerate(flags):
        if flag and b > 0 and flags[b - 1]:
            out[-1] = (out[-1][0], extents[b][1])
        elif flag:
            out.append(extents[b])
    return out
