"""The window while a store is being edited: the filter, the selection and the open document.

The table's current row and the pane's document always agree: the pane shows the current row's
store, or, when no row is current, the store it showed before (its row filtered out or not
listed, which a label says) or nothing. Only the person's explicit choice of another row
changes the document.
"""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from inspector.document import UnsavedChoice
from inspector.document.tree_model import VALUE_COLUMN


def store_path(window, name):
    return os.path.join(window.directory.folder, name)


def open_store(qtbot, window, name):
    with qtbot.waitSignal(window.document_pane.document_loaded, timeout=5000):
        assert window.select_store(store_path(window, name))


def edit_value(pane, key, value):
    index = pane.model.index_for_json_path(key).siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, value)


def selected_path(window):
    entry = window.selected_entry()
    return None if entry is None else entry.path


def selected_rows(window):
    return [index.row() for index in window.table.selectionModel().selectedRows()]


def in_sync(window):
    """The pane's document and the table's current and selected row say the same store."""
    pane_path = window.document_pane.path
    current = selected_path(window)
    if current is None:
        return not selected_rows(window)
    return current == pane_path and selected_rows(window) == [window.model.row_of(current)]


class PromptRecorder:
    """An unsaved-edits prompt that counts its questions and gives one answer."""

    def __init__(self, answer):
        self.answer = answer
        self.asked = 0

    def __call__(self, _pane, answer):
        self.asked += 1
        answer(self.answer)


def test_typing_a_filter_never_changes_the_open_document(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    prompt = PromptRecorder(UnsavedChoice.DISCARD)
    pane.unsaved_prompt = prompt
    open_store(qtbot, window, "settings.json")
    edit_value(pane, "theme", "light")

    window.filter_edit.setFocus()
    qtbot.keyClicks(window.filter_edit, "proj")  # "p": settings.json's row leaves the table

    assert window.filter_edit.text() == "proj"  # no keystroke eaten by a dialog
    assert prompt.asked == 0
    assert pane.path == store_path(window, "settings.json")
    assert pane.is_dirty
    assert pane.model.document()["theme"] == "light"
    assert window.model.rowCount() == 1
    assert selected_path(window) is None  # projects.json is not opened "under the cursor"
    assert in_sync(window)
    assert window.hidden_store_label.isVisible()
    assert "settings.json" in window.hidden_store_label.text()

    window.filter_edit.clear()  # the row comes back, and is the current one again
    assert selected_path(window) == store_path(window, "settings.json")
    assert in_sync(window)
    assert not window.hidden_store_label.isVisible()
    assert prompt.asked == 0
    assert pane.model.document()["theme"] == "light"


def test_typing_a_filter_without_edits_keeps_the_document_too(qtbot, main_window):
    window = main_window
    open_store(qtbot, window, "settings.json")
    qtbot.keyClicks(window.filter_edit, "broken")
    assert window.document_pane.path == store_path(window, "settings.json")
    assert selected_path(window) is None
    assert in_sync(window)


def test_choosing_another_row_is_still_asked_about(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    prompt = PromptRecorder(UnsavedChoice.CANCEL)
    pane.unsaved_prompt = prompt
    open_store(qtbot, window, "settings.json")
    edit_value(pane, "theme", "light")

    assert window.select_store(store_path(window, "projects.json"))  # the person's choice

    assert prompt.asked == 1
    assert pane.path == store_path(window, "settings.json")
    assert selected_path(window) == store_path(window, "settings.json")
    assert in_sync(window)  # the selection shows the store kept, not the one refused

    prompt.answer = UnsavedChoice.DISCARD
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(store_path(window, "projects.json"))
    assert pane.path == store_path(window, "projects.json")
    assert in_sync(window)


def test_a_refused_row_change_with_the_open_row_filtered_out(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    prompt = PromptRecorder(UnsavedChoice.CANCEL)
    pane.unsaved_prompt = prompt
    open_store(qtbot, window, "settings.json")
    edit_value(pane, "theme", "light")
    qtbot.keyClicks(window.filter_edit, "proj")
    window.table.selectionModel().setCurrentIndex(
        window.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert prompt.asked == 1
    assert pane.path == store_path(window, "settings.json")
    assert selected_path(window) is None  # its row is not listed: no row is current
    assert in_sync(window)


def test_the_selection_follows_the_document_when_the_folder_returns(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    pane.unsaved_prompt = PromptRecorder(UnsavedChoice.CANCEL)
    open_store(qtbot, window, "settings.json")
    edit_value(pane, "theme", "light")
    folder = window.directory.folder
    os.rename(folder, folder + ".moved")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    assert pane.path == store_path(window, "settings.json")
    assert in_sync(window)
    os.rename(folder + ".moved", folder)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=5000)
    assert selected_path(window) == store_path(window, "settings.json")
    assert in_sync(window)
    assert pane.is_dirty


def test_the_selection_follows_the_document_when_rows_are_sorted(qtbot, main_window):
    window = main_window
    open_store(qtbot, window, "projects.json")
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert selected_path(window) == store_path(window, "projects.json")
    assert in_sync(window)


# -- the message bars after saving -----------------------------------------------------------


def write_behind_the_panes_back(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def test_a_merged_save_clears_the_changed_on_disk_bar(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    pane.unsaved_prompt = PromptRecorder(UnsavedChoice.CANCEL)  # never a modal box
    open_store(qtbot, window, "settings.json")
    path = store_path(window, "settings.json")
    edit_value(pane, "theme", "light")
    write_behind_the_panes_back(path, {"theme": "dark", "counter": 7})
    qtbot.waitUntil(pane.change_bar.isVisible, timeout=5000)

    with qtbot.waitSignal(pane.saved, timeout=5000):
        assert pane.save()

    assert not pane.is_dirty
    assert not pane.change_bar.isVisible()
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == {"theme": "light", "counter": 7}


def test_a_save_that_fails_on_a_vanished_folder_says_one_thing(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    prompt = PromptRecorder(UnsavedChoice.CANCEL)  # never a modal box
    pane.unsaved_prompt = prompt
    open_store(qtbot, window, "settings.json")
    edit_value(pane, "theme", "light")
    folder = window.directory.folder
    os.rename(folder, folder + ".moved")
    qtbot.waitUntil(window.folder_banner.isVisible, timeout=5000)

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=5000):
        assert pane.save()
    assert pane.error_bar.isVisible()
    # What the pane reads now (nothing: the folder is gone) is not "another process's
    # change": the error says what happened.
    with qtbot.waitSignal(pane.service.loaded, timeout=5000):
        pane.notify_disk_change(store_path(window, "settings.json"))
    assert not pane.change_bar.isVisible()
    assert pane.error_bar.isVisible()

    os.rename(folder + ".moved", folder)
    qtbot.waitUntil(lambda: not pane.error_bar.isVisible(), timeout=5000)
    assert not pane.change_bar.isVisible()
    assert pane.is_dirty
    assert pane.model.document()["theme"] == "light"
    with qtbot.waitSignal(pane.saved, timeout=5000):
        assert pane.save()
    assert not pane.change_bar.isVisible()
    assert not pane.error_bar.isVisible()
    assert prompt.asked == 0  # the folder going and coming is not a change of store


NON_STANDARD_STORE = (
    b'{\n  "theme": "dark",\n  "theme": "light",\n  "limit": 1e999,\n  "floor": -1e999,\n'
    b'  "epsilon": 1e-999,\n  "ratio": 1.50,\n  "n": 1\n}\n'
)


def test_a_non_standard_store_says_why_in_the_table_and_the_pane_and_keeps_its_bytes(
    qtbot, main_window
):
    from inspector.models.store_columns import Column
    from inspector.services.store_directory import StoreHealth

    window = main_window
    pane = window.document_pane
    path = store_path(window, "quirky.json")
    with open(path, "wb") as handle:
        handle.write(NON_STANDARD_STORE)
    qtbot.waitUntil(
        lambda: (
            window.model.row_of(path) >= 0
            and window.model.index(window.model.row_of(path), Column.HEALTH).data()
            == StoreHealth.NON_STANDARD.value
        ),
        timeout=5000,
    )
    health = window.model.index(window.model.row_of(path), Column.HEALTH)
    reason = health.data(Qt.ItemDataRole.ToolTipRole)
    assert 'duplicate key "theme"' in reason
    assert "numbers too large or small for a double" in reason

    open_store(qtbot, window, "quirky.json")
    assert "non-standard JSON" in pane.header.details.text()
    assert 'duplicate key "theme"' in pane.notice_bar.text
    assert "1e999, -1e999, 1e-999" in pane.notice_bar.text

    # An unrelated edit keeps every quirky literal and both occurrences of the key.
    edit_value(pane, "n", 2)
    with qtbot.waitSignal(pane.saved, timeout=5000):
        assert pane.save()
    with open(path, "rb") as handle:
        assert handle.read() == NON_STANDARD_STORE.replace(b'"n": 1', b'"n": 2')


def test_a_big_document_in_the_raw_tab_keeps_the_splitter_where_it_was(qtbot, main_window):
    from inspector.document.pane.pane_state import RAW_TAB

    window = main_window
    pane = window.document_pane
    window.resize(1200, 800)
    record = {"name": "server-00000", "host": "10.0.0.1", "ports": [80, 443]}
    with open(store_path(window, "big.json"), "w", encoding="utf-8") as handle:
        json.dump({f"k{i:06d}": record for i in range(12_000)}, handle, indent=2)  # ~1.4 MiB
    qtbot.waitUntil(lambda: window.model.row_of(store_path(window, "big.json")) >= 0)
    qtbot.waitUntil(lambda: window.splitter.sizes()[1] > 0)
    sizes = window.splitter.sizes()

    open_store(qtbot, window, "big.json")
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10_000)
    # Its text shows once the secrets check (after loading, for a big document) found none.
    qtbot.waitUntil(
        lambda: "too large to edit as text" in pane.raw_view.status.text(), timeout=10_000
    )

    # The layouts the new text asks for are posted, a level at a time: carry them out.
    for _level in range(12):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()

    # The read-only status line under the text was one unwrapped line as wide as the pane's
    # minimum: the splitter moved over the store table.
    assert window.splitter.sizes() == sizes
    assert pane.minimumSizeHint().width() < sizes[1]
