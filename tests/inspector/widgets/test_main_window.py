"""End to end: the real window, real lock-holder processes, real files."""

from __future__ import annotations

import os
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QApplication

from inspector.app import create_main_window
from inspector.document import UnsavedChoice
from inspector.document.tree_model import VALUE_COLUMN
from inspector.models.store_columns import Column
from inspector.services.store_directory import StoreHealth
from lockcore import LockState, inspect_lock


def row_entry(window, name):
    path = os.path.join(window.directory.folder, name)
    row = window.model.row_of(path)
    return None if row < 0 else window.model.entry_at(row)


def lock_state(window, name):
    entry = row_entry(window, name)
    return None if entry is None else entry.lock_state


def lock_pid(window, name):
    """The listed holder's PID; None while the row or its lock is not listed (e.g. mid-rescan)."""
    entry = row_entry(window, name)
    return None if entry is None or entry.lock is None else entry.lock.pid


def test_rows_health_and_status_bar(main_window):
    window = main_window
    assert row_entry(window, "broken.json").health is StoreHealth.CORRUPT
    assert row_entry(window, "cache.json").health is StoreHealth.RECOVERABLE
    assert row_entry(window, "notes.txt") is None
    assert window.stores_label.text() == "4 stores"
    assert window.locked_label.text() == "0 locked"
    assert window.folder_label.text() == window.directory.folder


def test_held_then_stale_then_broken_through_the_dialog(qtbot, main_window, lock_holder):
    window = main_window
    path = os.path.join(window.directory.folder, "settings.json")
    assert window.select_store(path)
    assert not window.break_lock_action.isEnabled()

    holder = lock_holder(path)
    started = time.monotonic()
    qtbot.waitUntil(
        lambda: lock_state(window, "settings.json") is LockState.HELD_ALIVE, timeout=3000
    )
    latency = time.monotonic() - started
    assert latency < 1.0, f"took {latency:.3f} s to show the lock"
    entry = row_entry(window, "settings.json")
    row = window.model.row_of(path)
    assert window.model.index(row, Column.PID).data() == str(holder.pid)
    assert window.locked_label.text() == "1 locked"
    assert window.break_lock_action.isEnabled()

    holder.kill()
    qtbot.waitUntil(
        lambda: lock_state(window, "settings.json") is LockState.STALE_DEAD_HOLDER, timeout=5000
    )
    window.break_lock_action.trigger()
    dialog = window.break_lock_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.info.pid == holder.pid
    assert not dialog.needs_second_step
    looked_at: list[list[str]] = []
    refresh_paths = window.directory.refresh_paths
    window.directory.refresh_paths = lambda paths: (looked_at.append(paths), refresh_paths(paths))
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.lock_actions.break_finished, timeout=3000) as finished:
        dialog.break_button.click()  # the break runs off the GUI thread
    assert finished.args == [dialog.info, None]
    assert not os.path.exists(entry.lock.lock_path)
    # One outcome, handed once to each who needs it: the dialog, the status bar, the listing.
    assert dialog.was_broken
    assert messages == ["Lock on settings.json broken."]
    assert looked_at == [[entry.lock.lock_path]]
    qtbot.waitUntil(lambda: lock_state(window, "settings.json") is LockState.FREE, timeout=3000)
    qtbot.waitUntil(lambda: window.locked_label.text() == "0 locked", timeout=3000)


def break_dialog_for_a_stale_lock(qtbot, window, lock_holder, name: str):
    """Kill a holder of ``name``'s lock, wait for the row to say stale, open the dialog."""
    path = os.path.join(window.directory.folder, name)
    lock_holder(path).kill()
    qtbot.waitUntil(lambda: lock_state(window, name) is LockState.STALE_DEAD_HOLDER, timeout=5000)
    # Opening the document says so in the status bar; let that be said before the break.
    with qtbot.waitSignal(window.document_pane.document_loaded, timeout=5000):
        assert window.select_store(path)
    window.break_lock_action.trigger()
    return window.break_lock_dialog


def test_dialog_refuses_when_the_lock_changed(qtbot, main_window, lock_holder):
    window = main_window
    dialog = break_dialog_for_a_stale_lock(qtbot, window, lock_holder, "projects.json")
    path = os.path.join(window.directory.folder, "projects.json")
    second = lock_holder(path)  # takes over the dead lock before the user confirms
    with qtbot.waitSignal(window.lock_actions.break_finished, timeout=3000) as finished:
        dialog.break_button.click()
    assert finished.args[1] is not None
    assert "changed" in dialog.outcome_label.text()
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: lock_pid(window, "projects.json") == second.pid, timeout=3000)
    assert lock_state(window, "projects.json") is LockState.HELD_ALIVE
    dialog.reject()


def test_break_finishing_after_its_dialog_closed_is_reported(qtbot, main_window, lock_holder):
    window = main_window
    dialog = break_dialog_for_a_stale_lock(qtbot, window, lock_holder, "projects.json")
    # Every message is kept: waitUntil polls, and a later message may replace this one in between.
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    dialog.break_button.click()
    dialog.reject()  # closed before the break's outcome came back
    qtbot.waitUntil(lambda: "Lock on projects.json broken." in messages, timeout=3000)
    qtbot.waitUntil(lambda: lock_state(window, "projects.json") is LockState.FREE, timeout=3000)


def test_recover_interrupted_write(qtbot, main_window):
    window = main_window
    path = os.path.join(window.directory.folder, "cache.json")
    window.select_store(path)
    assert window.recover_action.isEnabled()
    with qtbot.waitSignal(window.lock_actions.recover_finished, timeout=5000) as done:
        window.recover_action.trigger()
    assert done.args[1] is True, done.args
    assert os.path.exists(path)
    assert not os.path.exists(path + ".tmp")
    qtbot.waitUntil(
        lambda: row_entry(window, "cache.json").health is StoreHealth.VALID, timeout=3000
    )


def test_corrupt_and_missing_files_do_not_crash(qtbot, main_window):
    window = main_window
    folder = window.directory.folder
    for name in ("broken.json", "cache.json"):
        assert window.select_store(os.path.join(folder, name))
    os.unlink(os.path.join(folder, "settings.json"))
    qtbot.waitUntil(lambda: row_entry(window, "settings.json") is None, timeout=3000)
    with open(os.path.join(folder, "binary.json"), "wb") as handle:
        handle.write(b"\xff\xfe\x00garbage")
    qtbot.waitUntil(lambda: row_entry(window, "binary.json") is not None, timeout=3000)
    assert row_entry(window, "binary.json").health is StoreHealth.NOT_UTF8


def test_selection_survives_updates(qtbot, main_window, lock_holder):
    window = main_window
    path = os.path.join(window.directory.folder, "projects.json")
    window.select_store(path)
    holder = lock_holder(os.path.join(window.directory.folder, "settings.json"))
    qtbot.waitUntil(
        lambda: lock_state(window, "settings.json") is LockState.HELD_ALIVE, timeout=3000
    )
    assert window.selected_entry().path == path
    holder.release()


def test_filter_box(qtbot, main_window):
    window = main_window
    window.find_action.trigger()
    qtbot.keyClicks(window.filter_edit, "json.tmp")  # no store is named so
    assert window.model.rowCount() == 0
    window.filter_edit.clear()
    qtbot.keyClicks(window.filter_edit, "corrupt")
    assert window.model.rowCount() == 1
    assert window.model.index(0, Column.FILE).data() == "broken.json"


def test_folder_vanishes_and_returns(qtbot, main_window):
    window = main_window
    folder = window.directory.folder
    os.rename(folder, folder + ".moved")
    qtbot.waitUntil(window.folder_banner.isVisible, timeout=5000)
    assert window.model.rowCount() == 0
    os.rename(folder + ".moved", folder)
    qtbot.waitUntil(lambda: not window.folder_banner.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=5000)


def test_settings_remember_folder_geometry_and_recent(qtbot, store_folder, tmp_path):
    other = str(tmp_path / "other")
    os.mkdir(other)
    window = create_main_window(store_folder)
    qtbot.addWidget(window)
    # A folder is remembered once listed (a mistyped one never is).
    qtbot.waitUntil(lambda: QSettings().value("folders/last") == store_folder, timeout=5000)
    with qtbot.waitSignal(window.directory.scan_finished, timeout=5000):
        window.open_folder(other)
    window.resize(700, 500)
    window.splitter.setSizes([500, 400])
    window.close()
    settings = QSettings()
    assert settings.value("folders/last") == other
    assert settings.value("folders/recent") == [other, store_folder]

    again = create_main_window(None)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (700, 500)
    recent = [action.data() for action in again.recent_menu.actions()]
    assert recent == [other, store_folder]
    again.recent_menu.actions()[1].trigger()
    assert again.directory.folder == store_folder
    again.shutdown()


def test_shortcuts_and_menus(main_window):
    window = main_window
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Help"]
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.save_action.shortcut().toString() == "Ctrl+S"
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"
    assert "F5" in [s.toString() for s in window.refresh_action.shortcuts()]
    window.about_action.trigger()
    assert window.version in window.about_box.text()
    window.about_box.done(0)
    assert window.table.horizontalHeader().sortIndicatorSection() == Column.FILE
    assert window.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder


def test_keyboard_shortcuts_reach_their_actions(qtbot, main_window):
    window = main_window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()

    with qtbot.waitSignal(window.directory.scan_finished, timeout=3000):
        qtbot.keyClick(window.table, Qt.Key.Key_F5)

    stack = window.document_pane.undo_stack
    command = QUndoCommand("test edit")
    stack.push(command)
    assert stack.canUndo()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not stack.canUndo()
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert stack.canUndo()
    stack.clear()

    path = os.path.join(window.directory.folder, "settings.json")
    assert window.select_store(path)
    window.table.setFocus()
    QApplication.clipboard().clear()
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert QApplication.clipboard().text() == path


def test_the_window_tells_the_model_which_rows_are_on_screen(qtbot, main_window):
    window = main_window
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: len(window.model._visible_rows()) == 4, timeout=2000)
    assert list(window.model._visible_rows()) == [0, 1, 2, 3]
    window.filter_edit.setText("broken")
    assert list(window.model._visible_rows()) == [0]
    assert window.model.entry_at(0).name == "broken.json"
    window.filter_edit.clear()
    window.hide()
    assert list(window.model._visible_rows()) == []  # a hidden window repaints nothing


def test_status_bar_says_how_the_folder_is_watched(main_window):
    assert "inotify" in main_window.watch_label.text()
    assert not main_window.read_only_banner.isVisible()


def open_settings(qtbot, window):
    pane = window.document_pane
    pane.unsaved_prompt = lambda _parent, answer: answer(
        UnsavedChoice.DISCARD
    )  # closing must not ask
    store = os.path.join(window.directory.folder, "settings.json")
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(store)
    return store


def edit_theme(pane, value):
    index = pane.model.index_for_json_path("theme").siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, value)


def test_save_undo_and_redo_follow_the_pane(qtbot, main_window, lock_holder):
    window = main_window
    pane = window.document_pane
    store = open_settings(qtbot, window)
    assert not window.save_action.isEnabled()  # nothing edited: nothing to save
    assert not window.undo_action.isEnabled()

    edit_theme(pane, "light")
    assert window.save_action.isEnabled()
    assert window.undo_action.isEnabled()
    assert "theme" in window.undo_action.toolTip()

    lock_holder(store)  # the save waits for this lock until cancelled
    window.save_action.trigger()
    assert pane.is_saving
    assert not window.save_action.isEnabled()
    assert not window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert pane.model.document()["theme"] == "light"  # no undo under a running save

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=5000):
        pane.cancel_save()
    assert window.save_action.isEnabled()
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert pane.model.document()["theme"] == "dark"
    assert not window.save_action.isEnabled()
    assert window.redo_action.isEnabled()
    window.redo_action.trigger()
    assert pane.model.document()["theme"] == "light"


def test_shutdown_ends_a_waiting_save(qtbot, main_window, lock_holder, monkeypatch):
    window = main_window
    pane = window.document_pane
    store = open_settings(qtbot, window)
    edit_theme(pane, "light")
    lock_holder(store)
    assert pane.save()
    with open(store, "rb") as handle:
        before = handle.read()
    shut_down = []
    real_shutdown = pane.shutdown
    monkeypatch.setattr(pane, "shutdown", lambda: shut_down.append(real_shutdown()))

    window.shutdown()

    assert shut_down == [None]
    with open(store, "rb") as handle:
        assert handle.read() == before


def test_the_end_of_a_session_closes_a_window_whose_save_waits(qtbot, main_window, lock_holder):
    # SIGTERM, Ctrl+C and logout: the Quit action refuses while a save runs, these do not.
    window = main_window
    pane = window.document_pane
    store = open_settings(qtbot, window)
    edit_theme(pane, "light")
    holder = lock_holder(store)  # the save waits for this lock until cancelled
    with open(store, "rb") as handle:
        before = handle.read()
    window.save_action.trigger()
    assert pane.is_saving
    window.quit_action.trigger()
    assert window.isVisible()  # Quit asks to cancel the save first

    window.close_when_safe()

    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not pane.is_saving
    with open(store, "rb") as handle:
        assert handle.read() == before  # the cancelled save wrote nothing
    assert inspect_lock(store).pid == holder.pid


def test_a_name_with_a_newline_and_markup_is_shown_on_one_line_as_it_is(qtbot, main_window):
    window = main_window
    name = "a\n<b>b.json"  # a tag would make a label render markup
    path = os.path.join(window.directory.folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{")  # corrupt: the pane's notice names it in rich text
    qtbot.waitUntil(lambda: row_entry(window, name) is not None, timeout=5000)
    shown = "a\\n<b>b.json"
    assert window.model.index(window.model.row_of(path), Column.FILE).data() == shown
    with qtbot.waitSignal(window.document_pane.document_loaded, timeout=5000):
        assert window.select_store(path)
    title = window.document_pane.header.title
    assert title.text() == shown
    assert title.textFormat() is Qt.TextFormat.PlainText
    notice = window.document_pane.error_bar.text
    assert "a\\n&lt;b&gt;b.json is not valid JSON" in notice
    assert "<b>b.json" not in notice


def test_the_filter_field_leads_into_the_table_by_keyboard(qtbot, main_window):
    window = main_window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.filter_edit.setFocus()
    qtbot.keyClicks(window.filter_edit, "proj")
    assert window.model.rowCount() == 1
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.table
    assert window.selected_entry() is not None
    assert window.selected_entry().name == "projects.json"
    window.filter_edit.setFocus()
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)
    assert window.filter_edit.text() == ""
    assert window.model.rowCount() == 4


def test_a_store_asked_for_but_not_listed_is_not_selected_when_it_appears(qtbot, main_window):
    window = main_window
    folder = window.directory.folder
    later = os.path.join(folder, "zz-later.json")  # sorts last: inserted at the end
    with qtbot.waitSignal(window.directory.scan_finished, timeout=5000):
        window.open_folder(folder, select=later)
    with open(later, "w", encoding="utf-8") as handle:
        handle.write("{}")
    qtbot.waitUntil(lambda: row_entry(window, "zz-later.json") is not None, timeout=5000)
    assert window.selected_entry() is None


@pytest.mark.parametrize(
    ("raw", "health"),
    [
        # What Windows PowerShell 5 writes: the table called it valid JSON, the pane "not UTF-8".
        ('{"written by": "PowerShell 5"}'.encode("utf-16"), StoreHealth.UTF16),
        ('{"city": "Café"}'.encode("latin-1"), StoreHealth.NOT_UTF8),
        # Valid JSON Python will not build: "corrupt" in both, before.
        # Deeper than any Python parses (3.13 builds 5,000 levels; 3.10 stops near 1,000).
        (b"[" * 100_000 + b"]" * 100_000, StoreHealth.TOO_LARGE_OR_DEEP),
    ],
    ids=["utf-16", "latin-1", "deep"],
)
def test_an_odd_store_is_the_same_in_the_table_and_the_pane(qtbot, main_window, raw, health):
    window = main_window
    path = os.path.join(window.directory.folder, "odd.json")
    with open(path, "wb") as handle:
        handle.write(raw)
    qtbot.waitUntil(
        lambda: (entry := row_entry(window, "odd.json")) is not None and entry.health is health,
        timeout=3000,
    )
    row = window.model.row_of(path)
    assert window.model.index(row, Column.HEALTH).data() == health.value
    pane = window.document_pane
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(path)
    assert health.value in pane.header.details.text()
    assert health.value in pane.convert_bar.text + pane.notice_bar.text
    assert pane.raw_editor.isReadOnly()
    assert not pane.is_dirty
