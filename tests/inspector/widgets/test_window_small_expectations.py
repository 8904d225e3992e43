"""Smaller expectations seen in use (issue 12): the window title says the app's name once; a
mistyped folder is reported and not remembered; the read-only banner has no emoji; a read-only
folder offers Save a Copy As."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from inspector.app import create_main_window
from inspector.models.store_columns import Column
from inspector.settings import AppSettings


def test_the_title_is_the_folder_and_the_platform_adds_the_apps_name_once(
    main_window: Any, store_folder: str
) -> None:
    title = main_window.windowTitle()

    assert title == os.path.basename(store_folder) + "[*]"
    assert "Lock Inspector" not in title  # the platform appends the display name itself


def test_a_mistyped_folder_is_reported_and_never_remembered(
    qtbot: Any, main_window: Any, store_folder: str, tmp_path: Path
) -> None:
    qtbot.waitUntil(lambda: AppSettings().last_folder == store_folder, timeout=5000)
    typo = str(tmp_path / "stroes")
    messages: list[str] = []
    main_window.statusBar().messageChanged.connect(messages.append)

    main_window.open_folder(typo)

    qtbot.waitUntil(lambda: any("does not exist" in m for m in messages), timeout=5000)
    settings = AppSettings()
    assert settings.last_folder == store_folder
    assert typo not in settings.recent_folders
    assert typo not in [action.data() for action in main_window.recent_menu.actions()]


def test_a_folder_that_exists_is_remembered_once_listed(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.json").write_text("{}")

    with qtbot.waitSignal(main_window.directory.scan_finished, timeout=5000):
        main_window.open_folder(str(other))

    assert AppSettings().last_folder == str(other)
    assert AppSettings().recent_folders[0] == str(other)


def test_read_only_banner_has_no_emoji_and_the_pane_offers_a_copy(
    qtbot: Any, mount_tmpfs: Any, tmp_path: Path
) -> None:
    tmpfs = mount_tmpfs("1m")
    store = str(tmpfs.path / "settings.json")
    Path(store).write_text('{"theme": "dark"}\n')
    tmpfs.remount_read_only()
    window = create_main_window(str(tmpfs.path))
    qtbot.addWidget(window)
    window.show()
    pane = window.document_pane
    try:
        qtbot.waitUntil(
            lambda: window.model.rowCount() == 1 and window.read_only_banner.isVisible(),
            timeout=5000,
        )
        # Emoji and other pictographs ("Symbol, other") draw as an empty box without a font
        # that has them; the banner's kind is an icon.
        assert not [c for c in window.read_only_banner.text if unicodedata.category(c) == "So"]
        assert not window.read_only_banner.icon_label.pixmap().isNull()
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            assert window.select_store(store)
        qtbot.waitUntil(pane.read_only_copy_button.isVisible, timeout=5000)

        target = str(tmp_path / "copy.json")
        pane.copy_path_prompt = lambda _pane, answer: answer(target)
        with qtbot.waitSignal(pane.session.copy_saved, timeout=10000):
            qtbot.mouseClick(pane.read_only_copy_button, Qt.MouseButton.LeftButton)
        with open(target, encoding="utf-8") as handle:
            assert json.load(handle) == {"theme": "dark"}
    finally:
        window.shutdown()


def test_the_lock_column_shows_other_host_unverifiable_whole(main_window: Any) -> None:
    table = main_window.table
    text_width = table.fontMetrics().horizontalAdvance("other host — unverifiable")
    available = table.horizontalHeader().sectionSize(Column.LOCK) - table.iconSize().width()

    assert available > text_width + 8  # with the cell's margins around the text


def test_help_lists_the_keyboard_shortcuts_the_actions_really_have(
    qtbot: Any, main_window: Any
) -> None:
    help_menu = next(
        action.menu() for action in main_window.menuBar().actions() if "Help" in action.text()
    )
    entry = next(a for a in help_menu.actions() if "Keyboard Shortcuts" in a.text())

    entry.trigger()

    dialog = main_window.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    native = QKeySequence.SequenceFormat.NativeText
    assert dialog.keys_for("Save a Copy As…") == QKeySequence(
        QKeySequence.StandardKey.SaveAs
    ).toString(native)
    refresh = main_window.refresh_action
    refresh_keys = refresh.shortcut().toString(native)
    assert refresh_keys
    assert dialog.keys_for(refresh.text().replace("&", "")) == refresh_keys
    assert dialog.table.accessibleName()
    dialog.close()


def test_empty_states_tell_a_new_user_what_to_do(
    qtbot: Any, tmp_path: Path, isolated_settings: str
) -> None:
    window = create_main_window(None)
    qtbot.addWidget(window)
    window.show()
    try:
        assert "Open a folder" in window.table.empty_text
        assert "--demo" in window.table.empty_text
        window.table.viewport().grab()  # drawn without error

        empty = tmp_path / "empty"
        empty.mkdir()
        with qtbot.waitSignal(window.directory.scan_finished, timeout=5000):
            window.open_folder(str(empty))
        assert "No JSON files here" in window.table.empty_text
        window.table.viewport().grab()

        (empty / "a.json").write_text("{}")
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
        window.filter_edit.setText("zzz")
        qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
        assert "No store matches" in window.table.empty_text
    finally:
        window.shutdown()


def test_locked_only_lists_the_stores_whose_lock_is_taken(
    qtbot: Any, main_window: Any, store_folder: str, lock_holder: Any, qtmodeltester: Any
) -> None:
    settings = os.path.join(store_folder, "settings.json")
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 4, timeout=5000)
    holder = lock_holder(settings)
    qtbot.waitUntil(lambda: main_window.model.row_of(settings) >= 0, timeout=5000)

    main_window.locked_only_box.setChecked(True)

    qtbot.waitUntil(lambda: main_window.model.rowCount() == 1, timeout=5000)
    assert main_window.model.entry_at(0).path == settings
    qtmodeltester.check(main_window.model)
    holder.release()  # freed: it leaves the list
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 0, timeout=5000)
    assert "No store is locked" in main_window.table.empty_text
    main_window.locked_only_box.setChecked(False)
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 4, timeout=5000)


def test_the_status_bar_counts_locked_and_stale_stores(
    qtbot: Any, main_window: Any, store_folder: str, lock_holder: Any
) -> None:
    qtbot.waitUntil(lambda: main_window.model.rowCount() == 4, timeout=5000)
    label = main_window.locked_label
    held = lock_holder(os.path.join(store_folder, "settings.json"))
    qtbot.waitUntil(lambda: label.text() == "1 locked", timeout=5000)

    lock_holder(os.path.join(store_folder, "projects.json")).kill()  # its lock is left: stale

    qtbot.waitUntil(lambda: label.text() == "2 locked (1 stale)", timeout=5000)
    held.release()
    qtbot.waitUntil(lambda: label.text() == "1 locked (1 stale)", timeout=5000)
