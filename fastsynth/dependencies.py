"""Optional dependencies, imported when first used, with the extra that installs them named on failure.

Start-up stays fast (Dask, Litestar or confluent-kafka are imported only by what uses them) and a user
without the extra reads ``pip install 'fastsynth[kafka]'`` instead of a bare ImportError.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from fastsynth.errors import MissingDependencyError

__all__ = ["EXTRAS", "optional_import"]

EXTRAS = ("kafka", "api", "river", "dask", "sdv", "real", "calmops", "report", "omics")
"""The extras declared in pyproject.toml (a test keeps the two in step)."""


def optional_import(module: str, extra: str, package: str | None = None) -> ModuleType:
    """``import module``, or a MissingDependencyError naming ``package`` (the module's top level by
    default) and the ``extra`` that installs it."""
    if extra not in EXTRAS:
        raise ValueError(f"extra={extra!r} is not one of fastsynth's extras: {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        if exc.name is not None and exc.name.split(".")[0] != top:
            raise  # the package is there but something it needs failed: show that, not an install hint
        raise MissingDependencyError(package or top, extra) from None
