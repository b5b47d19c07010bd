"""Continuous generation: streams paced to a rate schedule into sinks, changed while they run."""

from fastsynth.engine.rate import REAL_CLOCK, Clock, Pacer, RateSchedule
from fastsynth.engine.runner import Engine, Stream

__all__ = ["REAL_CLOCK", "Clock", "Engine", "Pacer", "RateSchedule", "Stream"]
