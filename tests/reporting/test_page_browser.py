"""Reports of real data in a real headless Chromium (Debian's ``chromium``, driven by Playwright): the
pages load with no console error and no request but the file itself, and every plot is there, drawn
and not blank. Full-page screenshots are kept as test artefacts (``$FASTSYNTH_ARTIFACTS``, default
``artifacts/``), and so are the README's views of them; with ``FASTSYNTH_UPDATE_SCREENSHOTS=1`` these
replace the README's screenshots in ``docs/images/``."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser

import fastsynth
from fastsynth.reporting.page import render
from tests.browser import ROOT, artifacts, browser
from tests.reporting.documents import quality_document

pytestmark = [pytest.mark.server, pytest.mark.slow]

__all__ = ["browser"]  # the shared fixture, used by the tests here

README_BYTES = 400_000


def _open(browser: Browser, html: str, path: Path, width: int = 1280) -> tuple[Any, dict[str, list[str]]]:
    """The page of ``html`` written to ``path``, with what it asked for and complained about."""
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen: dict[str, list[str]] = {"requests": [], "console": [], "errors": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on(
        "console",
        lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def _check_plots(page: Any, expected: int) -> None:
    plots = page.locator("img.plot")
    assert plots.count() == expected
    sizes = page.eval_on_selector_all(
        "img.plot",
        "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight,"
        " e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
    )
    for i, (complete, natural_w, natural_h, w, h) in enumerate(sizes):
        assert complete and natural_w > 0 and natural_h > 0, f"plot {i} did not decode: {sizes[i]}"
        assert w > 100 and h > 50, f"plot {i} is drawn {w}x{h}"
    for i in range(expected):
        shot = Image.open(io.BytesIO(plots.nth(i).screenshot())).convert("RGB")
        colours = shot.getcolors(maxcolors=1 << 20) or []
        # a drawn plot has axes, text and data in several colours; a blank or broken one has one or two
        assert len(colours) > 20, f"plot {i} looks blank: {len(colours)} colours"


PEOPLE = ROOT / "configs" / "people.yaml"
SERIES = ROOT / "configs" / "timeseries.json"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """A quality report of a copula fitted on people (correlated and dependent columns, text) against
    their rows, and a drift report of a steady time series whose value shifts, step by step, in its
    second half, with the drift log it was made with."""
    real = fastsynth.generate(PEOPLE, 10_000, seed=1)
    synthetic = fastsynth.generate(fastsynth.fit(real), 10_000, seed=2)
    steady = {k: v for k, v in json.loads(SERIES.read_text()).items() if k not in ("trends", "seasonality")}
    series = fastsynth.generate(steady, 40_000, seed=3)
    drifted, log = fastsynth.inject_drift(
        series,
        [{"type": "shift", "columns": ["value"], "magnitude": 2, "rows": {"start": 20_000},
          "profile": {"type": "incremental"}},
         {"type": "label_flip", "column": "category", "rate": 0.9, "rows": {"start": 30_000}}],
        seed=4,
    )  # fmt: skip
    log_path = tmp_path_factory.mktemp("log") / "series.drift.json"
    log.write(log_path)
    return {
        "quality": fastsynth.report(real, synthetic).document,
        "drift": fastsynth.report(drifted, windows=20, time_column="timestamp", drift_log=log_path).document,
    }


def _plots(document: dict[str, Any]) -> int:
    """How many plots the page of ``document`` draws: one a column, then the page-wide ones."""
    if document["kind"] == "quality":
        return len(document["column_shapes"]["columns"]) + 1 + 2  # pair heatmaps; DCR and NNDR
    # JS and PSI heatmaps, ground truth beside measured, one change plot a drifted column, the series
    truth = document["ground_truth"] is not None
    return 2 + truth + len(document["drifted_columns"]) + len(document["series"])


@pytest.mark.parametrize("kind", ["quality", "drift"])
def test_page_loads_offline_with_every_plot_drawn(browser, reports, tmp_path, kind):
    document = reports[kind]
    if kind == "drift":
        assert document["drifted_columns"] == ["value", "category"]
    page, seen = _open(browser, render(document), tmp_path / f"report-{kind}.html")
    try:
        _check_plots(page, _plots(document))
        page.screenshot(path=artifacts() / f"report-{kind}.png", full_page=True)
        assert seen["requests"] == [(tmp_path / f"report-{kind}.html").as_uri()]
        assert seen["console"] == [] and seen["errors"] == [] and seen["dialogs"] == []
    finally:
        page.close()


def test_a_column_named_like_markup_is_shown_as_text(browser, tmp_path):
    document = quality_document(3)
    hostile = "<script>alert(1)</script>"
    document["column_shapes"]["columns"][0]["column"] = hostile
    document["column_pair_trends"]["matrix"]["columns"][0] = hostile
    page, seen = _open(browser, render(document), tmp_path / "hostile.html")
    try:
        assert seen["dialogs"] == [] and seen["errors"] == []
        assert page.locator("td.name", has_text=hostile).count() == 1
        assert page.locator("script").count() == 0
    finally:
        page.close()


@pytest.mark.parametrize("kind", ["quality", "drift"])
def test_readme_screenshots(browser, reports, tmp_path, kind):
    """The top of each page, as the README shows it, in a 256-colour PNG: an artefact, or the README's
    own with ``FASTSYNTH_UPDATE_SCREENSHOTS=1``."""
    page, _ = _open(browser, render(reports[kind]), tmp_path / f"{kind}.html", width=1180)
    try:
        png = page.screenshot(clip={"x": 0, "y": 0, "width": 1180, "height": 1500}, full_page=True)
    finally:
        page.close()
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256, dither=Image.Dither.NONE)
    update = os.environ.get("FASTSYNTH_UPDATE_SCREENSHOTS") == "1"
    target = (ROOT / "docs" / "images" if update else artifacts()) / f"report-{kind}.png"
    if not update:
        target = target.with_name(f"readme-{target.name}")
    image.save(target, optimize=True)
    assert target.stat().st_size < README_BYTES
