"""The store table's columns as a setting: chosen in Preferences or in the header's menu, shown
in both at once, kept for the next run, and an older run's hidden columns taken as the setting."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from inspector.settings import AppSettings
from inspector.widgets.preferences_dialog import PreferencesDialog


def test_columns_chosen_in_preferences_or_the_header_menu_show_in_both_and_stay(
    qtbot: Any, main_window: Any
) -> None:
    from inspector.models.store_columns import FIGURE_COLUMNS, Column
    from inspector.widgets.column_settings import ColumnSettings
    from inspector.widgets.store_table_view import StoreTableView

    window = main_window
    table = window.table
    settings = window.services.settings
    assert table.hidden_columns() == list(FIGURE_COLUMNS)
    dialog = window.show_preferences()
    boxes = dialog.column_boxes
    assert list(boxes) == [column for column in Column if column != Column.FILE]  # in order
    assert [column for column, box in boxes.items() if not box.isChecked()] == list(FIGURE_COLUMNS)

    # Preferences -> the table, at once.
    boxes[Column.PID].setChecked(False)
    boxes[Column.HOLD_P99].setChecked(True)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    header = table.horizontalHeader()
    assert header.isSectionHidden(Column.PID)
    assert not header.isSectionHidden(Column.HOLD_P99)
    assert not header.isSectionHidden(Column.SIZE)

    # The header's menu -> the open dialog, at once.
    menu = table.column_menu()
    (size_action,) = [a for a in menu.actions() if a.text() == "Size"]
    size_action.trigger()
    assert header.isSectionHidden(Column.SIZE)
    assert not boxes[Column.SIZE].isChecked()
    assert not dialog.apply_button.isEnabled()  # nothing edited in the dialog: nothing to apply
    dialog.reject()

    # Kept: the next run's table starts with the same columns.
    expected = [Column.PID, Column.SIZE, *(c for c in FIGURE_COLUMNS if c != Column.HOLD_P99)]
    assert table.hidden_columns() == expected
    settings.sync()
    next_table = StoreTableView(window.model)
    qtbot.addWidget(next_table)
    ColumnSettings(AppSettings(), next_table, next_table)
    assert next_table.hidden_columns() == expected

    # Restore Defaults puts the figures away again.
    dialog = window.show_preferences()
    dialog.restore_defaults()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert table.hidden_columns() == list(FIGURE_COLUMNS)


def test_columns_hidden_before_they_were_a_setting_become_the_setting(
    qtbot: Any, main_window: Any, settings: AppSettings
) -> None:
    from inspector.models.store_columns import FIGURE_COLUMNS, Column
    from inspector.widgets.column_settings import ColumnSettings
    from inspector.widgets.store_table_view import StoreTableView

    table = StoreTableView(main_window.model)
    qtbot.addWidget(table)
    table.horizontalHeader().setSectionHidden(Column.MODIFIED, True)  # an older run's header
    assert settings.hidden_columns is None
    ColumnSettings(settings, table, table)
    assert settings.hidden_columns == ["modified", *(c.name.lower() for c in FIGURE_COLUMNS)]
    dialog = PreferencesDialog(settings, "")
    qtbot.addWidget(dialog)
    assert not dialog.column_boxes[Column.MODIFIED].isChecked()
