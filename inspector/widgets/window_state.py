"""What the main window's parts share: its services, widgets and actions, the window's own
verbs (open a folder, select a store) and the updates every part calls.

:class:`MainWindow` (``main_window.py``) builds all of it; its parts are mixins over this class,
one concern each: the actions, menus and what each command does (``window_commands.py``), and
the store list that the document pane follows (``window_store_list.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import (
    QItemSelectionModel,
    Slot,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QMainWindow,
    QSplitter,
)

from inspector.display import printable_name
from inspector.document.pane.document_pane import DocumentPane
from inspector.models.store_table import StoreTableModel
from inspector.services.lock_actions import LockActions
from inspector.services.store_directory import StoreDirectory, StoreEntry, StoreHealth
from inspector.services.window_services import WindowServices
from inspector.settings import AppSettings
from inspector.widgets.about_box import AboutBox
from inspector.widgets.alert_presenter import AlertPresenter
from inspector.widgets.break_lock_dialog import BreakLockDialog
from inspector.widgets.folder_state import FolderBanners
from inspector.widgets.history_dock import HistoryDock
from inspector.widgets.lock_events_dock import LockEventsDock
from inspector.widgets.pane_settings import PaneSettings
from inspector.widgets.preferences_dialog import PreferencesDialog
from inspector.widgets.recent_menu import RecentFoldersMenu
from inspector.widgets.shortcuts_dialog import ShortcutsDialog
from inspector.widgets.store_figures_line import StoreFiguresLine
from inspector.widgets.store_filter_edit import StoreFilterEdit
from inspector.widgets.store_table_view import StoreTableView

#: How long transient status-bar messages stay (ms).
MESSAGE_TIMEOUT_MS = 8000


class WindowState(QMainWindow):
    """The main window's services, widgets, actions and state (built by :class:`MainWindow`)."""

    version: str
    services: WindowServices
    directory: StoreDirectory
    lock_actions: LockActions
    _settings: AppSettings
    model: StoreTableModel
    break_lock_dialog: BreakLockDialog | None
    about_box: AboutBox | None
    shortcuts_dialog: ShortcutsDialog
    _current_path: str | None
    _select_when_listed: str | None
    _rows_leaving: bool
    _following_document: bool
    _shut_down: bool
    _close_when_save_ends: bool
    _folder_to_remember: str | None
    _listed: bool
    _paint_listed_rows: bool
    _tips: dict[str, str]
    _after_document_goes: Callable[[], None] | None
    _closing_asked: bool
    _close_allowed: bool
    _in_close_event: bool
    filter_edit: StoreFilterEdit
    locked_only_box: QCheckBox
    hidden_store_label: QLabel
    banners: FolderBanners
    table: StoreTableView
    document_pane: DocumentPane
    splitter: QSplitter
    lock_events_dock: LockEventsDock
    alert_presenter: AlertPresenter
    figures_line: StoreFiguresLine
    history_dock: HistoryDock
    pane_settings: PaneSettings
    recent_menu: RecentFoldersMenu
    open_action: QAction
    quit_action: QAction
    undo_action: QAction
    redo_action: QAction
    save_action: QAction
    review_action: QAction
    revert_action: QAction
    break_lock_action: QAction
    recover_action: QAction
    copy_path_action: QAction
    show_openers_action: QAction
    refresh_action: QAction
    subfolders_action: QAction
    find_action: QAction
    about_action: QAction
    preferences_action: QAction
    preferences_dialog: PreferencesDialog | None
    shortcuts_action: QAction

    def open_folder(self, folder: str, *, select: str | None = None) -> None:
        """Show the stores of ``folder`` and remember it as the last and a recent folder;
        ``select``: a store of it to make current as soon as it is listed."""
        if self._current_path is not None:
            self._when_document_may_go(lambda: self._show_folder(folder, select))
        else:
            self._show_folder(folder, select)

    def _show_folder(self, folder: str, select: str | None) -> None:
        folder = os.path.abspath(folder)
        self._current_path = None
        self._select_when_listed = os.path.abspath(select) if select else None
        self.document_pane.open_store(None)
        # Remembered once it is listed: a mistyped folder is reported, never made the last
        # folder or a recent one.
        self._folder_to_remember = folder
        self.directory.set_folder(folder, recursive=self.subfolders_action.isChecked())

    def selected_entry(self) -> StoreEntry | None:
        """The store of the current row, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.entry_at(index.row())

    def select_store(self, path: str) -> bool:
        """Make the row of ``path`` current (as a click would); False if it is not listed."""
        row = self.model.row_of(path)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        return True

    def _update_actions(self) -> None:
        entry = self.selected_entry()
        read_only = self.directory.read_only_reason
        writable = not read_only
        self.break_lock_action.setEnabled(writable and entry is not None and entry.is_locked)
        self.copy_path_action.setEnabled(entry is not None)
        self.show_openers_action.setEnabled(entry is not None)
        self.recover_action.setEnabled(
            writable and entry is not None and entry.health is StoreHealth.RECOVERABLE
        )
        has_document = self._current_path is not None
        pane = self.document_pane
        # The pane's Save is enabled for unsaved edits, no save running, not read-only.
        self.save_action.setEnabled(writable and pane.save_action.isEnabled())
        self.review_action.setEnabled(writable and pane.review_action.isEnabled())
        self.revert_action.setEnabled(has_document)
        for action, follows in (
            (self.undo_action, pane.undo_action),
            (self.redo_action, pane.redo_action),
        ):
            action.setEnabled(follows.isEnabled())
            action.setToolTip(follows.toolTip())
            action.setStatusTip(follows.toolTip())

    def _update_action_tips(self) -> None:
        read_only = self.directory.read_only_reason
        for action, tip in (
            (self.break_lock_action, self._tips["break"]),
            (self.recover_action, self._tips["recover"]),
            (self.save_action, self._tips["save"]),
        ):
            text = (
                self.tr("{tip} — disabled: {reason}").format(tip=tip, reason=read_only)
                if read_only
                else tip
            )
            action.setStatusTip(text)
            action.setToolTip(text)

    def _show_message(self, message: str) -> None:
        self.statusBar().showMessage(message, MESSAGE_TIMEOUT_MS)

    @Slot(str)
    def _on_status_message(self, message: str) -> None:
        self._show_message(message)

    def _follow_document(self) -> None:
        """Make the open store's row the current and only selected one; no row when it is not
        listed (and say which store the pane shows then)."""
        row = self.model.row_of(self._current_path) if self._current_path is not None else -1
        selection = self.table.selectionModel()
        self._following_document = True
        try:
            if row < 0:
                if selection.currentIndex().isValid() or selection.hasSelection():
                    selection.clear()
            elif selection.currentIndex().row() != row or selection.selectedRows() != [
                self.model.index(row, 0)
            ]:
                index = self.model.index(row, 0)
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
        finally:
            self._following_document = False
        self._update_hidden_store_label(listed=row >= 0)

    def _update_hidden_store_label(self, *, listed: bool) -> None:
        path = self._current_path
        if path is None or listed:
            self.hidden_store_label.hide()
            return
        name = printable_name(path)
        if self.filter_edit.text() or self.locked_only_box.isChecked():
            text = self.tr("Showing {name} (hidden by the filter). Choose a row to show another.")
        else:
            text = self.tr("Showing {name} (not listed). Choose a row to show another store.")
        self.hidden_store_label.setText(text.format(name=name))
        self.hidden_store_label.show()

    # -- letting the open document go ---------------------------------------------------------

    def _when_document_may_go(self, action: Callable[[], None], *, closing: bool = False) -> None:
        """Run ``action`` (show another store or folder, close the window) once the pane's
        document may go -- at once without unsaved edits, else when the person has answered
        (and a save they chose has ended) -- and not at all when it stays. Nothing waits in a
        nested event loop. Asked again before the answer is in, the latest request is the one
        run; but a close, once asked for, is not replaced by another store."""
        if self._closing_asked and not closing:
            return
        self._after_document_goes = action
        self._closing_asked = closing
        if self.document_pane.close_pending:
            return  # its answer runs the latest request
        self.document_pane.close_when_ready(self._on_document_may_go)

    def _on_document_may_go(self, may_go: bool) -> None:
        action, self._after_document_goes = self._after_document_goes, None
        self._closing_asked = False
        if may_go and action is not None:
            action()
            return
        # Refused (the edits stay), or rows changed while the person was asked: the selection
        # shows the store the pane shows.
        self._follow_document()
        self._update_actions()
