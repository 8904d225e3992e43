"""The main window: the store table on the left, the document pane on the right.

In a folder nobody may write to (or on a read-only filesystem) everything stays viewable, but
editing, saving, recovering and breaking locks are disabled, and a banner, the document pane and
the actions' tips say why.

The window's Save, Undo and Redo only forward to the document pane's own actions and follow
their enabled state: one place decides what may be done (nothing while a save runs).

The window class itself is its construction, its settings and how it closes; its services,
widgets, actions, state and shared updates are ``window_state``'s, and its behaviour is in two
mixins: the actions, menus and commands (``window_commands``) and the store list the document
pane follows (``window_store_list``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector.document.pane.document_pane import DocumentPane
from inspector.models.store_table import StoreTableModel
from inspector.resources import icon
from inspector.services.window_services import WindowServices
from inspector.widgets.about_box import AboutBox
from inspector.widgets.alert_presenter import AlertPresenter
from inspector.widgets.break_lock_dialog import BreakLockDialog
from inspector.widgets.column_settings import ColumnSettings
from inspector.widgets.folder_state import FolderBanners, FolderStatusLabels
from inspector.widgets.history_dock import HistoryDock
from inspector.widgets.lock_events_dock import LockEventsDock
from inspector.widgets.pane_settings import PaneSettings
from inspector.widgets.preferences_dialog import PreferencesDialog
from inspector.widgets.store_figures_line import StoreFiguresLine
from inspector.widgets.store_filter_edit import StoreFilterEdit
from inspector.widgets.store_table_view import StoreTableView
from inspector.widgets.window_commands import WindowCommands
from inspector.widgets.window_store_list import WindowStoreList


class MainWindow(WindowCommands, WindowStoreList):
    """Lists the stores of one folder live and edits the selected one, through ``services``
    (which it adopts: they stop with it, however it goes away).

    Built here; its parts are mixins over :class:`WindowState` (one concern each)."""

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
        self.preferences_dialog: PreferencesDialog | None = None
        self._current_path: str | None = None
        self._select_when_listed: str | None = None
        # While rows leave the table (filter, removal, vanished folder) Qt moves the current
        # row to a neighbour, and while the window puts the selection back on the open store it
        # changes it too: neither is the person choosing a store.
        self._rows_leaving = False
        self._following_document = False
        self._shut_down = False
        self._close_when_save_ends = False
        self._after_document_goes: Callable[[], None] | None = None  # see _when_document_may_go
        self._closing_asked = False  # the request waiting for the pane's answer is a close
        self._close_allowed = False  # the pane's document may go: closing goes ahead
        self._in_close_event = False

        self._folder_to_remember: str | None = None
        self.setWindowTitle(self.tr("Lock Inspector"))
        self.setWindowIcon(icon("app"))
        self._build_central()
        self.alert_presenter = AlertPresenter(self.services.lock_alerts, self)
        self.alert_presenter.store_activated.connect(self.select_store)
        self._listed = False  # the folder shown has been listed once
        # The first rows of a listing are in the table: they are painted once the batch that
        # brought them has been taken in (see _on_model_rows_inserted).
        self._paint_listed_rows = False
        self._update_empty_text()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect_services()
        self._restore_settings()
        self.column_settings = ColumnSettings(self._settings, self.table, self)
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

        self.lock_events_dock = LockEventsDock(
            self.services.lock_events, self, openers=self.services.store_openers
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.lock_events_dock)
        self.lock_events_dock.hide()
        self.lock_events_dock.store_requested.connect(self.select_store)
        self.lock_events_dock.status_message.connect(self._on_status_message)
        self.services.lock_events.status_message.connect(self._on_status_message)
        self.figures_line = StoreFiguresLine(self.services.lock_events)
        self.document_pane.header.add_line_widget(self.figures_line)
        self.history_dock = HistoryDock(self.document_pane, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.history_dock)
        self.history_dock.hide()
        # The pane follows the folder's settings (versions kept, schema checks).
        self.pane_settings = PaneSettings(self._settings, self.directory, self.document_pane, self)

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

    # -- slots -----------------------------------------------------------------------------

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

    # -- events ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and not self._close_allowed:
            # The pane is asked whether its document may go; the answer may come later (the
            # person is asked, a save they chose waits for its lock): the window stays open
            # until then and closes itself on a yes.
            self._in_close_event = True
            try:
                self._when_document_may_go(self._on_close_allowed, closing=True)
            finally:
                self._in_close_event = False
            if not self._close_allowed:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def _on_close_allowed(self) -> None:
        self._close_allowed = True
        if not self._in_close_event:  # the answer came later: close now
            self.close()
