"""Drift: known, logged changes to any table (``inject_drift``), for testing drift detectors and
retraining pipelines against ground truth."""

from fastsynth.drift.injector import Drift, Drifted, DriftLog, inject_drift, load_drifts
from fastsynth.drift.operations import OPERATIONS
from fastsynth.drift.profiles import PROFILES, Profile

__all__ = ["OPERATIONS", "PROFILES", "Drift", "DriftLog", "Drifted", "Profile", "inject_drift", "load_drifts"]
