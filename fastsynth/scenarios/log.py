"""The ground truth of a scenario transform: one record per change, serialisable to JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["ScenarioLog", "Transformed"]


@dataclass
class ScenarioLog:
    """What one call applied: its operation, its seed and one entry per column or period changed."""

    operation: str
    seed: int
    entries: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    """What applies to the whole call (a projection's periods, time column and shift)."""

    def to_dict(self) -> dict[str, Any]:
        document = {"operation": self.operation, "seed": self.seed}
        return document | self.settings | {"entries": self.entries}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")


class Transformed(NamedTuple):
    """The new data (the input's kind) and its log."""

    data: Any
    log: ScenarioLog
