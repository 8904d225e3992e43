"""Edit ▸ Preferences…: per-folder and app-wide settings edited, persisted, applied at once (the
settings' own defaults and bounds are test_settings.py's, the table's columns
test_column_settings.py's)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

from inspector.document import DocumentPane
from inspector.services.store_directory import StoreDirectory
from inspector.settings import (
    ALERTS_ENABLED,
    REVIEW_FIRST_SAVE,
    AppSettings,
)
from inspector.widgets.pane_settings import PaneSettings
from inspector.widgets.preferences_dialog import PreferencesDialog

MIB = 1024 * 1024


def _set_text(qtbot: Any, box: Any, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    if text:
        qtbot.keyClicks(box, text)


def test_apply_writes_cancel_forgets_and_defaults_fill_the_fields(
    qtbot: Any, settings: AppSettings
) -> None:
    folder = "/srv/shared"
    dialog = PreferencesDialog(settings, folder)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.folder_group.title() == "This folder: shared"
    assert not dialog.apply_button.isEnabled()  # nothing edited yet
    assert not dialog.long_hold_box.isEnabled()  # alerts are off
    told: list[tuple[str, str]] = []
    settings.changed.connect(lambda name, where: told.append((name, where)))

    _set_text(qtbot, dialog.versions_box, "5")
    dialog.alerts_box.setChecked(True)
    assert dialog.long_hold_box.isEnabled()
    _set_text(qtbot, dialog.long_hold_box, "12")
    dialog.event_history_box.setChecked(False)
    assert not dialog.event_history_size_box.isEnabled()
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()  # Apply stays open
    assert not dialog.apply_button.isEnabled()
    assert settings.folder_history_versions(folder) == 5
    assert settings.alerts_enabled(folder)
    assert settings.long_hold_threshold(folder) == 12.0
    assert not settings.keep_event_history
    assert (ALERTS_ENABLED, folder) in told
    again = AppSettings(QSettings(settings._settings.fileName(), QSettings.Format.IniFormat))
    assert again.folder_history_versions(folder) == 5  # persisted

    qtbot.mouseClick(dialog.defaults_button, Qt.MouseButton.LeftButton)
    assert dialog.versions_box.value() == 20
    assert not dialog.alerts_box.isChecked()
    assert dialog.event_history_box.isChecked()
    assert settings.folder_history_versions(folder) == 5  # only fields so far
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert settings.folder_history_versions(folder) == 5  # Cancel wrote nothing
    assert settings.alerts_enabled(folder)


def test_a_field_without_a_value_disables_ok_and_apply(qtbot: Any, settings: AppSettings) -> None:
    dialog = PreferencesDialog(settings, "/srv/shared")
    qtbot.addWidget(dialog)
    dialog.show()
    _set_text(qtbot, dialog.versions_size_box, "")  # " MiB" and no number
    assert not dialog.versions_size_box.hasAcceptableInput()
    assert not dialog.ok_button.isEnabled()
    assert not dialog.apply_button.isEnabled()
    assert not dialog.apply()
    _set_text(qtbot, dialog.versions_size_box, "4")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert settings.folder_history_max_bytes("/srv/shared") == 4 * MIB


def test_without_a_folder_only_the_apps_settings_are_offered(
    qtbot: Any, settings: AppSettings
) -> None:
    dialog = PreferencesDialog(settings, "")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.folder_group.isEnabled()
    assert dialog.no_folder_label.isVisible()
    dialog.review_box.setChecked(False)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not settings.review_before_first_save
    assert settings.folder_history_versions("") == 20  # nothing written for no folder


def test_a_change_made_elsewhere_shows_in_the_open_dialog(
    qtbot: Any, settings: AppSettings
) -> None:
    dialog = PreferencesDialog(settings, "/srv/shared")
    qtbot.addWidget(dialog)
    settings.set_alerts_enabled("/srv/shared", True)  # View ▸ Alerts, say
    assert dialog.alerts_box.isChecked()
    settings.set_alerts_enabled("/srv/elsewhere", False)
    assert dialog.alerts_box.isChecked()


def test_the_pane_follows_its_folders_settings_at_once(
    qtbot: Any, settings: AppSettings, tmp_path: Path
) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    one.mkdir()
    other.mkdir()
    settings.set_folder_history_versions(str(other), 2)
    directory = StoreDirectory()
    pane = DocumentPane()
    qtbot.addWidget(pane)
    follower = PaneSettings(settings, directory, pane)
    try:
        with qtbot.waitSignal(directory.folder_changed, timeout=5000):
            directory.set_folder(str(one))
        assert pane.session.keep_versions == 20
        settings.set_folder_history_versions(str(one), 4)
        settings.set_folder_history_max_bytes(str(one), 3 * MIB)
        settings.set_schema_checks_enabled(str(one), False)
        assert pane.session.keep_versions == 4
        assert pane.session.versions_max_bytes == 3 * MIB
        assert not pane.schema.enabled
        settings.set_folder_history_versions(str(other), 9)  # not the folder shown
        assert pane.session.keep_versions == 4

        with qtbot.waitSignal(directory.folder_changed, timeout=5000):
            directory.set_folder(str(other))
        assert pane.session.keep_versions == 9
        assert pane.schema.enabled

        # Review before the first save: only once the application asks for it.
        settings.review_before_first_save = True
        assert not pane.review_before_first_save
        follower.follow_review_setting()
        assert pane.review_before_first_save
        with qtbot.waitSignal(settings.changed) as told:
            settings.review_before_first_save = False
        assert told.args == [REVIEW_FIRST_SAVE, ""]
        assert not pane.review_before_first_save
    finally:
        directory.shutdown()


# Offscreen windows cannot be raised (a second Preferences… raises the open dialog).
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_the_window_opens_preferences_with_ctrl_comma_and_applies_them_live(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    window = main_window
    action = window.preferences_action
    edit_menu = window.menuBar().actions()[1].menu()
    assert action in edit_menu.actions()
    assert QKeySequence("Ctrl+,") in action.shortcuts()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.preferences_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.isModal()  # window-modal through open(), no nested event loop
    assert dialog.folder == store_folder
    assert window.show_preferences() is dialog  # one at a time

    _set_text(qtbot, dialog.versions_box, "3")
    dialog.schema_box.setChecked(False)
    dialog.alerts_box.setChecked(True)
    _set_text(qtbot, dialog.long_hold_box, "5")
    dialog.event_history_box.setChecked(False)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.preferences_dialog is None, timeout=5000)  # closed, deleted
    pane = window.document_pane
    assert pane.session.keep_versions == 3
    assert not pane.schema.enabled
    alerts = window.services.lock_alerts
    assert alerts.enabled
    assert alerts.rules.threshold == 5.0
    assert window.alert_presenter.toggle_action.isChecked()  # View ▸ Alerts follows
    stream = window.services.lock_events._stream
    assert stream is not None
    assert not stream.recording


def test_the_event_history_records_only_while_kept(
    qtbot: Any, tmp_path: Path, isolated_data_dir: str
) -> None:
    from inspector.services.event_history import history_dir_for
    from inspector.services.lock_events import LockEventService

    folder = tmp_path / "stores"
    folder.mkdir()
    service = LockEventService(history_root=isolated_data_dir)
    service.set_history_limits(keep=False, max_bytes=5 * MIB)
    try:
        with qtbot.waitSignal(service.watching, timeout=10_000):
            service.watch(str(folder), recursive=False)
        (folder / "unkept.json").write_text("{}")
        qtbot.waitUntil(
            lambda: any(e.store.endswith("unkept.json") for e in service.log.events()),
            timeout=10_000,
        )
        service.set_history_limits(keep=True, max_bytes=5 * MIB)
        (folder / "kept.json").write_text("{}")
        qtbot.waitUntil(
            lambda: any(e.store.endswith("kept.json") for e in service.log.events()),
            timeout=10_000,
        )
    finally:
        service.shutdown()  # flushes the history
    kept = history_dir_for(str(folder), isolated_data_dir) / "events.jsonl"
    text = kept.read_text(encoding="utf-8")
    assert os.path.join(str(folder), "kept.json") in text
    assert "unkept.json" not in text


# The launcher on a store, with review-before-the-first-save set as argv[2] says: once its
# window shows the store, what the pane does, and what it does once Preferences turns it over.
_REVIEW_AS_SET = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from inspector.__main__ import main
from inspector.app import set_application_identity
from inspector.settings import AppSettings
from inspector.widgets.main_window import MainWindow

set_application_identity()
review = sys.argv[2] == "on"
stored = AppSettings()
stored.review_before_first_save = review
stored.sync()

def when_shown():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    if not windows or windows[0].document_pane.loaded is None:
        QTimer.singleShot(20, when_shown)
        return
    window = windows[0]
    print("review", window.document_pane.review_before_first_save, flush=True)
    window.services.settings.review_before_first_save = not review  # as Preferences does
    print("then", window.document_pane.review_before_first_save, flush=True)
    QApplication.quit()

QTimer.singleShot(0, when_shown)
sys.exit(main(sys.argv[1:2]))
"""


@pytest.mark.parametrize("review", ["on", "off"])
def test_the_app_reviews_the_first_save_as_the_setting_says(
    store_folder: str, app_script: Any, review: str
) -> None:
    result = app_script(_REVIEW_AS_SET, os.path.join(store_folder, "settings.json"), review)
    assert result.returncode == 0, result.stderr
    on = review == "on"
    assert result.stdout.splitlines() == [f"review {on}", f"then {not on}"]


def test_colours_chosen_in_preferences_apply_at_once_and_stay(
    qtbot: Any, qapp: Any, main_window: Any
) -> None:
    from PySide6.QtGui import QPalette

    from inspector.app import set_colour_scheme

    original = qapp.palette()

    def base_is_dark() -> bool:
        return qapp.palette().color(QPalette.ColorRole.Base).lightness() < 128

    settings = main_window.services.settings
    assert settings.colour_scheme == "system"
    try:
        assert not base_is_dark()  # offscreen: the desktop's light palette
        dialog = main_window.show_preferences()
        assert dialog.colours_box.currentData() == "system"
        dialog.colours_box.setCurrentIndex(dialog.colours_box.findData("dark"))
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        assert settings.colour_scheme == "dark"
        assert base_is_dark()
        # The desktop says light again (a theme change): the chosen dark stays.
        qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert base_is_dark()
        dialog.colours_box.setCurrentIndex(dialog.colours_box.findData("system"))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert not base_is_dark()
    finally:
        set_colour_scheme(qapp, "system")
        qapp.setPalette(original)


def test_light_colours_chosen_replace_a_dark_desktop_palette() -> None:
    from PySide6.QtGui import QPalette

    from inspector.app import dark_palette, palette_for_scheme

    dark_desktop = dark_palette()
    light = Qt.ColorScheme.Light
    # Following the desktop, its dark palette stays; chosen light, ours replaces it.
    assert palette_for_scheme(light, dark_desktop, high_contrast=False) is None
    ours = palette_for_scheme(light, dark_desktop, high_contrast=False, chosen=True)
    assert ours is not None
    assert ours.color(QPalette.ColorRole.Base).lightness() > 128
    assert palette_for_scheme(light, dark_desktop, high_contrast=True, chosen=True) is None


def test_the_versions_kept_set_in_preferences_bound_the_next_saves(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    from inspector.document.tree_model import VALUE_COLUMN
    from lockcore import StoreFileKind, list_versions

    store = os.path.join(store_folder, "settings.json")
    pane = main_window.document_pane
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert main_window.select_store(store)
    dialog = main_window.show_preferences()
    _set_text(qtbot, dialog.versions_box, "2")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    for counter in range(1, 5):
        index = pane.model.index_for_json_path("counter").siblingAtColumn(VALUE_COLUMN)
        assert pane.model.setData(index, str(counter))
        with qtbot.waitSignal(pane.saved, timeout=10000):
            assert pane.save()

    kept = [v for v in list_versions(store) if v.kind is StoreFileKind.VERSION]
    assert len(kept) == 2  # four saves, the two newest replaced versions kept


def test_every_alt_key_of_the_dialog_is_its_own(qtbot: Any, settings: AppSettings) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    dialog = PreferencesDialog(settings, "/srv/shared")
    qtbot.addWidget(dialog)
    texts = [button.text() for button in dialog.findChildren(QAbstractButton)]
    texts += [label.text() for label in dialog.findChildren(QLabel)]
    keys = [text[text.index("&") + 1].lower() for text in texts if "&" in text]
    assert len(keys) >= 9
    assert sorted(keys) == sorted(set(keys))  # "&Schema" and "&size" both took Alt+S


def _lock_word(window: Any, store: str) -> str:
    from inspector.models.store_columns import Column

    model = window.model
    row = model.row_of(store)
    return str(model.index(row, Column.LOCK).data()) if row >= 0 else ""


def test_locks_are_checked_again_as_often_as_preferences_say(
    qtbot: Any, main_window: Any, store_folder: str, tmp_path: Path
) -> None:
    import signal
    import subprocess

    window = main_window
    directory = window.services.directory
    settings = window.services.settings
    assert settings.recheck_seconds == 1.0
    assert directory.recheck_interval_ms == 1000
    dialog = window.show_preferences()
    assert dialog.recheck_box.value() == 1.0
    _set_text(qtbot, dialog.recheck_box, "30")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert settings.recheck_seconds == 30.0
    assert directory.recheck_interval_ms == 30_000

    # A legacy holder: a live process whose PID is in the lock file, which it does not keep
    # open. Its death changes no file: only looking again finds it dead.
    store = os.path.join(store_folder, "settings.json")
    holder = subprocess.Popen(["sleep", "600"])
    try:
        made = tmp_path / "legacy.lock"
        made.write_text(f"{holder.pid}\n")
        os.rename(made, store + ".lock")
        qtbot.waitUntil(lambda: _lock_word(window, store) == "held", timeout=10_000)
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        # Every 30 s: not in the next few (the default, every second, would have seen it).
        with qtbot.assertNotEmitted(directory.stale_count_changed, wait=3000):
            pass
        assert _lock_word(window, store) == "held"

        _set_text(qtbot, dialog.recheck_box, "0.5")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert directory.recheck_interval_ms == 500
        qtbot.waitUntil(lambda: _lock_word(window, store) == "stale — holder dead", timeout=10_000)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)

    # Kept: the next window (the next run) checks as often.
    from inspector.services.window_services import WindowServices

    services = WindowServices(settings=AppSettings())
    try:
        assert services.directory.recheck_interval_ms == 500
    finally:
        services.shutdown()


def test_the_default_versions_kept_apply_to_folders_without_their_own(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    window = main_window
    settings = window.services.settings
    session = window.document_pane.session
    dialog = window.show_preferences()
    assert (dialog.default_versions_box.value(), dialog.default_versions_size_box.value()) == (
        20,
        10,
    )
    _set_text(qtbot, dialog.default_versions_box, "5")
    _set_text(qtbot, dialog.default_versions_size_box, "4")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert (settings.history_versions, settings.history_max_bytes) == (5, 4 * MIB)
    # The folder shown has no number of its own: it follows the new default, and says so.
    assert not settings.folder_history_is_own(store_folder)
    assert (session.keep_versions, session.versions_max_bytes) == (5, 4 * MIB)
    assert (dialog.versions_box.value(), dialog.versions_size_box.value()) == (5, 4)

    # Once the folder has its own, a new default leaves it alone.
    _set_text(qtbot, dialog.versions_box, "3")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    _set_text(qtbot, dialog.default_versions_box, "7")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert settings.history_versions == 7
    assert settings.folder_history_versions(store_folder) == 3
    assert settings.folder_history_versions("/srv/another") == 7
    assert session.keep_versions == 3
    assert AppSettings().history_versions == 7  # kept
