"""The web console end to end: Debian's headless Chromium (Playwright) drives the page of a real
``fastsynth api`` on 127.0.0.1, by clicks and typed text, and each step checks what the page shows and
what the server did (its answers, the rows of the file it wrote). The tests run in order on one page,
as a person would use it: the token, a schema refused then saved, a preview, a stream to a file, its
live chart, a new rate, a drift, the file once stopped, a download. Screenshots go to
``artifacts/console/`` (``$FASTSYNTH_ARTIFACTS``); with ``FASTSYNTH_UPDATE_SCREENSHOTS=1`` the README's
``docs/images/console.png`` is made again."""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.api.server_process import Server
from tests.browser import ROOT, artifacts, browser

pytestmark = [pytest.mark.server, pytest.mark.subprocess, pytest.mark.slow]

__all__ = ["browser"]  # the shared fixture, used by the tests here

TOKEN = "console-token-7"
BAD_SCHEMA = """\
# people, with an age range the wrong way round
fields:
  id: {type: sequence}
  age: {type: int, min: 90, max: 18}
  income: {type: float, mean: 50000, std: 20000, min: 0, decimals: 2}
"""
SCHEMA = """\
# people
fields:
  id: {type: sequence}
  age: {type: int, min: 18, max: 90}
  income: {type: float, mean: 50000, std: 20000, min: 0, decimals: 2}
  member: {type: bool, p: 0.3}
  status: {type: category, categories: [active, inactive], probabilities: [0.8, 0.2]}
"""
REFUSED = re.compile(r"Failed to load resource: the server responded with a status of (400|401) ")
"""What Chromium logs for each refusal the tests provoke: the page itself logs nothing."""
README_BYTES = 400_000


class Console:
    """The console's page in Chromium, with what it logged, and the server behind it."""

    def __init__(self, page: Page, server: Server) -> None:
        self.page = page
        self.server = server
        self.logged: list[str] = []
        self.failures: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.logged.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.failures.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        self.http = httpx.Client(base_url=server.url, headers=bearer, timeout=30)

    def section(self, name: str) -> Any:
        return self.page.locator(f"section#{name}")

    def card(self, generator: str) -> Any:
        return self.page.locator("article.stream", has=self.page.locator("h3.name", has_text=generator))

    def check_quiet(self) -> None:
        """No script failed and nothing was logged but Chromium's notes of the refusals provoked."""
        assert self.failures == [] and self.dialogs == []
        assert [m for m in self.logged if not REFUSED.match(m)] == []

    def shot(self, name: str) -> None:
        self.page.evaluate("window.scrollTo(0, 0)")  # the lists beside the page's top, where they stick
        self.page.screenshot(path=artifacts("console") / f"{name}.png", full_page=True)


def wait_for(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def as_javascript(value: Any) -> str:
    """How the page writes a JSON value in a cell (JavaScript's ``String``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def colours(png: bytes) -> int:
    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20) or [])


@pytest.fixture(scope="module")
def console(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    (folder / "token").write_text(TOKEN)
    server = Server(folder, "--token-file", str(folder / "token"))
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    console = Console(page, server)
    try:
        yield console
    finally:
        console.shot("last")  # where the page was when the module ended, passed or failed
        console.http.close()
        page.close()
        server.stop()


def test_the_page_asks_for_the_token_and_loads_without_an_error(console):
    page = console.page
    answer = page.goto(f"{console.server.url}/")
    assert page.url == f"{console.server.url}/ui"
    assert answer is not None
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()
    page.fill("#token", "not-the-token")
    page.click("#token-form button")
    expect(dialog.locator(".problem")).to_have_text("That token was refused.")
    console.shot("token")
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    expect(dialog).to_be_hidden()
    expect(page.locator("#server-state")).to_have_text("idle")
    expect(console.section("generators").locator(".empty")).to_be_visible()
    expect(page.locator("#forget-token")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('fastsynth.token')") == TOKEN
    console.check_quiet()
    assert any("status of 401" in m for m in console.logged)  # the refusals before the token


def test_an_example_fills_the_editor_with_its_file(console):
    form = console.page.locator("#schema-form")
    form.locator("#example").select_option("sensors")
    sensors = next(e for e in console.http.get("/examples").json()["examples"] if e["name"] == "sensors")
    expect(form.locator("textarea")).to_have_value(sensors["text"])  # as shipped, comments included
    expect(form.locator("[name=name]")).to_have_value("sensors")
    console.check_quiet()


def test_a_bad_schema_is_refused_inline_on_the_line_of_its_field(console):
    page, form = console.page, console.page.locator("#schema-form")
    form.locator("[name=name]").fill("people")
    form.locator("textarea").fill("fields:\n  id: {type: sequence\n  age: {type: int}\n")
    form.locator("button[type=submit]").click()
    expect(form.locator(".problem")).to_contain_text("line 3")  # js-yaml: the flow mapping never closed
    form.locator("textarea").fill(BAD_SCHEMA)
    form.locator("button[type=submit]").click()
    expect(form.locator(".problem")).to_have_text("field 'age': min=90 is greater than max=18")
    marked = form.locator(".backdrop .marked")
    expect(marked).to_have_count(1)
    expect(marked).to_have_text(re.compile(r"^\s+age: \{type: int, min: 90, max: 18\}"))
    console.shot("refused")
    assert console.http.get("/generators").json() == []
    form.locator("textarea").press("End")  # an edit clears the mark
    form.locator("textarea").type(" ")
    expect(marked).to_have_count(0)
    expect(form.locator(".problem")).to_be_hidden()
    console.check_quiet()
    del page


def test_a_generator_is_made_from_the_editor(console):
    form = console.page.locator("#schema-form")
    form.locator("textarea").fill(SCHEMA)
    form.locator("[name=seed]").fill("11")
    form.locator("button[type=submit]").click()
    row = console.section("generators").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("people")
    expect(row).to_have_class("selected")
    made = console.http.get("/generators/people").json()
    assert made["columns"] == ["id", "age", "income", "member", "status"] and made["seed"] == 11
    assert made["schema"]["fields"]["age"] == {"type": "int", "min": 18, "max": 90}
    console.check_quiet()


def test_preview_shows_the_servers_rows_and_the_shape_of_each_column(console):
    preview = console.section("preview")
    preview.locator("#preview-button").click()
    table = preview.locator("table.rows")
    expect(table.locator("tbody tr")).to_have_count(20, timeout=30_000)  # numba may compile first
    expected = console.http.post("/generate", json={"generator": "people", "rows": 20}).json()
    shown = table.evaluate("t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent))")
    assert shown == [[as_javascript(v) for v in row.values()] for row in expected]
    assert table.locator("thead th").all_text_contents() == ["id", "age", "income", "member", "status"]
    cards = preview.locator("figure.summary")
    expect(cards).to_have_count(5)
    for column in ("id", "age", "income"):  # numbers: a histogram, drawn
        plot = cards.filter(has_text=column).first.locator("canvas")
        expect(plot).to_have_count(1)
        assert colours(plot.screenshot()) > 20
    status = cards.filter(has=console.page.locator("strong", has_text="status"))
    assert status.locator("td.value").all_text_contents() == ["active", "inactive"]
    share = float(status.locator("td.share").first.text_content().rstrip("%"))
    assert 76 < share < 84  # 80% of 5,000 rows
    member = cards.filter(has=console.page.locator("strong", has_text="member"))
    expect(member.locator("td.value")).to_have_text(["false", "true"])
    console.shot("preview")
    console.check_quiet()


def test_a_stream_to_a_file_starts_and_its_chart_moves(console):
    page = console.page
    streamers = console.section("streamers")
    form = streamers.locator("#streamer-form")
    form.locator("[name=name]").fill("lake")
    form.locator("[name=path]").fill("{generator}.jsonl")
    form.locator("button[type=submit]").click()
    expect(streamers.locator("tbody tr")).to_contain_text(["lake"])
    assert console.http.get("/streamers/lake").json()["path"] == "{generator}.jsonl"
    start = page.locator("#start-form")
    expect(start.locator("[name=streamers][value=lake]")).to_be_checked()
    start.locator("[name=rate]").fill("2000")
    start.locator("button[type=submit]").click()
    card = console.card("people")
    expect(card.locator(".state")).to_have_text("running")
    expect(page.locator("#server-state")).to_have_text("running")
    chart = card.locator(".chart canvas")
    wait_for(lambda: float(card.locator(".rate").text_content().replace(",", "")) > 1000)
    first = chart.screenshot()
    rows = int(card.locator(".rows").text_content().replace(",", ""))
    wait_for(lambda: int(card.locator(".rows").text_content().replace(",", "")) > rows + 2000)
    assert chart.screenshot() != first  # the chart moved
    assert colours(chart.screenshot()) > 20
    status = console.http.get("/status").json()["streams"]["people"]
    assert status["running"] and status["streamers"] == ["lake"] and status["target_rows_per_second"] == 2000
    console.shot("streaming")
    console.check_quiet()


def figure(card: Any, name: str) -> float:
    """A stream card's figure (``rows``, ``rate``, ``target``, ...) as a number."""
    return float(card.locator(f".{name}").text_content().replace(",", "").removesuffix(" s"))


def test_a_new_rate_and_batch_size_are_followed(console):
    card = console.card("people")
    tune = card.locator("form.tune")
    expect(tune.locator("[name=rate]")).to_have_value("2000")  # the stream's own, to start from
    tune.locator("[name=rate]").fill("6000")
    tune.locator("[name=batch_size]").fill("500")
    tune.locator("button[type=submit]").click()
    expect(card.locator(".target")).to_have_text("6,000")
    stream = console.http.get("/streams/people").json()
    assert stream["target_rows_per_second"] == 6000 and stream["batch_size"] == 500
    wait_for(lambda: 5000 < figure(card, "rate") < 7000)  # the actual rate follows (a 5 s average)
    console.check_quiet()


def test_streamers_attach_and_detach_while_the_stream_runs(console):
    streamers = console.section("streamers")
    form = streamers.locator("#streamer-form")
    form.locator("[name=name]").fill("side")
    form.locator("[name=format]").select_option("csv")
    form.locator("[name=path]").fill("{generator}-side.csv")
    form.locator("[name=overwrite]").check()
    form.locator("button[type=submit]").click()
    card = console.card("people")
    chips = card.locator(".attached .chip .label")
    expect(chips).to_have_text(["lake", "side"])  # a streamer added joins the running streams
    card.get_by_role("button", name="detach side").click()
    expect(chips).to_have_text(["lake"])
    assert console.http.get("/streams/people").json()["streamers"] == ["lake"]
    side = console.server.log.parent / "people-side.csv"
    detached = pacsv.read_csv(side)  # complete once detached: whole rows under the header
    assert detached.column_names == ["id", "age", "income", "member", "status"] and detached.num_rows > 0
    card.locator("form.attach select").select_option("side")
    card.get_by_role("button", name="Attach").click()
    expect(chips).to_have_text(["lake", "side"])
    assert console.http.get("/streams/people").json()["streamers"] == ["lake", "side"]
    console.check_quiet()


def red_pixels(png: bytes) -> int:
    """Pixels of the drift marks' red (#dc2626) in a chart."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] < 70) & (rgb[..., 2] < 70)).sum())


def test_drift_now_is_marked_and_the_means_before_and_after_are_shown(console):
    card = console.card("people")
    chart = card.locator(".chart")
    before = red_pixels(chart.locator("canvas").screenshot())
    card.locator("form.drift [name=magnitude]").fill("1")
    card.locator("form.drift button").click()
    expect(chart).to_have_attribute("data-marks", "1", timeout=30_000)  # numba may compile the drift
    assert red_pixels(chart.locator("canvas").screenshot()) > before + 50
    drift_rows = console.http.get("/streams/people").json()["drift_rows"]
    assert len(drift_rows) == 1
    expect(card.locator(".drift-row")).to_have_text(f"{drift_rows[0]:,}")
    table = card.locator(".before-after")
    expect(table).to_be_visible()

    def shown() -> dict[str, list[float | None]]:
        """Each column's before, after and change as the table shows them (None for a dash)."""
        rows = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
        )
        return {
            r[0]: [None if v == "\N{EN DASH}" else float(v.replace(",", "")) for v in r[1:]]
            for r in rows
            if len(r) == 4
        }

    # the income's mean moves by one standard deviation (20,000), up or down
    means = wait_for(lambda: (m := shown()).get("income", [0, 0, None])[2] is not None and m)
    assert list(means) == ["id", "age", "income", "member"]
    before, after, change = means["income"]
    assert (
        40_000 < before < 60_000
        and abs(change) > 10_000
        and change == pytest.approx(after - before, rel=1e-3)
    )
    console.shot("drift")
    console.check_quiet()


def test_a_streaming_generator_is_not_replaced_from_the_editor(console):
    form = console.page.locator("#schema-form")
    before = console.http.get("/generators/people").json()
    form.locator("[name=name]").fill("people")
    form.locator("button[type=submit]").click()
    expect(form.locator(".problem")).to_contain_text("generator people is streaming")
    assert console.http.get("/generators/people").json() == before
    assert console.http.get("/streams/people").json()["running"]
    console.check_quiet()


def test_readme_screenshot(console):
    """The console as the README shows it, streaming after a drift: a 256-colour PNG, an artefact, or
    the README's own with ``FASTSYNTH_UPDATE_SCREENSHOTS=1``."""
    console.page.locator("section#streams").evaluate("s => s.scrollIntoView()")
    png = console.page.screenshot(full_page=False)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256, dither=Image.Dither.NONE)
    update = os.environ.get("FASTSYNTH_UPDATE_SCREENSHOTS") == "1"
    target = ROOT / "docs" / "images" / "console.png" if update else artifacts("console") / "readme.png"
    image.save(target, optimize=True)
    assert Path(target).stat().st_size < README_BYTES
    assert "](docs/images/console.png)" in (ROOT / "README.md").read_text()


def test_stopping_writes_the_file_with_the_rows_the_page_shows(console):
    card = console.card("people")
    drift_row = console.http.get("/streams/people").json()["drift_rows"][0]
    card.locator("button.stop").click()
    expect(card.locator(".state")).to_contain_text("stopped after")
    written = int(card.locator(".rows").text_content().replace(",", ""))
    assert written > drift_row
    lines = (console.server.log.parent / "people.jsonl").read_text().splitlines()
    assert len(lines) == written
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == list(range(1, written + 1))  # every row, in order (drift leaves a sequence alone)
    assert console.http.get("/status").json()["streams"] == {}
    expect(console.page.locator("#server-state")).to_have_text("idle")
    console.check_quiet()


def test_a_stream_started_again_gets_a_fresh_card(console):
    ended = int(console.card("people").locator(".rows").text_content().replace(",", ""))
    start = console.page.locator("#start-form")
    start.locator("[name=streamers][value=lake]").uncheck()  # its file is kept; side replaces its own
    start.locator("[name=streamers][value=side]").check()
    start.locator("[name=rate]").fill("50000")
    start.locator("button[type=submit]").click()
    card = console.card("people")
    expect(card.locator(".state")).to_have_text("running")
    # Faster than the stream before it: its rows pass the old total within the first reading.
    wait_for(lambda: int(card.locator(".rows").text_content().replace(",", "")) > ended)
    expect(card).to_have_count(1)
    console.http.post("/stop")
    expect(card.locator(".state")).to_contain_text("stopped", timeout=10_000)
    console.check_quiet()


def test_a_download_holds_the_rows_asked_for(console, tmp_path):
    form = console.page.locator("#download-form")
    form.locator("[name=rows]").fill("1500")
    form.locator("[name=format]").select_option("parquet")
    with console.page.expect_download() as started:
        form.locator("button[type=submit]").click()
    download = started.value
    assert download.suggested_filename == "people.parquet"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    table = pq.read_table(saved)
    assert table.num_rows == 1500 and table.column_names == ["id", "age", "income", "member", "status"]
    expected = console.http.post("/generate", json={"generator": "people", "rows": 1500, "format": "parquet"})
    assert table.equals(pq.read_table(io.BytesIO(expected.content)))
    expect(form.locator(".done")).to_contain_text("saved people.parquet")
    console.check_quiet()


def test_names_and_values_like_markup_are_shown_as_text(console):
    hostile = "<img src=x onerror=alert(1)>"
    form = console.page.locator("#schema-form")
    form.locator("[name=name]").fill("hostile")
    form.locator("textarea").fill(
        json.dumps({hostile: {"type": "category", "categories": ["<b>x</b>", "y"]}})
    )
    form.locator("button[type=submit]").click()
    expect(console.section("generators").locator("tbody tr.selected")).to_contain_text("hostile")
    preview = console.section("preview")
    preview.locator("#preview-button").click()
    expect(preview.locator("table.rows thead th")).to_have_text([hostile])
    values = preview.locator("figure.summary td.value")
    expect(values).to_have_count(2, timeout=10_000)
    assert sorted(values.all_text_contents()) == ["<b>x</b>", "y"]
    assert console.page.locator("section img, section b").count() == 0
    console.check_quiet()
