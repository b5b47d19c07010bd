"""Scenario dynamics for any table, each a transform with a ground-truth log: columns that evolve over
rows or time (``evolve``), a target made from a formula over the row (``construct_target``), and a
table projected into future periods with a trend (``project``)."""

from fastsynth.scenarios.evolve import evolve
from fastsynth.scenarios.log import ScenarioLog, Transformed
from fastsynth.scenarios.project import project
from fastsynth.scenarios.specs import ALIASES, EVOLUTIONS, TimeAxis
from fastsynth.scenarios.target import construct_target

__all__ = [
    "ALIASES",
    "EVOLUTIONS",
    "ScenarioLog",
    "TimeAxis",
    "Transformed",
    "construct_target",
    "evolve",
    "project",
]
