"""Long containers in row groups ("[0 … 999]", ...): the model, edits inside groups, find."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QTreeView

from inspector.document import DocumentPane
from inspector.document.nodes import JsonKey
from inspector.document.tree_model import (
    ARRAY_INDEX_ROLE,
    GROUP_SIZE,
    KEY_COLUMN,
    VALUE_COLUMN,
    JsonTreeModel,
)

DISPLAY = Qt.ItemDataRole.DisplayRole


def grouped_model(qtmodeltester: Any, document: Any, *, group_size: int = 10) -> JsonTreeModel:
    """A model in groups of ``group_size`` whose rows Qt's model tester checks on every change."""
    stack = QUndoStack()
    model = JsonTreeModel(stack, fetch_batch=4, group_size=group_size)
    model._test_stack = stack  # type: ignore[attr-defined]  # keep the stack alive
    model.set_document(document)
    qtmodeltester.check(model)  # stays attached: every later signal is checked too
    return model


def stack_of(model: JsonTreeModel) -> QUndoStack:
    return model._test_stack  # type: ignore[attr-defined]


def labels(model: JsonTreeModel, parent: QModelIndex) -> list[str]:
    return [model.index(row, 0, parent).data(DISPLAY) for row in range(model.rowCount(parent))]


def path_of(model: JsonTreeModel, index: QModelIndex | QPersistentModelIndex) -> tuple[Any, ...]:
    node = model.node(index)
    assert node is not None
    return node.json_path()


def expand_all_groups(model: JsonTreeModel, container: QModelIndex) -> None:
    for row in range(model.rowCount(container)):
        group = model.index(row, 0, container)
        while model.canFetchMore(group):
            model.fetchMore(group)


def test_a_long_array_shows_its_items_in_groups(qtmodeltester: Any) -> None:
    model = grouped_model(qtmodeltester, {"items": list(range(35)), "short": [1, 2]})
    items = model.index_for_json_path("items")
    model.fetchMore(items)
    assert labels(model, items) == ["[0 … 9]", "[10 … 19]", "[20 … 29]", "[30 … 34]"]
    first = model.index(0, 0, items)
    assert model.node(first) is None  # a group is no entry
    assert model.group(first) is not None
    assert first.siblingAtColumn(VALUE_COLUMN).data(DISPLAY) == "10 items"
    assert not model.flags(first) & Qt.ItemFlag.ItemIsEditable
    assert model.hasChildren(first)
    # An item keeps its path, its index and its position; its parent row is its group.
    item = model.index_for_json_path("items", 27)
    assert item.row() == 7
    assert item.parent() == model.index(2, 0, items)
    assert item.parent().parent() == items
    assert item.data(ARRAY_INDEX_ROLE) == 27
    assert path_of(model, item) == ("items", 27)
    assert item.data(Qt.ItemDataRole.ToolTipRole) == "items[27]"
    assert model.row_path(model.node(item)) == (0, 27)  # type: ignore[arg-type]
    short = model.index_for_json_path("short")
    model.fetchMore(short)
    assert labels(model, short) == ["", ""]  # short: no groups
    qtmodeltester.check(model)


def test_a_groups_rows_are_fetched_in_batches() -> None:
    model = JsonTreeModel(QUndoStack(), fetch_batch=4, group_size=10)
    model.set_document({"items": list(range(35))})
    items = model.index_for_json_path("items")
    assert model.rowCount(items) == 0
    assert model.canFetchMore(items)
    model.fetchMore(items)
    assert model.rowCount(items) == 4  # every group at once
    assert not model.canFetchMore(items)
    group = model.index(3, 0, items)
    assert model.rowCount(group) == 0
    model.fetchMore(group)
    assert model.rowCount(group) == 4
    model.fetchMore(group)
    assert model.rowCount(group) == 5
    assert not model.canFetchMore(group)
    assert model.index(4, 0, group).data(ARRAY_INDEX_ROLE) == 34
    assert model.index(5, 0, group) == QModelIndex()


def test_a_long_object_shows_its_members_in_groups(qtmodeltester: Any) -> None:
    document = {"settings": {f"key{n:02}": n for n in range(25)}}
    model = grouped_model(qtmodeltester, document)
    settings = model.index_for_json_path("settings")
    model.fetchMore(settings)
    assert labels(model, settings) == ["[0 … 9]", "[10 … 19]", "[20 … 24]"]
    assert model.index(2, VALUE_COLUMN, settings).data(DISPLAY) == "5 keys"
    member = model.index_for_json_path("settings", "key23")
    assert member.data(DISPLAY) == "key23"
    assert model.setData(member, "renamed")
    assert list(model.document()["settings"])[23] == "renamed"
    assert model.index_for_json_path("settings", "renamed") == member
    stack_of(model).undo()
    assert model.document() == document


def test_editing_inside_a_group_and_undo(qtmodeltester: Any) -> None:
    document = {"items": [{"id": n, "name": f"n{n}"} for n in range(35)]}
    model = grouped_model(qtmodeltester, document)
    name = model.index_for_json_path("items", 33, "name").siblingAtColumn(VALUE_COLUMN)
    assert model.setData(name, "changed")
    assert model.document()["items"][33]["name"] == "changed"
    assert name.data(DISPLAY) == "changed"
    assert model.setData(
        model.index_for_json_path("items", 12, "id").siblingAtColumn(2), "string"
    )  # a type change
    assert model.document()["items"][12]["id"] == "12"
    stack_of(model).undo()
    stack_of(model).undo()
    assert model.document() == document


def test_insert_and_delete_in_a_group_shift_the_positions_after_it(qtmodeltester: Any) -> None:
    document = {"items": [f"v{n}" for n in range(35)]}
    model = grouped_model(qtmodeltester, document)
    items = model.index_for_json_path("items")
    expand_all_groups(model, items)
    later = QPersistentModelIndex(model.index_for_json_path("items", 27))
    new = model.insert_entry(model.index_for_json_path("items", 12), "new")
    assert path_of(model, new) == ("items", 13)
    assert new.parent() == model.index(1, 0, items)
    assert labels(model, items) == ["[0 … 9]", "[10 … 20]", "[21 … 30]", "[31 … 35]"]
    assert later.isValid()
    assert path_of(model, later) == ("items", 28)  # the same entry, one later
    assert later.data(ARRAY_INDEX_ROLE) == 28
    assert later.parent() == model.index(2, 0, items)
    assert model.document()["items"][13] == "new"
    # Deleting a whole group's members removes the group's row.
    for _ in range(5):
        assert model.remove_entry(model.index_for_json_path("items", 31))
    assert labels(model, items) == ["[0 … 9]", "[10 … 20]", "[21 … 30]"]
    assert model.document()["items"] == [*document["items"][:13], "new", *document["items"][13:30]]
    while stack_of(model).canUndo():
        stack_of(model).undo()
    assert model.document() == document
    assert path_of(model, later) == ("items", 27)
    qtmodeltester.check(model)


def test_an_insert_beyond_the_rows_shown_is_not_announced(qtmodeltester: Any) -> None:
    model = JsonTreeModel(QUndoStack(), fetch_batch=4, group_size=10)
    model.set_document({"items": list(range(35))})
    items = model.index_for_json_path("items")
    model.fetchMore(items)
    group = model.index(1, 0, items)
    model.fetchMore(group)
    known = model.rowCount(group)
    assert known == 4
    model.apply_insert((0,), 10 + known + 1, None, "x")  # past the known rows: silent
    assert model.rowCount(group) == known
    assert labels(model, items)[1:3] == ["[10 … 20]", "[21 … 30]"]
    model.apply_remove((0,), 10 + known + 1)
    assert labels(model, items)[1:3] == ["[10 … 19]", "[20 … 29]"]
    assert model.document() == {"items": list(range(35))}
    qtmodeltester.check(model)


def test_following_the_file_keeps_groups_or_forms_them_anew(qtmodeltester: Any) -> None:
    document = {"items": [{"n": n} for n in range(35)]}
    model = grouped_model(qtmodeltester, document)
    deep = QPersistentModelIndex(model.index_for_json_path("items", 25, "n"))
    changed = json.loads(json.dumps(document))
    changed["items"][25]["n"] = -1
    model.set_document(changed)  # the same members: value by value, rows stay
    assert deep.isValid()
    assert model.index(deep.row(), VALUE_COLUMN, deep.parent()).data(DISPLAY) == "-1"
    items = model.index_for_json_path("items")
    longer = {"items": [*changed["items"], *({"n": n} for n in range(35, 48))]}
    model.set_document(longer)  # grown at the end: the last group fills, a new one follows
    assert labels(model, items) == ["[0 … 9]", "[10 … 19]", "[20 … 29]", "[30 … 39]", "[40 … 47]"]
    assert items.siblingAtColumn(VALUE_COLUMN).data(DISPLAY) == "[48 items]"
    assert deep.isValid()  # an open row stays open
    assert model.document() == longer
    shorter = {"items": longer["items"][:22]}
    model.set_document(shorter)  # shorter: the last groups shrink or go
    assert labels(model, items) == ["[0 … 9]", "[10 … 19]", "[20 … 21]"]
    assert not deep.isValid()  # item 25 is gone
    assert model.document() == shorter
    model.set_document({"settings": {f"k{n}": n for n in range(25)}})
    settings = model.index_for_json_path("settings")
    model.fetchMore(settings)
    assert model.index_for_json_path("settings", "k24").parent().row() == 2  # built, shown
    reordered = {"settings": {f"k{n}": n for n in reversed(range(25))}}
    model.set_document(reordered)  # other members (another key order): formed anew
    assert labels(model, settings) == ["[0 … 9]", "[10 … 19]", "[20 … 24]"]
    assert model.index_for_json_path("settings", "k24").parent().row() == 0
    assert model.document() == reordered
    model.set_document({"items": [1, 2, 3]})  # short now: plain rows
    items = model.index_for_json_path("items")
    model.fetchMore(items)
    assert model.rowCount(items) == 3
    assert items.siblingAtColumn(VALUE_COLUMN).data(DISPLAY) == "[3 items]"
    qtmodeltester.check(model)


class _Hints:
    """Schema hints with one error at ``error`` (what :class:`SchemaHints` answers)."""

    has_errors = True

    def __init__(self, error: tuple[JsonKey, ...] = ("items", 23)) -> None:
        self.error = error

    def errors_at(self, path: tuple[JsonKey, ...]) -> list[str]:
        return ["bad"] if path == self.error else []

    def errors_below(self, path: tuple[JsonKey, ...]) -> bool:
        return path == self.error[: len(path)] and path != self.error

    def description(self, path: tuple[JsonKey, ...]) -> str | None:  # noqa: ARG002
        return None

    def choices(self, path: tuple[JsonKey, ...]) -> list[str] | None:  # noqa: ARG002
        return None


def test_a_group_holding_a_schema_error_is_marked(qtbot: Any, qtmodeltester: Any) -> None:
    # qtbot: markers are the QApplication style's icons
    model = grouped_model(qtmodeltester, {"items": list(range(35))})
    model.set_hints(_Hints())
    items = model.index_for_json_path("items")
    model.fetchMore(items)
    decoration = Qt.ItemDataRole.DecorationRole
    marked = [model.index(row, 0, items).data(decoration) is not None for row in range(4)]
    assert marked == [False, False, True, False]
    assert model.index_for_json_path("items", 23).data(decoration) is not None


def test_a_long_objects_group_is_marked_without_building_its_members(qtbot: Any) -> None:
    model = JsonTreeModel(QUndoStack(), group_size=10)
    model.set_document({"settings": {f"key{n:02}": n for n in range(25)}})
    model.set_hints(_Hints(("settings", "key23")))
    settings = model.index_for_json_path("settings")
    model.fetchMore(settings)
    decoration = Qt.ItemDataRole.DecorationRole
    marked = [model.index(row, 0, settings).data(decoration) is not None for row in range(3)]
    assert marked == [False, False, True]
    node = model.node(settings)
    assert node is not None
    assert node.built_count == 0  # before: the 25 members up to the marked group's end


class _CountingModel(JsonTreeModel):
    """Counts the rows a view asks for: one ``index`` call per row it lays out."""

    asked = 0

    def index(self, row: int, column: int, parent: Any = QModelIndex()) -> QModelIndex:  # noqa: B008
        self.asked += 1
        return super().index(row, column, parent)


def test_revealing_a_deep_item_lays_out_one_group(qtbot: Any, qtmodeltester: Any) -> None:
    """Revealing item 4,900 of a flat array laid out the 4,900 rows before it (a third of a
    second per 25,000 rows on the GUI thread); in groups it lays out the groups and one group."""
    count = 5 * GROUP_SIZE
    model = _CountingModel(QUndoStack())
    model.set_document({"items": [{"id": n} for n in range(count)]})
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    view.expand(model.index(0, KEY_COLUMN))
    model.asked = 0
    deep = model.index_for_json_path("items", count - 100)
    ancestor = deep.parent()
    while ancestor.isValid():
        view.expand(ancestor)
        ancestor = ancestor.parent()
    view.setCurrentIndex(deep)
    view.scrollTo(deep)
    view.viewport().repaint()
    assert view.visualRect(deep).isValid()  # laid out and shown
    assert path_of(model, view.currentIndex()) == ("items", count - 100)
    assert model.asked < count  # before: ~20,000 (about four per row before it)
    qtmodeltester.check(model)


# -- find and go to in a pane -------------------------------------------------------------------
LONG: dict[str, Any] = {
    "records": [{"id": n, "label": f"record {n}"} for n in range(3 * GROUP_SIZE + 500)],
}
LONG["records"][150]["label"] = "needle one"
LONG["records"][2150]["label"] = "needle two"
LONG["records"][3400]["label"] = "needle three"


@pytest.fixture
def long_store(tmp_path: Any) -> str:
    path = os.path.join(str(tmp_path), "long.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(LONG, handle)
    return path


def test_find_next_and_previous_cross_groups(
    qtbot: Any, pane: DocumentPane, long_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, long_store)
    pane.find_action.trigger()
    pane.find_bar.find_field.setText("needle")
    pane.find_bar.search_now()
    qtbot.waitUntil(lambda: not pane.finder.searching, timeout=10000)
    assert pane.finder.match_count == 3

    def current() -> tuple[Any, ...]:
        return path_of(pane.model, pane.tree_view.currentIndex())

    assert current() == ("records", 150, "label")
    pane.finder.step()
    assert current() == ("records", 2150, "label")
    shown = pane.tree_view.currentIndex()
    assert pane.tree_view.visualRect(shown).isValid()
    group = pane.model.group(shown.parent().parent())
    assert group is not None
    assert (group.start, group.count) == (2 * GROUP_SIZE, GROUP_SIZE)
    assert pane.tree_view.isExpanded(shown.parent().parent())
    pane.finder.step()
    assert current() == ("records", 3400, "label")
    pane.finder.step(backwards=True)
    pane.finder.step(backwards=True)
    assert current() == ("records", 150, "label")
    records = pane.model.index_for_json_path("records")
    assert pane.model.rowCount(records) == 4  # groups, not 3,500 rows


def test_go_to_a_pointer_inside_a_group(
    qtbot: Any, pane: DocumentPane, long_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, long_store)
    pane.find_action.trigger()
    field = pane.find_bar.path_field
    field.setText("/records/3499/id")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert path_of(pane.model, pane.tree_view.currentIndex()) == ("records", 3499, "id")
    field.setText("records[1000]")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    current = pane.tree_view.currentIndex()
    assert path_of(pane.model, current) == ("records", 1000)
    assert current.row() == 0  # the first of its group


def test_add_on_a_group_row_appends_to_that_group_and_shows_the_entry(
    qtbot: Any, pane: DocumentPane, long_store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, long_store)
    records = pane.model.index_for_json_path("records")
    pane.tree_view.expand(records)
    group = pane.model.index(1, 0, records)  # [1000 … 1999]
    pane.tree_view.setCurrentIndex(group)
    pane.tree_view.collapse(records)
    pane.add_action.trigger()
    current = pane.tree_view.currentIndex()
    assert path_of(pane.model, current) == ("records", 2000)
    assert current.parent() == group
    assert pane.tree_view.isExpanded(records)
    assert pane.tree_view.isExpanded(group)
    assert pane.tree_view.visualRect(current).isValid()
    pane.tree_view.closePersistentEditor(current.siblingAtColumn(VALUE_COLUMN))
    assert pane.model.index(1, 0, records).data(DISPLAY) == "[1000 … 2000]"
    assert pane.model.document()["records"][2000] == ""
    assert pane.model.document()["records"][2001] == LONG["records"][2000]


def members_built(model: JsonTreeModel, *path: JsonKey) -> int:
    node = model.node(model.index_for_json_path(*path))
    assert node is not None
    return node.built_count


@pytest.mark.parametrize(
    "document", [{f"k{n:03d}": f"v{n}" for n in range(40)}, [f"v{n}" for n in range(40)]]
)
@pytest.mark.parametrize("tested", [False, True], ids=["counted", "model-tested"])
def test_a_raw_edit_of_a_long_container_builds_only_the_members_shown(
    qtmodeltester: Any, document: Any, tested: bool
) -> None:
    # A raw edit of a megabyte object built all its 35,000 member nodes to sync them (~100 ms
    # of the GUI thread each time); the members never shown are taken from the new document.
    # (Qt's model tester reads rows that views would not: the count is checked without it.)
    if tested:
        model = grouped_model(qtmodeltester, {"big": document})
    else:
        stack = QUndoStack()
        model = JsonTreeModel(stack, fetch_batch=4, group_size=10)
        model._test_stack = stack  # type: ignore[attr-defined]  # keep the stack alive
        model.set_document({"big": document})
    big = model.index_for_json_path("big")
    while model.canFetchMore(big):
        model.fetchMore(big)  # its groups shown
    first_group = model.index(0, 0, big)
    model.fetchMore(first_group)  # the first 4 members shown (built as a view reads them)
    assert [model.index(row, 0, first_group).isValid() for row in range(4)] == [True] * 4
    shown_before = members_built(model, "big")
    assert shown_before < len(document)
    is_object = isinstance(document, dict)
    edited = dict(document) if is_object else list(document)
    changed = ["k001", "k035"] if is_object else [1, 35]  # one shown, one never built
    for place in changed:
        edited[place] = "typed"  # type: ignore[index]
    model.replace_document({"big": edited})
    if not tested:
        assert members_built(model, "big") == shown_before  # before: all 40 built
    assert model.document() == {"big": edited}
    shown = model.index(1, VALUE_COLUMN, first_group)
    assert shown.data(DISPLAY) == "typed"  # the shown member changed on screen
    expand_all_groups(model, big)
    rows = {
        path_of(model, model.index(row, 0, model.index(3, 0, big)))[-1]: model.index(
            row, VALUE_COLUMN, model.index(3, 0, big)
        ).data(DISPLAY)
        for row in range(model.rowCount(model.index(3, 0, big)))
    }
    assert rows[changed[1]] == "typed"  # built later: from the edited document
    stack_of(model).undo()
    assert model.document() == {"big": document}
    stack_of(model).redo()
    assert model.document() == {"big": edited}
