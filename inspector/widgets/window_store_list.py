"""The main window's store list: the current row opens its store, the selection follows the
document shown, the filter, and what the listing and the folder's state change."""

from __future__ import annotations

import os

from PySide6.QtCore import (
    QModelIndex,
    Qt,
    Slot,
)

from inspector.display import printable_path
from inspector.services.store_directory import StoreEntry
from inspector.widgets.window_state import WindowState
from lockcore import SchemaCheck


class WindowStoreList(WindowState):
    """Keeps the store list and the document pane in step."""

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._rows_leaving or self._following_document:
            return  # not the person's choice: the document stays (see _follow_document)
        entry = self.model.entry_at(current.row()) if current.isValid() else None
        path = entry.path if entry is not None else None
        if path != self._current_path:
            if self._current_path is None:
                self._show_store(path)
            else:
                self._when_document_may_go(lambda: self._show_store(path))
        # Until the person has answered about unsaved edits (or when they keep them), the
        # selection shows the store the pane shows.
        self._follow_document()
        self._update_actions()

    def _show_store(self, path: str | None) -> None:
        self._current_path = path
        self.document_pane.open_store(path)
        self.lock_events_dock.set_selected_store(path)
        self.figures_line.set_store(path)
        self._follow_document()
        self._update_actions()

    @Slot(QModelIndex, int, int)
    def _on_model_rows_about_to_be_removed(self, _parent: QModelIndex, _f: int, _l: int) -> None:
        self._rows_leaving = True

    @Slot(QModelIndex, int, int)
    def _on_model_rows_removed(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._rows_leaving = False
        self._follow_document()
        self._update_actions()

    @Slot()
    def _on_model_layout_changed(self) -> None:
        self._follow_document()

    @Slot(str)
    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.model.set_filter_text(text)
        self._update_empty_text()

    @Slot(bool)
    def _on_locked_only_box_toggled(self, checked: bool) -> None:
        self.model.set_locked_only(checked)
        self._update_empty_text()

    def _update_empty_text(self) -> None:
        """What the table says while it has no rows: what a new user can do next."""
        if not self.directory.folder:
            text = self.tr(
                "Open a folder of JSON stores (File ▸ Open Folder…), or try the demo: "
                "lock-inspector --demo"
            )
        elif not self._listed:
            text = self.tr("Looking for JSON files…")
        elif self.locked_only_box.isChecked() and not self.filter_edit.text():
            text = self.tr("No store is locked.")
        elif self.filter_edit.text() or self.locked_only_box.isChecked():
            text = self.tr("No store matches the filter.")
        else:
            text = self.tr(
                "No JSON files here. Stores are files named *.json; they appear as soon as "
                "one is created."
            )
        self.table.set_empty_text(text)

    @Slot(object)
    def _on_folder_changed(self, folder: str) -> None:
        shown = printable_path(folder)
        # The folder alone: the platform appends the application's display name itself
        # ("myfolder — Lock Inspector"), which a title of our own would say a second time.
        self.setWindowTitle((os.path.basename(shown) or shown) + "[*]")
        self._listed = False
        self._update_empty_text()

    @Slot(bool)
    def _on_folder_available_changed(self, available: bool) -> None:
        if not available and self._folder_to_remember == self.directory.folder:
            self._folder_to_remember = None
            self._on_status_message(
                self.tr("{folder} does not exist; it was not added to Open Recent.").format(
                    folder=printable_path(self.directory.folder)
                )
            )
        if self._current_path is not None:
            # Gone with the folder, or back with it: the pane looks again (the listing does
            # not report a store that comes back as changed).
            self.document_pane.notify_disk_change(self._current_path)

    @Slot(bool, str)
    def _on_read_only_changed(self, read_only: bool, reason: str) -> None:
        if read_only:
            self._show_message(self.tr("Read-only: {reason}").format(reason=reason))
        self.document_pane.set_read_only(reason if read_only else None)
        self._update_action_tips()
        self._update_actions()

    @Slot(object)
    def _on_store_changed_on_disk(self, path: str) -> None:
        if path == self._current_path:
            self.document_pane.notify_disk_change(path)

    @Slot(object)
    def _on_entries_updated(self, entries: list[StoreEntry] | list[str]) -> None:
        if self._paint_listed_rows:
            # Connected after the model: the whole batch is in the table, and whoever watches
            # the model has seen it.
            self._paint_listed_rows = False
            if self.table.isVisible():
                self.table.doItemsLayout()  # what the view would do next, later, then paint again
                self.table.viewport().repaint()
        # Only the selected store's row can change what the actions allow.
        current = self._current_path
        if current is not None and any(
            (item if isinstance(item, str) else item.path) == current for item in entries
        ):
            self._update_actions()

    @Slot()
    def _on_scan_finished(self) -> None:
        self._listed = True
        self._update_empty_text()
        if self._folder_to_remember == self.directory.folder:
            self._settings.remember_folder(self._folder_to_remember)
            self.recent_menu.set_folders(self._settings.recent_folders)
        self._folder_to_remember = None
        # Last chance (rows inserted among others are found only once all are in); a store
        # asked for that the listing did not bring (not a store, gone meanwhile) is not
        # selected later, when a file of that name happens to appear.
        if self._select_when_listed is not None:
            self.select_store(self._select_when_listed)
            self._select_when_listed = None

    @Slot(QModelIndex, int, int)
    def _on_model_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._select_when_listed is not None and self.select_store(self._select_when_listed):
            self._select_when_listed = None
        elif self._current_path is not None and self.table.currentIndex().row() != (
            self.model.row_of(self._current_path)
        ):
            self._follow_document()  # the open store's row is back (filter cleared, folder back)
        # The first rows of a listing are painted as soon as their batch is taken in, while the
        # scanner waits for it: painted later, they would compete with the rest of the listing
        # or its document pass for the interpreter and slow both (10,000 stores: 180 ms -> 120
        # ms; the first screenful of a listing handed on in one batch 60-80 ms -> ~40).
        if first == 0 and last + 1 == self.model.rowCount() and self.directory.listing:
            self._paint_listed_rows = True

    @Slot()
    def _on_filter_edit_enter_table_requested(self) -> None:
        # Into the table, on its first row when none is current.
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot(object)
    def _on_schema_checked(self, check: SchemaCheck) -> None:
        note = check.summary() if check.source is not None else None
        self.model.set_schema_note(self.document_pane.path, note)
