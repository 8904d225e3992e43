"""What a schema check tells the tree about each entry (no Qt): its errors, its description,
its allowed values, and the defaults of the keys an object may have.

Built from a :class:`lockcore.SchemaCheck`; the tree model asks it per entry, by JSON path.
Subschemas are found by following ``properties``, ``patternProperties``,
``additionalProperties``, ``items``/``prefixItems`` and local ``$ref``s (``#/…``), and the first
branch of ``allOf``/``anyOf``/``oneOf`` that has the answer — enough for descriptions, enums and
defaults; the validator, not this walk, decides what is an error.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

from inspector.document.json_values import format_scalar
from inspector.document.nodes import JsonKey
from lockcore import SchemaCheck, SchemaViolation

_MAX_REF_DEPTH: Final = 32


class SchemaHints:
    """Per-entry answers from one schema check."""

    def __init__(self, check: SchemaCheck) -> None:
        self.check = check
        self._errors: dict[tuple[JsonKey, ...], list[SchemaViolation]] = {}
        self._below: set[tuple[JsonKey, ...]] = set()
        for error in check.errors:
            path = tuple(error.path)
            self._errors.setdefault(path, []).append(error)
            for depth in range(len(path)):
                self._below.add(path[:depth])
        schema = check.schema
        self._schema = schema if isinstance(schema, dict | bool) else None
        self.subschema = lru_cache(maxsize=4096)(self._subschema)

    @property
    def has_errors(self) -> bool:
        return bool(self._errors)

    @property
    def has_schema(self) -> bool:
        return self._schema is not None

    def errors_at(self, path: tuple[JsonKey, ...]) -> list[SchemaViolation]:
        """The errors of the entry itself."""
        return self._errors.get(path, [])

    def errors_below(self, path: tuple[JsonKey, ...]) -> bool:
        """Whether an entry inside this one has an error (its row shows where to look)."""
        return path in self._below

    def error_paths(self) -> list[tuple[JsonKey, ...]]:
        return list(self._errors)

    # -- what the schema says of an entry ----------------------------------------------------
    def description(self, path: tuple[JsonKey, ...]) -> str | None:
        sub = self.subschema(path)
        if not isinstance(sub, dict):
            return None
        text = sub.get("description") or sub.get("title")
        return text if isinstance(text, str) else None

    def choices(self, path: tuple[JsonKey, ...]) -> list[str] | None:
        """The allowed values of a scalar entry (``enum``, or ``const``) as the tree shows
        them, when all are scalars; None when the schema names none."""
        sub = self.subschema(path)
        if not isinstance(sub, dict):
            return None
        values = sub.get("enum")
        if values is None and "const" in sub:
            values = [sub["const"]]
        if not isinstance(values, list) or not values:
            return None
        if any(isinstance(value, dict | list) for value in values):
            return None
        return [format_scalar(value) for value in values]

    def missing_keys(self, path: tuple[JsonKey, ...], present: set[str]) -> list[tuple[str, Any]]:
        """The keys the schema names for the object at ``path`` that it does not have yet, with
        each one's ``default`` (or a value of its type), in the schema's order."""
        sub = self.subschema(path)
        if not isinstance(sub, dict) or not isinstance(sub.get("properties"), dict):
            return []
        offered = []
        for key, member in sub["properties"].items():
            if key not in present:
                offered.append((key, _default_of(self._resolve(member))))
        return offered

    # -- the walk --------------------------------------------------------------------------------
    def _subschema(self, path: tuple[JsonKey, ...]) -> Any:
        if not path:
            return self._resolve(self._schema)
        parent = self.subschema(path[:-1])
        return _step(parent, path[-1], self._resolve)

    def _resolve(self, schema: Any, depth: int = 0) -> Any:
        """Follow a local ``$ref`` (``#/$defs/x``); other references are not followed here."""
        while (
            isinstance(schema, dict)
            and isinstance(schema.get("$ref"), str)
            and depth < _MAX_REF_DEPTH
        ):
            ref = schema["$ref"]
            if not ref.startswith("#"):
                return schema
            target: Any = self._schema
            for escaped in ref[1:].split("/")[1:]:
                part = escaped.replace("~1", "/").replace("~0", "~")
                if isinstance(target, dict) and part in target:
                    target = target[part]
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    return schema
            merged = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **merged} if isinstance(target, dict) else target
            depth += 1
        return schema


def _step(schema: Any, step: JsonKey, resolve: Any) -> Any:  # noqa: PLR0911, PLR0912 - one answer per keyword
    """The subschema of member ``step`` of a value described by ``schema`` (None: unknown)."""
    if not isinstance(schema, dict):
        return None
    if isinstance(step, int):
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list) and step < len(prefix):
            return resolve(prefix[step])
        items = schema.get("items")
        if isinstance(items, list):  # draft 4-7 tuple form
            return (
                resolve(items[step])
                if step < len(items)
                else resolve(schema.get("additionalItems"))
            )
        if isinstance(items, dict):
            return resolve(items)
    else:
        properties = schema.get("properties")
        if isinstance(properties, dict) and step in properties:
            return resolve(properties[step])
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, sub in patterns.items():
                try:
                    if re.search(pattern, step):
                        return resolve(sub)
                except re.error:
                    continue
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            return resolve(additional)
    for combiner in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(combiner)
        if isinstance(branches, list):
            for branch in branches:
                found = _step(resolve(branch), step, resolve)
                if found is not None:
                    return found
    return None


_TYPE_DEFAULTS: Final[dict[str, Any]] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "object": {},
    "array": [],
    "null": None,
}


def _default_of(schema: Any) -> Any:
    """A member's ``default``, else its first enum value, else an empty value of its type."""
    if not isinstance(schema, dict):
        return ""
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    return _TYPE_DEFAULTS.get(kind, "") if isinstance(kind, str) else ""
