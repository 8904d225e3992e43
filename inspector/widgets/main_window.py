"""The main window: the store table on the left, the document pane on the right.

In a folder nobody may write to (or on a read-only filesystem) everything stays viewable, but
editing, saving, recovering and breaking locks are disabled, and a banner, the document pane and
the actions' tips say why.

The window's Save, Undo and Redo only forward to the document pane's own actions and follow
their enabled state: one place decides what may be done (nothing while a save runs).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QSize,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_name, printable_path
from inspector.document.pane.document_pane import DocumentPane
from inspector.models.store_table import StoreTableModel
from inspector.resources import icon
from inspector.services.store_directory import StoreEntry, StoreHealth
from inspector.services.window_services import WindowServices
from inspector.widgets.about_box import AboutBox
from inspector.widgets.alert_presenter import AlertPresenter
from inspector.widgets.break_lock_dialog import BreakLockDialog, break_outcome
from inspector.widgets.folder_state import FolderBanners, FolderStatusLabels
from inspector.widgets.history_dock import HistoryDock, apply_history_settings
from inspector.widgets.lock_events_dock import LockEventsDock
from inspector.widgets.recent_menu import RecentFoldersMenu
from inspector.widgets.shortcuts_dialog import ShortcutsDialog
from inspector.widgets.store_figures_line import StoreFiguresLine
from inspector.widgets.store_filter_edit import StoreFilterEdit
from inspector.widgets.store_table_view import StoreTableView
from lockcore import LockInfo, SchemaCheck

#: How long transient status-bar messages stay (ms).
MESSAGE_TIMEOUT_MS = 8000


class MainWindow(QMainWindow):
    """Lists the stores of one folder live and edits the selected one, through ``services``
    (which it adopts: they stop with it, however it goes away)."""

    def __init__(
        self, services: WindowServices, version: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.version = version
        services.setParent(self)
        self.services = services
        self.directory = services.directory
        self.lock_actions = services.lock_actions
        self._settings = services.settings
        self.model = StoreTableModel(self.directory, self)
        self.model.set_figures_provider(services.lock_events.figures)
        services.lock_events.figures_changed.connect(self.model.refresh_figures)
        self.break_lock_dialog: BreakLockDialog | None = None
        self.about_box: AboutBox | None = None
        self._current_path: str | None = None
        self._select_when_listed: str | None = None
        # While rows leave the table (filter, removal, vanished folder) Qt moves the current
        # row to a neighbour, and while the window puts the selection back on the open store it
        # changes it too: neither is the person choosing a store.
        self._rows_leaving = False
        self._following_document = False
        self._shut_down = False
        self._close_when_save_ends = False

        self._folder_to_remember: str | None = None
        self.setWindowTitle(self.tr("Lock Inspector"))
        self.setWindowIcon(icon("app"))
        self._build_central()
        self._listed = False  # the folder shown has been listed once
        self._update_empty_text()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect_services()
        self._restore_settings()
        self._update_actions()

    # -- construction ----------------------------------------------------------------------

    def _build_central(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.setSpacing(6)

        self.filter_edit = StoreFilterEdit()
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.filter_edit.enter_table_requested.connect(self._on_filter_edit_enter_table_requested)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        self.locked_only_box = QCheckBox(self.tr("Locked only"))
        self.locked_only_box.setObjectName("lockedOnlyBox")
        self.locked_only_box.setToolTip(
            self.tr("List only stores whose lock is held, stale, on another host or unreadable")
        )
        self.locked_only_box.toggled.connect(self._on_locked_only_box_toggled)
        filter_row.addWidget(self.locked_only_box)
        left_layout.addLayout(filter_row)
        # Says which store the pane shows while no row stands for it (filtered out, gone).
        self.hidden_store_label = QLabel()
        self.hidden_store_label.setObjectName("hiddenStoreLabel")
        self.hidden_store_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hidden_store_label.setWordWrap(True)
        self.hidden_store_label.hide()
        left_layout.addWidget(self.hidden_store_label)

        self.banners = FolderBanners(self.directory)
        self.folder_banner = self.banners.folder_banner
        self.read_only_banner = self.banners.read_only_banner
        left_layout.addWidget(self.banners)
        # Connected before the view's selection model is: the flag is up when it moves the
        # current row off a row that leaves.
        self.model.rowsAboutToBeRemoved.connect(self._on_model_rows_about_to_be_removed)
        self.model.rowsRemoved.connect(self._on_model_rows_removed)
        self.table = StoreTableView(self.model)
        left_layout.addWidget(self.table, 1)

        self.document_pane = DocumentPane(service=self.services.documents)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.document_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        self.lock_events_dock = LockEventsDock(self.services.lock_events, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.lock_events_dock)
        self.lock_events_dock.hide()
        self.lock_events_dock.store_requested.connect(self.select_store)
        self.lock_events_dock.status_message.connect(self._on_status_message)
        self.alert_presenter = AlertPresenter(self.services.lock_alerts, self, self.select_store)
        self.services.lock_events.status_message.connect(self._on_status_message)
        self.figures_line = StoreFiguresLine(self.services.lock_events)
        self.document_pane.header.add_line_widget(self.figures_line)
        self.history_dock = HistoryDock(self.document_pane, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.history_dock)
        self.history_dock.hide()
        apply_history_settings(self.document_pane, self._settings)

    def _action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        style = self.style()
        # The tips that say more when the folder is read-only (see _update_action_tips).
        self._tips = {
            "save": self.tr("Save the edited document under the store's lock"),
            "break": self.tr("Remove the selected store's lock file after confirmation"),
            "recover": self.tr("Finish the legacy write that left X.json.tmp behind"),
        }
        self.open_action = self._action(
            self.tr("&Open Folder…"),
            self._on_open_action_triggered,
            QKeySequence.StandardKey.Open,
            self.tr("Show the stores of another folder"),
        )
        self.open_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        self.quit_action = self._action(
            self.tr("&Quit"), self._on_quit_action_triggered, QKeySequence.StandardKey.Quit
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        pane = self.document_pane
        # Not the stack's createUndoAction: that one is enabled whenever the stack can undo,
        # also while a save runs or the folder is read-only.
        self.undo_action = self._action(
            self.tr("&Undo"), pane.undo_action.trigger, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            self.tr("&Redo"), pane.redo_action.trigger, QKeySequence("Ctrl+Shift+Z")
        )
        self.save_action = self._action(
            self.tr("&Save"),
            self._on_save_action_triggered,
            QKeySequence.StandardKey.Save,
            self._tips["save"],
        )
        self.save_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.review_action = self._action(
            self.tr("Re&view Changes…"),
            pane.review_action.trigger,
            # Ctrl+Shift+S (the choice) is Save Copy As (QKeySequence.SaveAs) on Linux;
            # one shortcut with two owners would do nothing.
            QKeySequence("Ctrl+Alt+S"),
            pane.review_action.toolTip(),
        )
        self.revert_action = self._action(
            self.tr("Re&vert"),
            self._on_revert_action_triggered,
            None,
            self.tr("Drop unsaved edits and show the file as it is on disk"),
        )
        self.break_lock_action = self._action(
            self.tr("&Break Lock…"),
            self._on_break_lock_action_triggered,
            QKeySequence("Ctrl+Shift+B"),
            self._tips["break"],
        )
        self.break_lock_action.setIcon(icon("lock-stale"))
        self.table.addAction(self.break_lock_action)
        self.recover_action = self._action(
            self.tr("Re&cover Interrupted Write"),
            self._on_recover_action_triggered,
            QKeySequence("Ctrl+Shift+R"),
            self._tips["recover"],
        )
        self.recover_action.setIcon(icon("lock-free"))
        self.table.addAction(self.recover_action)
        self.copy_path_action = self._action(
            self.tr("Copy &Path"),
            self._on_copy_path_action_triggered,
            QKeySequence("Ctrl+Shift+C"),
            self.tr("Copy the selected store's full path"),
        )
        self.table.addAction(self.copy_path_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.refresh_action = self._action(
            self.tr("&Refresh"),
            self._on_refresh_action_triggered,
            QKeySequence.StandardKey.Refresh,
            self.tr("Rescan the folder"),
        )
        self.refresh_action.setShortcuts([QKeySequence("F5")])
        self.refresh_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.subfolders_action = self._action(
            self.tr("Include &Subfolders"),
            self._on_subfolders_action_triggered,
            None,
            self.tr("Also list stores in subfolders"),
        )
        self.subfolders_action.setCheckable(True)
        self.find_action = self._action(
            self.tr("&Find…"),
            self._on_find_action_triggered,
            QKeySequence.StandardKey.Find,
            self.tr("Filter the store list"),
        )
        self.about_action = self._action(
            self.tr("&About Lock Inspector"), self._on_about_action_triggered
        )
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.open_action)
        self.recent_menu = RecentFoldersMenu(self)
        self.recent_menu.folder_chosen.connect(self.open_folder)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        self.document_pane.save_copy_action.setShortcut(QKeySequence.StandardKey.SaveAs)
        file_menu.addAction(self.document_pane.save_copy_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_events_dock.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.save_action)
        edit_menu.addAction(self.review_action)
        edit_menu.addAction(self.revert_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.break_lock_action)
        edit_menu.addAction(self.recover_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.copy_path_action)

        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.refresh_action)
        view_menu.addAction(self.subfolders_action)
        view_menu.addSeparator()
        view_menu.addAction(self.find_action)
        view_menu.addSeparator()
        view_menu.addAction(self.lock_events_dock.toggleViewAction())
        view_menu.addAction(self.history_dock.toggleViewAction())
        view_menu.addAction(self.alert_presenter.toggle_action)

        help_menu = bar.addMenu(self.tr("&Help"))
        self.shortcuts_action = help_menu.addAction(self.tr("&Keyboard Shortcuts"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Main"), self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (
            self.open_action,
            self.refresh_action,
            None,
            self.save_action,
            None,
            self.break_lock_action,
            self.recover_action,
        ):
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        self.addToolBar(toolbar)

    def _build_status_bar(self) -> None:
        self.folder_status = FolderStatusLabels(self.directory, self.statusBar())
        self.folder_label = self.folder_status.folder_label
        self.stores_label = self.folder_status.stores_label
        self.locked_label = self.folder_status.locked_label
        self.watch_label = self.folder_status.watch_label

    def _connect_services(self) -> None:
        self.directory.folder_changed.connect(self._on_folder_changed)
        self.directory.status_message.connect(self._on_status_message)
        self.directory.read_only_changed.connect(self._on_read_only_changed)
        self.directory.store_changed_on_disk.connect(self._on_store_changed_on_disk)
        self.directory.entries_updated.connect(self._on_entries_updated)
        self.directory.scan_finished.connect(self._on_scan_finished)
        self.directory.entries_removed.connect(self._on_entries_updated)
        self.model.rowsInserted.connect(self._on_model_rows_inserted)
        self.model.layoutChanged.connect(self._on_model_layout_changed)
        self.directory.folder_available_changed.connect(self._on_folder_available_changed)
        self.lock_actions.break_finished.connect(self._on_lock_actions_break_finished)
        self.lock_actions.recover_finished.connect(self._on_recover_finished)
        self.document_pane.status_message.connect(self._on_status_message)
        self.document_pane.schema.checked.connect(self._on_schema_checked)
        self.document_pane.dirty_changed.connect(self._on_dirty_changed)
        self.document_pane.saved.connect(self._on_document_pane_save_ended)
        self.document_pane.save_ended_unwritten.connect(self._on_document_pane_save_ended)
        for action in (
            self.document_pane.save_action,
            self.document_pane.review_action,
            self.document_pane.undo_action,
            self.document_pane.redo_action,
        ):
            action.changed.connect(self._on_pane_action_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- public API ------------------------------------------------------------------------

    def open_folder(self, folder: str, *, select: str | None = None) -> None:
        """Show the stores of ``folder`` and remember it as the last and a recent folder;
        ``select``: a store of it to make current as soon as it is listed."""
        if self._current_path is not None and not self.document_pane.can_close():
            return
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

    def close_when_safe(self) -> None:
        """Close as the end of a session asks (SIGTERM, Ctrl+C, logout): a save still waiting
        for its lock is cancelled -- nothing is written -- and the window closes once it has
        ended; a save already writing completes first. Unsaved edits are asked about, as on
        Quit."""
        if self.document_pane.is_saving:
            self._close_when_save_ends = True
            self.document_pane.cancel_save()
            return
        self.close()

    def shutdown(self) -> None:
        """Save settings, stop watching and end worker threads; safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self._save_settings()
        if self.break_lock_dialog is not None:
            self.break_lock_dialog.close()
        self.document_pane.shutdown()
        self.history_dock.shutdown()
        self.services.shutdown()

    # -- settings --------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = self._settings
        geometry = settings.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1320, 780)
        splitter = settings.splitter_state
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([860, 420])
        header = settings.table_header_state
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        self.subfolders_action.setChecked(settings.include_subfolders)
        self.recent_menu.set_folders(settings.recent_folders)

    def _save_settings(self) -> None:
        settings = self._settings
        settings.window_geometry = self.saveGeometry()
        settings.splitter_state = self.splitter.saveState()
        settings.table_header_state = self.table.horizontalHeader().saveState()
        settings.include_subfolders = self.subfolders_action.isChecked()
        settings.last_store = self._current_path or ""
        settings.sync()

    # -- helpers ---------------------------------------------------------------------------

    def _update_actions(self) -> None:
        entry = self.selected_entry()
        read_only = self.directory.read_only_reason
        writable = not read_only
        self.break_lock_action.setEnabled(writable and entry is not None and entry.is_locked)
        self.copy_path_action.setEnabled(entry is not None)
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

    # -- slots -----------------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._rows_leaving or self._following_document:
            return  # not the person's choice: the document stays (see _follow_document)
        entry = self.model.entry_at(current.row()) if current.isValid() else None
        path = entry.path if entry is not None else None
        if path != self._current_path and (
            self._current_path is None or self.document_pane.can_close()
        ):
            self._current_path = path
            self.document_pane.open_store(path)
            self.lock_events_dock.set_selected_store(path)
            self.figures_line.set_store(path)
        # Refused (unsaved edits kept), or rows changed while the prompt was open: the
        # selection shows the store the pane shows.
        self._follow_document()
        self._update_actions()

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

    @Slot(str)
    def _on_status_message(self, message: str) -> None:
        self._show_message(message)

    @Slot(str)
    def _on_document_pane_save_ended(self, _path: str) -> None:
        if self._close_when_save_ends:
            self._close_when_save_ends = False
            # Queued: the pane counts as saving until this signal has been handled.
            QTimer.singleShot(0, self.close)

    @Slot(bool)
    def _on_dirty_changed(self, dirty: bool) -> None:
        self.setWindowModified(dirty)

    @Slot()
    def _on_pane_action_changed(self) -> None:
        self._update_actions()

    @Slot(object)
    def _on_store_changed_on_disk(self, path: str) -> None:
        if path == self._current_path:
            self.document_pane.notify_disk_change(path)

    @Slot(object)
    def _on_entries_updated(self, entries: list[StoreEntry] | list[str]) -> None:
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
        # The first rows of a listing that goes on are painted now, while the scanner waits for
        # this batch to be taken in: painted later, they would compete with the rest of the
        # listing for the interpreter and slow both (10,000 stores: 180 ms -> 120 ms).
        if (
            first == 0
            and last + 1 == self.model.rowCount()
            and self.directory.listing
            and self.table.isVisible()
        ):
            self.table.doItemsLayout()  # what the view would do next, later, then paint again
            self.table.viewport().repaint()

    @Slot()
    def _on_open_action_triggered(self) -> None:
        start = self.directory.folder or os.path.expanduser("~")
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Open Folder of JSON Stores"), start
        )
        if folder:
            self.open_folder(folder)

    @Slot()
    def _on_quit_action_triggered(self) -> None:
        self.close()

    @Slot()
    def _on_save_action_triggered(self) -> None:
        if self.directory.read_only_reason:
            self._show_message(
                self.tr("Cannot save: {reason}").format(reason=self.directory.read_only_reason)
            )
            return
        self.document_pane.save()

    @Slot()
    def _on_revert_action_triggered(self) -> None:
        self.document_pane.revert()

    @Slot()
    def _on_refresh_action_triggered(self) -> None:
        self.directory.refresh()
        self._show_message(self.tr("Rescanning…"))

    @Slot(bool)
    def _on_subfolders_action_triggered(self, checked: bool) -> None:
        self.directory.set_recursive(checked)

    @Slot()
    def _on_find_action_triggered(self) -> None:
        focus = QApplication.focusWidget()
        if focus is not None and self.document_pane.isAncestorOf(focus):
            self.document_pane.find_action.trigger()  # Ctrl+F finds in the document shown
            return
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    @Slot(object)
    def _on_schema_checked(self, check: SchemaCheck) -> None:
        note = check.summary() if check.source is not None else None
        self.model.set_schema_note(self.document_pane.path, note)

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        """Help ▸ Keyboard Shortcuts: the shortcuts of this window's actions."""
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()
        return self.shortcuts_dialog

    def _on_about_action_triggered(self) -> None:
        self.about_box = AboutBox(self.version, self)
        self.about_box.open()

    @Slot()
    def _on_copy_path_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            QApplication.clipboard().setText(printable_path(entry.path))
            self._show_message(self.tr("Copied {path}").format(path=printable_path(entry.path)))

    @Slot()
    def _on_break_lock_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.lock is None or not entry.lock.is_locked:
            return
        if self.directory.read_only_reason:
            self._show_message(
                self.tr("Cannot break the lock: {reason}").format(
                    reason=self.directory.read_only_reason
                )
            )
            return
        dialog = BreakLockDialog(entry.lock, self.lock_actions, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._on_break_lock_dialog_destroyed)
        self.break_lock_dialog = dialog
        dialog.open()

    @Slot(object, object)
    def _on_lock_actions_break_finished(self, expected: LockInfo, error: Exception | None) -> None:
        # Said here whether the dialog is still open (it shows the outcome too) or not.
        self._show_message(break_outcome(expected, error))

    @Slot()
    def _on_break_lock_dialog_destroyed(self) -> None:
        self.break_lock_dialog = None

    @Slot()
    def _on_recover_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.health is not StoreHealth.RECOVERABLE:
            return
        self.recover_action.setEnabled(False)
        self._show_message(self.tr("Recovering {name}…").format(name=entry.name))
        self.lock_actions.recover(entry.path)

    @Slot(object, bool, str)
    def _on_recover_finished(self, path: str, ok: bool, message: str) -> None:
        self._show_message(message)  # the services look at the store again
        if ok and path == self._current_path:
            self.document_pane.notify_disk_change(path)
        self._update_actions()

    @Slot()
    def _on_filter_edit_enter_table_requested(self) -> None:
        # Into the table, on its first row when none is current.
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- events ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and not self.document_pane.can_close():
            event.ignore()
            return
        self.shutdown()
        event.accept()
