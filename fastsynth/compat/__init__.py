"""The seeds' Python classes under their own names, as thin facades over fastsynth's API: code written
against them switches by changing an import (``fastsynth.compat.calmops`` for calm-data-generator /
calmops). The facades translate parameters into fastsynth documents; they hold no generation logic."""

from fastsynth.compat import calmops

__all__ = ["calmops"]
