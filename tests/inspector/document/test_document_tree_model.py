"""The JSON tree model: Qt's model tester before and after edits, undo/redo, live updates."""

from collections import OrderedDict
from enum import IntEnum
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTreeView

from inspector.document.json_values import JsonType, json_type_of
from inspector.document.nodes import JsonNode
from inspector.document.results import NO_DOCUMENT
from inspector.document.secrets import MASK, SecretPolicy
from inspector.document.tree_model import (
    ARRAY_INDEX_ROLE,
    KEY_COLUMN,
    TYPE_COLUMN,
    VALUE_COLUMN,
    JsonTreeModel,
)

EDIT = Qt.ItemDataRole.EditRole
DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def model(qtmodeltester: Any, sample: dict[str, Any]) -> JsonTreeModel:
    stack = QUndoStack()
    tree = JsonTreeModel(stack)
    tree._test_stack = stack  # type: ignore[attr-defined]  # keep the stack alive
    tree.set_document(sample, root_label="settings.json")
    qtmodeltester.check(tree)
    return tree


def stack_of(model: JsonTreeModel) -> QUndoStack:
    return model._test_stack  # type: ignore[attr-defined]


def value_index(model: JsonTreeModel, *path: str | int, column: int = VALUE_COLUMN) -> Any:
    return model.index_for_json_path(*path).siblingAtColumn(column)


def test_nodes_round_trip(sample: dict[str, Any]) -> None:
    node = JsonNode.from_json(sample)
    assert node.to_json() == sample
    assert node.child(2).child(2).json_path() == ("sync", "api_key")  # type: ignore[union-attr]
    assert JsonNode.from_json([1, 2.5, True, None, "x"]).to_json() == [1, 2.5, True, None, "x"]


def test_shape_and_display(model: JsonTreeModel) -> None:
    root = model.index(0, 0)
    assert model.rowCount() == 1
    assert root.data() == "settings.json"
    assert root.siblingAtColumn(VALUE_COLUMN).data() == "{5 keys}"
    assert model.rowCount(root) == 5
    assert value_index(model, "counter", column=TYPE_COLUMN).data() == "integer"
    assert value_index(model, "recent", 1, column=KEY_COLUMN).data(ARRAY_INDEX_ROLE) == 1
    assert value_index(model, "proxy").data() == "null"
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == [
        "Key", "Value", "Type"
    ]  # fmt: skip


def test_secret_values_are_masked_everywhere(model: JsonTreeModel) -> None:
    index = value_index(model, "sync", "api_key")
    for role in (DISPLAY, EDIT, Qt.ItemDataRole.ToolTipRole):
        assert "SECRET" not in str(index.data(role))
    assert index.data() == MASK
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(index, "stolen")
    model.set_secret_policy(SecretPolicy(revealed=True))
    assert index.data() == "sk-live-SECRET-4711"
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_secret_file_masks_all_values(model: JsonTreeModel) -> None:
    model.set_secret_policy(SecretPolicy(secret_file=True))
    assert value_index(model, "theme").data() == MASK
    assert value_index(model, "sync").data() == "{3 keys}"  # containers keep their shape


def test_edit_value_undo_redo(qtmodeltester: Any, model: JsonTreeModel) -> None:
    stack = stack_of(model)
    assert model.setData(value_index(model, "theme"), "light")
    assert model.document()["theme"] == "light"
    assert model.setData(value_index(model, "counter"), "12")
    assert model.document()["counter"] == 12
    assert model.setData(value_index(model, "sync", "interval"), "2.5")
    assert model.document()["sync"]["interval"] == 2.5
    assert value_index(model, "sync", "interval", column=TYPE_COLUMN).data() == "float"
    qtmodeltester.check(model)
    assert stack.count() == 3
    stack.undo()
    stack.undo()
    stack.undo()
    assert model.document()["theme"] == "dark"
    assert model.document()["counter"] == 0
    stack.redo()
    assert model.document()["theme"] == "light"


def test_invalid_numbers_and_booleans_are_rejected(qtbot: Any, model: JsonTreeModel) -> None:
    with qtbot.waitSignal(model.edit_rejected) as blocker:
        assert not model.setData(value_index(model, "counter"), "twelve")
    assert "not a number" in blocker.args[0]
    assert not model.setData(value_index(model, "sync", "enabled"), "maybe")
    assert model.setData(value_index(model, "sync", "enabled"), "false")
    assert model.document()["sync"]["enabled"] is False


def test_a_type_change_that_would_lose_the_value_is_refused_and_said(
    qtbot: Any, qtmodeltester: Any, model: JsonTreeModel
) -> None:
    assert model.setData(value_index(model, "theme"), "hello world")
    stack = stack_of(model)
    edits = stack.count()
    with qtbot.waitSignal(model.edit_rejected) as rejected:
        assert not model.setData(value_index(model, "theme", column=TYPE_COLUMN), "integer")
    assert model.document()["theme"] == "hello world"  # not 0
    assert stack.count() == edits
    assert rejected.args == [
        'Not changed: "hello world" cannot be made an integer: it is not a number.'
    ]
    assert model.setData(value_index(model, "theme"), "42")
    assert model.setData(value_index(model, "theme", column=TYPE_COLUMN), "integer")
    assert model.document()["theme"] == 42  # it parses: converted
    qtmodeltester.check(model)


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "1e999", "-1e999"])
def test_typing_a_number_json_cannot_write_is_refused(
    qtbot: Any, model: JsonTreeModel, typed: str
) -> None:
    with qtbot.waitSignal(model.edit_rejected) as rejected:
        assert not model.setData(value_index(model, "counter"), typed)
    assert "not a finite number" in rejected.args[0]
    assert model.document()["counter"] == 0
    with qtbot.waitSignal(model.edit_rejected):
        assert not model.setData(value_index(model, "proxy"), typed)  # a null takes literals
    assert model.document()["proxy"] is None


def test_change_type(qtmodeltester: Any, model: JsonTreeModel) -> None:
    stack = stack_of(model)
    assert model.setData(value_index(model, "counter", column=TYPE_COLUMN), "string")
    assert model.document()["counter"] == "0"
    assert model.setData(value_index(model, "recent", column=TYPE_COLUMN), "object")
    assert model.document()["recent"] == {"0": "/a", "1": "/b"}
    assert model.setData(value_index(model, "sync", column=TYPE_COLUMN), "null")
    assert model.document()["sync"] is None
    qtmodeltester.check(model)
    for _ in range(3):
        stack.undo()
    assert model.document()["sync"]["interval"] == 30
    assert model.document()["recent"] == ["/a", "/b"]
    assert model.document()["counter"] == 0
    qtmodeltester.check(model)


def test_rename_key_rejects_duplicates(qtbot: Any, model: JsonTreeModel) -> None:
    key = value_index(model, "theme", column=KEY_COLUMN)
    assert model.setData(key, "colour_scheme")
    assert next(iter(model.document())) == "colour_scheme"
    with qtbot.waitSignal(model.edit_rejected):
        assert not model.setData(value_index(model, "counter", column=KEY_COLUMN), "proxy")
    array_item = value_index(model, "recent", 0, column=KEY_COLUMN)
    assert not model.flags(array_item) & Qt.ItemFlag.ItemIsEditable
    stack_of(model).undo()
    assert "theme" in model.document()


def test_add_and_delete_entries(qtmodeltester: Any, model: JsonTreeModel) -> None:
    stack = stack_of(model)
    sync = model.index_for_json_path("sync")
    new = model.insert_entry(sync)
    assert new.data() == "new_key"
    assert model.document()["sync"]["new_key"] == ""
    assert model.insert_entry(sync).data() == "new_key_2"
    after_item = model.insert_entry(model.index_for_json_path("recent", 0))
    assert after_item.data(ARRAY_INDEX_ROLE) == 1
    assert model.document()["recent"] == ["/a", "", "/b"]
    assert model.remove_entry(model.index_for_json_path("recent", 0))
    assert model.document()["recent"] == ["", "/b"]
    assert not model.remove_entry(model.index(0, 0))  # the root stays
    qtmodeltester.check(model)
    while stack.canUndo():
        stack.undo()
    assert model.document()["recent"] == ["/a", "/b"]
    assert "new_key" not in model.document()["sync"]
    qtmodeltester.check(model)


def test_live_update_keeps_persistent_indexes(
    qtmodeltester: Any, model: JsonTreeModel, sample: dict[str, Any]
) -> None:
    theme = QPersistentModelIndex(model.index_for_json_path("theme"))
    api_key = QPersistentModelIndex(model.index_for_json_path("sync", "api_key"))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    changed = dict(sample, counter=99, new_key={"x": [1]})
    changed["sync"] = {"api_key": "k", "enabled": False}  # reordered, one key gone
    model.set_document(changed)
    assert resets == []
    assert model.document() == changed
    assert list(model.document()["sync"]) == ["api_key", "enabled"]
    assert theme.isValid()
    assert theme.data() == "theme"
    assert api_key.isValid()
    assert api_key.data() == "api_key"
    qtmodeltester.check(model)


def test_replace_document_is_one_undo_step(model: JsonTreeModel, sample: dict[str, Any]) -> None:
    stack = stack_of(model)
    model.replace_document({"a": 1})
    model.replace_document({"a": 2})  # consecutive raw edits merge
    assert stack.count() == 1
    stack.undo()
    assert model.document() == sample


def test_no_document(qtmodeltester: Any, model: JsonTreeModel) -> None:
    model.set_document(NO_DOCUMENT)
    assert model.rowCount() == 0
    assert model.document() is NO_DOCUMENT
    qtmodeltester.check(model)


def test_scalar_document(qtmodeltester: Any, model: JsonTreeModel) -> None:
    model.set_document(NO_DOCUMENT)
    model.set_document(42)
    root = model.index(0, 0)
    assert root.siblingAtColumn(VALUE_COLUMN).data() == "42"
    assert model.setData(root.siblingAtColumn(TYPE_COLUMN), JsonType.ARRAY.value)
    assert model.document() == [42]
    qtmodeltester.check(model)


def test_read_only_model_refuses_edits(model: JsonTreeModel) -> None:
    model.set_read_only(True)
    assert not model.setData(value_index(model, "theme"), "x")
    assert not model.insert_entry(model.index(0, 0)).isValid()
    assert model.document()["theme"] == "dark"


def test_large_document_builds_members_lazily(qtmodeltester: Any) -> None:
    stack = QUndoStack()
    tree = JsonTreeModel(stack)
    document = {"items": [{"id": i, "tags": ["a", "b"]} for i in range(300)]}
    tree.set_document(document)
    items = tree.index_for_json_path("items")
    items_node = tree.node(items)
    assert items_node is not None
    assert tree.hasChildren(items)
    assert tree.rowCount(items) == 0  # known to have members, none fetched yet
    tree.fetchMore(items)
    assert tree.rowCount(items) == 200
    assert items_node.built_count == 0  # rows announced, nodes not built
    first = tree.index(0, 0, items)
    assert first.isValid()
    assert items_node.built_count == 1
    tree.index(1, 0, items)
    assert not items_node.children[1].built
    changed = {"items": [*document["items"][:-1], {"id": -1}]}
    tree.set_document(changed)  # follows the file: only the changed item is rebuilt
    assert not items_node.children[1].built
    assert tree.rowCount(items) == 300  # compared row by row: every row is known now
    assert tree.document() == changed
    qtmodeltester.check(tree)


def test_a_dropped_document_is_freed_without_the_cyclic_collector(qtbot: Any) -> None:
    import gc
    import sys

    from PySide6.QtWidgets import QTreeView

    document = {f"k{n}": {"inner": [n, {"deep": n}]} for n in range(50)}
    member = document["k7"]
    references = sys.getrefcount(member)
    stack = QUndoStack()
    model = JsonTreeModel(stack)
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        model.set_document(document)
        # The root's member nodes are built (each refers to its parent, and keeps its own
        # value until it is expanded in turn).
        root = model.index(0, 0)
        view.expand(root)
        while model.canFetchMore(root):
            model.fetchMore(root)
        assert model.index(len(document) - 1, 0, root).isValid()  # builds the member nodes
        assert sys.getrefcount(member) > references
        model.set_document(NO_DOCUMENT)
        # Held by a cycle until a full collection, a big document stayed in memory for
        # seconds after another store opened.
        assert sys.getrefcount(member) == references
    finally:
        if was_enabled:
            gc.enable()


class _CountingModel(JsonTreeModel):
    """Counts what a view asks back through Qt: rowCount and columnCount."""

    counted = 0

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        self.counted += 1
        return super().rowCount(parent)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        self.counted += 1
        return super().columnCount(parent)


def test_laying_out_a_long_array_asks_no_counts_per_row(qtbot: Any, qtmodeltester: Any) -> None:
    """Revealing item 2,999 lays out every row before it; index() answering by itself (not
    through hasIndex, which called rowCount and columnCount back each time) keeps that to a
    few Python calls per row: the 20 MB find benchmark's reveal of item 24,908 hinged on it.
    (Groups of 1,000 rows now bound what is laid out; this checks a flat list of 3,000.)"""
    stack = QUndoStack()
    tree = _CountingModel(stack, group_size=5000)
    tree.set_document({"items": [{"id": i, "tags": ["a"]} for i in range(3000)]})
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(tree)
    view.resize(600, 400)
    view.show()
    view.expand(tree.index(0, KEY_COLUMN))
    qtbot.waitExposed(view)
    deep = tree.index_for_json_path("items", 2999)
    tree.counted = 0
    view.expand(deep.parent())
    view.setCurrentIndex(deep)
    view.scrollTo(deep)
    view.viewport().repaint()
    assert tree.rowCount(deep.parent()) == 3000
    assert view.visualRect(deep).isValid()  # laid out and shown
    assert tree.counted < 300  # before: ~24,000 (eight per row laid out)
    assert tree.index(3000, KEY_COLUMN, deep.parent()) == QModelIndex()
    assert tree.index(0, 3, deep.parent()) == QModelIndex()
    assert tree.index(0, KEY_COLUMN, deep.parent().siblingAtColumn(VALUE_COLUMN)) == QModelIndex()
    qtmodeltester.check(tree)


def test_flags_answer_per_column_type_and_secrecy(model: JsonTreeModel) -> None:
    editable, shown = Qt.ItemFlag.ItemIsEditable, Qt.ItemFlag.ItemIsEnabled
    recent = model.index_for_json_path("recent")
    item = model.index_for_json_path("recent", 1)
    secret = model.index_for_json_path("sync", "api_key")
    assert model.flags(recent) & editable  # an object member's key is renamed
    assert not model.flags(recent.siblingAtColumn(VALUE_COLUMN)) & editable  # a summary
    assert model.flags(recent.siblingAtColumn(TYPE_COLUMN)) & editable
    assert not model.flags(item) & editable  # an array item's key is its position
    assert model.flags(item.siblingAtColumn(VALUE_COLUMN)) & editable
    assert model.flags(secret.siblingAtColumn(VALUE_COLUMN)) == shown | Qt.ItemFlag.ItemIsSelectable
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    model.set_read_only(True)
    assert not model.flags(item.siblingAtColumn(VALUE_COLUMN)) & editable
    assert model.flags(recent) & shown


def test_json_type_of_subclasses_and_exact_types() -> None:
    assert json_type_of(True) is JsonType.BOOLEAN
    assert json_type_of(1) is JsonType.INTEGER
    assert json_type_of(IntEnum("E", "A").A) is JsonType.INTEGER
    assert json_type_of((1, 2)) is JsonType.ARRAY
    assert json_type_of(OrderedDict()) is JsonType.OBJECT
    assert json_type_of(None) is JsonType.NULL
    with pytest.raises(TypeError):
        json_type_of(b"bytes")
