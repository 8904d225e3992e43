"""Ctrl+F in the main window: the store filter from the table, find in the document from the
document pane."""

from __future__ import annotations

import json
import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inspector.document import UnsavedChoice
from inspector.models.store_columns import Column


def test_ctrl_f_filters_stores_from_the_table_and_finds_in_the_document_from_the_pane(
    qtbot, main_window
):
    window = main_window
    pane = window.document_pane
    pane.unsaved_prompt = lambda _parent, answer: answer(UnsavedChoice.DISCARD)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    store = os.path.join(window.directory.folder, "settings.json")
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(store)

    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()
    assert pane.find_bar.isHidden()

    pane.tree_view.setFocus()
    qtbot.keyClick(pane.tree_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert pane.find_bar.isVisible()
    assert pane.find_bar.find_field.hasFocus()
    assert not window.filter_edit.hasFocus()

    qtbot.keyClicks(pane.find_bar.find_field, "theme")
    qtbot.keyClick(pane.find_bar.find_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pane.finder.searching and pane.finder.match_count == 1)
    node = pane.model.node(pane.tree_view.currentIndex())
    assert node is not None
    assert node.json_path() == ("theme",)
    assert window.filter_edit.text() == ""  # the store list stays as it was


def test_the_open_stores_schema_verdict_is_shown_with_its_health(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    pane.unsaved_prompt = lambda _parent, answer: answer(UnsavedChoice.DISCARD)
    folder = window.directory.folder
    with open(os.path.join(folder, "settings.schema.json"), "w", encoding="utf-8") as handle:
        json.dump({"type": "object", "required": ["must_have"]}, handle)
    store = os.path.join(folder, "settings.json")
    qtbot.waitUntil(lambda: window.model.row_of(os.path.join(folder, "settings.schema.json")) >= 0)
    with qtbot.waitSignal(pane.schema.checked, timeout=10000):
        assert window.select_store(store)

    def health(path: str) -> str:
        return window.model.index(window.model.row_of(path), int(Column.HEALTH)).data()

    qtbot.waitUntil(lambda: health(store).endswith("; schema: 1 error"), timeout=5000)
    assert "schema" not in health(os.path.join(folder, "settings.schema.json"))
    other = os.path.join(folder, "settings.schema.json")
    with qtbot.waitSignal(pane.schema.checked, timeout=10000):
        assert window.select_store(other)  # a store without a schema of its own
    qtbot.waitUntil(lambda: "schema" not in health(store), timeout=5000)
