"""Properties of the three-way merge for random documents and random edits (Hypothesis).

Two kinds of checks:

- Against a model of the edits: ``mine`` and ``theirs`` are made from ``base`` by random edit
  scripts (set, add and delete keys; insert, delete and replace array items; edit inside
  members). The model knows which entries each side changed, so it says exactly what the merge
  must produce: every change made by one side only is in the result, a change both sides made
  alike is in it once, and a conflict is reported exactly where both changed one entry
  differently. Array items are unique here and each side's edits of one array are apart (an
  untouched item between them), so that which base item an edit touched is never ambiguous.
- For any documents (duplicates and adjacent edits included): merging with an unchanged side
  gives the other side, the merge is symmetric, every reported conflict really is an entry
  both sides changed differently, and resolving every conflict for one side leaves none.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.document.json_values import json_equal
from inspector.document.merge import (
    ABSENT,
    ConflictKey,
    ItemSpan,
    JsonPath,
    MergeConflict,
    Side,
    three_way_merge,
)

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MODEL_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=250)  # many draws per example
SCALARS = ["x", "y", "", 0, 1, 1.0, -2.5, True, False, None]
ITEM_SCALARS = ["x", "y", "z"]  # never equal to a base array item (those are ints >= 1000)


def same(a: Any, b: Any) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    return json_equal(a, b)


# -- the edit model ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Keep:
    pass


@dataclass(frozen=True)
class Delete:
    pass


@dataclass(frozen=True)
class Put:
    value: Any


@dataclass(frozen=True)
class ObjectEdits:
    keys: dict[str, Any] = field(default_factory=dict)  # key -> edit; new keys only Put


@dataclass(frozen=True)
class ArrayEdits:
    items: list[Any]  # one edit per base item
    gaps: list[list[Any]]  # items inserted before base item i (the last: at the end)


@dataclass(frozen=True)
class Change:
    edits: ObjectEdits | ArrayEdits


KEEP = Keep()


def apply(value: Any, edit: Any) -> Any:
    """``value`` after ``edit`` (ABSENT when deleted)."""
    if isinstance(edit, Keep):
        return value
    if isinstance(edit, Delete):
        return ABSENT
    if isinstance(edit, Put):
        return edit.value
    edits = edit.edits
    if isinstance(edits, ObjectEdits):
        result = {}
        for key, member in value.items():
            changed = apply(member, edits.keys.get(key, KEEP))
            if changed is not ABSENT:
                result[key] = changed
        for key, member_edit in edits.keys.items():
            if key not in value and isinstance(member_edit, Put):
                result[key] = member_edit.value
        return result
    items: list[Any] = []
    for position in range(len(value) + 1):
        items.extend(edits.gaps[position])
        if position < len(value):
            changed = apply(value[position], edits.items[position])
            if changed is not ABSENT:
                items.append(changed)
    return items


def _choose(side: Side | None, mine: Any, theirs: Any) -> Any:
    return mine if side is Side.MINE else theirs


class Model:
    """What the merge must produce for two edit scripts; ``side`` resolves every conflict."""

    def __init__(self, side: Side | None = None) -> None:
        self.side = side
        self.conflicts: dict[ConflictKey, tuple[Any, Any, Any]] = {}
        self.merged: Any = None

    def value(self, base: Any, mine_edit: Any, theirs_edit: Any, path: JsonPath) -> Any:
        if isinstance(mine_edit, Change) and isinstance(theirs_edit, Change):
            return self.container(base, mine_edit.edits, theirs_edit.edits, path)
        mine, theirs = apply(base, mine_edit), apply(base, theirs_edit)
        if same(mine, theirs):
            return mine
        if same(mine, base):
            return theirs
        if same(theirs, base):
            return mine
        self.conflicts[(path, None)] = (base, mine, theirs)
        return _choose(self.side, mine, theirs)

    def container(self, base: Any, mine: Any, theirs: Any, path: JsonPath) -> Any:
        if isinstance(mine, ObjectEdits):
            merged = {}
            for key in [*base, *(k for k in {**mine.keys, **theirs.keys} if k not in base)]:
                value = self.value(
                    base.get(key, ABSENT),
                    mine.keys.get(key, KEEP),
                    theirs.keys.get(key, KEEP),
                    (*path, key),
                )
                if value is not ABSENT:
                    merged[key] = value
            return merged
        items: list[Any] = []
        for position in range(len(base) + 1):
            inserted_mine, inserted_theirs = mine.gaps[position], theirs.gaps[position]
            if inserted_mine and inserted_theirs and not same(inserted_mine, inserted_theirs):
                span = ItemSpan(position, position)
                self.conflicts[(path, span)] = ([], inserted_mine, inserted_theirs)
                items.extend(_choose(self.side, inserted_mine, inserted_theirs))
            else:
                items.extend(inserted_mine or inserted_theirs)
            if position < len(base):
                items.extend(self.item(base[position], mine, theirs, path, position))
        return items

    def item(
        self, base: Any, mine: ArrayEdits, theirs: ArrayEdits, path: JsonPath, i: int
    ) -> list[Any]:
        mine_edit, theirs_edit = mine.items[i], theirs.items[i]
        mine_item, theirs_item = apply(base, mine_edit), apply(base, theirs_edit)
        deleted = ABSENT in (mine_item, theirs_item)
        changed_by_both = not any(same(v, base) for v in (mine_item, theirs_item))
        if deleted and changed_by_both and not same(mine_item, theirs_item):
            as_list = [[] if v is ABSENT else [v] for v in (base, mine_item, theirs_item)]
            self.conflicts[(path, ItemSpan(i, i + 1))] = (as_list[0], as_list[1], as_list[2])
            return _choose(self.side, as_list[1], as_list[2])
        value = self.value(base, mine_edit, theirs_edit, (*path, i))
        return [] if value is ABSENT else [value]


# -- drawing documents and edits --------------------------------------------------------------
def draw_value(data: st.DataObject, depth: int, fresh: Callable[[], int]) -> Any:
    kind = data.draw(st.sampled_from(["scalar", "object", "array"] if depth > 0 else ["scalar"]))
    if kind == "object":
        return draw_object(data, depth - 1, fresh)
    if kind == "array":
        return draw_array(data, depth - 1, fresh)
    return data.draw(st.sampled_from(SCALARS))


def draw_array(data: st.DataObject, depth: int, fresh: Callable[[], int], least: int = 0) -> Any:
    """Unique items: ints, or objects with a unique "id"."""
    count = data.draw(st.integers(least, 6))
    return [
        draw_object(data, depth, fresh, item=True) if data.draw(st.booleans()) else fresh()
        for _ in range(count)
    ]


def draw_object(
    data: st.DataObject, depth: int, fresh: Callable[[], int], *, item: bool = False
) -> dict[str, Any]:
    """An object; an array item gets a unique "id" that edits keep (items stay unique)."""
    keys = data.draw(st.lists(st.sampled_from("abcd"), unique=True, max_size=4))
    document: dict[str, Any] = {"id": fresh()} if item else {}
    for key in keys:
        document[key] = draw_value(data, depth, fresh)
    return document


def draw_edit_pair(data: st.DataObject, value: Any, *, in_array: bool) -> tuple[Any, Any]:
    """One entry's edit on each side; sometimes the same edit on both."""
    kinds = ["keep", "put"]
    if value is not ABSENT:
        kinds.append("delete")
    if isinstance(value, dict | list):
        kinds.append("change")
    mine_kind = data.draw(st.sampled_from(kinds))
    copy = data.draw(st.booleans())
    theirs_kind = mine_kind if copy else data.draw(st.sampled_from(kinds))
    values = ITEM_SCALARS if in_array else SCALARS
    if mine_kind == theirs_kind == "change":
        mine_edits, theirs_edits = draw_container_edits(data, value)
        return Change(mine_edits), Change(theirs_edits)
    pair: list[Any] = []
    for kind in (mine_kind, theirs_kind):
        if kind == "keep":
            pair.append(KEEP)
        elif kind == "delete":
            pair.append(Delete())
        elif kind == "put":
            pair.append(pair[0] if copy and pair else Put(data.draw(st.sampled_from(values))))
        else:
            pair.append(Change(draw_container_edits(data, value)[0]))
    return pair[0], pair[1]


def draw_container_edits(data: st.DataObject, value: Any) -> tuple[Any, Any]:
    if isinstance(value, dict):
        new_keys = data.draw(st.lists(st.sampled_from("pq"), unique=True, max_size=2))
        mine: dict[str, Any] = {}
        theirs: dict[str, Any] = {}
        for key in [k for k in value if k != "id"] + new_keys:
            mine[key], theirs[key] = draw_edit_pair(data, value.get(key, ABSENT), in_array=False)
        return ObjectEdits(mine), ObjectEdits(theirs)
    # Each side leaves an untouched item between two of its edits (see the module docstring).
    sides = {Side.MINE: ArrayEdits([], []), Side.THEIRS: ArrayEdits([], [])}
    touched_last = dict.fromkeys(sides, False)
    for position in range(len(value) + 1):
        inserted = data.draw(st.lists(st.sampled_from(ITEM_SCALARS), min_size=1, max_size=2))
        copy = data.draw(st.booleans())
        for side, edits in sides.items():
            wants = data.draw(st.booleans())
            insert = not touched_last[side] and wants
            if insert and not copy and side is Side.THEIRS:
                inserted = data.draw(
                    st.lists(st.sampled_from(ITEM_SCALARS), min_size=1, max_size=2)
                )
            edits.gaps.append(inserted if insert else [])
            touched_last[side] = touched_last[side] or insert
        if position == len(value):
            break
        pair = draw_edit_pair(data, value[position], in_array=True)
        for edit, (side, edits) in zip(pair, sides.items(), strict=True):
            allowed = not touched_last[side]
            edits.items.append(edit if allowed else KEEP)
            touched_last[side] = allowed and not isinstance(edit, Keep)
    return sides[Side.MINE], sides[Side.THEIRS]


def draw_case(data: st.DataObject) -> tuple[Any, Any, Any, ObjectEdits, ObjectEdits]:
    counter = itertools.count(1000)
    base = draw_object(data, 3, lambda: next(counter))
    base["list"] = draw_array(data, 2, lambda: next(counter), least=2)  # always some array
    mine_edits, theirs_edits = draw_container_edits(data, base)
    mine_list, theirs_list = draw_container_edits(data, base["list"])  # both edit in it
    mine_edits.keys["list"], theirs_edits.keys["list"] = Change(mine_list), Change(theirs_list)
    mine, theirs = apply(base, Change(mine_edits)), apply(base, Change(theirs_edits))
    return base, mine, theirs, mine_edits, theirs_edits


def modelled(base: Any, mine: ObjectEdits, theirs: ObjectEdits, side: Side | None) -> Model:
    model = Model(side)
    model.merged = model.container(base, mine, theirs, ())
    return model


# -- properties against the model -----------------------------------------------------------
@MODEL_SETTINGS
@given(st.data())
def test_merge_takes_every_one_sided_change_and_conflicts_exactly_where_both_differ(
    data: st.DataObject,
) -> None:
    base, mine, theirs, mine_edits, theirs_edits = draw_case(data)
    expected = modelled(base, mine_edits, theirs_edits, None)
    result = three_way_merge(base, mine, theirs)
    assert {c.key for c in result.conflicts} == set(expected.conflicts)
    for conflict in result.conflicts:
        versions = expected.conflicts[conflict.key]
        assert all(map(same, (conflict.base, conflict.mine, conflict.theirs), versions))
    if result.clean:
        assert json_equal(result.merged, expected.merged)
    else:
        assert result.merged is theirs  # a conflicted merge proposes nothing

    # Resolving every conflict for one side keeps the other side's other changes.
    for side in Side:
        resolved_model = modelled(base, mine_edits, theirs_edits, side)
        choices = dict.fromkeys(expected.conflicts, side)
        resolved = three_way_merge(base, mine, theirs, choices)
        assert resolved.clean
        assert {c.key for c in resolved.resolved} == set(choices)
        assert json_equal(resolved.merged, resolved_model.merged)


# -- properties for any documents -------------------------------------------------------------
json_values = st.recursive(
    st.sampled_from(SCALARS),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from("abc"), children, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def edited(draw: st.DrawFn, value: Any) -> Any:
    """``value`` after random edits anywhere in it (duplicates and neighbours included)."""
    if isinstance(value, dict):
        result = dict(value)
        for key in draw(st.lists(st.sampled_from("abcd"), max_size=3)):
            action = draw(st.sampled_from(["set", "delete", "edit"]))
            if action == "delete":
                result.pop(key, None)
            elif action == "edit" and key in result:
                result[key] = draw(edited(result[key]))
            else:
                result[key] = draw(json_values)
        return result
    if isinstance(value, list):
        items = list(value)
        for _ in range(draw(st.integers(0, 3))):
            action = draw(st.sampled_from(["insert", "delete", "replace", "edit"]))
            if action == "insert" or not items:
                items.insert(draw(st.integers(0, len(items))), draw(json_values))
                continue
            position = draw(st.integers(0, len(items) - 1))
            if action == "delete":
                del items[position]
            elif action == "replace":
                items[position] = draw(json_values)
            else:
                items[position] = draw(edited(items[position]))
        return items
    return draw(json_values) if draw(st.booleans()) else value


@st.composite
def triples(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    base = draw(json_values)
    return base, draw(edited(base)), draw(edited(base))


def at(document: Any, path: JsonPath) -> Any:
    for step in path:
        document = document.get(step, ABSENT) if isinstance(document, dict) else document[step]
        if document is ABSENT:
            break
    return document


def changed_by_both_differently(conflict: MergeConflict, base: Any) -> bool:
    versions = (conflict.base, conflict.mine, conflict.theirs)
    if conflict.items is None:
        expected_base = at(base, conflict.path)
    else:
        expected_base = at(base, conflict.path)[conflict.items.start : conflict.items.stop]
    distinct = not any(same(a, b) for a, b in itertools.combinations(versions, 2))
    return distinct and same(conflict.base, expected_base)


@PROPERTY_SETTINGS
@given(triples())
def test_an_unchanged_side_gives_the_other_side(case: tuple[Any, Any, Any]) -> None:
    base, mine, theirs = case
    for result, expected in (
        (three_way_merge(base, mine, base), mine),
        (three_way_merge(base, base, theirs), theirs),
        (three_way_merge(base, mine, mine), mine),
    ):
        assert result.clean
        assert json_equal(result.merged, expected)


@PROPERTY_SETTINGS
@given(triples())
def test_merge_is_symmetric(case: tuple[Any, Any, Any]) -> None:
    base, mine, theirs = case
    forward, backward = three_way_merge(base, mine, theirs), three_way_merge(base, theirs, mine)
    backward_conflicts = {c.key: c for c in backward.conflicts}
    # The same conflicts, each seen from the other side; their order follows each merge's key order.
    assert {c.key for c in forward.conflicts} == set(backward_conflicts)
    for one in forward.conflicts:
        other = backward_conflicts[one.key]
        assert same(one.mine, other.theirs)
        assert same(one.theirs, other.mine)
    if forward.clean:
        assert json_equal(forward.merged, backward.merged)


@PROPERTY_SETTINGS
@given(triples(), st.sampled_from(Side))
def test_conflicts_are_entries_both_changed_differently_and_resolve(
    case: tuple[Any, Any, Any], side: Side
) -> None:
    base, mine, theirs = case
    result = three_way_merge(base, mine, theirs)
    for conflict in result.conflicts:
        assert changed_by_both_differently(conflict, base), conflict
    keys = [c.key for c in result.conflicts]
    assert len(set(keys)) == len(keys)
    resolved = three_way_merge(base, mine, theirs, dict.fromkeys(keys, side))
    assert resolved.clean
    assert [c.key for c in resolved.resolved] == keys
    assert [c.key for c in resolved.found] == keys
    if not keys:
        assert json_equal(resolved.merged, result.merged)
