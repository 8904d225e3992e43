"""The tree hands out the JSON it holds without walking what did not change (the find bar asks
for the document on the GUI thread after every edit), builds an array member far ahead without
the ones before it, and builds long arrays' members without setting off the cyclic collector."""

from __future__ import annotations

import gc
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QUndoStack

from inspector.document import DocumentPane, nodes
from inspector.document.json_values import JsonType, json_equal
from inspector.document.nodes import JsonNode
from inspector.document.tree_model import TYPE_COLUMN, VALUE_COLUMN, JsonTreeModel


def built_model(document: Any) -> JsonTreeModel:
    """A model whose every member node is built (as after following a file change)."""
    model = JsonTreeModel(QUndoStack())
    model.set_document(document)
    root = model.node(model.index(0, 0))
    assert root is not None
    pending = [root]
    while pending:
        node = pending.pop()
        pending.extend(node.children)
    return model


@pytest.fixture
def count_to_json(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times ``JsonNode.to_json`` runs (each call, nested ones too)."""
    calls = [0]
    original = JsonNode.to_json

    def counted(self: JsonNode) -> Any:
        calls[0] += 1
        return original(self)

    monkeypatch.setattr(JsonNode, "to_json", counted)
    return calls


def test_the_document_after_an_edit_is_rebuilt_along_the_edited_path_only(
    count_to_json: list[int],
) -> None:
    document = {"items": [{"id": n, "tags": ["a", "b"]} for n in range(2000)], "meta": {"v": 1}}
    model = built_model(document)  # 2000 items of 4 nodes each
    count_to_json[0] = 0
    assert model.document() == document
    assert count_to_json[0] == 1  # before: every built node, 8,000 calls
    index = model.index_for_json_path("items", 5, "id").siblingAtColumn(VALUE_COLUMN)
    assert model.setData(index, "7")
    count_to_json[0] = 0
    edited = model.document()
    assert edited["items"][5]["id"] == 7
    assert edited["items"][6] == document["items"][6]
    assert edited["meta"] == {"v": 1}
    assert count_to_json[0] < 2100  # the items array's members, not their members
    count_to_json[0] = 0
    assert model.document() is edited  # kept until the next change
    assert count_to_json[0] == 1


def test_find_after_an_edit_does_not_walk_the_document_on_the_gui_thread(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any, count_to_json: list[int]
) -> None:
    path = os.path.join(str(tmp_path), "wide.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"rows": [{"n": n, "deep": {"x": [n, n]}} for n in range(1500)]}, handle)
    open_and_wait(pane, path)
    rows = pane.model.node(pane.model.index_for_json_path("rows"))
    assert rows is not None
    for row in rows.children:  # every node built, as after scrolling through it all
        row.children[1].children[0].children  # noqa: B018
    pane.find_action.trigger()
    assert pane.model.setData(
        pane.model.index_for_json_path("rows", 3, "n").siblingAtColumn(VALUE_COLUMN), "-3"
    )
    count_to_json[0] = 0
    pane.finder.search(pane.find_bar.query().__class__("-3"))
    gui_thread_calls = count_to_json[0]
    qtbot.waitUntil(lambda: not pane.finder.searching, timeout=10000)
    assert pane.finder.match_count == 1
    assert gui_thread_calls < 1600  # the rows' members once each; before: 7,500 nodes walked


def test_building_thousands_of_members_runs_no_collection() -> None:
    collections: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    node = JsonNode.from_json({"items": [{"n": n} for n in range(5000)]})
    items = node.child(0)
    assert items is not None
    was_enabled = gc.isenabled()
    gc.enable()
    gc.callbacks.append(note)
    try:
        assert items.child(4999) is not None  # builds the 5,000 item nodes
    finally:
        gc.callbacks.remove(note)
        if not was_enabled:
            gc.disable()
    # At most the young generation's pass as the collector resumes; before: seven or more
    # passes while building (and now and then one of the oldest, over the whole process).
    assert len(collections) <= 1


def test_an_array_member_far_ahead_is_built_alone() -> None:
    document = {"items": [{"n": n, "tags": [n]} for n in range(5000)]}
    root = JsonNode.from_json(document)
    items = root.child(0)
    assert items is not None
    deep = items.child(4000)
    assert deep is not None
    assert items.built_count == 1  # before: 4,001 (every member up to it)
    assert deep.json_path() == ("items", 4000)
    assert deep.row() == 4000
    assert items.child(4001) is not None  # next to it: built in order
    assert items.built_count == 2
    assert items.child(10) is not None  # a skipped one, when asked for
    assert items.built_count == 3
    assert items.to_json() == document["items"]
    edited = deep.child(1)
    assert edited is not None
    edited.child(0).value = -1  # type: ignore[union-attr]  # an edit (as the model makes it)
    edited.child(0).changed()  # type: ignore[union-attr]
    expected = json.loads(json.dumps(document["items"]))
    expected[4000]["tags"] = [-1]
    assert items.to_json() == expected  # the members never built, from the JSON they hold
    assert root.to_json() == {"items": expected}
    assert [child.row() for child in items.children] == list(range(5000))  # all built now
    assert [child.to_json() for child in items.children] == expected
    assert items.built_count == 5000


def test_edits_beside_members_never_built(qtmodeltester: Any) -> None:
    document = {"items": [f"v{n}" for n in range(5000)]}
    stack = QUndoStack()
    model = JsonTreeModel(stack)
    model.set_document(document)
    deep = model.index_for_json_path("items", 4321)
    assert model.setData(deep.siblingAtColumn(VALUE_COLUMN), "changed")
    assert model.document()["items"][4321] == "changed"
    assert model.document()["items"][:4321] == document["items"][:4321]
    model.set_read_only(True)  # every shown row changes: the built ones are walked
    model.set_read_only(False)
    model.insert_entry(model.index_for_json_path("items", 4321), "new")
    assert model.document()["items"][4322] == "new"
    assert model.document()["items"][4323] == document["items"][4322]
    stack.undo()
    stack.undo()
    assert model.document() == document
    qtmodeltester.check(model)  # at the end: attached, it walks every row on each signal


# -- the JSON handed out always equals the tree, whatever the edits ----------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text("abc", min_size=1, max_size=2), inner, max_size=4)
    ),
    max_leaves=12,
)


def fresh_json(node: JsonNode) -> Any:
    """What ``node`` holds, walked member by member (no value kept from before)."""
    if node.json_type is JsonType.OBJECT:
        return {child.key: fresh_json(child) for child in node.children}
    if node.json_type is JsonType.ARRAY:
        return [fresh_json(child) for child in node.children]
    return node.value


def all_nodes(node: JsonNode) -> list[JsonNode]:
    found, pending = [], [node]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.built_children())  # what a person opened (holes stay)
    return found


ACTIONS = ["set", "insert", "remove", "rename", "undo", "redo", "ask", "open"]


@settings(max_examples=150, deadline=None)
@given(
    document=st.dictionaries(st.text("xyz", min_size=1, max_size=2), json_values, max_size=4),
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.integers(0, 10_000), json_values),
        max_size=12,
    ),
)  # fmt: skip
def test_the_json_handed_out_equals_the_tree_after_any_edits(
    qapp: Any, document: dict[str, Any], steps: list[tuple[str, int, Any]]
) -> None:
    # Members two ahead of the built ones are built alone (holes between), as 1,000 ahead are.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nodes, "_BUILD_AHEAD", 1)
        check_edits(document, steps)


def check_edits(document: dict[str, Any], steps: list[tuple[str, int, Any]]) -> None:
    stack = QUndoStack()
    model = JsonTreeModel(stack)
    model.set_document(document)
    for action, pick, value in steps:
        root = model.node(model.index(0, 0))
        assert root is not None
        nodes = all_nodes(root)
        node = nodes[pick % len(nodes)]
        index = model.index_for_node(node)
        if action == "set" and not node.json_type.is_container:
            model.setData(index.siblingAtColumn(VALUE_COLUMN), json.dumps(value))
        elif action == "set":  # a container becomes its text (a ReplaceValueCommand too)
            model.setData(index.siblingAtColumn(TYPE_COLUMN), "string")
        elif action == "insert":
            model.insert_entry(index, value)
        elif action == "remove":
            model.remove_entry(index)
        elif action == "rename" and node.parent is not None and node.key is not None:
            model.setData(index, f"r{pick}")
        elif action == "undo":
            stack.undo()
        elif action == "redo":
            stack.redo()
        elif action == "open" and node.child_count():  # as find reveals a member
            member = node.child(pick % node.child_count())
            assert member is not None
            model.index_for_node(member)
        else:
            model.document()
        assert json_equal(model.document(), fresh_json(root))
    assert document == json.loads(json.dumps(document))  # what was shown was never mutated
