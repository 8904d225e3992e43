"""The view of the store table: its look, and which of its rows someone can see."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAccessible, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QTableView,
    QWidget,
)

from inspector.models.store_columns import (
    DEFAULT_HIDDEN_COLUMNS,
    FIGURE_COLUMNS,
    HIDEABLE_COLUMNS,
    Column,
)
from inspector.models.store_table import StoreTableModel
from inspector.presentation import LOCK_WORDS, translated
from inspector.widgets.store_table_delegate import StoreTableDelegate

_COLUMN_WIDTHS = {
    Column.FILE: 130,
    Column.LOCK: 150,
    Column.PID: 52,
    Column.PROCESS: 96,
    Column.AGE: 62,
    Column.SIZE: 70,
    Column.MODIFIED: 72,
    Column.HEALTH: 160,
    Column.HOLDS_PER_MINUTE: 72,
    Column.HOLD_P50: 72,
    Column.HOLD_P99: 72,
    Column.HOLD_MAX: 72,
    Column.LAST_HOLDER: 140,
    Column.LONGEST_WAIT: 100,
}

_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)

#: The columns shown at first fit in this many pixels together: the table's width in a
#: 1,320 px window with the document pane open (its 860 px less margins, frame and scroll
#: bar). A longer word than fits is elided; its tooltip has it whole.
DEFAULT_COLUMNS_WIDTH = 840


class StoreTableView(QTableView):
    """One row per store, selected a whole row at a time, sorted by file name at first.

    It tells ``model`` which rows are on screen, so that lock ages repaint only there."""

    #: (hidden: list[Column]) someone showed or hid a column through the header's menu
    columns_chosen = Signal(object)

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
        # Plain-text cells painted without a call of multiData each (store_table_delegate.py).
        self.setItemDelegate(StoreTableDelegate(model, self))
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
        header.resizeSection(Column.LOCK, self.lock_column_width())
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The contention figures are there for whoever asks: the header's context menu.
        for column in DEFAULT_HIDDEN_COLUMNS:
            header.setSectionHidden(column, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu_requested)
        self.header_menu: QMenu | None = None
        model.set_visible_rows_provider(self.visible_rows)
        self._empty_text = ""
        # What changed since the view last laid its items out (see doItemsLayout): only rows
        # appended below the last row shown, or something that needs the whole viewport
        # painted again.
        self._appended_out_of_sight = False
        self._full_layout_due = False
        model.rowsInserted.connect(self._on_model_rows_inserted)
        for change in (
            model.rowsRemoved,
            model.rowsMoved,
            model.layoutChanged,
            model.modelReset,
            model.columnsInserted,
            model.columnsRemoved,
            model.columnsMoved,
        ):
            change.connect(self._on_model_shape_changed)

    @property
    def empty_text(self) -> str:
        """What an empty table says, in its middle (what to do next)."""
        return self._empty_text

    def set_empty_text(self, text: str) -> None:
        changed = text != self._empty_text
        self._empty_text = text
        # Drawn only while the table has no rows: with rows, a new text shows nothing new (a
        # listing sets it once its rows are in, and repainting the viewport for it cost a
        # whole repaint of the table, ~10 ms at the end of every listing).
        if changed and self.model().rowCount() == 0:
            self.viewport().update()

    def doItemsLayout(self) -> None:
        """Qt lays the items out (shortly after rows come or go) and repaints the whole
        viewport. Rows appended below the last row shown -- a listing's later batches, 9,900
        rows at 10,000 stores -- change nothing on screen but the scroll bar, and that repaint
        of a screenful of cells cost ~10 ms of the GUI thread at the end of every listing:
        then only the geometry (the scroll bar's range) is brought up to date."""
        light = self._appended_out_of_sight and not self._full_layout_due
        self._appended_out_of_sight = self._full_layout_due = False
        if light:
            self.updateGeometries()
            return
        super().doItemsLayout()

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        /,
        roles: Sequence[int] = (),
    ) -> None:
        """Qt repaints a changed range of cells through a rectangle one pixel too wide and too
        high (Qt 6.11: ``intersectedRect`` takes the last pixel's end as inclusive), so every
        cell right of and below the range is painted again too: a storm row's four changed
        cells cost ten, two cells six. The range's own rectangle is repainted instead. A single
        cell (Qt's rectangle is exact), a screen reader listening (Qt tells it what changed), or
        a table laid out unlike the plain one (moved or hidden ends, right to left) go to Qt as
        before. The table has no editors, so there is no editor's data to bring up to date.
        A change of tooltips alone repaints nothing."""
        if roles and not QAccessible.isActive() and all(role == _TOOLTIP for role in roles):
            return  # (Qt reads a tooltip when it shows one: nothing on screen changed)
        if top_left == bottom_right or QAccessible.isActive():
            super().dataChanged(top_left, bottom_right, roles)
            return
        rect = self._cells_rect(top_left, bottom_right)
        if rect is None:
            super().dataChanged(top_left, bottom_right, roles)
        elif self.isVisible():
            rect = rect.intersected(self.viewport().rect())
            if not rect.isEmpty():
                self.viewport().update(rect)

    def _cells_rect(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
    ) -> QRect | None:
        """The viewport's rectangle of a range of cells (exactly theirs), or None when it is not
        that simple to tell."""
        top, left = top_left.row(), top_left.column()
        bottom, right = bottom_right.row(), bottom_right.column()
        rows, columns = self.verticalHeader(), self.horizontalHeader()
        if (
            top_left.parent().isValid()
            or not (0 <= top <= bottom < rows.count() and 0 <= left <= right < columns.count())
            or self.isRightToLeft()
            or rows.sectionsMoved()
            or columns.sectionsMoved()
            or self.isRowHidden(top)
            or self.isRowHidden(bottom)
            or self.isColumnHidden(left)
            or self.isColumnHidden(right)
        ):
            return None
        x = self.columnViewportPosition(left)
        y = self.rowViewportPosition(top)
        width = self.columnViewportPosition(right) + self.columnWidth(right) - x
        height = self.rowViewportPosition(bottom) + self.rowHeight(bottom) - y
        return QRect(x, y, width, height)

    @Slot(QModelIndex, int, int)
    def _on_model_rows_inserted(self, parent: QModelIndex, first: int, _last: int) -> None:
        if self._full_layout_due or parent.isValid():
            return
        # The header knows the new rows already: a screenful ending before them means the
        # viewport was full and they are all below it.
        last_shown = self.rowAt(self.viewport().height() - 1) if self.isVisible() else -1
        if 0 <= last_shown < first:
            self._appended_out_of_sight = True
        else:
            self._on_model_shape_changed()

    @Slot()
    def _on_model_shape_changed(self) -> None:
        self._full_layout_due = True
        self._appended_out_of_sight = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._empty_text and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(16, 16, -16, -16)
            painter.drawText(
                area, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self._empty_text
            )
            painter.end()

    def lock_column_width(self) -> int:
        """Wide enough for the longest lock word in this font and language ("other host —
        unverifiable" was cut to "other host — unverif…"), its icon and the cell's margins --
        as long as the columns shown at first still fit in :data:`DEFAULT_COLUMNS_WIDTH` (a
        wider Lock column pushed Health off the table's right edge)."""
        metrics = self.fontMetrics()
        longest = max(
            metrics.horizontalAdvance(translated(word)) for word, _ in LOCK_WORDS.values()
        )
        icon_and_margins = (
            self.iconSize().width()
            + 4 * self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin)
            + 16
        )
        others = sum(
            width
            for column, width in _COLUMN_WIDTHS.items()
            if column != Column.LOCK and column not in FIGURE_COLUMNS
        )
        room = DEFAULT_COLUMNS_WIDTH - others
        return max(_COLUMN_WIDTHS[Column.LOCK], min(room, longest + icon_and_margins))

    def hidden_columns(self) -> list[Column]:
        """The columns hidden now, in table order."""
        header = self.horizontalHeader()
        return [column for column in HIDEABLE_COLUMNS if header.isSectionHidden(column)]

    def set_hidden_columns(self, hidden: Iterable[Column]) -> None:
        """Hide these columns and show every other (the file's is always shown)."""
        hidden = set(hidden)
        header = self.horizontalHeader()
        for column in HIDEABLE_COLUMNS:
            header.setSectionHidden(column, column in hidden)

    def column_menu(self) -> QMenu:
        """The header's context menu: a checkable entry per column that may be hidden."""
        menu = QMenu(self)
        header = self.horizontalHeader()
        model = self.model()
        for column in HIDEABLE_COLUMNS:
            title = model.headerData(column, Qt.Orientation.Horizontal)
            action = menu.addAction(str(title))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(
                lambda shown, column=column: self._show_column_chosen(column, shown)
            )
            if column == FIGURE_COLUMNS[0]:
                menu.insertSeparator(action)
        return menu

    def _show_column_chosen(self, column: Column, shown: bool) -> None:
        self.horizontalHeader().setSectionHidden(column, not shown)
        self.columns_chosen.emit(self.hidden_columns())

    @Slot(QPoint)
    def _on_header_context_menu_requested(self, position: QPoint) -> None:
        self.header_menu = self.column_menu()
        self.header_menu.popup(self.horizontalHeader().mapToGlobal(position))

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
