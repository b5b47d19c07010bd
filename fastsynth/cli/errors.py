"""Turning fastsynth's errors into one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from fastsynth.errors import FastsynthError
from fastsynth.logs import notices_on_terminal

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "handle_errors"]

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(command: F) -> F:
    """Wrap a command so a FastsynthError prints ``error: <message>`` and exits 1, Ctrl-C or SIGTERM
    exits 130, and a closed pipe (``fastsynth gen ... | head``) ends quietly. On a terminal, one-off
    notices (kernels compiling on first use) are printed too."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        notices_on_terminal()
        main = threading.current_thread() is threading.main_thread()
        # SIGTERM (timeout, systemd, Kubernetes) ends a command as Ctrl-C does: its partial output
        # removed. Commands that serve or stream install handlers of their own over this one; the
        # previous one is back once the command returns (a program may run the app in-process).
        previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
        try:
            return command(*args, **kwargs)
        except FastsynthError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # Point stdout at /dev/null so the interpreter's final flush does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
