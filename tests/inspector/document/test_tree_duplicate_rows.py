"""Issue 10: a key the file repeats in one object shows every occurrence as its own row, marked
with its place and which one programs read; the earlier ones are read-only and never part of
the document the tree holds (Qt's model tester checks the model around them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTreeView

from inspector.document.tree_model import KEY_COLUMN, VALUE_COLUMN, JsonTreeModel
from lockcore import find_duplicate_keys

RAW = (
    b'{"theme": "dark", "window": {"w": 1, "size": [1, 2], "w": 2}, "n": 1, '
    b'"theme": "dim", "theme": "light"}'
)
EDITABLE = Qt.ItemFlag.ItemIsEditable


def _model(raw: bytes, *, fetch_batch: int = 200) -> JsonTreeModel:
    stack = QUndoStack()
    model = JsonTreeModel(stack, fetch_batch=fetch_batch)
    model._test_stack = stack  # type: ignore[attr-defined]  # keep the stack alive
    model.set_document(json.loads(raw), root_label="settings.json")
    model.set_duplicate_keys(find_duplicate_keys(raw))
    return model


def _rows(model: JsonTreeModel, parent: QModelIndex) -> list[tuple[str, str]]:
    while model.canFetchMore(parent):
        model.fetchMore(parent)
    return [
        (model.index(row, KEY_COLUMN, parent).data(), model.index(row, VALUE_COLUMN, parent).data())
        for row in range(model.rowCount(parent))
    ]


@pytest.fixture
def model(qtbot: Any, qtmodeltester: Any) -> JsonTreeModel:
    tree = _model(RAW)
    qtmodeltester.check(tree)
    return tree


def test_every_occurrence_is_a_row_marked_with_its_place(model: JsonTreeModel) -> None:
    root = model.index(0, 0)
    assert _rows(model, root) == [
        ("theme (1 of 3, ignored by most readers)", "dark"),
        ("theme (2 of 3, ignored by most readers)", "dim"),
        ("theme (3 of 3, read by Python, JS and most readers)", "light"),
        ("window", "{2 keys}"),
        ("n", "1"),
    ]
    window = model.index(3, KEY_COLUMN, root)
    assert _rows(model, window) == [
        ("w (1 of 2, ignored by most readers)", "1"),
        ("w (2 of 2, read by Python, JS and most readers)", "2"),
        ("size", "[2 items]"),
    ]
    # The document is what programs read: the earlier occurrences are not in it.
    assert model.document() == json.loads(RAW)
    tip = model.index(0, KEY_COLUMN, root).data(Qt.ItemDataRole.ToolTipRole)
    assert "Python, JavaScript and most JSON readers use only the last one" in tip
    assert "occurrence 1 of 3" in tip
    assert "the one programs read" in model.index(2, KEY_COLUMN, root).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert model.index(0, KEY_COLUMN, root).data(Qt.ItemDataRole.DecorationRole) is not None


def test_earlier_occurrences_are_read_only_and_say_which_they_are(model: JsonTreeModel) -> None:
    root = model.index(0, 0)
    model.fetchMore(root)
    first, last = model.index(0, KEY_COLUMN, root), model.index(2, KEY_COLUMN, root)
    for column in range(3):
        assert not model.flags(first.siblingAtColumn(column)) & EDITABLE
    assert model.flags(last.siblingAtColumn(VALUE_COLUMN)) & EDITABLE
    duplicate, occurrence = model.occurrence_at(first) or (None, -1)
    assert duplicate is not None
    assert (duplicate.key, duplicate.values, occurrence) == ("theme", ("dark", "dim", "light"), 0)
    assert model.occurrence_at(last) == (duplicate, 2)
    assert model.occurrence_at(model.index(4, KEY_COLUMN, root)) is None

    rejected: list[str] = []
    model.edit_rejected.connect(rejected.append)
    assert not model.setData(first.siblingAtColumn(VALUE_COLUMN), "x")
    assert not model.remove_entry(first)
    assert len(rejected) == 1
    assert "Remove This Occurrence" in rejected[0]
    assert model.document() == json.loads(RAW)

    # Nothing is added inside an earlier occurrence either.
    nested = _model(b'{"a": {"x": 1}, "a": {"y": 2}}')
    nested.edit_rejected.connect(rejected.append)
    nested.fetchMore(nested.index(0, 0))
    shadowed = nested.index(0, KEY_COLUMN, nested.index(0, 0))
    assert nested.occurrence_at(shadowed) is not None
    assert not nested.insert_entry(shadowed).isValid()
    assert len(rejected) == 2
    assert nested.document() == {"a": {"y": 2}}


def test_edits_around_occurrence_rows_undo_and_redo(qtbot: Any, qtmodeltester: Any) -> None:
    model = _model(RAW)
    view = QTreeView()
    view.setModel(model)
    view.expandAll()
    stack: QUndoStack = model._test_stack  # type: ignore[attr-defined]
    root = model.index(0, 0)
    earlier = QPersistentModelIndex(model.index(0, KEY_COLUMN, root))

    model.setData(model.index(2, VALUE_COLUMN, root), "black")  # the value programs read
    model.setData(model.index(4, VALUE_COLUMN, root), "7")
    assert model.document() == {"theme": "black", "window": {"w": 2, "size": [1, 2]}, "n": 7}
    model.remove_entry(model.index(2, KEY_COLUMN, root))  # the key goes: every occurrence
    assert "theme" not in model.document()
    earlier_now = model.index(0, KEY_COLUMN, root)
    assert earlier_now.data(Qt.ItemDataRole.FontRole).strikeOut()
    assert "saving removes every occurrence" in earlier_now.data(Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model)
    for _ in range(3):
        stack.undo()
    assert model.document() == json.loads(RAW)
    assert _rows(model, root)[2] == ("theme (3 of 3, read by Python, JS and most readers)", "light")
    assert not model.index(0, KEY_COLUMN, root).data(Qt.ItemDataRole.FontRole).strikeOut()
    for _ in range(3):
        stack.redo()
    assert model.document() == {"window": {"w": 2, "size": [1, 2]}, "n": 7}
    assert earlier.isValid()
    assert earlier.row() == 0
    qtmodeltester.check(model)


def test_a_new_version_of_the_file_moves_the_rows_with_it(qtbot: Any, qtmodeltester: Any) -> None:
    model = _model(RAW)
    view = QTreeView()
    view.setModel(model)
    view.expandAll()
    root = model.index(0, 0)
    kept = QPersistentModelIndex(model.index(3, KEY_COLUMN, root))  # "window"

    # As the edit session shows a new version: the document in place, then its repeats.
    newer = b'{"theme": "dark", "window": {"w": 2}, "n": 2, "theme": "light", "n": 3}'
    model.set_document(json.loads(newer))
    model.set_duplicate_keys(find_duplicate_keys(newer))
    qtmodeltester.check(model)
    assert _rows(model, root) == [
        ("theme (1 of 2, ignored by most readers)", "dark"),
        ("theme (2 of 2, read by Python, JS and most readers)", "light"),
        ("window", "{1 key}"),
        ("n (1 of 2, ignored by most readers)", "2"),
        ("n (2 of 2, read by Python, JS and most readers)", "3"),
    ]
    assert kept.isValid()
    assert kept.data() == "window"
    assert model.document() == json.loads(newer)

    plain = b'{"theme": "light", "window": {"w": 2}, "n": 3}'
    model.set_document(json.loads(plain))
    model.set_duplicate_keys(find_duplicate_keys(plain))
    qtmodeltester.check(model)
    assert _rows(model, root) == [("theme", "light"), ("window", "{1 key}"), ("n", "3")]


def test_occurrences_beyond_the_fetched_rows_come_with_their_batch(
    qtbot: Any, qtmodeltester: Any
) -> None:
    members = ", ".join(f'"k{i}": {i}' for i in range(10))
    raw = f'{{{members}, "k7": "last"}}'.encode()
    model = _model(raw, fetch_batch=3)
    qtmodeltester.check(model)
    root = model.index(0, 0)
    rows = _rows(model, root)
    assert rows[7:9] == [
        ("k7 (1 of 2, ignored by most readers)", "7"),
        ("k7 (2 of 2, read by Python, JS and most readers)", "last"),
    ]
    assert len(rows) == 11
    assert model.document() == json.loads(raw)


def test_occurrences_in_an_object_shown_in_row_groups(qtbot: Any, qtmodeltester: Any) -> None:
    members = ", ".join(f'"k{i}": {i}' for i in range(10))
    raw = f'{{{members}, "k7": "last", "k2": "two"}}'.encode()
    stack = QUndoStack()
    model = JsonTreeModel(stack, group_size=4)
    model.set_document(json.loads(raw), root_label="settings.json")
    root = model.index(0, 0)
    model.fetchMore(root)  # forms the groups
    model.set_duplicate_keys(find_duplicate_keys(raw))
    qtmodeltester.check(model)
    shown = []
    for group_row in range(model.rowCount(root)):
        group = model.index(group_row, KEY_COLUMN, root)
        shown.extend(_rows(model, group))
    assert ("k2 (1 of 2, ignored by most readers)", "2") in shown
    assert shown.index(("k7 (1 of 2, ignored by most readers)", "7")) + 1 == shown.index(
        ("k7 (2 of 2, read by Python, JS and most readers)", "last")
    )
    assert len(shown) == 12
    assert model.document() == json.loads(raw)

    # A new version of the file: the document in place, then its repeats.
    newer = f'{{{members}, "k7": "later"}}'.encode()
    model.set_document(json.loads(newer))
    model.set_duplicate_keys(find_duplicate_keys(newer))
    qtmodeltester.check(model)
    assert model.document() == json.loads(newer)
    shown = []
    for group_row in range(model.rowCount(root)):
        shown.extend(_rows(model, model.index(group_row, KEY_COLUMN, root)))
    assert len(shown) == 11
    assert ("k7 (2 of 2, read by Python, JS and most readers)", "later") in shown


def test_occurrences_come_back_when_an_unshown_object_is_replaced(
    qtbot: Any, qtmodeltester: Any
) -> None:
    raw = b'{"outer": {"inner": {"a": 1, "a": 2}, "x": 1}}'
    model = _model(raw)
    # Replaced while no view knows its members (an undo of a raw edit, say): the rows of the
    # earlier occurrences inside come back where they were, without a new list of repeats.
    model.set_document({"outer": {"inner": {"a": 2}, "x": 2}})
    root = model.index(0, 0)
    outer = model.index(0, KEY_COLUMN, root) if _rows(model, root) else QModelIndex()
    inner = model.index(0, KEY_COLUMN, outer) if _rows(model, outer) else QModelIndex()
    assert _rows(model, inner) == [
        ("a (1 of 2, ignored by most readers)", "1"),
        ("a (2 of 2, read by Python, JS and most readers)", "2"),
    ]
    assert model.document() == {"outer": {"inner": {"a": 2}, "x": 2}}
    qtmodeltester.check(model)
