"""The store table's columns follow the settings, and the settings follow the table's header
menu: whichever of the two (the menu, Edit ▸ Preferences…) shows or hides a column, the other
shows it at once, and the next run starts with it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from inspector.models.store_columns import Column, column_key, columns_from_keys
from inspector.settings import HIDDEN_COLUMNS, AppSettings
from inspector.widgets.store_table_view import StoreTableView


class ColumnSettings(QObject):
    """Applies ``settings``' hidden columns to ``view``, now and on every change; writes the
    columns chosen in the view's header menu to ``settings``.

    Built after the window restored the header's own state: a table whose columns were never
    chosen through the settings (an older run's header state) keeps its columns, and they
    become the setting."""

    def __init__(
        self, settings: AppSettings, view: StoreTableView, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._view = view
        if settings.hidden_columns is None:
            self._on_view_columns_chosen(view.hidden_columns())
        else:
            self._apply()
        view.columns_chosen.connect(self._on_view_columns_chosen)
        settings.changed.connect(self._on_settings_changed)

    def _apply(self) -> None:
        self._view.set_hidden_columns(columns_from_keys(self._settings.hidden_columns or []))

    @Slot(object)
    def _on_view_columns_chosen(self, hidden: list[Column]) -> None:
        self._settings.hidden_columns = [column_key(column) for column in hidden]

    @Slot(str, str)
    def _on_settings_changed(self, name: str, _folder: str) -> None:
        if name == HIDDEN_COLUMNS:
            self._apply()
