"""Reading the JSON and YAML documents users hand in (schemas, settings, drift configs, cohort specs, the
schema inside a model file), the same way for each.

Python's parsers keep the last of a key given twice, so a duplicated setting would silently win over the
one a user reads first: here it is refused, with the line it is on. A document nested deeper than
Python's stack, or an integer of more than 4,300 digits, is one message too, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastsynth.errors import UsageError

__all__ = ["read_document", "read_json", "read_yaml"]


class _RepeatedKey(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKey(f"key {key!r} is given twice in one object")
        seen[key] = value
    return seen


def read_json(text: str | bytes, what: str, error: type[Exception] = UsageError) -> Any:
    """The JSON document ``text``; a fault raises ``error`` with a message starting with ``what``."""
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise error(f"{what}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except UnicodeDecodeError:
        raise error(f"{what}: invalid JSON: not UTF-8 text") from None
    except ValueError as exc:  # a key given twice, an integer of more than 4,300 digits
        raise error(f"{what}: {exc}") from None
    except RecursionError:
        raise error(f"{what}: nested too deeply to read") from None


def read_yaml(text: str, what: str, error: type[Exception] = UsageError) -> Any:
    """The YAML (or JSON, which YAML reads too) document ``text``; a fault raises ``error`` with a message
    starting with ``what``. Safe loading only: no Python objects."""
    import yaml  # only commands that read such a file pay for importing it

    try:
        return yaml.load(text, Loader=_unique_key_loader())
    except yaml.YAMLError as exc:
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise error(f"{what}: invalid YAML{where}" + (f": {problem}" if problem else "")) from None
    except ValueError as exc:  # a key given twice, an integer of more than 4,300 digits
        raise error(f"{what}: {exc}") from None
    except RecursionError:
        raise error(f"{what}: nested too deeply to read") from None


def read_document(path: Path, text: str, what: str, error: type[Exception] = UsageError) -> Any:
    """``text``, the content of ``path``, as JSON when its name ends in ``.json`` and as YAML otherwise:
    a JSON file is read by JSON's rules, not YAML 1.1's (where, for one, ``1e-3`` without a dot is text;
    YAML files keep that reading, as the YAML fastsynth writes relies on it), a byte-order mark allowed."""
    if path.suffix.lower() == ".json":
        return read_json(text.removeprefix("\ufeff"), what, error)
    return read_yaml(text, what, error)


_LOADER: Any = None


def _unique_key_loader() -> Any:
    """YAML's safe loader, refusing a key given twice in one mapping (merged keys, ``<<``, may still be
    overridden, as YAML means them to be). Made on first use, as yaml is imported then."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class UniqueKeyLoader(yaml.SafeLoader):
            def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                        continue
                    key = self.construct_object(key_node)
                    if key in seen:
                        line = key_node.start_mark.line + 1
                        raise _RepeatedKey(f"key {key!r} is given twice in one mapping, at line {line}")
                    seen.add(key)
                return super().construct_mapping(node, deep=deep)

        _LOADER = UniqueKeyLoader
    return _LOADER
