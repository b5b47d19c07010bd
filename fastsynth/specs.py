"""Specs as typed data: frozen dataclasses built from parsed JSON or YAML by one translator.

A spec declares its options as annotated dataclass fields; ``from_document`` refuses unknown keys,
checks every value against its annotation (``int``, ``float`` (finite), ``Literal``, unions, lists,
nested specs, ``Annotated`` bounds such as ``Annotated[float, Bounds(0, 1)]``, and tagged unions picked
by a ``type`` key) and reports the first problem in the house wording, naming the option, the value and
what is allowed::

    schema: entities: count=0 is not an integer >= 1

A spec deriving from ``Spec`` is checked the same way when it is built in Python, so a spec is valid
however it was made. Lists become tuples and nested objects specs, so that specs stay hashable.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import math
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastsynth import sql
from fastsynth.errors import FastsynthError, SchemaError, UsageError

__all__ = [
    "Bounds",
    "Count",
    "Invalid",
    "PositiveInt",
    "PositiveNumber",
    "Size",
    "Spec",
    "Tagged",
    "argument",
    "ceiling",
    "ceilings",
    "check",
    "coerce",
    "describe",
    "from_document",
    "options_of",
    "show",
    "to_document",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Bounds:
    """Limits of a number, as ``Annotated`` metadata: ``Annotated[int, Bounds(1)]`` is a positive
    integer, ``Annotated[float, Bounds(0, 1)]`` a rate."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    """Whether ``low`` itself is refused."""
    high_open: bool = False
    """Whether ``high`` itself is refused."""

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self, noun: str) -> str:
        """``an integer >= 1``, ``a number in (0, 100]``, ``a number > 0``; ``a number`` unbounded."""
        if math.isinf(self.low) and math.isinf(self.high):
            return noun
        if math.isinf(self.high):
            return f"{noun} {'>' if self.low_open else '>='} {_plain(self.low)}"
        if math.isinf(self.low):
            return f"{noun} {'<' if self.high_open else '<='} {_plain(self.high)}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{noun} in {left}{_plain(self.low)}, {_plain(self.high)}{right}"


# polars' parser and planner take time that grows faster than linearly with an expression's terms, so
# servers cap the count of tokens (``fastsynth.sql.tokens``) before parsing.
# SQL functions whose result is longer than their input by as much as an argument asks, which no count
# of tokens bounds: lpad(a, 1000000000) is a gigabyte a row, and six nested replace(a, 'x', 'xxxxxxxxxx')
# (169 characters) make a million characters of one. Their names are refused wherever they appear (a
# comment or quotes between the name and its parenthesis would still call them).
_GROWING_SQL = frozenset({"lpad", "rpad", "replace", "regexp_replace"})


@dataclass(frozen=True)
class Size:
    """``Annotated`` metadata of an option that sizes an allocation or an output, so that a caller (a
    server) can put a ceiling on it: ``Annotated[int, Size("text")]`` is a number of words, sentences or
    characters one value may take. ``kind`` names the ceiling (``text``, ``pool``, ``categories``,
    ``entities``; see ``fastsynth.schema.Limits``) and ``measure`` what is compared with it: the number
    itself (``value``), a string's characters or a list's items (``length``), the items of a list or
    of a mapping of lists, all together (``entries``), or the tokens of an SQL expression (``tokens``:
    its words, numbers and symbols, in strings and comments too). With no ceilings in force
    (``ceilings``) the marker does nothing: the CLI and Python users are not capped."""

    kind: str
    measure: typing.Literal["value", "length", "entries", "tokens"] = "value"

    def of(self, value: Any) -> int:
        """The size of a (checked) value."""
        if self.measure == "value":
            return int(value)
        if self.measure == "entries" and isinstance(value, Mapping):
            return sum(len(v) if isinstance(v, list | tuple) else 1 for v in value.values())
        if self.measure == "tokens":
            return sql.tokens(value)
        return len(value)

    def _check_growth(self, value: str, option: str, setting: str) -> None:
        """Refuse SQL calling a function that can lengthen text without bound (``_GROWING_SQL``)."""
        for name in sql.words(value):
            if name.lower() in _GROWING_SQL:
                allowed = ", ".join(sorted(_GROWING_SQL))
                raise Invalid(
                    f"{option}={show(value)} calls {name}, which can make text of any length (gigabytes a "
                    f"row); allowed: SQL without {allowed} ({setting})"
                )

    def check(self, value: Any, option: str) -> None:
        """Raise ``Invalid`` when ``value`` is over the ceiling in force for this kind, if any."""
        limit = ceiling(self.kind)
        if limit is None or value is None:
            return
        most, setting = limit
        size = self.of(value)
        if self.measure == "tokens" and size <= most:
            self._check_growth(value, option, setting)
        if size <= most:
            return
        if self.measure == "value":
            raise Invalid(f"{option}={show(value)} is over the limit; allowed: at most {most} ({setting})")
        unit = {"tokens": "tokens", "length": "characters"}.get(self.measure, "entries")
        if self.measure == "length" and not isinstance(value, str):
            unit = "entries"
        raise Invalid(
            f"{option} has {size} {unit}, over the limit; allowed: at most {most} {unit} ({setting})"
        )


_CEILINGS: contextvars.ContextVar[Mapping[str, tuple[int, str]] | None] = contextvars.ContextVar(
    "fastsynth_ceilings", default=None
)
_SPENT: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
    "fastsynth_spent", default=None
)


@contextlib.contextmanager
def ceilings(limits: Mapping[str, tuple[int, str]]) -> Iterator[None]:
    """Within the block, ``Size`` options are checked against ``limits``: a kind -> (ceiling, the
    setting's name for messages). A context variable, so that threads and tasks each have their own."""
    token, spent = _CEILINGS.set(limits), _SPENT.set({})
    try:
        yield
    finally:
        _CEILINGS.reset(token)
        _SPENT.reset(spent)


def ceiling(kind: str) -> tuple[int, str] | None:
    """The ceiling in force for ``kind`` and the setting's name, or None (no ceilings: the default)."""
    limits = _CEILINGS.get()
    return None if limits is None else limits.get(kind)


def work_left() -> tuple[float, str] | None:
    """The seconds of work (``Limits.max_build_seconds``) left to the document being read, and the
    setting's name, or None (no ceilings): what its earlier parts ``spend`` is taken off, so that the
    work of a whole schema is bounded together, not field by field."""
    found = ceiling("work")
    if found is None:
        return None
    spent = _SPENT.get() or {}
    left = max(0.0, round(found[0] - spent.get("work", 0.0), 1))
    return (int(left) if left.is_integer() else left), found[1]  # "5 s", not "5.0 s", in messages


_DEADLINE: contextvars.ContextVar[tuple[float, float, str] | None] = contextvars.ContextVar(
    "fastsynth_deadline", default=None
)


@contextlib.contextmanager
def time_limit(seconds: float, setting: str) -> Iterator[None]:
    """Within the block, ``on_time`` refuses to go on once ``seconds`` have passed: a bound on work no
    trial can estimate before it runs (a template of a thousand paragraphs, each set up again for
    every batch), checked between the pieces of work so that it stops soon after."""
    token = _DEADLINE.set((time.monotonic() + seconds, seconds, setting))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def on_time(what: str) -> None:
    """Raise ``UsageError`` naming ``what`` when the ``time_limit`` in force has passed."""
    limit = _DEADLINE.get()
    if limit is not None and time.monotonic() > limit[0]:
        seconds, setting = limit[1], limit[2]
        raise UsageError(
            f"{what}: the first rows took more than {_plain(seconds)} s to make, over the limit; allowed: "
            f"schemas whose first rows take at most {_plain(seconds)} s ({setting}): fewer or cheaper fields"
        )


def spend(kind: str, amount: float) -> None:
    """Count ``amount`` of ``kind`` (seconds of ``work``) against the ceiling left to the document."""
    spent = _SPENT.get()
    if spent is not None:
        spent[kind] = spent.get(kind, 0.0) + amount


Count = Annotated[int, Bounds(0)]
"""A number of rows, or a row index: an integer >= 0."""
PositiveInt = Annotated[int, Bounds(1)]
PositiveNumber = Annotated[float, Bounds(0, low_open=True)]


def show(value: Any) -> str:
    """``repr(value)`` for messages, but short for integers too long to print (Python refuses to turn
    one of more than 4,300 digits into text)."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    try:
        text = repr(value)
    except ValueError:  # a huge integer inside a list or an object
        return f"<a {type(value).__name__} too long to show>"
    return text if len(text) <= 200 else f"{text[:200]}..."


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@dataclass(frozen=True)
class Tagged:
    """``Annotated`` metadata of a union of specs told apart by a key, as msgspec's tagged unions:
    ``Annotated[Linear | Logistic, Tagged("type", "linear")]`` picks the spec whose ``type`` field (a
    one-value ``Literal``) is the document's ``type`` (``linear`` when it has none)."""

    key: str
    default: str


class Invalid(SchemaError):
    """A value that does not fit its spec: ``message`` names the option, the value and what is
    allowed; ``from_document`` prefixes where the spec is. Specs' own checks raise it too."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Spec:
    """Base of typed specs: when one is built, in Python or by ``from_document``, each option is
    checked against its annotation and converted (lists to tuples, objects to nested specs).
    Subclasses with checks of their own call ``super().__post_init__()`` first."""

    def __post_init__(self) -> None:
        check(self)


_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def options_of(cls: type, exclude: Iterable[str] = ()) -> Mapping[str, Any]:
    """The options a spec class takes (its init fields but ``exclude``), with their resolved
    annotations."""
    return _options(cls, frozenset(exclude))


@functools.cache  # resolving annotations is most of the cost of building a spec: once per class
def _options(cls: Any, exclude: frozenset[str]) -> Mapping[str, Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    options = {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init and f.name not in exclude}
    return types.MappingProxyType(options)  # cached: read-only


def from_document(
    cls: type[T],
    document: Any,
    *,
    where: str,
    error: Callable[[str], FastsynthError] = SchemaError,
    noun: str = "key",
    of: str = "",
    extra: Mapping[str, Any] | None = None,
) -> T:
    """An instance of the spec class ``cls`` from ``document`` (a mapping of its options), or
    ``error("{where}: ...")`` naming the first problem. ``extra`` holds arguments that do not come from
    the document (a field's name); ``noun`` is what an option is called in messages (key, option) and
    ``of`` what it belongs to (``type 'int'``)."""
    if not isinstance(document, Mapping):
        raise error(f"{where}: {show(document)} is not an object")
    kwargs: dict[str, Any] = dict(extra or {})
    options = options_of(cls, kwargs)
    try:
        for option, value in document.items():
            if option not in options:
                allowed = ", ".join(sorted(options))
                raise Invalid(f"unknown {noun} {option!r}{f' for {of}' if of else ''}; allowed: {allowed}")
            kwargs[option] = coerce(value, options[option], option)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and f.init and f.name not in kwargs:
                raise Invalid(f"{f'{of} ' if of else ''}needs {noun} {f.name!r}")
        return cls(**kwargs)
    except Invalid as exc:
        raise error(f"{where}: {exc.message}") from None


def check(
    spec: Any, *, where: str | None = None, error: Callable[[str], FastsynthError] = SchemaError
) -> None:
    """Check a built spec's options against its annotations and store them converted (a spec made in
    Python with a list or a nested object gets tuples and nested specs, as from a document). Raises
    ``Invalid`` (the bare message), or ``error("{where}: ...")`` when ``where`` is given."""
    try:
        for option, annotation in options_of(type(spec)).items():
            value = getattr(spec, option)
            converted = coerce(value, annotation, option)
            if converted is not value:
                object.__setattr__(spec, option, converted)
    except Invalid as exc:
        if where is None:
            raise
        raise error(f"{where}: {exc.message}") from None


def argument(
    name: str, value: Any, annotation: Any, *, error: Callable[[str], FastsynthError] = UsageError
) -> Any:
    """A function's argument checked against ``annotation`` as a spec's option is, or
    ``error(message)``: the one way plain arguments (rows, batch sizes, rates) are checked.

    >>> argument("batch_size", 0, PositiveInt)
    Traceback (most recent call last):
    fastsynth.errors.UsageError: batch_size=0 is not an integer >= 1
    """
    try:
        return coerce(value, annotation, name)
    except Invalid as exc:
        raise error(exc.message) from None


def to_document(value: Any) -> Any:
    """A spec (or a value inside one) as plain JSON data: options left at their defaults are left
    out, but for a tagged spec's tag; tuples become lists. ``from_document`` rebuilds an equal spec."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        annotations = options_of(type(value))
        document = {}
        for f in dataclasses.fields(value):
            if f.name not in annotations:
                continue
            item = getattr(value, f.name)
            if f.default is dataclasses.MISSING or item != f.default or _is_tag(annotations[f.name]):
                document[f.name] = to_document(item)
        return document
    if isinstance(value, tuple | list):
        return [to_document(v) for v in value]
    if isinstance(value, dict):
        return {k: to_document(v) for k, v in value.items()}
    return value


def _is_tag(annotation: Any) -> bool:
    """Whether an option is a tag: a one-value ``Literal`` (kept in documents so the variant shows)."""
    return typing.get_origin(annotation) is typing.Literal and len(typing.get_args(annotation)) == 1


def coerce(value: Any, annotation: Any, option: str) -> Any:
    """``value`` checked against ``annotation`` (see the module's docstring), or ``Invalid``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        tagged = next((a for a in args[1:] if isinstance(a, Tagged)), None)
        if tagged is not None:
            return _coerce_tagged(value, args[0], tagged, option)
        try:
            checked = coerce(value, args[0], option)
        except Invalid:
            if args[0] in (int, float):  # say the bounds too: "is not an integer >= 1"
                # an integer past 64 bits meets the bounds: say what it misses, not only them
                wide = args[0] is int and isinstance(value, int) and not isinstance(value, bool)
                fits = " that fits in 64 bits" if wide else ""
                raise Invalid(f"{option}={show(value)} is not {describe(annotation)}{fits}") from None
            raise
        for bounds in (a for a in args[1:] if isinstance(a, Bounds)):
            if not bounds.holds(checked):
                raise Invalid(f"{option}={show(value)} is not {bounds.describe(describe(args[0]))}")
        for size in (a for a in args[1:] if isinstance(a, Size)):
            size.check(checked, option)
        return checked
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        shaped: list[Invalid] = []  # failures of the alternatives the value has the shape of
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(value, arg, option)
            except Invalid as exc:
                if _same_shape(value, arg):
                    shaped.append(exc)
        if len(shaped) == 1:  # an object for the one object alternative: its own error says most
            raise shaped[0]
        raise Invalid(f"{option}={show(value)} is not {describe(annotation)}")
    if origin is typing.Literal:
        if value in args and type(value) is type(args[0]):
            return value
        raise Invalid(f"{option}={show(value)} is not allowed; allowed: {', '.join(map(str, args))}")
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise Invalid(f"{option}={show(value)} is not an object with text keys")
        return {k: coerce(v, args[1], f"{option}[{k!r}]") for k, v in value.items()}
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise Invalid(f"{option}={show(value)} is not {describe(annotation)}")
        items = [coerce(v, args[0], f"{option}[{k}]") for k, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        if isinstance(value, annotation):
            return value  # a spec checks itself when it is built
        return from_document(annotation, value, where=option, error=Invalid)
    if annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an integer past float's range
                number = math.inf
            if math.isfinite(number):
                return number
            raise Invalid(f"{option}={show(value)} is not a finite number")
    elif annotation is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if -(2**63) <= value < 2**63:
                return value
            raise Invalid(f"{option}={show(value)} is not an integer that fits in 64 bits")
    elif annotation is Any or (isinstance(annotation, type) and isinstance(value, annotation)):
        return value
    raise Invalid(f"{option}={show(value)} is not {describe(annotation)}")


def _coerce_tagged(value: Any, union: Any, tagged: Tagged, option: str) -> Any:
    variants = {_tag_of(v, tagged.key): v for v in typing.get_args(union)}
    if isinstance(value, tuple(variants.values())):
        return value
    if not isinstance(value, Mapping):
        raise Invalid(f"{option}={show(value)} is not an object")
    tag = value.get(tagged.key, tagged.default)
    if not isinstance(tag, str) or tag not in variants:
        allowed = ", ".join(variants)
        raise Invalid(f"{option}: {tagged.key}={tag!r} is not allowed; allowed: {allowed}")
    return from_document(variants[tag], value, where=option, error=Invalid, of=f"{tagged.key} {tag!r}")


def _tag_of(variant: type, key: str) -> str:
    """The tag a variant answers to: the one value of its ``key`` option, a ``Literal``."""
    (tag,) = typing.get_args(options_of(variant)[key])
    return str(tag)


def _same_shape(value: Any, annotation: Any) -> bool:
    """Whether ``value`` looks like what ``annotation`` takes (an object for a spec or a mapping, a
    list for a sequence, a number for a number), so that its own error is more telling than the
    union's (``nan is not a finite number`` rather than ``is not a number or an object``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if any(isinstance(m, Tagged) for m in metadata):
            return isinstance(value, Mapping)
        return _same_shape(value, base)
    if isinstance(value, Mapping):
        return origin is dict or (dataclasses.is_dataclass(annotation) and isinstance(annotation, type))
    if isinstance(value, list | tuple):
        return origin in (list, tuple)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return annotation in (int, float)
    return False


def describe(annotation: Any) -> str:
    """What an annotation allows, in words: ``an integer``, ``a list of strings``, ``one of a, b``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if any(isinstance(m, Tagged) for m in metadata):
            return "an object"
        bounds = next((m for m in metadata if isinstance(m, Bounds)), None)
        return describe(base) if bounds is None else bounds.describe(describe(base))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is dict or (dataclasses.is_dataclass(annotation) and isinstance(annotation, type)):
        return "an object"
    if origin in (list, tuple):
        if typing.get_args(annotation)[0] is Any:
            return "a list"
        item = describe(typing.get_args(annotation)[0])
        if item.startswith(("a ", "an ")) and " " not in item.split(" ", 1)[1]:
            return f"a list of {item.split(' ', 1)[1]}s"  # a list of numbers
        return f"a list, each {item}"
    if origin is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(annotation)))
    return _TYPE_WORDS.get(annotation, getattr(annotation, "__name__", str(annotation)))
