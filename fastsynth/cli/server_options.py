"""The options both servers take: who may use them, and which model files they serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fastsynth.errors import UsageError

__all__ = ["InsecureOpt", "ModelsOpt", "TokenFileOpt", "TokenOpt", "TrustModelsOpt", "checked_models"]

TokenOpt = Annotated[
    str | None,
    typer.Option(
        help="Bearer token every request must carry (seen in the process list: prefer --token-file)."
    ),
]
TokenFileOpt = Annotated[Path | None, typer.Option(help="File holding the bearer token, on one line.")]
InsecureOpt = Annotated[
    bool, typer.Option(help="Serve a non-loopback address without a token: anyone who reaches it may use it.")
]
ModelsOpt = Annotated[
    Path | None,
    typer.Option(help='Folder of fitted model files (.fsm) generators may name: {"model": "NAME.fsm"}.'),
]
TrustModelsOpt = Annotated[
    bool,
    typer.Option(
        help="Load model files that keep a pickle (SDV's), which runs code: only for a folder you trust."
    ),
]


def checked_models(folder: Path | None) -> Path | None:
    """The models folder, refused now if it is not one."""
    if folder is not None and not folder.is_dir():
        raise UsageError(f"--models {str(folder)!r} is not a folder")
    return folder
