"""The report page made from a document: what it shows, that it is one file with nothing to fetch, that
user data is text and never markup, and that plotting leaves matplotlib as it found it. The page in a
real browser: test_page_browser.py."""

from __future__ import annotations

import base64
import fnmatch
import re
import tomllib
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from fastsynth.errors import UsageError
from fastsynth.reporting.document import Report
from fastsynth.reporting.page import render
from tests.reporting.documents import drift_document, quality_document

ROOT = Path(__file__).resolve().parents[2]
IMAGE = re.compile(r'<img class="plot[^"]*" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def quality():
    document = quality_document(4)
    return document, render(document)


@pytest.fixture(scope="module")
def drift():
    document = drift_document(5, 6, drifted=("age",))
    return document, render(document)


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(base64.b64decode(data)) for data in IMAGE.findall(html)]


def _references(html: str) -> list[str]:
    """Every URL the page or its images could fetch: src / href attributes and CSS url()."""
    found = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html) + re.findall(r"url\(([^)]*)\)", html)
    for svg in IMAGE.findall(html):
        text = base64.b64decode(svg).decode()
        found += re.findall(r'(?:xlink:href|href|src)\s*=\s*"([^"]*)"', text) + re.findall(
            r"url\(([^)]*)\)", text
        )
    return found


@pytest.mark.slow
def test_quality_page_shows_scores_inputs_and_every_column(quality):
    document, html = quality
    html = " ".join(html.split())
    assert '<div class="big" id="score">' + f"{100 * document['score']:.1f}%" in html
    assert "customers.parquet" in html and "customers_synth.parquet" in html
    assert "Statistics on every row: 20,000 real and 20,000 synthetic." in html
    for column in document["column_shapes"]["columns"]:
        assert f'<td class="name">{column["column"]}</td>' in html
        assert f"{column['score']:.3f}" in html
    assert "Not compared (free text, too many distinct values): email." in html
    discriminator = document["discriminator"]
    assert f"<b>{discriminator['auc']:.3f}</b>" in html and discriminator["model"] in html
    assert "40 (0.80%)" in html  # exact copies: count and share


@pytest.mark.slow
def test_quality_page_says_when_it_worked_on_a_sample():
    html = " ".join(render(quality_document(2, sampled=True)).split())
    assert (
        "Statistics on a seeded sample (seed 0, at most 200,000 rows of each table): 200,000 of 1,000,000"
        in html
    )


def test_quality_page_has_one_plot_per_column_the_matrices_and_both_distances(quality):
    document, html = quality
    svgs = _svgs(html)
    assert len(svgs) == len(document["column_shapes"]["columns"]) + 1 + 2
    assert all(svg.tag == "{http://www.w3.org/2000/svg}svg" for svg in svgs)
    # each plot draws something: paths for bars, steps, lines and glyphs
    assert all(len(svg.findall(".//{http://www.w3.org/2000/svg}path")) > 10 for svg in svgs)


@pytest.mark.slow
def test_drift_page_lists_drifted_columns_and_shows_heatmaps_changes_truth_and_series(drift):
    document, html = drift
    assert document["drifted_columns"] == ["age"]
    table = html[html.index('id="drifted"') : html.index('id="truth"')]
    assert re.findall(r'<td class="name">([^<]*)</td>', table) == ["age"]
    assert "3 of 6" in table  # drifted blocks: the ramp from the middle block on
    assert "Given drift not measured" not in html
    series = document["series"]
    # 2 heatmaps, 1 change plot, the ground truth, one series plot per numerical column
    assert len(_svgs(html)) == 2 + 1 + 1 + len(series)
    assert html.index(">age</h3>") < html.index(">income</h3>")  # drifted series first


@pytest.mark.slow
def test_drift_page_says_when_given_drift_was_not_measured():
    document = drift_document(2, 4, drifted=("age",), timed=False)
    document["ground_truth"]["columns"] = ["age", "city"]
    html = render(document)
    assert '<span class="flag">Given drift not measured:</span> city.' in html


@pytest.mark.slow
def test_drift_page_without_drift_or_ground_truth():
    html = render(drift_document(2, 3, drifted=(), truth=False, timed=False))
    assert "No column drifted: every block is within both thresholds" in html
    assert 'id="truth"' not in html and "In ground truth" not in html
    assert len(_svgs(html)) == 2 + 1  # the heatmaps and the one numerical series


def test_the_page_fetches_nothing(quality, drift):
    for _, html in (quality, drift):
        assert (
            "<script" not in html
            and "<link" not in html
            and "@import" not in html
            and "@font-face" not in html
        )
        refs = _references(html)
        assert refs and all(ref.startswith(("data:", "#")) for ref in refs), [
            r for r in refs if not r.startswith(("data:", "#"))
        ]


@pytest.mark.slow
def test_column_names_are_text_not_markup():
    document = quality_document(2)
    hostile = "<script>alert(1)</script>"
    document["column_shapes"]["columns"][0]["column"] = hostile
    document["column_pair_trends"]["pairs"][0]["columns"][0] = hostile
    document["inputs"]["real"]["name"] = '"><img src=x onerror=alert(1)>'
    html = render(document)
    assert hostile not in html and "<script" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.slow
def test_the_same_document_gives_the_same_page(drift):
    document, html = drift
    assert render(document) == html
    assert Report(document).html() == html


@pytest.mark.slow
def test_plotting_leaves_matplotlib_as_it_was():
    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    render(drift_document(1, 3, truth=False))
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


def test_an_unknown_kind_is_refused():
    with pytest.raises(UsageError, match=r"kind 'fidelity' is unknown; allowed: quality, drift"):
        render({"kind": "fidelity"})


def test_the_template_ships_in_the_wheel():
    """setuptools' package-data must name the template, or an installed fastsynth has no page."""
    template = resources.files("fastsynth.reporting") / "templates" / "report.html.j2"
    assert template.is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert any(fnmatch.fnmatch("templates/report.html.j2", p) for p in patterns["fastsynth.reporting"])


@pytest.mark.slow
def test_a_report_of_20_columns_stays_small():
    assert len(render(quality_document(20, sampled=True)).encode()) < 1_500_000
    assert len(render(drift_document(20, 50, timed=False)).encode()) < 1_500_000
    # blocks are drawn as one raster, not one rectangle per cell: 1,000 blocks cost little more
    assert len(render(drift_document(20, 1000, drifted=("age",), timed=False)).encode()) < 2_000_000


def _labels(svg: str) -> list[str]:
    """The texts of a matplotlib SVG (glyphs are paths; each text is kept beside them as a comment)."""
    return [t.strip() for t in re.findall(r"<!-- (.*?) -->", svg, re.S)]


def test_times_as_epoch_numbers_and_as_iso_strings_draw_the_same_axis():
    from fastsynth.reporting import plots

    start = np.datetime64("2024-01-01", "ms").astype(np.int64)
    edges = (start + np.arange(4) * 86_400_000 * 120).tolist()
    as_ms = _labels(plots.histogram(edges, [0.2, 0.5, 0.3], [0.3, 0.4, 0.3], "ms"))
    iso = [str(np.datetime64(int(e), "ms")) for e in edges]
    assert _labels(plots.histogram(iso, [0.2, 0.5, 0.3], [0.3, 0.4, 0.3])) == as_ms
    assert as_ms[:2] == ["2024", "Mar"] and "2025" in as_ms


def test_many_categories_share_one_bar():
    from fastsynth.reporting import plots

    names = [f"c{i:02d}" for i in range(40)]
    shares = np.linspace(1, 2, 40)[::-1] / np.linspace(1, 2, 40).sum()
    labels = _labels(plots.bars(names, shares.tolist(), shares.tolist()))
    assert "(26 others)" in labels and "c00" in labels and "c13" in labels and "c14" not in labels


@pytest.mark.slow
def test_drift_heatmap_names_columns_blocks_and_threshold():
    from fastsynth.reporting import plots

    labels = _labels(plots.drift_heatmap(["age", "city"], [0, 1000], [[0.0, 0.3], [0.0, 0.05]], 0.1, "JS"))
    assert {"age", "city", "0", "1,000", "0.30", "0.05", "JS (threshold 0.1)"} <= set(labels)


def test_distances_beside_the_real_to_real_baseline_are_shares():
    from fastsynth.reporting import plots

    lines = [("median", 0.4, plots.ORANGE)]
    labels = _labels(plots.distances([0, 0.5, 1], [30, 70], lines, "distance", baseline=[5, 5]))
    assert {"real to real", "synthetic to real", "share of rows", "median 0.4"} <= set(labels)
    assert "synthetic rows" in _labels(plots.distances([0, 0.5, 1], [30, 70], lines, "distance"))


@pytest.mark.slow
def test_a_quality_document_with_nothing_measurable_shows_dashes():
    """All-text tables, or a side too small to measure: the parts hold nulls, and the page says so."""
    document = quality_document(2)
    document["score"] = None
    document["discriminator"].update(auc=None, score=None)
    document["privacy"]["dcr"] = {"median": None, "p05": None, "share_zero": None, "histogram": None}
    document["privacy"]["nndr"] = {"median": None, "p05": None, "histogram": None}
    document["privacy"]["baseline"] = {"dcr_median": None}
    html = render(document)
    assert '<div class="big" id="score">—</div>' in html
    assert "<li>AUC<b>—</b></li>" in html and "<li>DCR median<b>—</b></li>" in html
    assert len(_svgs(html)) == 2 + 1  # the two columns and the matrices; no distance histograms


@pytest.mark.slow
def test_a_wide_matrix_labels_every_kth_column_on_both_axes():
    from fastsynth.reporting import plots

    n = 60
    names = [f"col{i:02d}" for i in range(n)]
    eye = np.eye(n).tolist()
    labels = _labels(plots.correlations(names, eye, eye, eye))
    shown = {name for name in names if name in labels}
    assert "col00" in shown and 10 < len(shown) < n


@pytest.mark.slow
def test_series_shade_drift_only_on_an_axis_that_counts_as_the_blocks_do(drift):
    document, html = drift

    def shaded(html: str) -> tuple[int, int]:
        labels = [label for svg in IMAGE.findall(html) for label in _labels(base64.b64decode(svg).decode())]
        return labels.count("drift (ground truth)"), labels.count("drift measured")

    # age: the ground truth's event and its measured blocks; its change plot marks the blocks too
    assert shaded(html) == (1, 2)
    # blocks and events in times, but the series over rows: nothing is placed on the wrong axis
    assert shaded(render({**document, "series_x": "row"})) == (0, 1)


@pytest.mark.slow
def test_dollar_signs_in_user_text_are_drawn_as_typed_not_as_mathtext():
    # matplotlib reads "$...$" as TeX: "$x^{$" raised a ValueError that made the whole page fail
    from fastsynth.reporting import plots

    odd = ["$$", "$\\nope$", "$x^{$", "$10-$20"]
    labels = _labels(plots.bars(odd, [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]))
    assert set(odd) <= set(labels)
    labels = _labels(plots.drift_heatmap(odd, odd, [[0.1] * 4] * 4, 0.1, "JS"))
    assert "$10-$20" in labels
    _labels(plots.correlations(odd, [[1.0] * 4] * 4, [[1.0] * 4] * 4, [[1.0] * 4] * 4))


def test_a_document_with_an_other_share_draws_one_other_bar():
    # the document's 20 bars and "(other)" were cut to 15 by the plot, which added "(N others)" too
    from fastsynth.reporting import plots
    from fastsynth.reporting.document import OTHER

    names = [f"c{i:02d}" for i in range(20)] + [OTHER]
    shares = (np.linspace(2, 1, 21) / np.linspace(2, 1, 21).sum()).tolist()
    labels = _labels(plots.bars(names, shares, shares))
    assert sum("other" in label for label in labels) == 1 and OTHER in labels
    few = _labels(plots.bars(["a", OTHER, "b"], [0.2, 0.7, 0.1], [0.2, 0.7, 0.1]))
    assert [t for t in few if t in ("a", "b", OTHER)] == ["a", "b", OTHER]  # "(other)" last


def test_the_readme_names_every_package_the_report_extra_installs():
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["report"]
    packages = [re.split(r"[<>=\[; ]", requirement)[0] for requirement in extra]
    readme = " ".join((ROOT / "README.md").read_text().split())
    said = readme[readme.index("pip install 'fastsynth[report]'") :].split(")")[0]
    assert all(package in said for package in packages), (packages, said)
