"""The web console: one page (``GET /ui``, from a Jinja template) and its static files (``/ui/static``:
the console's JavaScript and CSS, uPlot for charts, js-yaml to read YAML in the browser). The page holds
no data: its script asks the REST API for everything, with the token the user gives it, so these routes
are public (``PUBLIC``) and the API's guard still decides what the script may read or change.

They answer with a strict Content-Security-Policy: scripts and styles from this server alone, none
inline, no frames, so a value shown on the page (a column named like markup) cannot run as code and no
other site can frame the page to trick a click."""

from __future__ import annotations

from pathlib import Path

import jinja2
from litestar import Response, Router, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from fastsynth import __version__
from fastsynth.api.access import PUBLIC

__all__ = ["ROUTER", "TEMPLATES"]

_HERE = Path(__file__).parent

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Sent with the page and every static file."""

TEMPLATES = TemplateConfig(
    engine=JinjaTemplateEngine.from_environment(
        jinja2.Environment(
            loader=jinja2.FileSystemLoader(_HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
    )
)
"""For ``Litestar(template_config=...)``: the console's templates (templating is the application's)."""


@get("/", sync_to_thread=False)
def to_console() -> Redirect:
    """A person who opens the server's address lands on the console."""
    return Redirect("/ui")


@get("/ui", sync_to_thread=False)
def console() -> Template:
    return Template("console.html.j2", context={"version": __version__})


def _secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


ROUTER = Router(
    "/",
    route_handlers=[
        to_console,
        console,
        create_static_files_router("/ui/static", directories=[_HERE / "static"], name="console-static"),
    ],
    after_request=_secured,
    opt=PUBLIC,
    include_in_schema=False,
)
"""``/``, ``/ui`` and ``/ui/static/*``, for ``Litestar(route_handlers=[..., ROUTER])``."""
