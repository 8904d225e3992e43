"""The view of the store table: its look, and which of its rows someone can see."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from inspector.models.store_table import Column, StoreTableModel

_COLUMN_WIDTHS = {
    Column.FILE: 140,
    Column.LOCK: 150,
    Column.PID: 52,
    Column.PROCESS: 104,
    Column.AGE: 62,
    Column.SIZE: 70,
    Column.MODIFIED: 72,
    Column.HEALTH: 186,
}


class StoreTableView(QTableView):
    """One row per store, selected a whole row at a time, sorted by file name at first.

    It tells ``model`` which rows are on screen, so that lock ages repaint only there."""

    def __init__(self, model: StoreTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Stores"))
        self.setAccessibleDescription(
            self.tr(
                "One row per JSON store: its lock, the lock's holder and age, size, time "
                "modified and health"
            )
        )
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setIconSize(QSize(16, 16))
        self.setSortingEnabled(True)
        self.sortByColumn(Column.FILE, Qt.SortOrder.AscendingOrder)
        # Always there: a scroll bar that appears with the first screenful of rows would resize
        # the table and paint it all again while the scan goes on.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        model.set_visible_rows_provider(self.visible_rows)

    def visible_rows(self) -> range:
        """Rows shown right now (none while the view is hidden)."""
        if not self.isVisible():
            return range(0)
        first = self.rowAt(0)
        if first < 0:
            return range(0)
        last = self.rowAt(self.viewport().height() - 1)
        if last < 0:
            last = self.model().rowCount() - 1
        return range(first, last + 1)
