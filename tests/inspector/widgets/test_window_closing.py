"""Letting an edited document go -- another row, another folder, the window closing -- asks about
the unsaved edits with the real question, which never nests an event loop: the call that asked
returns at once, the window keeps running while the question is open, and what was asked for
happens when it is answered (after the save, when the person chose to save).

The question is the application's own message box, answered by clicking its buttons. The Open
Folder dialog is opened the same way.
"""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QMessageBox

from inspector.document.tree_model import VALUE_COLUMN

BUTTONS = {
    "save": QMessageBox.StandardButton.Save,
    "discard": QMessageBox.StandardButton.Discard,
    "cancel": QMessageBox.StandardButton.Cancel,
}


def store_path(window, name):
    return os.path.join(window.directory.folder, name)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def question(window):
    return window.document_pane.findChild(QMessageBox, "unsavedEditsQuestion")


def open_settings_and_edit(qtbot, window):
    pane = window.document_pane
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(store_path(window, "settings.json"))
    index = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, "light")
    assert pane.is_dirty
    return store_path(window, "settings.json")


def answer(qtbot, window, choice):
    """Click ``choice`` in the open question (it is open while the window runs on)."""
    qtbot.waitUntil(lambda: question(window) is not None and question(window).isVisible())
    box = question(window)
    assert "settings.json has unsaved edits." in box.text()
    box.button(BUTTONS[choice]).click()


def selection_shows(window, path):
    entry = window.selected_entry()
    return entry is not None and entry.path == path


@pytest.mark.parametrize("choice", ["save", "discard", "cancel"])
def test_choosing_another_row_asks_and_goes_on_when_answered(qtbot, main_window, choice):
    window = main_window
    pane = window.document_pane
    settings = open_settings_and_edit(qtbot, window)
    projects = store_path(window, "projects.json")

    assert window.select_store(projects)  # returns while the question is open

    qtbot.waitUntil(lambda: question(window) is not None and question(window).isVisible())
    assert pane.path == settings  # nothing happens before the answer
    assert selection_shows(window, settings)  # the selection shows the store still shown
    if choice == "cancel":
        answer(qtbot, window, choice)
        qtbot.waitUntil(lambda: question(window) is None or not question(window).isVisible())
        assert pane.path == settings
        assert pane.is_dirty
        assert selection_shows(window, settings)
        assert read(settings)["theme"] == "dark"
        return
    with qtbot.waitSignal(pane.document_loaded, timeout=10000):
        answer(qtbot, window, choice)
    assert pane.path == projects
    assert selection_shows(window, projects)
    assert not pane.is_dirty
    assert read(settings)["theme"] == ("light" if choice == "save" else "dark")


@pytest.mark.parametrize("choice", ["save", "discard", "cancel"])
def test_opening_another_folder_asks_and_goes_on_when_answered(
    qtbot, main_window, tmp_path, choice
):
    window = main_window
    pane = window.document_pane
    settings = open_settings_and_edit(qtbot, window)
    first_folder = window.directory.folder
    other = tmp_path / "other"
    other.mkdir()
    (other / "elsewhere.json").write_text('{"x": 1}', encoding="utf-8")

    window.open_folder(str(other))  # returns while the question is open

    qtbot.waitUntil(lambda: question(window) is not None and question(window).isVisible())
    assert window.directory.folder == first_folder
    answer(qtbot, window, choice)
    if choice == "cancel":
        qtbot.waitUntil(lambda: question(window) is None or not question(window).isVisible())
        assert window.directory.folder == first_folder
        assert pane.path == settings
        assert pane.is_dirty
        assert read(settings)["theme"] == "dark"
        return
    qtbot.waitUntil(lambda: window.directory.folder == str(other), timeout=10000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    assert pane.path is None
    assert read(settings)["theme"] == ("light" if choice == "save" else "dark")


@pytest.mark.parametrize("choice", ["save", "discard", "cancel"])
def test_closing_the_window_asks_and_closes_when_answered(qtbot, main_window, choice):
    window = main_window
    pane = window.document_pane
    settings = open_settings_and_edit(qtbot, window)

    assert not window.close()  # not yet: the question is open, and the call returned

    assert window.isVisible()
    answer(qtbot, window, choice)
    if choice == "cancel":
        qtbot.waitUntil(lambda: question(window) is None or not question(window).isVisible())
        assert window.isVisible()
        assert pane.is_dirty
        assert read(settings)["theme"] == "dark"
        return
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert read(settings)["theme"] == ("light" if choice == "save" else "dark")


def test_closing_waits_for_a_save_that_waits_for_the_lock(qtbot, main_window, lock_holder):
    window = main_window
    pane = window.document_pane
    settings = open_settings_and_edit(qtbot, window)
    holder = lock_holder(settings)  # another process holds the store's lock

    assert not window.close()
    answer(qtbot, window, "save")

    qtbot.waitUntil(lambda: pane.progress_bar.isVisible() and "Waiting" in pane.progress_bar.text,
                    timeout=10000)  # fmt: skip
    assert window.isVisible()  # the window stays, and keeps running, while the save waits
    assert pane.is_saving
    holder.release()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)  # closed once saved
    assert read(settings)["theme"] == "light"


def test_closing_gives_up_waiting_for_a_save_after_a_while_and_says_so(
    qtbot, main_window, lock_holder
):
    window = main_window
    pane = window.document_pane
    pane.close_save_wait = 0.5
    settings = open_settings_and_edit(qtbot, window)
    holder = lock_holder(settings)

    assert not window.close()
    answer(qtbot, window, "save")

    qtbot.waitUntil(
        lambda: "Still saving settings.json" in window.statusBar().currentMessage(),
        timeout=10000,
    )
    assert window.isVisible()  # not closed: the edits are kept ...
    assert pane.is_dirty
    assert pane.is_saving  # ... and the save goes on
    with qtbot.waitSignal(pane.saved, timeout=10000):
        holder.release()
    assert read(settings)["theme"] == "light"
    assert window.isVisible()  # the close was given up; it is not done behind the person's back
    assert window.close()  # and asked again, nothing is left to ask about


def test_open_folder_asks_for_the_folder_without_a_nested_event_loop(qtbot, main_window, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    window = main_window
    other = tmp_path / "other"
    other.mkdir()
    (other / "elsewhere.json").write_text('{"x": 1}', encoding="utf-8")

    window.open_action.trigger()  # returns while the dialog is open

    dialog = window.findChild(QFileDialog, "openFolderDialog")
    assert dialog is not None
    assert dialog.isVisible()
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(other))
    dialog.accept()
    qtbot.waitUntil(lambda: window.directory.folder == str(other), timeout=5000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
