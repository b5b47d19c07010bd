"""``BoundedCache``: a least-recently-used cache with a budget in bytes and in entries.

Fields keep what is costly to build and does not depend on the rows (a ``faker`` field's pool of
values per seed, a composition's string buffers) so that later batches reuse it. A long-lived server
asked for many seeds, patterns or providers would grow a plain ``functools.cache`` without bound; this
one drops the values used longest ago once either budget is passed (a value larger than the whole byte
budget is returned but not kept)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["BoundedCache"]

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """Values by key, at most ``max_entries`` of them and ``max_bytes`` by ``size_of``'s count."""

    def __init__(self, *, max_bytes: int, max_entries: int, size_of: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._size_of = size_of
        self._values: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    @property
    def bytes(self) -> int:
        """The kept values' size, by ``size_of``."""
        return self._bytes

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value under ``key``, made by ``make()`` (outside the lock) when it is not kept."""
        with self._guard:
            hit = self._values.get(key)
            if hit is not None:
                self._values.move_to_end(key)
                return hit[0]
        value = make()
        size = self._size_of(value)
        with self._guard:
            if key in self._values or size > self.max_bytes:
                return value
            self._values[key] = (value, size)
            self._bytes += size
            while len(self._values) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped
        return value

    def clear(self) -> None:
        with self._guard:
            self._values.clear()
            self._bytes = 0
