"""Accessibility: every keyboard stop is named for a screen reader, the lock actions have
shortcuts, text colours are readable, and a desktop's own palette (high contrast) is kept."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QStyleFactory,
)

from inspector import app as app_module
from inspector.app import apply_color_scheme, dark_palette, palette_for_scheme
from inspector.colours import AA_NORMAL_TEXT, TEXT_COLOURS, WARNING_TEXT, contrast_ratio
from inspector.document.conflict_dialog import ConflictDialog
from inspector.document.merge import three_way_merge
from inspector.document.secrets import SecretPolicy
from inspector.document.tree_model import TYPE_COLUMN, VALUE_COLUMN
from inspector.models.store_columns import Column
from inspector.presentation import HEALTH_COLOURS
from inspector.services.lock_actions import LockActions
from inspector.services.store_directory import StoreHealth
from inspector.widgets.break_lock_dialog import BreakLockDialog
from lockcore import LockState, inspect_lock


def test_every_keyboard_stop_has_an_accessible_name(qtbot, main_window, keyboard_stops):
    window = main_window
    pane = window.document_pane
    # A secret store, so that the Reveal button is there too.
    path = os.path.join(window.directory.folder, "secret_settings.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"password": "hunter2"}, handle)
    qtbot.waitUntil(lambda: window.model.row_of(path) >= 0, timeout=5000)
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(path)
    # Every message bar with buttons, as saves and outside changes show them.
    for bar in (pane.change_bar, pane.progress_bar, pane.error_bar):
        bar.show()
    checked = set()
    for tab in (0, 1):  # the tree, then the raw text
        pane.tabs.setCurrentIndex(tab)
        stops = keyboard_stops.stops(window)
        checked.update(map(keyboard_stops.describe, stops))
        unnamed = keyboard_stops.unnamed(stops)
        assert unnamed == [], (
            f"unnamed: {unnamed}; all stops: {[*map(keyboard_stops.describe, stops)]}"
        )
    for expected in (
        "StoreFilterEdit",
        "StoreTableView",
        "QTabBar",
        "JsonTreeView",
        "RawJsonEditor",
        "QToolButton 'revealSecretsButton'",
        "QPushButton 'reloadButton'",
        "QPushButton 'cancelSaveButton'",
    ):
        assert any(stop.startswith(expected) for stop in checked), (expected, checked)


def test_window_shortcuts_do_not_clash(main_window):
    window = main_window
    owners: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        if action.shortcutContext() == Qt.ShortcutContext.WindowShortcut:
            for shortcut in action.shortcuts():
                key = shortcut.toString(QKeySequence.SequenceFormat.PortableText)
                owners.setdefault(key, []).append(action.text())
    assert {key: texts for key, texts in owners.items() if len(texts) > 1} == {}
    assert owners["Ctrl+Shift+B"] == ["&Break Lock…"]
    assert owners["Ctrl+Shift+R"] == ["Re&cover Interrupted Write"]


def test_break_lock_and_recover_by_keyboard(qtbot, main_window, lock_holder):
    window = main_window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    cache = os.path.join(window.directory.folder, "cache.json")
    assert window.select_store(cache)
    window.table.setFocus()
    with qtbot.waitSignal(window.lock_actions.recover_finished, timeout=5000) as done:
        qtbot.keyClick(
            window.table,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert done.args[1] is True, done.args
    assert os.path.exists(cache)

    settings = os.path.join(window.directory.folder, "settings.json")
    lock_holder(settings)
    assert window.select_store(settings)
    qtbot.waitUntil(
        lambda: window.selected_entry().lock_state is LockState.HELD_ALIVE, timeout=3000
    )
    window.table.setFocus()
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_B,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.break_lock_dialog is not None
    assert window.break_lock_dialog.info.path == settings
    window.break_lock_dialog.reject()


def _light_palette() -> QPalette:
    style = QStyleFactory.create("Fusion")
    assert style is not None
    return style.standardPalette()


@pytest.mark.parametrize("colour", TEXT_COLOURS, ids=lambda colour: colour.light)
def test_text_colours_reach_wcag_aa_on_light_and_dark_palettes(colour):
    for palette in (_light_palette(), dark_palette()):
        shade = colour.for_palette(palette)
        # Rows of the table (both alternating colours), and labels on the window.
        for role in (
            QPalette.ColorRole.Base,
            QPalette.ColorRole.AlternateBase,
            QPalette.ColorRole.Window,
        ):
            background = palette.color(role)
            ratio = contrast_ratio(shade, background)
            assert ratio >= AA_NORMAL_TEXT, (shade.name(), background.name(), round(ratio, 2))


def test_contrast_ratio_matches_wcag_figures():
    assert contrast_ratio(QColor("black"), QColor("white")) == pytest.approx(21)
    assert contrast_ratio(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)
    # The amber this project used before: below AA on white.
    assert contrast_ratio(QColor("#b26a00"), QColor("white")) == pytest.approx(4.24, abs=0.01)


def test_the_table_draws_warnings_readably_in_light_and_dark(qapp, main_window):
    window = main_window
    row = window.model.row_of(os.path.join(window.directory.folder, "cache.json"))
    assert window.model.entry_at(row).health is StoreHealth.RECOVERABLE
    assert HEALTH_COLOURS[StoreHealth.RECOVERABLE] is WARNING_TEXT
    original = qapp.palette()
    try:
        for palette in (_light_palette(), dark_palette()):
            qapp.setPalette(palette)
            colour = window.model.index(row, Column.HEALTH).data(Qt.ItemDataRole.ForegroundRole)
            for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
                ratio = contrast_ratio(colour, palette.color(role))
                assert ratio >= AA_NORMAL_TEXT, (colour.name(), role, round(ratio, 2))
    finally:
        qapp.setPalette(original)


def test_the_desktop_palette_is_kept_unless_dark_colours_are_missing():
    light, dark = _light_palette(), dark_palette()
    assert palette_for_scheme(Qt.ColorScheme.Light, light, high_contrast=False) is None
    assert palette_for_scheme(Qt.ColorScheme.Dark, dark, high_contrast=False) is None
    # The one case: dark asked for, the desktop's palette is light (Fusion, no platform theme).
    ours = palette_for_scheme(Qt.ColorScheme.Dark, light, high_contrast=False)
    assert ours is not None
    assert ours.color(QPalette.ColorRole.Base).lightness() < 128
    # High contrast: never replaced, whatever the scheme.
    for scheme in (Qt.ColorScheme.Light, Qt.ColorScheme.Dark):
        assert palette_for_scheme(scheme, light, high_contrast=True) is None


def test_the_app_sets_no_palette_of_its_own_in_light_mode_or_high_contrast(qapp, monkeypatch):
    original = qapp.palette()
    try:
        apply_color_scheme(qapp, Qt.ColorScheme.Light)
        assert qapp.palette().resolveMask() == 0  # no role of the desktop's palette replaced
        monkeypatch.setattr(app_module, "high_contrast_requested", lambda _app: True)
        apply_color_scheme(qapp, Qt.ColorScheme.Dark)
        assert qapp.palette().resolveMask() == 0
    finally:
        qapp.setPalette(original)


def test_every_keyboard_stop_of_the_break_lock_dialog_is_named(
    qtbot, store_folder, lock_holder, keyboard_stops
):
    path = os.path.join(store_folder, "settings.json")
    lock_holder(path)  # alive: the dialog asks for the second step, a checkbox
    info = inspect_lock(path)
    lock_actions = LockActions()
    dialog = BreakLockDialog(info, lock_actions)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    stops = keyboard_stops.stops(dialog)
    described = [*map(keyboard_stops.describe, stops)]
    assert any(stop.startswith("QCheckBox") for stop in described), described
    assert any(stop.startswith("QPlainTextEdit") for stop in described), described
    assert keyboard_stops.unnamed(stops) == [], described


def test_every_keyboard_stop_of_the_conflict_dialog_is_named(qtbot, keyboard_stops):
    base = {"a": 1, "b": [1, 2]}
    mine = {"a": 2, "b": [1, 3]}
    theirs = {"a": 3, "b": [1, 4]}
    conflicts = tuple(three_way_merge(base, mine, theirs).conflicts)
    dialog = ConflictDialog(
        "settings.json", mine=mine, theirs=theirs, conflicts=conflicts, policy=SecretPolicy()
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    stops = keyboard_stops.stops(dialog)
    described = [*map(keyboard_stops.describe, stops)]
    assert any(stop.startswith("QRadioButton") for stop in described), described
    assert keyboard_stops.unnamed(stops) == [], described


def test_every_control_of_the_preferences_dialog_is_named_and_reached_by_tab(
    qtbot, main_window, keyboard_stops
):
    dialog = main_window.show_preferences()
    dialog.alerts_box.setChecked(True)  # the threshold's field takes focus too
    qtbot.waitExposed(dialog)
    stops = keyboard_stops.stops(dialog)
    described = [*map(keyboard_stops.describe, stops)]
    assert keyboard_stops.unnamed(stops) == [], described
    for control in (
        dialog.versions_box,
        dialog.versions_size_box,
        dialog.schema_box,
        dialog.alerts_box,
        dialog.long_hold_box,
        dialog.colours_box,
        dialog.recheck_box,
        dialog.default_versions_box,
        dialog.default_versions_size_box,
        *dialog.column_boxes.values(),
        dialog.review_box,
        dialog.event_history_box,
        dialog.event_history_size_box,
        dialog.ok_button,
        dialog.cancel_button,
        dialog.apply_button,
        dialog.defaults_button,
    ):
        # A spin box is reached through its line edit, which has the box's name too.
        assert control in stops or control.focusProxy() in stops, control.objectName()
        assert control.accessibleName(), control.objectName()
    dialog.reject()


def test_the_tree_cell_editors_are_named_after_their_entry(qtbot, main_window):
    window = main_window
    pane = window.document_pane
    path = os.path.join(window.directory.folder, "settings.json")
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        assert window.select_store(path)
    model = pane.tree_view.model()
    theme = model.index_for_json_path("theme")
    for column, editor_type, name in (
        (VALUE_COLUMN, QLineEdit, "Value of theme"),
        (TYPE_COLUMN, QComboBox, "Type of theme"),
    ):
        pane.tree_view.edit(theme.siblingAtColumn(column))
        editors = [
            editor for editor in pane.tree_view.findChildren(editor_type) if editor.isVisible()
        ]
        assert [editor.accessibleName() for editor in editors] == [name]
        qtbot.keyClick(editors[0], Qt.Key.Key_Escape)
        qtbot.waitUntil(
            lambda: pane.tree_view.state() != QAbstractItemView.State.EditingState, timeout=2000
        )


def test_json_syntax_and_value_colours_reach_wcag_aa():
    # The raw view's highlighting and the tree's value colours, (light, dark) pairs.
    from inspector.document.highlighter import _COLOURS as SYNTAX
    from inspector.document.tree_cells import _VALUE_COLOURS as VALUES

    for light, dark in [*SYNTAX.values(), *VALUES.values()]:
        for shade, palette in ((light, _light_palette()), (dark, dark_palette())):
            for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
                ratio = contrast_ratio(QColor(shade), palette.color(role))
                assert ratio >= AA_NORMAL_TEXT, (shade, role, round(ratio, 2))
