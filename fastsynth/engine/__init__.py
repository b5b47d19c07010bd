"""Continuous generation: streams paced to a rate schedule into sinks, changed while they run."""

from fastsynth.engine.rate import Pacer, RateSchedule
from fastsynth.engine.runner import Engine, Stream

__all__ = ["Engine", "Pacer", "RateSchedule", "Stream"]
