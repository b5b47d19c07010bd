"""Overlapping generation with output: batches made in a background thread while the caller writes.

The kernels release the GIL (``nogil``) and so do pyarrow's writers, so a producer thread making batch
``k + 1`` runs while the consumer writes batch ``k``. The queue between them is bounded, which keeps memory
bounded and makes a slow writer slow the producer down (backpressure) rather than buffer without end.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

__all__ = ["prefetch"]

T = TypeVar("T")
_POLL_SECONDS = 0.1


class _Done:
    """Marks the end of the producer's items, carrying its exception if it failed."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def prefetch(items: Iterable[T], depth: int = 1) -> Generator[T, None, None]:
    """Yield ``items`` in order while a background thread computes up to ``depth`` items ahead.

    An exception in the producer is raised in the consumer; a consumer that stops early (an exception, a
    ``break``, Ctrl-C) stops the producer once the generator is closed: at once with ``close()`` (or
    ``contextlib.closing``), else when it is collected, which a held traceback delays."""
    channel: queue.Queue[T | _Done] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | _Done) -> bool:
        while not stop.is_set():
            try:
                channel.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:
            put(_Done(exc))
            return
        put(_Done())

    worker = threading.Thread(target=produce, name="fastsynth-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = channel.get()
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        worker.join()
