"""The field that filters the store list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class StoreFilterEdit(QLineEdit):
    """Down or Enter asks to go on into the table; Escape clears the filter (when there is one,
    else it goes on to the window as usual)."""

    #: () Down, Return or Enter was pressed.
    enter_table_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(self.tr("Filter stores by file, process, state…  (Ctrl+F)"))
        self.setClearButtonEnabled(True)
        self.setAccessibleName(self.tr("Filter stores"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_table_requested.emit()
            return
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)
