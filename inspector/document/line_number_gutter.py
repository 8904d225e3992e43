"""The raw editor's gutter: the line numbers beside a text editor, one of them marked in red.

A widget of its own (as Qt's code editor example's ``LineNumberArea``) apart from the editor,
because it only draws: it follows the editor's scrolling, line count and size, and knows nothing
of JSON, checks or loading -- the editor tells it which line to mark (a parse error's).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

_ERROR_COLOUR = "#dc2626"


class LineNumberGutter(QWidget):
    """Line numbers drawn in the left margin of ``editor``, which it makes room for."""

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self._editor = editor
        #: The line (counted from 0) whose number is drawn in red; None: no line is marked.
        #: Drawn at the next repaint, which marking the line in the editor itself brings.
        self.marked_line: int | None = None
        editor.blockCountChanged.connect(self._on_editor_block_count_changed)
        editor.updateRequest.connect(self._on_editor_update_request)
        self._on_editor_block_count_changed(1)

    def width_needed(self) -> int:
        """The gutter's width for the editor's number of lines (at least two digits)."""
        editor = self._editor
        digits = len(str(max(1, editor.blockCount())))
        return 14 + editor.fontMetrics().horizontalAdvance("9") * max(digits, 2)

    def fit_to(self, contents: QRect) -> None:
        """Take the left edge of the editor's ``contents`` rectangle (after a resize)."""
        self.setGeometry(
            QRect(contents.left(), contents.top(), self.width_needed(), contents.height())
        )

    def sizeHint(self) -> QSize:
        return QSize(self.width_needed(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        editor = self._editor
        painter = QPainter(self)
        palette = editor.palette()
        painter.fillRect(event.rect(), palette.alternateBase())
        painter.setPen(palette.placeholderText().color())
        painter.setFont(editor.font())
        marked_line = -1 if self.marked_line is None else self.marked_line
        block = editor.firstVisibleBlock()
        number = block.blockNumber()
        top = round(editor.blockBoundingGeometry(block).translated(editor.contentOffset()).top())
        bottom = top + round(editor.blockBoundingRect(block).height())
        width = self.width() - 6
        height = editor.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                if number == marked_line:
                    painter.setPen(QColor(_ERROR_COLOUR))
                painter.drawText(
                    0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number + 1)
                )
                if number == marked_line:
                    painter.setPen(palette.placeholderText().color())
            block = block.next()
            top = bottom
            bottom = top + round(editor.blockBoundingRect(block).height())
            number += 1
        painter.end()

    @Slot(int)
    def _on_editor_block_count_changed(self, _count: int) -> None:
        self._editor.setViewportMargins(self.width_needed(), 0, 0, 0)

    @Slot(QRect, int)
    def _on_editor_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self.scroll(0, dy)
        else:
            self.update(0, rect.y(), self.width(), rect.height())
