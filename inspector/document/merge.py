"""Three-way merge of JSON documents (pure Python, no Qt, no I/O).

``three_way_merge(base, mine, theirs)`` applies the changes ``base → mine`` onto ``theirs`` (which
holds the changes ``base → theirs`` another process made). A conflict is an entry both sides
changed, each differently; everything else merges:

- Objects merge key by key, so edits to different keys never conflict.
- Arrays merge as sequences (as diff3 merges lines): each side's changes are found by aligning
  its items with the base's (a longest-common-subsequence diff, items compared as JSON values),
  and changes that touch different base items merge, insertions included. An item both sides
  changed in place merges recursively (two edits to different keys of one array item merge).
  Changes that touch the same base items differently — one side deletes an item the other
  changed, both insert different items at the same place — conflict over exactly those items.

Conflicts are identified by :attr:`MergeConflict.key`: the path (array positions counted in the
*base*, the version both sides started from, so a key stays the same however the other side
changes the file afterwards) and, for a conflict over array items, the base items it covers.
``resolutions`` maps such keys to :class:`Side`: the chosen side's version of that entry is
taken and everything else merges as usual.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Final, NamedTuple

from inspector.document.json_values import JsonType, json_equal, json_type_of
from inspector.document.nodes import JsonKey, format_json_path


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

JsonPath = tuple[JsonKey, ...]


class ItemSpan(NamedTuple):
    """Base items ``[start, stop)`` of an array; ``start == stop`` is the gap before ``start``."""

    start: int
    stop: int


ConflictKey = tuple[JsonPath, ItemSpan | None]
"""Where a conflict is: its path, and for a conflict over array items the base items."""


class Side(enum.Enum):
    """Whose version of a conflicting entry to keep."""

    MINE = "mine"
    THEIRS = "theirs"


@dataclass(frozen=True)
class MergeConflict:
    """One entry both sides changed differently.

    For a value (``items`` is None): ``base``, ``mine`` and ``theirs`` are its three values,
    :data:`ABSENT` where a side deleted it or never had it. For array items (``items`` is the
    base span, ``path`` the array's): the three versions of that stretch of the array, as lists.
    """

    path: JsonPath
    base: Any
    mine: Any
    theirs: Any
    items: ItemSpan | None = None

    @property
    def key(self) -> ConflictKey:
        """What :func:`three_way_merge`'s ``resolutions`` maps to the chosen :class:`Side`."""
        return (self.path, self.items)

    @property
    def path_text(self) -> str:
        """``db.port``; ``users[2]``, ``users[2-4]`` or ``users, new items before [2]``."""
        text = format_json_path(self.path)
        if self.items is None:
            return text
        start, stop = self.items
        if start == stop:
            return (
                f"{text}, new items before [{start}]"
                if self.path
                else f"new items before [{start}]"
            )
        shown = f"[{start}]" if stop == start + 1 else f"[{start}-{stop - 1}]"
        return (text if self.path else "") + shown


@dataclass
class MergeResult:
    """The merged document, valid only when :attr:`clean`; else the conflicts that stopped it.

    ``conflicts`` are the entries no resolution decided; ``resolved`` those a resolution did
    (with the three versions found in this merge). When not clean, ``merged`` is ``theirs``.
    """

    merged: Any
    conflicts: list[MergeConflict] = field(default_factory=list)
    resolved: list[MergeConflict] = field(default_factory=list)
    found: list[MergeConflict] = field(default_factory=list)
    """Every entry both sides changed differently, resolved or not, in document order."""

    @property
    def clean(self) -> bool:
        return not self.conflicts


def three_way_merge(
    base: Any, mine: Any, theirs: Any, resolutions: Mapping[ConflictKey, Side] | None = None
) -> MergeResult:
    """Apply ``base → mine`` onto ``theirs``; conflicting entries take the side ``resolutions``
    names for them, or are reported (and the merge proposes nothing: ``merged`` is ``theirs``)."""
    merger = _Merger(resolutions or {})
    merged = merger.merge(base, mine, theirs, ())
    return MergeResult(
        merged=theirs if merger.conflicts else merged,
        conflicts=merger.conflicts,
        resolved=merger.resolved,
        found=merger.found,
    )


def _same(a: Any, b: Any) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    return json_equal(a, b)


def _kind(value: Any) -> JsonType | None:
    return None if value is ABSENT else json_type_of(value)


def _identity(value: Any) -> object:
    """A hashable stand-in for an array item: values with equal ones are :func:`json_equal`.

    ``repr`` (fast, in C) tells ``1``, ``1.0``, ``True`` and ``"1"`` apart as JSON does. It is
    finer than JSON equality where key order, ``-0.0`` or NaNs differ, which only makes such an
    item look changed to the alignment; whether the sides differ is still decided by
    :func:`json_equal`.
    """
    try:
        return repr(value)
    except ValueError:  # an integer longer than Python converts to text
        return _structural_identity(value)


def _structural_identity(value: Any) -> object:
    kind = json_type_of(value)
    if kind is JsonType.OBJECT:
        return (kind, frozenset((key, _structural_identity(item)) for key, item in value.items()))
    if kind is JsonType.ARRAY:
        return (kind, tuple(_structural_identity(item) for item in value))
    if kind is JsonType.FLOAT and math.isnan(value):
        return (kind, "nan")
    return (kind, value)


class _Hunk(NamedTuple):
    """One side's change: base items ``[start, stop)`` became ``items``."""

    start: int
    stop: int
    items: list[Any]
    side: Side


def _hunks(base: list[Any], base_ids: list[object], other: list[Any], side: Side) -> list[_Hunk]:
    """The changes turning ``base`` into ``other``.

    An item changed in place is its own one-item hunk, so that it lines up with the other
    side's version of the same item and the two merge recursively: items replaced one for one,
    and within a longer rewrite the containers that kept some of their members (see
    :func:`_pair_similar`).
    """
    other_ids = [_identity(item) for item in other]
    # Most edits touch a few items of a long array: the diff runs on what lies between the
    # common head and tail only (SequenceMatcher is quadratic on long runs of equal items).
    head = 0
    limit = min(len(base_ids), len(other_ids))
    while head < limit and base_ids[head] == other_ids[head]:
        head += 1
    tail = 0
    while tail < limit - head and base_ids[-1 - tail] == other_ids[-1 - tail]:
        tail += 1
    matcher = SequenceMatcher(
        None,
        base_ids[head : len(base_ids) - tail],
        other_ids[head : len(other_ids) - tail],
        autojunk=False,
    )
    hunks: list[_Hunk] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = a1 + head, a2 + head, b1 + head, b2 + head
        pairs = [(i1 + k, j1 + k) for k in range(i2 - i1)] if i2 - i1 == j2 - j1 else []
        if tag == "replace" and not pairs:
            similar = _pair_similar(base[i1:i2], other[j1:j2])
            pairs = [(i1 + i, j1 + j) for i, j in similar]
        previous_i, previous_j = i1, j1
        for i, j in [*pairs, (i2, j2)]:
            if i > previous_i or j > previous_j:
                hunks.append(_Hunk(previous_i, i, other[previous_j:j], side))
            if i < i2 and not _same(base[i], other[j]):  # (equal but for key order, say)
                hunks.append(_Hunk(i, i + 1, [other[j]], side))
            previous_i, previous_j = i + 1, j + 1
    return hunks


_PAIRING_LIMIT: Final = 64
"""Longest rewritten stretch searched for items changed in place (the search is quadratic)."""


def _similar(a: Any, b: Any) -> bool:
    """Two containers of one kind that still share a member: one item, changed in place."""
    if isinstance(a, dict) and isinstance(b, dict):
        return any(key in b and _same(value, b[key]) for key, value in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return bool({_identity(item) for item in a} & {_identity(item) for item in b})
    return False


def _pair_similar(old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
    """The most pairs (index in ``old``, index in ``new``), in order, of similar items."""
    if len(old) > _PAIRING_LIMIT or len(new) > _PAIRING_LIMIT:
        return []
    rows, columns = len(old), len(new)
    similar = [[_similar(a, b) for b in new] for a in old]
    best = [[0] * (columns + 1) for _ in range(rows + 1)]
    for r in range(rows - 1, -1, -1):
        for c in range(columns - 1, -1, -1):
            if similar[r][c]:
                best[r][c] = 1 + best[r + 1][c + 1]
            else:
                best[r][c] = max(best[r + 1][c], best[r][c + 1])
    pairs: list[tuple[int, int]] = []
    r = c = 0
    while r < rows and c < columns:
        if similar[r][c] and best[r][c] == 1 + best[r + 1][c + 1]:
            pairs.append((r, c))
            r, c = r + 1, c + 1
        elif best[r + 1][c] >= best[r][c + 1]:
            r += 1
        else:
            c += 1
    return pairs


def _touch(a: _Hunk, b: _Hunk) -> bool:
    """Whether two changes concern the same base items: they overlap, or insert at one place.

    An insertion right before or after an item the other side changed does not touch it.
    """
    if a.start == a.stop and b.start == b.stop:
        return a.start == b.start
    return a.start < b.stop and b.start < a.stop


def _groups(hunks: list[_Hunk]) -> list[list[_Hunk]]:
    """Hunks of both sides, in base order, grouped where changes of the two sides touch."""
    groups: list[list[_Hunk]] = []
    for hunk in sorted(hunks, key=lambda h: (h.start, h.stop)):
        current = groups[-1] if groups else None
        if current is not None and any(
            h.side is not hunk.side and _touch(h, hunk) for h in current
        ):
            current.append(hunk)
        else:
            groups.append([hunk])
    return groups


def _apply(base: list[Any], start: int, stop: int, hunks: list[_Hunk], side: Side) -> list[Any]:
    """``base[start:stop]`` with ``side``'s hunks of a group applied."""
    result: list[Any] = []
    position = start
    for hunk in hunks:
        if hunk.side is side:
            result.extend(base[position : hunk.start])
            result.extend(hunk.items)
            position = hunk.stop
    result.extend(base[position:stop])
    return result


class _Merger:
    def __init__(self, resolutions: Mapping[ConflictKey, Side]) -> None:
        self.resolutions = resolutions
        self.conflicts: list[MergeConflict] = []
        self.resolved: list[MergeConflict] = []
        self.found: list[MergeConflict] = []

    def conflict(self, conflict: MergeConflict) -> Any:
        """The chosen side's version of a conflicting entry, or theirs, reported as a conflict."""
        self.found.append(conflict)
        side = self.resolutions.get(conflict.key)
        if side is None:
            self.conflicts.append(conflict)
            return conflict.theirs
        self.resolved.append(conflict)
        return conflict.mine if side is Side.MINE else conflict.theirs

    def merge(self, base: Any, mine: Any, theirs: Any, path: JsonPath) -> Any:
        if _same(mine, theirs):
            return mine  # no change, or both made the same change
        if _same(base, mine):
            return theirs  # only they changed it
        if _same(base, theirs):
            return mine  # only I changed it
        kinds = {_kind(base), _kind(mine), _kind(theirs)}
        if kinds == {JsonType.OBJECT}:
            return self.merge_objects(base, mine, theirs, path)
        if kinds == {JsonType.ARRAY}:
            return self.merge_arrays(base, mine, theirs, path)
        return self.conflict(MergeConflict(path, base, mine, theirs))

    def merge_objects(
        self, base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any], path: JsonPath
    ) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key in _merged_key_order(mine, theirs):
            value = self.merge(
                base.get(key, ABSENT), mine.get(key, ABSENT), theirs.get(key, ABSENT), (*path, key)
            )
            if value is not ABSENT:
                merged[key] = value
        return merged

    def merge_arrays(
        self, base: list[Any], mine: list[Any], theirs: list[Any], path: JsonPath
    ) -> list[Any]:
        base_ids = [_identity(item) for item in base]
        hunks = _hunks(base, base_ids, mine, Side.MINE) + _hunks(
            base, base_ids, theirs, Side.THEIRS
        )
        merged: list[Any] = []
        position = 0
        for group in _groups(hunks):
            start = min(h.start for h in group)
            stop = max(h.stop for h in group)
            merged.extend(base[position:start])
            position = stop
            sides = {h.side for h in group}
            if len(sides) == 1:  # one side's change that touches nothing of the other's
                merged.extend(group[0].items)
                continue
            ours = _apply(base, start, stop, group, Side.MINE)
            their = _apply(base, start, stop, group, Side.THEIRS)
            stretch = base[start:stop]
            if _same(ours, their):
                merged.extend(ours)
            elif len(ours) == len(their) == len(stretch):  # changed in place on both sides
                merged.extend(
                    self.merge(b, m, t, (*path, start + k))
                    for k, (b, m, t) in enumerate(zip(stretch, ours, their, strict=True))
                )
            else:
                span = ItemSpan(start, stop)
                merged.extend(self.conflict(MergeConflict(path, stretch, ours, their, span)))
        merged.extend(base[position:])
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
