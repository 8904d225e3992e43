"""The store table's columns fit the window they are first shown in: at 1,320 px with the
document pane open, Health ends inside the table (no sideways scrolling); a lock word too long
for its column is elided and its tooltip has it whole."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from inspector.models.store_columns import FIGURE_COLUMNS, Column
from inspector.widgets.store_table_view import DEFAULT_COLUMNS_WIDTH, StoreTableView


def test_the_columns_fit_a_1320_px_window_with_the_document_pane_open(
    qtbot: Any, main_window: Any
) -> None:
    window = main_window
    window.resize(1320, 780)
    table = window.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: window.width() == 1320, timeout=5000)
    QApplication.processEvents()  # the layout follows the new size

    assert window.document_pane.isVisible()
    assert window.splitter.sizes()[1] >= 400
    assert table.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
    health_right = header.sectionViewportPosition(Column.HEALTH) + header.sectionSize(Column.HEALTH)
    assert health_right <= table.viewport().width()
    # Health has the room it had before the Lock column was widened.
    assert header.sectionSize(Column.HEALTH) >= 160


def test_a_larger_font_elides_the_lock_word_rather_than_widen_the_table(
    qtbot: Any, main_window: Any
) -> None:
    view = StoreTableView(main_window.model)
    qtbot.addWidget(view)
    font = QFont(view.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    header = view.horizontalHeader()
    shown = [c for c in Column if c not in FIGURE_COLUMNS and c != Column.LOCK]

    assert sum(header.sectionSize(c) for c in shown) + view.lock_column_width() <= (
        DEFAULT_COLUMNS_WIDTH
    )
    word = "other host — unverifiable"
    assert view.fontMetrics().horizontalAdvance(word) > view.lock_column_width() - 32  # elided
