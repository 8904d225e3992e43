"""The "Lock Events" dock: the folder's lock events as they happen (View ▸ Lock Events).

It only shows what :class:`~inspector.services.lock_events.LockEventService` collected, through
:class:`~inspector.models.lock_events.LockEventTableModel`; "Selected store only" narrows the
list to the store selected in the window.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_path
from inspector.models.lock_events import (
    Column,
    LockEventTableModel,
    duration_text,
    event_word,
    time_text,
)
from inspector.services.lock_events import LockEventService
from inspector.services.store_openers import StoreOpeners
from inspector.widgets.lock_timeline import LockTimeline
from inspector.widgets.store_openers_page import StoreOpenersPage
from lockcore import EventKind, LockEvent


class LockEventTableView(QTableView):
    """The event list: follows the newest event while scrolled to the bottom."""

    def __init__(self, model: LockEventTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setObjectName("lockEventTable")
        self.setAccessibleName(self.tr("Lock events"))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        # Fixed row heights: the view never asks the model to measure 50,000 rows.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.STORE, QHeaderView.ResizeMode.Stretch)
        self._size_columns()
        self._following = True
        model.rowsAboutToBeInserted.connect(self._on_model_rows_about_to_be_inserted)
        model.rowsInserted.connect(self._on_model_rows_inserted)

    def _size_columns(self) -> None:
        """Widths from the font, measured on the longest texts each column can show (no row
        is measured: the log may hold 50,000): the time, every event's word, a hold of 99
        minutes, a size of a gigabyte. The holder gets room for a typical one, the store the
        rest; the person may widen any."""
        metrics = self.fontMetrics()
        header = self.horizontalHeader()
        header.resizeSection(Column.HOLDER, metrics.averageCharWidth() * 24)
        events = [
            LockEvent(0.0, kind, "", by_us=by_us) for kind in EventKind for by_us in (False, True)
        ]
        for column, samples in (
            (Column.TIME, [time_text(0.0)]),
            (Column.EVENT, [event_word(event) for event in events]),
            (Column.DURATION, [duration_text(s) for s in (0.9999, 59.999, 5999.0)]),
            (Column.SIZE, [f"{999_999_999:,}"]),
        ):
            header.resizeSection(column, self.column_width(column, samples, metrics))

    def column_width(self, column: int, samples: list[str], metrics: QFontMetrics) -> int:
        """What the widest of ``samples`` needs in a cell of ``column`` (digits written as the
        widest digit), or what the header's title needs if that is more."""
        widest = max("0123456789", key=metrics.horizontalAdvance)
        text_width = max(
            metrics.horizontalAdvance("".join(widest if c.isdigit() else c for c in sample))
            for sample in samples
        )
        # The item delegate's text margins (QCommonStyle: focus-frame margin + 1 on each side).
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        cell = text_width + 2 * margin + metrics.averageCharWidth()
        return max(cell, self.horizontalHeader().sectionSizeHint(column))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._size_columns()

    @property
    def following(self) -> bool:
        """Whether the view scrolls to each new event (it is scrolled to the bottom)."""
        return self._following

    @Slot(QModelIndex, int, int)
    def _on_model_rows_about_to_be_inserted(self, _parent: QModelIndex, _f: int, _l: int) -> None:
        bar = self.verticalScrollBar()
        self._following = bar.value() >= bar.maximum()

    @Slot(QModelIndex, int, int)
    def _on_model_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._following:
            self.scrollToBottom()


class LockEventsDock(QDockWidget):
    """The dock with the event list and the timeline of the same events."""

    #: (store: str) the user asked to see this store (clicked its lane)
    store_requested = Signal(str)
    #: (message: str) for the status bar (an export's outcome)
    status_message = Signal(str)

    def __init__(
        self,
        service: LockEventService,
        parent: QWidget | None = None,
        *,
        openers: StoreOpeners | None = None,
    ) -> None:
        super().__init__(self.tr("Lock Events"), parent)
        self.setObjectName("lockEventsDock")
        self.service = service
        self.model = LockEventTableModel(service, self)
        self._selected_store: str | None = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        events_page = QWidget()
        layout = QVBoxLayout(events_page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        row = QHBoxLayout()
        self.selected_only_box = QCheckBox(self.tr("Selected store only"))
        self.selected_only_box.setToolTip(
            self.tr("List only the events of the store selected in the table")
        )
        self.selected_only_box.toggled.connect(self._on_selected_only_box_toggled)
        row.addWidget(self.selected_only_box)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = LockEventTableView(self.model)
        layout.addWidget(self.table, 1)
        self.tabs.addTab(events_page, self.tr("Events"))
        self.timeline = LockTimeline(service)
        self.timeline.store_clicked.connect(self.store_requested)
        self.tabs.addTab(self.timeline, self.tr("Timeline"))
        self.openers_page: StoreOpenersPage | None = None
        if openers is not None:
            self.openers_page = StoreOpenersPage(openers)
            self.tabs.addTab(self.openers_page, self.tr("Open By"))
        #: File ▸ Export Lock Events…: the events kept, as JSON Lines or CSV
        self.export_action = QAction(self.tr("&Export Lock Events…"), self)
        self.export_action.setStatusTip(
            self.tr("Save the folder's lock events kept so far as JSON Lines or CSV")
        )
        self.export_action.triggered.connect(self._on_export_action_triggered)
        service.export_finished.connect(self._on_service_export_finished)
        self.setWidget(self.tabs)

    def set_selected_store(self, store: str | None) -> None:
        """The store selected in the window (None: none)."""
        self._selected_store = store
        self._apply_filter()
        self.timeline.set_selected_store(store)
        if self.openers_page is not None:
            self.openers_page.set_store(store)

    def show_openers(self) -> None:
        """Show the Open By tab and look who has the selected store open now."""
        if self.openers_page is None:
            return
        self.show()
        self.raise_()
        self.tabs.setCurrentWidget(self.openers_page)
        self.openers_page.look()

    def _apply_filter(self) -> None:
        only = self.selected_only_box.isChecked()
        self.model.set_store_filter(self._selected_store if only else None)
        if self.table.following:
            self.table.scrollToBottom()

    def export_to(self, path: str) -> None:
        """Export the events kept to ``path`` (CSV for ``*.csv``, else JSON Lines)."""
        self.status_message.emit(self.tr("Exporting lock events…"))
        self.service.export(path)

    @Slot()
    def _on_export_action_triggered(self) -> None:
        """Ask where to export, in a window-modal dialog opened with ``open()``, not the static
        ``getSaveFileName`` (no event loop nested in the caller's, see ``conflict_dialog.py``):
        the export starts when a file is chosen; Cancel does nothing."""
        jsonl, csv = self.tr("JSON Lines (*.jsonl)"), self.tr("CSV (*.csv)")
        dialog = QFileDialog(
            self,
            self.tr("Export Lock Events"),
            os.path.join(os.path.expanduser("~"), "lock-events.jsonl"),
            f"{jsonl};;{csv}",
        )
        dialog.setObjectName("exportLockEventsDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def on_file_selected(path: str) -> None:
            if not path:
                return
            if dialog.selectedNameFilter() == csv and not path.lower().endswith(".csv"):
                path += ".csv"
            self.export_to(path)

        dialog.fileSelected.connect(on_file_selected)
        dialog.open()

    @Slot(str, int, str)
    def _on_service_export_finished(self, path: str, count: int, error: str) -> None:
        shown = printable_path(path)
        if error:
            message = self.tr("Could not export lock events to {path}: {reason}")
            self.status_message.emit(message.format(path=shown, reason=error))
        else:
            message = self.tr("Exported {count} lock events to {path}.")
            self.status_message.emit(message.format(count=count, path=shown))

    @Slot(bool)
    def _on_selected_only_box_toggled(self, _checked: bool) -> None:
        self._apply_filter()
