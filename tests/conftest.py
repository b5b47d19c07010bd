from __future__ import annotations

import numba
import pytest

from fastsynth.testing import load_profile

load_profile()


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
