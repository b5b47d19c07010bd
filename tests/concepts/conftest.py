"""The tests that sample river's own streams by the hundred thousand rows, to compare distributions,
are marked slow: `make test` runs them, the fast tier (`make test-fast`) leaves them out. The label and
structure tests, on river's rows too, stay in the fast tier."""

from __future__ import annotations

import re

import pytest

_SAMPLING = re.compile(r"distribut|balanced_as_rivers|perturbation_moves")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name == "concepts" and _SAMPLING.search(item.name):
            item.add_marker(pytest.mark.slow)
