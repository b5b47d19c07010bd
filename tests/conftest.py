from __future__ import annotations

import numba
import pytest

from fastsynth.testing import load_profile

load_profile()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes the ``broker`` fixture starts a real broker process: it is a ``server`` test
    (skipped by ``make test-fast``) wherever it lives."""
    for item in items:
        if "broker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


@pytest.fixture
def threads():
    """Run a block with a given numba thread count, restoring the previous one afterwards."""
    previous = numba.get_num_threads()
    yield numba.set_num_threads
    numba.set_num_threads(previous)


@pytest.fixture
def broker(tmp_path):
    """A Kafka-protocol broker on 127.0.0.1 for one test (stop and start it to simulate an outage)."""
    from tests.kafka_broker import Broker

    server = Broker(tmp_path / "broker.log")
    server.start()
    yield server
    server.stop()
