"""Three-way merge of JSON documents (pure Python, no Qt, no I/O).

``three_way_merge(base, mine, theirs)`` applies the changes ``base → mine`` onto ``theirs`` (which
holds the changes ``base → theirs`` another process made). Objects merge key by key, so edits to
different keys never conflict. Arrays merge item by item while all three versions have the same
length; an array whose length changed on one side is treated as one value. A conflict is a path
both sides changed differently; the merge then writes nothing and reports every such path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from inspector.document.nodes import JsonKey, JsonType, format_json_path, json_equal, json_type_of


class _Absent:
    """Marks a key that does not exist in one of the three versions."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()
"""The value a conflict reports for a key that one side deleted or never had."""


@dataclass(frozen=True)
class MergeConflict:
    """One path both sides changed differently; values are :data:`ABSENT` when deleted."""

    path: tuple[JsonKey, ...]
    base: Any
    mine: Any
    theirs: Any

    @property
    def path_text(self) -> str:
        return format_json_path(self.path)


@dataclass
class MergeResult:
    """The merged document, valid only when :attr:`clean`; else the conflicts that stopped it."""

    merged: Any
    conflicts: list[MergeConflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def three_way_merge(base: Any, mine: Any, theirs: Any) -> MergeResult:
    """Apply ``base → mine`` onto ``theirs``; report conflicts where both changed the same path."""
    conflicts: list[MergeConflict] = []
    merged = _merge(base, mine, theirs, (), conflicts)
    return MergeResult(merged=theirs if conflicts else merged, conflicts=conflicts)


def _same(a: Any, b: Any) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    return json_equal(a, b)


def _merge(
    base: Any, mine: Any, theirs: Any, path: tuple[JsonKey, ...], conflicts: list[MergeConflict]
) -> Any:
    if _same(mine, theirs):
        return mine  # no change, or both made the same change
    if _same(base, mine):
        return theirs  # only they changed it
    if _same(base, theirs):
        return mine  # only I changed it
    kinds = {_kind(base), _kind(mine), _kind(theirs)}
    if kinds == {JsonType.OBJECT}:
        return _merge_objects(base, mine, theirs, path, conflicts)
    if kinds == {JsonType.ARRAY} and len(base) == len(mine) == len(theirs):
        return [
            _merge(b, m, t, (*path, i), conflicts)
            for i, (b, m, t) in enumerate(zip(base, mine, theirs, strict=True))
        ]
    conflicts.append(MergeConflict(path, base, mine, theirs))
    return theirs


def _kind(value: Any) -> JsonType | None:
    return None if value is ABSENT else json_type_of(value)


def _merge_objects(
    base: dict[str, Any],
    mine: dict[str, Any],
    theirs: dict[str, Any],
    path: tuple[JsonKey, ...],
    conflicts: list[MergeConflict],
) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in _merged_key_order(mine, theirs):
        value = _merge(
            base.get(key, ABSENT),
            mine.get(key, ABSENT),
            theirs.get(key, ABSENT),
            (*path, key),
            conflicts,
        )
        if value is not ABSENT:
            merged[key] = value
    return merged


def _merged_key_order(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Their key order, with keys only I have placed after the key that precedes them in mine."""
    order = list(theirs)
    placed = set(order)
    previous: str | None = None
    for key in mine:
        if key not in placed:
            position = order.index(previous) + 1 if previous is not None else 0
            order.insert(position, key)
            placed.add(key)
        previous = key
    return order
