"""What the tests expect of a CLI command that refuses its input."""

from __future__ import annotations

from typing import Any


def one_error_line(result: Any) -> str:
    """The one ``error: ...`` line a refused command (a typer ``CliRunner`` result) printed: exit code
    1, no traceback, nothing else on the output."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]
