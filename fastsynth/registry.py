"""Name-to-implementation registries, filled by built-ins, by users and by Python entry points.

Field types live in ``FIELDS`` (entry point group ``fastsynth.fields``), sinks in ``SINKS`` (group
``fastsynth.sinks``) and drift types in ``fastsynth.drift.OPERATIONS`` (group ``fastsynth.drifts``).
Registering sets the name on what is registered (a field's ``type_name``, a sink's ``format_name``),
so it is written once. A third-party package makes its classes available to every front end by
declaring, in its ``pyproject.toml``::

    [project.entry-points."fastsynth.fields"]
    money = "my_package.fields:MoneyField"

Entry points are loaded the first time a name is missing, so start-up pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from fastsynth.errors import FastsynthError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to implementations of one kind (field types, sinks, drift types)."""

    def __init__(
        self,
        kind: str,
        group: str,
        error: Callable[[str], FastsynthError],
        *,
        name_attribute: str | None = None,
    ) -> None:
        self.kind = kind
        self.group = group
        self._error = error
        self._name_attribute = name_attribute
        self._items: dict[str, T] = {}
        self._entry_points_loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        """Class decorator: ``@FIELDS.register("money")``. A later registration replaces an earlier one."""

        def decorate(item: T) -> T:
            self.add(name, item)
            return item

        return decorate

    def add(self, name: str, item: T) -> None:
        """Register ``item`` under ``name``, and give it that name (see ``name_attribute``)."""
        if self._name_attribute is not None:
            setattr(item, self._name_attribute, name)
        self._items[name] = item

    def get(self, name: str) -> T:
        """The implementation registered under ``name``; unknown names list what is allowed."""
        if name not in self._items:
            self._load_entry_points()
        try:
            return self._items[name]
        except KeyError:
            allowed = ", ".join(self.names())
            raise self._error(f"unknown {self.kind} {name!r}; allowed: {allowed}") from None

    def names(self) -> list[str]:
        """Every registered name, sorted, entry points included."""
        self._load_entry_points()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.group):
            if ep.name not in self._items:
                self.add(ep.name, ep.load())
