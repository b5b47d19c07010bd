"""``python -m fastsynth``: the same as the ``fastsynth`` command."""

from fastsynth.cli.app import main

main()
