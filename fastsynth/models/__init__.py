"""Models fitted on real data (``fastsynth.fit``): each makes whole rows of the table it was fitted on.
See ``fastsynth.models.base`` for the interface and ``fastsynth.models.files`` for model files."""

from fastsynth.models import resample, smote  # noqa: F401  (registers the built-in methods)
from fastsynth.models.base import METHODS, Model

__all__ = ["METHODS", "Model"]
