"""Sinks: where batches go. One module per family; each sink registers its format name in ``SINKS``."""

from fastsynth.sinks import binary, console, kafka, rolling, text
from fastsynth.sinks.base import SINKS, FileSink, Sink, format_for_path, open_sink

__all__ = [
    "SINKS",
    "FileSink",
    "Sink",
    "binary",
    "console",
    "format_for_path",
    "kafka",
    "open_sink",
    "rolling",
    "text",
]
