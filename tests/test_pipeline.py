from __future__ import annotations

import threading
import time

import pytest

from fastsynth.pipeline import prefetch


def test_prefetch_keeps_order_and_items():
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_prefetch_raises_the_producers_error():
    def failing():
        yield 1
        raise ValueError("broken generator")

    got = []
    with pytest.raises(ValueError, match="broken generator"):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1]


def test_prefetch_is_bounded_and_stops_with_the_consumer():
    produced = []

    def counting():
        for i in range(10_000):
            produced.append(i)
            yield i

    stream = prefetch(counting(), depth=2)
    assert next(stream) == 0
    time.sleep(0.2)
    assert len(produced) <= 4  # one consumed, two queued, one waiting to be queued
    stream.close()
    assert not any(t.name == "fastsynth-prefetch" for t in threading.enumerate())
    assert len(produced) <= 4
