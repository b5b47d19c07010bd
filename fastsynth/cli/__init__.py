"""The ``fastsynth`` command line (Typer): one module per noun, assembled in ``app``."""
