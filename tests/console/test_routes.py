"""The console's routes in process (Litestar's test client): ``/`` leads to the page, the page and its
files are public and sent with a strict Content-Security-Policy, everything they refer to is served,
and the API behind them still wants the token."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from fastsynth.api import create_app
from fastsynth.config import load_settings
from fastsynth.service import Service

TOKEN = "console-token"


@pytest.fixture
def client(tmp_path):
    service = Service(load_settings(environ={"FASTSYNTH_API_TOKEN": TOKEN}), output_root=tmp_path)
    with TestClient(create_app(service), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def check_secured(response) -> None:
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_root_leads_to_the_page(client):
    moved = client.get("/", follow_redirects=False)
    assert moved.status_code in (302, 307) and moved.headers["location"] == "/ui"
    check_secured(moved)


def test_the_page_and_everything_it_refers_to_are_served_without_the_token(client):
    page = client.get("/ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    check_secured(page)
    html = page.text
    # nothing inline, which the policy would block: scripts by src alone, no style or handler attributes
    assert not re.search(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=", html)
    referred = re.findall(r'(?:src|href)="(/ui/static/[^"]+)"', html)
    assert {"/ui/static/console.js", "/ui/static/uplot.min.js", "/ui/static/js-yaml.min.js"} <= set(referred)
    modules = ["console.js"]
    while modules:  # the modules the page's script imports, and theirs
        script = client.get(f"/ui/static/{modules.pop()}")
        referred.append(str(script.url.path))
        modules += re.findall(r'from "\./([\w.-]+\.js)"', script.text)
    for path in referred:
        answer = client.get(path)
        assert answer.status_code == 200, path
        check_secured(answer)
    assert client.get("/ui/static/console.js").headers["content-type"].startswith("text/javascript")


def test_the_api_behind_the_page_still_wants_the_token(client):
    assert client.get("/generators").status_code == 401
    assert client.get("/generators", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_page_answers_only_the_hosts_the_api_answers(client):
    refused = client.get("/ui", headers={"Host": "attacker.example"})
    assert refused.status_code == 400 and "is not served here" in refused.json()["detail"]


def test_the_console_is_not_in_the_openapi_document(client):
    paths = client.get("/schema/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}).json()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith("/ui")]
