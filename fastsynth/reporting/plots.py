"""The report's pictures, drawn by matplotlib from the document's numbers and returned as SVG text.

SVG rather than PNG: the plots are a few dozen bars, lines and labels, which SVG keeps crisp at any
zoom and in print for about the size of one PNG at screen resolution (a 20-column report is about
1 MB). Heatmaps go through ``imshow``, which SVG embeds as one small raster of the cells, so a drift
heatmap of 1,000 blocks stays one image, not 20,000 rectangles.

Figures are ``matplotlib.figure.Figure`` objects, never pyplot's: no backend is switched and no figure
registry is touched, so a caller's own plotting is unaffected. Our style is applied with
``rc_context``, which restores every setting when the figure is written.

Colours: the Okabe-Ito palette (told apart by people with any common colour-vision deficiency), real in
blue and synthetic in orange; heatmaps in a light blue below their threshold and a yellow-to-brown
ramp above it, so the threshold reads as a change of hue as well as of lightness.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import Colormap, LinearSegmentedColormap, Normalize, TwoSlopeNorm
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from fastsynth.reporting.document import OTHER

__all__ = [
    "BLUE",
    "ORANGE",
    "bars",
    "change",
    "correlations",
    "distances",
    "drift_heatmap",
    "histogram",
    "series",
    "truth",
]

BLUE, ORANGE, GREEN, PURPLE, VERMILION, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#555555",
)
REAL, SYNTHETIC = BLUE, ORANGE
MOST_CATEGORIES = 15
"""Categories a bar chart shows; the rest share one bar."""
WIDE = 10.5
"""Inches of a plot as wide as the page (at 96 pixels an inch, about the page's width)."""
ANNOTATE_CELLS = 160
"""Heatmaps with at most this many cells print each value in its cell."""

_STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": GREY,
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "legend.fontsize": 8,
    # ids in the SVG from a fixed salt: the same document gives the same page, byte for byte
    "svg.hashsalt": "fastsynth",
    "svg.fonttype": "path",
    # labels are user data (categories, column names, block labels): "$10-$20" is a price range,
    # not TeX, and an unbalanced "$x^{$" must not make matplotlib's mathtext parser fail the page
    "text.parse_math": False,
}
_DRIFT_COLOURS = LinearSegmentedColormap.from_list(
    "fastsynth-drift",
    [(0.0, "#f4f8fb"), (0.4999, "#9ecae1"), (0.5, "#fee391"), (0.75, "#ec7014"), (1.0, "#662506")],
)
_GAP = "#d9d9d9"  # cells with no value


@contextmanager
def _figure(
    width: float, height: float, margins: tuple[float, float, float, float] | None = None
) -> Iterator[Figure]:
    """A figure ``width`` x ``height`` inches: with ``margins`` (left, bottom, right, top, in inches)
    around one axes, else laid out by matplotlib's constrained layout, which measures every label but
    draws the figure three times over (a plot in a third of the time: the many per-column plots set
    their margins; the few page-wide ones are laid out)."""
    with matplotlib.rc_context(_STYLE):  # type: ignore[arg-type]
        if margins is None:
            yield Figure(figsize=(width, height), layout="constrained")
            return
        fig = Figure(figsize=(width, height))
        left, bottom, right, top = margins
        fig.subplots_adjust(
            left=left / width, bottom=bottom / height, right=1 - right / width, top=1 - top / height
        )
        yield fig


def _fit_left(fig: Figure, ax: Any, label: bool) -> None:
    """Room on the left for the y axis' tick labels (as its formatter will write them) and its label."""
    formatter = ax.yaxis.get_major_formatter()
    texts = formatter.format_ticks(ax.yaxis.get_majorticklocs())
    inches = 0.15 + 0.075 * max((len(t) for t in texts), default=1) + (0.25 if label else 0)
    fig.subplots_adjust(left=inches / fig.get_figwidth())


def _svg(fig: Figure) -> str:
    with matplotlib.rc_context(_STYLE):  # type: ignore[arg-type]
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


# --- values and labels -------------------------------------------------------------------------------


def _floats(values: Sequence[Any] | None) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values or []], np.float64)


def _is_time(values: Sequence[Any]) -> bool:
    return any(isinstance(v, str) for v in values)


def _times(values: Sequence[Any]) -> np.ndarray:
    """ISO 8601 strings (as the document writes times) as matplotlib's date numbers; None as NaN."""
    return np.array(
        [np.nan if v is None else float(date2num(datetime.fromisoformat(str(v)))) for v in values], np.float64
    )


def _axis_values(values: Sequence[Any]) -> tuple[np.ndarray, bool]:
    """Numbers to plot, and whether they are times."""
    if _is_time(values):
        return _times(values), True
    return _floats(values), False


def _date_axis(axis: Any) -> None:
    locator = AutoDateLocator(minticks=3)
    axis.set_major_locator(locator)
    axis.set_major_formatter(ConciseDateFormatter(locator))


def short_label(value: Any) -> str:
    """A block's label as it fits under a heatmap: ISO times without a zero time of day, numbers with
    thousands separators."""
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            return value if len(value) <= 24 else value[:23] + "…"
        if t.hour == t.minute == t.second == t.microsecond == 0:
            return t.strftime("%Y-%m-%d")
        return t.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _thin_ticks(axis: Any, labels: Sequence[str], width: float, most: int = 24) -> None:
    """At most ``most`` of the ``labels`` under an axis ``width`` inches wide: level when they fit
    (about 0.07 inch a character at 9 points), else turned upright."""
    step = max(1, math.ceil(len(labels) / most))
    ticks = list(range(0, len(labels), step))
    shown = [labels[i] for i in ticks]
    axis.set_ticks(ticks, shown)
    needed = len(shown) * (0.07 * max((len(s) for s in shown), default=0) + 0.2)
    axis.set_tick_params(labelrotation=0 if needed < 0.8 * width else 90)


# --- column shapes -----------------------------------------------------------------------------------


def _epoch(values: Sequence[Any], unit: str) -> np.ndarray:
    """Numbers since the epoch in ``unit`` (``s``, ``ms``, ``us``, ``ns``) as matplotlib's dates."""
    per_day = {"s": 86_400.0, "ms": 86_400e3, "us": 86_400e6, "ns": 86_400e9}[unit]
    epoch = float(date2num(datetime(1970, 1, 1)))
    return epoch + _floats(values) / per_day


def histogram(
    edges: Sequence[Any], real: Sequence[Any], synthetic: Sequence[Any], unit: str | None = None
) -> str:
    """Shares per bin of real (filled) and synthetic (outline) values over the same bins; ``unit``:
    the edges are times, as numbers since the epoch in that unit (ISO strings need none)."""
    x, timed = (_epoch(edges, unit), True) if unit else _axis_values(edges)
    r, s = np.nan_to_num(_floats(real)), np.nan_to_num(_floats(synthetic))
    with _figure(5.0, 2.5, (0.7, 0.5 if timed else 0.35, 0.25, 0.1)) as fig:
        ax = fig.add_subplot()
        ax.stairs(r, x, fill=True, color=REAL, alpha=0.35, label="real")
        ax.stairs(r, x, color=REAL, linewidth=1.0)
        ax.stairs(s, x, color=SYNTHETIC, linewidth=1.8, label="synthetic")
        ax.set_ylabel("share of rows")
        ax.set_ylim(0, None)
        _fit_left(fig, ax, label=True)
        if timed:
            _date_axis(ax.xaxis)
        ax.legend(loc="best")
        return _svg(fig)


def bars(categories: Sequence[Any], real: Sequence[Any], synthetic: Sequence[Any]) -> str:
    """Shares per category, real beside synthetic, the most common (in either) first."""
    names = ["(null)" if c is None else str(c) for c in categories]
    r, s = np.nan_to_num(_floats(real)), np.nan_to_num(_floats(synthetic))
    # the document's own OTHER share (values past its bars) goes last, or into the one bar of the rest
    other = np.array([i for i, c in enumerate(categories) if c == OTHER], np.int64)
    order = np.array([i for i in np.argsort(-np.maximum(r, s), kind="stable") if i not in other], np.int64)
    if len(order) + len(other) > MOST_CATEGORIES:
        kept, rest = order[: MOST_CATEGORIES - 1], np.append(order[MOST_CATEGORIES - 1 :], other)
        names = [names[i] for i in kept] + [OTHER if len(other) else f"({len(rest)} others)"]
        r = np.append(r[kept], r[rest].sum())
        s = np.append(s[kept], s[rest].sum())
    else:
        order = np.append(order, other)
        names, r, s = [names[i] for i in order], r[order], s[order]
    names = [n if len(n) <= 28 else n[:27] + "…" for n in names]
    n = len(names)
    y = np.arange(n)
    left = 0.25 + 0.075 * max(len(name) for name in names)
    with _figure(5.0, max(1.6, 0.75 + 0.26 * n), (left, 0.5, 0.2, 0.1)) as fig:
        ax = fig.add_subplot()
        ax.barh(y - 0.2, r, height=0.4, color=REAL, label="real")
        ax.barh(y + 0.2, s, height=0.4, color=SYNTHETIC, label="synthetic")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("share of rows")
        ax.legend(loc="lower right")
        return _svg(fig)


# --- heatmaps ----------------------------------------------------------------------------------------


def _heatmap(
    fig: Figure,
    ax: Any,
    values: np.ndarray,
    xlabels: Sequence[str],
    ylabels: Sequence[str],
    cmap: Colormap,
    norm: Normalize,
    fmt: str,
    colorbar: bool = True,
) -> Any:
    image = ax.imshow(
        np.ma.masked_invalid(values), cmap=cmap.with_extremes(bad=_GAP), norm=norm, aspect="auto",
        interpolation="nearest",
    )  # fmt: skip
    _thin_ticks(ax.xaxis, xlabels, fig.get_figwidth() / (3 if len(fig.axes) > 2 else 1))
    # one label in every k rows when the rows are thinner than a line of text
    step = max(1, math.ceil(len(ylabels) / max(1, int(fig.get_figheight() / 0.15))))
    ax.set_yticks(range(0, len(ylabels), step), list(ylabels)[::step])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if values.size <= ANNOTATE_CELLS:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                red, green, blue, _ = image.cmap(image.norm(v))
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")  # fmt: skip
    return fig.colorbar(image, ax=ax, shrink=0.9, pad=0.02) if colorbar else None


def correlations(columns: Sequence[str], real: Any, synthetic: Any, score: Any) -> str:
    """Real and synthetic correlations (-1 to 1) and each pair's score (0 to 1), side by side."""
    labels = [c if len(c) <= 20 else c[:19] + "…" for c in columns]
    n = len(labels)
    side = min(3.7, max(2.6, 0.3 * n + 1.2))
    matrices = [
        np.array([_floats(row) for row in m or []], np.float64).reshape(n, n)
        for m in (real, synthetic, score)
    ]
    with _figure(3 * side + 1.2, side + 0.4) as fig:
        axes = fig.subplots(1, 3)
        rdbu = matplotlib.colormaps["RdBu_r"]
        for ax, m, title in zip(
            axes[:2], matrices[:2], ("real correlation", "synthetic correlation"), strict=True
        ):
            bar = _heatmap(fig, ax, m, labels, labels, rdbu, Normalize(-1, 1), ".2f", colorbar=ax is axes[1])
            ax.set_title(title)
        if bar is not None:
            bar.set_label("correlation")
        # light where trends agree, orange to brown where they do not: the eye goes to the problems
        _heatmap(
            fig,
            axes[2],
            matrices[2],
            labels,
            labels,
            matplotlib.colormaps["YlOrBr_r"],
            Normalize(0, 1),
            ".2f",
        )
        axes[2].set_title("pair score (1 = same trend)")
        for ax in axes[1:]:
            ax.set_yticklabels([])
        return _svg(fig)


def drift_heatmap(
    columns: Sequence[str], blocks: Sequence[Any], values: Any, threshold: float, metric: str
) -> str:
    """``values[column][block]`` of one drift metric; the colour changes hue at ``threshold``."""
    m = np.array([_floats(row) for row in values], np.float64).reshape(len(columns), len(blocks))
    top = float(np.nanmax(m)) if np.isfinite(m).any() else 0.0
    norm = TwoSlopeNorm(vcenter=threshold, vmin=0.0, vmax=max(2 * threshold, top))
    xlabels = [short_label(b) for b in blocks]
    ylabels = [c if len(c) <= 24 else c[:23] + "…" for c in columns]
    upright = len(blocks) * (0.07 * max(len(x) for x in xlabels) + 0.2) >= 0.8 * WIDE
    height = max(2.6, 1.0 + 0.27 * len(columns) + (0.07 * max(len(x) for x in xlabels) if upright else 0.2))
    with _figure(WIDE, height) as fig:
        ax = fig.add_subplot()
        bar = _heatmap(fig, ax, m, xlabels, ylabels, _DRIFT_COLOURS, norm, ".2f")
        bar.ax.axhline(threshold, color="black", linewidth=1.5)
        bar.set_label(f"{metric} (threshold {threshold:g})")
        ax.set_xlabel("block")
        return _svg(fig)


# --- drift: changes, series, ground truth ----------------------------------------------------------


def _legend_above(fig: Figure) -> None:
    """The legend above the plot, out of the data's way (in the top margin a figure without a layout
    engine keeps for it)."""
    laid_out = fig.get_layout_engine() is not None
    fig.legend(
        loc="outside upper center" if laid_out else "upper center", ncols=5, fontsize=7.5, handlelength=1.6,
        columnspacing=1.2, **({} if laid_out else {"bbox_to_anchor": (0.5, 1.0), "borderaxespad": 0.1}),
    )  # fmt: skip


def _mark_blocks(ax: Any, flags: Sequence[bool], label: str) -> None:
    """A strip along the bottom under each flagged block, as the series plots mark them (a shade over
    the whole height would tint the bands drawn over it)."""
    runs: list[list[int]] = []
    for b, flag in enumerate(flags):
        if flag and runs and runs[-1][1] == b - 1:
            runs[-1][1] = b
        elif flag:
            runs.append([b, b])
    for i, (first, last) in enumerate(runs):
        ax.axvspan(first - 0.5, last + 0.5, ymin=0, ymax=0.05, color=VERMILION, alpha=0.9, linewidth=0,
                   label=label if i == 0 else None)  # fmt: skip


def change(
    blocks: Sequence[Any],
    mean: Sequence[Any] | None,
    quantiles: dict[str, Sequence[Any]] | None,
    drifted: Sequence[bool],
    kind: str,
    js: Sequence[Any],
    psi: Sequence[Any],
    thresholds: dict[str, float],
) -> str:
    """How one column moves over the blocks: median, quartile and 5-95% bands and the mean where the
    column has them (share of true for booleans), else its JS and PSI per block."""
    x = np.arange(len(blocks))
    labels = [short_label(b) for b in blocks]
    with _figure(5.0, 2.7) as fig:
        ax = fig.add_subplot()
        _mark_blocks(ax, drifted, "drift measured")
        plotted_values = False
        timed = False
        if quantiles:
            q = {k: _axis_values(v) for k, v in quantiles.items()}
            timed = any(t for _, t in q.values())
            get = {float(k): v for k, (v, _) in q.items()}
            if 0.05 in get and 0.95 in get:
                ax.fill_between(x, get[0.05], get[0.95], color=REAL, alpha=0.15, linewidth=0, label="5-95%")
            if 0.25 in get and 0.75 in get:
                ax.fill_between(x, get[0.25], get[0.75], color=REAL, alpha=0.3, linewidth=0, label="25-75%")
            if 0.5 in get:
                ax.plot(x, get[0.5], color=REAL, marker="o", markersize=3, label="median")
            plotted_values = True
        if mean is not None and any(v is not None for v in mean):
            values, mean_timed = _axis_values(mean)
            timed = timed or mean_timed
            name = "share of true" if kind == "boolean" else "mean"
            ax.plot(x, values, color=ORANGE, linestyle="--", marker="s", markersize=3, label=name)
            plotted_values = True
        if not plotted_values:
            ax.plot(x, _floats(js), color=BLUE, marker="o", markersize=3, label="JS")
            ax.plot(x, _floats(psi), color=ORANGE, marker="s", markersize=3, label="PSI")
            ax.axhline(thresholds.get("js", 0.1), color=BLUE, linestyle=":", linewidth=1)
            ax.axhline(thresholds.get("psi", 0.2), color=ORANGE, linestyle=":", linewidth=1)
            ax.set_ylabel("distance from baseline")
        if timed:
            _date_axis(ax.yaxis)
        _thin_ticks(ax.xaxis, labels, 4.2, most=8)
        ax.set_xlim(-0.5, len(blocks) - 0.5)
        _legend_above(fig)
        return _svg(fig)


def series(
    x: Sequence[Any],
    values: Sequence[Any],
    truth_spans: Sequence[tuple[Any, Any]],
    measured_spans: Sequence[tuple[Any, Any]],
) -> str:
    """One column's mean over the series' windows, with the ground truth's drift windows shaded and
    the blocks measured as drifted marked along the bottom."""
    xs, timed = _axis_values(x)
    above = 0.35 if truth_spans or measured_spans else 0.1
    with _figure(5.0, 2.4, (0.8, 0.55 if timed else 0.5, 0.2 if timed else 0.4, above)) as fig:
        ax = fig.add_subplot()
        for i, (start, end) in enumerate(truth_spans):
            (a, b), _ = _axis_values([start, end])
            if np.isfinite(a) and np.isfinite(b):
                ax.axvspan(
                    a,
                    b,
                    color=PURPLE,
                    alpha=0.18,
                    linewidth=0,
                    label="drift (ground truth)" if i == 0 else None,
                )
        for i, (start, end) in enumerate(measured_spans):
            (a, b), _ = _axis_values([start, end])
            if np.isfinite(a) and np.isfinite(b):
                ax.axvspan(a, b, ymin=0, ymax=0.06, color=VERMILION, alpha=0.9, linewidth=0,
                           label="drift measured" if i == 0 else None)  # fmt: skip
        ax.plot(xs, _floats(values), color=BLUE, linewidth=1.2, label="mean per window")
        if timed:
            _date_axis(ax.xaxis)
        else:
            ax.set_xlabel("row")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel("mean")
        _fit_left(fig, ax, label=True)
        if truth_spans or measured_spans:
            _legend_above(fig)
        return _svg(fig)


def truth(
    blocks: Sequence[Any], weights: Sequence[Any], measured: Sequence[Any], measure: str, threshold: float
) -> str:
    """Per block, the drift the data was given (its ground truth) beside the largest JS measured."""
    x = np.arange(len(blocks))
    labels = [short_label(b) for b in blocks]
    with _figure(WIDE, 2.8) as fig:
        ax = fig.add_subplot()
        ax.bar(
            x,
            np.nan_to_num(_floats(weights)),
            color=PURPLE,
            alpha=0.75,
            width=0.8,
            label=f"ground truth: {measure}",
        )
        ax.plot(x, _floats(measured), color=BLUE, marker="o", markersize=4, label="measured: largest JS")
        ax.axhline(threshold, color=BLUE, linestyle=":", linewidth=1, label=f"JS threshold {threshold:g}")
        ax.set_ylim(0, max(1.0, float(np.nanmax(_floats(measured))) if len(x) else 1.0) * 1.05)
        _thin_ticks(ax.xaxis, labels, WIDE)
        ax.set_xlabel("block")
        _legend_above(fig)
        return _svg(fig)


# --- privacy ---------------------------------------------------------------------------------------


def distances(
    edges: Sequence[Any],
    counts: Sequence[Any],
    lines: Sequence[tuple[str, float | None, str]],
    xlabel: str,
    baseline: Sequence[Any] | None = None,
) -> str:
    """A histogram of distances with vertical lines (label, value, colour) at medians and baselines;
    with ``baseline`` counts (real rows against other real rows), both as shares, so that tables of
    different sizes compare."""
    x = _floats(edges)
    c = np.nan_to_num(_floats(counts))
    b = np.nan_to_num(_floats(baseline)) if baseline is not None else None
    shares = b is not None and len(b) == len(c) and b.sum() > 0 and c.sum() > 0
    with _figure(5.0, 2.5, (0.8, 0.5, 0.15, 0.1)) as fig:
        ax = fig.add_subplot()
        if len(x) == len(c) + 1:
            heights = c / c.sum() if shares else c
            ax.stairs(
                heights, x, fill=True, color=BLUE, alpha=0.45, label="synthetic to real" if shares else None
            )
            ax.stairs(heights, x, color=BLUE, linewidth=1.0)
            if shares:
                assert b is not None
                ax.stairs(b / b.sum(), x, color=GREEN, linewidth=1.6, label="real to real")
        styles = iter(("-", "--", ":"))
        for label, value, colour in lines:
            if value is not None and math.isfinite(value):
                ax.axvline(
                    value,
                    color=colour,
                    linestyle=next(styles, "-"),
                    linewidth=1.6,
                    label=f"{label} {value:.4g}" if abs(value) >= 1 else f"{label} {value:.3g}",
                )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("share of rows" if shares or float(c.sum()) <= 1.5 else "synthetic rows")
        ax.set_ylim(0, None)
        _fit_left(fig, ax, label=True)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")
        return _svg(fig)
