"""Places for requests that hold a server's resources while they last (an event stream, a stream of
rows): at most ``most`` at once, each given back once however many times it is released."""

from __future__ import annotations

import threading

__all__ = ["Slot", "Slots"]


class Slots:
    """``most`` places, counted."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.open = 0
        self._lock = threading.Lock()

    def take(self) -> Slot | None:
        """A place for one more, None when ``most`` are taken."""
        with self._lock:
            if self.open >= self.most:
                return None
            self.open += 1
            return Slot(self)

    def _release(self) -> None:
        with self._lock:
            self.open -= 1


class Slot:
    """One taken place, given back once however many times ``release`` is called: the paths that end a
    request (its generator's ``finally``, a response's background task, a collected iterator) may each
    call it, and a client that leaves early can skip any one of them."""

    def __init__(self, slots: Slots) -> None:
        self._slots = slots
        self._held = True
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:
            self._slots._release()
