"""The options both servers take to decide who may use them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["InsecureOpt", "TokenFileOpt", "TokenOpt"]

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
