"""The "History" dock: the open store's kept versions, a diff of one against the file now, and
Restore (View ▸ History).

Listing, diffing and reading run in :class:`~inspector.services.history.HistoryService`; the
table is :class:`~inspector.models.history.HistoryTableModel`. Restore hands the version's
document to the document pane, which saves it as any save: merged with what another process
wrote meanwhile, a conflict asked about, never a silent loss.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.document.pane.document_pane import DocumentPane
from inspector.models.history import Column, HistoryTableModel, describe_time
from inspector.services.history import HistoryService
from lockcore import StoreFileKind, StoreVersion


class HistoryDock(QDockWidget):
    """Versions of the store the document pane shows; follows the pane."""

    def __init__(self, pane: DocumentPane, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("History"), parent)
        self.setObjectName("historyDock")
        self.pane = pane
        self.service = HistoryService(self)
        self.model = HistoryTableModel(self)
        self._path: str | None = None
        self._list_request = 0
        self._diff_request = 0
        self._read_request = 0

        self._build()
        self.refresh_button.clicked.connect(self.refresh)
        self.restore_button.clicked.connect(self.restore_selected)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.service.listed.connect(self._on_listed)
        self.service.diffed.connect(self._on_diffed)
        self.service.version_read.connect(self._on_version_read)
        self.service.failed.connect(self._on_failed)
        pane.document_loaded.connect(self._on_pane_document_changed)
        pane.saved.connect(self._on_pane_document_changed)
        self._show_store(None)

    def _build(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setAccessibleName(self.tr("Kept versions"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.SAVED, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.SIZE, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.diff_view = QPlainTextEdit()
        self.diff_view.setObjectName("historyDiff")
        self.diff_view.setAccessibleName(self.tr("Differences from the file now"))
        self.diff_view.setReadOnly(True)
        self.diff_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff_view.setPlaceholderText(self.tr("Select a version to compare it with the file."))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.diff_view)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setAccessibleName(self.tr("Refresh the list of versions"))
        self.restore_button = QPushButton(self.tr("Restore This Version"))
        self.restore_button.setAccessibleName(self.tr("Restore the selected version"))
        self.restore_button.setToolTip(
            self.tr(
                "Save the selected version over the file; changes other programs made "
                "meanwhile are merged in, or asked about"
            )
        )
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        layout.addLayout(buttons)
        self.setWidget(page)

    # -- what the dock shows ------------------------------------------------------------------
    def refresh(self) -> None:
        """List the versions of the pane's store again."""
        self._show_store(self.pane.path)

    def selected_version(self) -> StoreVersion | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.version_at(rows[0].row()) if rows else None

    def select_version(self, version_id: str) -> bool:
        """Select the version ``version_id`` (which starts its diff); False if not listed."""
        for row in range(self.model.rowCount()):
            version = self.model.version_at(row)
            if version is not None and version.version_id == version_id:
                self.table.selectRow(row)
                return True
        return False

    def restore_selected(self) -> bool:
        """Read the selected version and hand it to the pane to save; False if none."""
        version = self.selected_version()
        if version is None or self._path is None:
            return False
        self._read_request = self.service.read(self._path, version.version_id)
        return True

    def shutdown(self) -> None:
        self.service.shutdown()

    def _show_store(self, path: str | None) -> None:
        self._path = path
        self.diff_view.clear()
        self._diff_request = self._read_request = 0
        if path is None:
            self.model.set_versions([])
            self.status_label.setText(self.tr("Open a store to see its kept versions."))
        else:
            self._list_request = self.service.list_versions(path)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.refresh_button.setEnabled(self._path is not None)
        self.restore_button.setEnabled(self.selected_version() is not None)

    # -- slots --------------------------------------------------------------------------------
    @Slot(str)
    def _on_pane_document_changed(self, path: str) -> None:
        self._show_store(path)

    @Slot(int, str, object)
    def _on_listed(self, request_id: int, path: str, versions: list[StoreVersion]) -> None:
        if request_id != self._list_request or path != self._path:
            return
        self.model.set_versions(versions)
        if versions:
            count = len(versions)
            self.status_label.setText(
                self.tr("1 kept version of this store; select it to compare.")
                if count == 1
                else self.tr("{count} kept versions of this store; select one to compare.").format(
                    count=count
                )
            )
        else:
            self.status_label.setText(
                self.tr("No kept versions yet: each save keeps the version it replaces.")
            )
        self._update_buttons()

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        version = self.selected_version()
        self._update_buttons()
        if version is None or self._path is None:
            self.diff_view.clear()
            return
        if self._secret_values_hidden():
            self.diff_view.setPlainText(
                self.tr("This store holds secrets: reveal its values to compare versions.")
            )
            return
        self.diff_view.setPlainText(self.tr("Comparing…"))
        self._diff_request = self.service.diff(self._path, version.version_id)

    @Slot(int, str, str, str)
    def _on_diffed(self, request_id: int, path: str, _version_id: str, text: str) -> None:
        if request_id != self._diff_request or path != self._path:
            return
        self.diff_view.setPlainText(
            text or self.tr("This version holds the same bytes as the file now.")
        )

    @Slot(int, str, str, object)
    def _on_version_read(self, request_id: int, path: str, version_id: str, document: Any) -> None:
        if request_id != self._read_request or path != self._path:
            return
        self._read_request = 0
        version = next((v for v in self.model_versions() if v.version_id == version_id), None)
        label = describe_time(version.saved_at) if version is not None else version_id
        if version is not None and version.kind is StoreFileKind.QUARANTINE:
            label = self.tr("{time} (corrupt bytes kept)").format(time=label)
        self.pane.restore_version(document, label)

    @Slot(int, str, str)
    def _on_failed(self, request_id: int, path: str, message: str) -> None:
        if path != self._path:
            return
        if request_id == self._diff_request:
            self.diff_view.setPlainText(message)
        elif request_id in (self._list_request, self._read_request):
            self.status_label.setText(message)

    def model_versions(self) -> list[StoreVersion]:
        return [
            version
            for row in range(self.model.rowCount())
            if (version := self.model.version_at(row)) is not None
        ]

    def _secret_values_hidden(self) -> bool:
        """Whether a diff would show values the pane masks: a secret file, or secret keys (or
        not yet known whether there are any), while they are not revealed."""
        if self.pane.secrets_revealed:
            return False
        loaded = self.pane.loaded
        return self.pane.session.policy().secret_file or (
            loaded is not None and loaded.secrets is not False
        )
