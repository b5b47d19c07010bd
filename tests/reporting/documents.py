"""Report documents built by hand, per the contract in ``fastsynth.reporting.document``, with realistic
numbers (histograms of real draws, correlations of real samples), so that the page can be tested
before, and apart from, the code that computes them."""

from __future__ import annotations

from typing import Any

import numpy as np

from fastsynth.reporting.document import plain

__all__ = ["drift_document", "quality_document"]

_KINDS = ("numerical", "categorical", "datetime", "boolean", "numerical", "categorical")
_CITIES = ["Lisbon", "Porto", "Braga", "Faro", "Coimbra", "Aveiro", "Évora", "Funchal"]


def _column_names(n: int) -> list[tuple[str, str]]:
    base = [
        ("age", "numerical"),
        ("city", "categorical"),
        ("signup", "datetime"),
        ("smoker", "boolean"),
        ("income", "numerical"),
        ("plan", "categorical"),
    ]
    out = base[:n]
    for i in range(len(out), n):
        out.append((f"feature_{i}", _KINDS[i % len(_KINDS)]))
    return out


def _histogram(rng: np.random.Generator, kind: str, shift: float) -> dict[str, Any]:
    real = rng.normal(40, 12, 4000)
    synthetic = rng.normal(40 + shift, 12 * (1 + shift / 20), 4000)
    edges = np.histogram_bin_edges(np.concatenate([real, synthetic]), bins=30)
    r = np.histogram(real, edges)[0] / len(real)
    s = np.histogram(synthetic, edges)[0] / len(synthetic)
    if kind == "datetime":
        # times as milliseconds since the epoch, named by ``unit``, as the quality part writes them
        start = np.datetime64("2024-01-01T00:00:00", "ms").astype(np.int64)
        edge_times = start + edges * 86400e3 * 9
        return {"type": "histogram", "edges": edge_times, "unit": "ms", "real": r, "synthetic": s}
    return {"type": "histogram", "edges": edges, "real": r, "synthetic": s}


def _bars(rng: np.random.Generator, categories: list[str], shift: float) -> dict[str, Any]:
    p = rng.dirichlet(np.full(len(categories), 2.0))
    q = np.abs(p + rng.normal(0, shift / 40, len(p)))
    return {"type": "bars", "categories": categories, "real": p, "synthetic": q / q.sum()}


def quality_document(columns: int = 6, *, seed: int = 0, sampled: bool = False) -> dict[str, Any]:
    """A ``kind: "quality"`` document over ``columns`` columns (and one text column, left out of shapes
    and trends as the quality code leaves it)."""
    rng = np.random.default_rng(seed)
    names = _column_names(columns)
    shapes = []
    for i, (name, kind) in enumerate(names):
        shift = 0.5 + 3 * (i % 3)
        if kind in ("numerical", "datetime"):
            plot = _histogram(rng, kind, shift)
            metric = "KSComplement"
        else:
            categories = ["true", "false"] if kind == "boolean" else _CITIES[: 3 + i % 6]
            plot = _bars(rng, categories, shift)
            metric = "TVComplement"
        if metric == "KSComplement":
            score = 1 - np.abs(np.cumsum(plot["real"]) - np.cumsum(plot["synthetic"])).max()
        else:
            score = 1 - 0.5 * np.abs(plot["real"] - plot["synthetic"]).sum()
        shapes.append({"column": name, "kind": kind, "metric": metric, "score": score, "plot": plot})

    n = len(names)
    data = rng.normal(size=(2000, n)) @ rng.normal(size=(n, n)) * 0.5
    real_corr = np.corrcoef(data, rowvar=False)
    synthetic_corr = np.corrcoef(data + rng.normal(0, 0.6, data.shape), rowvar=False)
    numeric = [kind in ("numerical", "datetime") for _, kind in names]
    real_m = np.full((n, n), np.nan)
    synthetic_m = np.full((n, n), np.nan)
    score_m = np.full((n, n), np.nan)
    pairs = []
    for a in range(n):
        for b in range(n):
            if numeric[a] and numeric[b]:
                real_m[a, b], synthetic_m[a, b] = real_corr[a, b], synthetic_corr[a, b]
                score_m[a, b] = 1 - abs(real_corr[a, b] - synthetic_corr[a, b]) / 2
            elif a != b:
                score_m[a, b] = score_m[b, a] if b < a else 1 - rng.uniform(0.02, 0.2)
            if b > a:
                metric = "CorrelationSimilarity" if numeric[a] and numeric[b] else "ContingencySimilarity"
                pairs.append(
                    {
                        "columns": [names[a][0], names[b][0]],
                        "metric": metric,
                        "score": score_m[a, b],
                        "real": real_m[a, b] if metric == "CorrelationSimilarity" else None,
                        "synthetic": synthetic_m[a, b] if metric == "CorrelationSimilarity" else None,
                    }
                )
    shapes_score = float(np.mean([s["score"] for s in shapes]))
    trends_score = float(np.mean([p["score"] for p in pairs]))

    dcr_real = rng.gamma(2.0, 0.6, 5000)
    dcr = np.concatenate([np.zeros(40), rng.gamma(2.0, 0.5, 4960)])
    nndr = np.clip(rng.beta(6, 2, 5000), 0, 1)
    dcr_edges = np.linspace(0, np.quantile(dcr, 0.99), 31)
    rows = 1_000_000 if sampled else 20_000
    used = 200_000 if sampled else rows
    document = {
        "kind": "quality",
        "version": "0.1.0",
        "inputs": {
            "real": {"name": "customers.parquet", "rows": rows, "used_rows": used},
            "synthetic": {"name": "customers_synth.parquet", "rows": rows, "used_rows": used},
        },
        "sample": {"rows": used, "seed": seed} if sampled else None,
        "kinds": {**dict(names), "email": "text"},
        "score": (shapes_score + trends_score) / 2,
        "column_shapes": {"score": shapes_score, "columns": shapes},
        "column_pair_trends": {
            "score": trends_score,
            "pairs": pairs,
            "matrix": {
                "columns": [name for name, _ in names],
                "real": real_m,
                "synthetic": synthetic_m,
                "score": score_m,
            },
        },
        "discriminator": {
            "auc": 0.612,
            "score": 0.776,
            "model": "HistGradientBoostingClassifier",
            "rows": min(used, 100_000),
            "folds": 5,
        },
        "privacy": {
            "dcr": {
                "median": float(np.median(dcr)),
                "p05": float(np.quantile(dcr, 0.05)),
                "share_zero": 40 / 5000,
                "histogram": {
                    "edges": dcr_edges,
                    "counts": np.histogram(dcr, dcr_edges)[0],
                    "baseline": np.histogram(dcr_real[:2500], dcr_edges)[0],
                },
            },
            "nndr": {
                "median": float(np.median(nndr)),
                "p05": float(np.quantile(nndr, 0.05)),
                "histogram": {
                    "edges": np.linspace(0, 1, 21),
                    "counts": np.histogram(nndr, np.linspace(0, 1, 21))[0],
                },
            },
            "exact_copies": {"count": 40, "share": 40 / 5000},
            "baseline": {"dcr_median": float(np.median(dcr_real))},
            "rows": 5000,
            "real_rows": 10_000,
        },
    }
    return plain(document)


def drift_document(
    columns: int = 6,
    blocks: int = 10,
    *,
    seed: int = 0,
    timed: bool = True,
    truth: bool = True,
    drifted: tuple[str, ...] = ("age", "city"),
) -> dict[str, Any]:
    """A ``kind: "drift"`` document over ``blocks`` windows of one table in which the ``drifted``
    columns move from the middle block on (a ramp), as ``fastsynth drift inject`` would make them."""
    rng = np.random.default_rng(seed)
    names = _column_names(columns)
    start = np.datetime64("2024-01-01T00:00:00", "s")
    rows_per_block = 100_000
    day = np.timedelta64(86400, "s")
    onset = blocks // 2
    weight = np.clip((np.arange(blocks) - onset + 1) / 3, 0, 1)
    if timed:
        block_list = [
            {
                "label": str(start + b * 7 * day),
                "rows": rows_per_block,
                "start": str(start + b * 7 * day),
                "end": str(start + (b + 1) * 7 * day - np.timedelta64(1, "s")),
            }
            for b in range(blocks)
        ]
    else:
        block_list = [
            {
                "label": b * rows_per_block,
                "rows": rows_per_block,
                "start": b * rows_per_block,
                "end": (b + 1) * rows_per_block - 1,
            }
            for b in range(blocks)
        ]
    out_columns = []
    for name, kind in names:
        moves = name in drifted
        effect = weight if moves else np.zeros(blocks)
        js = np.abs(rng.normal(0.012, 0.004, blocks)) + 0.3 * effect
        psi = np.abs(rng.normal(0.004, 0.002, blocks)) + 0.9 * effect**1.5
        js[0] = psi[0] = 0.0
        entry: dict[str, Any] = {"column": name, "kind": kind, "js": js, "psi": psi}
        if kind == "numerical":
            mean = 40 + rng.normal(0, 0.05, blocks) + 8 * effect
            entry["mean"] = mean
            entry["quantiles"] = {
                str(q): mean + 12 * z * (1 + 0.3 * effect)
                for q, z in ((0.05, -1.645), (0.25, -0.674), (0.5, 0.0), (0.75, 0.674), (0.95, 1.645))
            }
        elif kind == "boolean":
            entry["mean"] = 0.2 + 0.3 * effect + rng.normal(0, 0.003, blocks)
            entry["quantiles"] = None
        elif kind == "datetime":
            offsets = [int(d) for d in rng.normal(0, 3600, blocks)]
            entry["mean"] = [
                str(start + b * 7 * day + 3 * day + np.timedelta64(o, "s")) for b, o in enumerate(offsets)
            ]
            entry["quantiles"] = {
                str(q): [str(start + b * 7 * day + int(q * 7) * day) for b in range(blocks)]
                for q in (0.05, 0.25, 0.5, 0.75, 0.95)
            }
        else:
            entry["mean"] = None
            entry["quantiles"] = None
        entry["drifted"] = [bool(j > 0.1 or p > 0.2) for j, p in zip(js, psi, strict=True)]
        out_columns.append(entry)

    points = 200
    total = blocks * rows_per_block
    if timed:
        span = blocks * 7 * 86400
        x_seconds = (np.arange(points) + 0.5) * span / points
        x: list[Any] = [str(start + np.timedelta64(int(s), "s")) for s in x_seconds]
    else:
        x_seconds = (np.arange(points) + 0.5) * total / points
        x = [int(v) for v in x_seconds]
    position = (np.arange(points) + 0.5) / points * blocks
    point_weight = np.clip((position - onset + 0.5) / 3, 0, 1)
    series = []
    for name, kind in names:
        if kind != "numerical":
            continue
        moves = name in drifted
        values = 40 + rng.normal(0, 0.4, points) + (8 * point_weight if moves else 0)
        series.append({"column": name, "x": x, "values": values})

    ground_truth = None
    if truth:
        first_row = onset * rows_per_block
        ground_truth = {
            "source": "drift log customers.parquet.drift.json",
            "measure": "share of rows inside an event",
            "blocks": weight,
            "columns": list(drifted),
            "events": [
                {
                    "index": 0,
                    "name": "ramp",
                    "type": "shift",
                    "columns": list(drifted),
                    "profile": "linear",
                    "selection": {"rows": {"start": first_row}},
                    "start": block_list[onset]["start"],
                    "end": block_list[-1]["end"],
                    "blocks": [1.0 if b >= onset else 0.0 for b in range(blocks)],
                }
            ],
            "series": {"x": x, "values": point_weight},
        }
    document = {
        "kind": "drift",
        "version": "0.1.0",
        "inputs": {"data": {"name": "stream.parquet", "rows": total}, "reference": None},
        "by": {"windows": blocks, "time_column": "ts" if timed else None},
        "reference": "first block",
        "thresholds": {"js": 0.1, "psi": 0.2},
        "blocks": block_list,
        "columns": out_columns,
        "series_x": "time" if timed else "row",
        "series": series,
        "drifted_columns": [c["column"] for c in out_columns if any(c["drifted"])],
        "ground_truth": ground_truth,
    }
    return plain(document)
