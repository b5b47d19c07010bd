"""The REST API: a Litestar application over the generators, streamers and engine of a ``Service``.
Needs the ``api`` extra (litestar, uvicorn)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastsynth.dependencies import optional_import

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Litestar:
    """``fastsynth.api.app.create_app``, with a clear error when the extra is missing."""
    optional_import("litestar", "api")
    from fastsynth.api.app import create_app as create

    return create(*args, **kwargs)
