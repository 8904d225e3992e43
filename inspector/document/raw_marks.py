"""How the raw editor marks what is wrong in its text, as Qt extra selections: a parse error (its
line tinted, a wavy underline under its character) and the keys a file repeats (a warning
background with a tooltip).

Apart from the editor because they are made from its document alone, for any text, and say only
how a mark looks; the editor decides when they are shown (a long text's marks wait for the rest
of it to be put in).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QTextEdit

from inspector.document.results import ParseError


def parse_error_marks(document: QTextDocument, error: ParseError) -> list[QTextEdit.ExtraSelection]:
    """``error``'s line tinted over the editor's whole width, and its character underlined."""
    block = document.findBlockByNumber(max(error.line - 1, 0))
    line = QTextEdit.ExtraSelection()
    line.format.setBackground(QColor(220, 38, 38, 40))
    line.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
    line.cursor = QTextCursor(block)
    mark = QTextEdit.ExtraSelection()
    cursor = QTextCursor(block)
    cursor.movePosition(
        QTextCursor.MoveOperation.Right,
        QTextCursor.MoveMode.MoveAnchor,
        max(error.column - 1, 0),
    )
    cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor)
    mark.cursor = cursor
    underline = QTextCharFormat()
    underline.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    underline.setUnderlineColor(QColor("#dc2626"))
    mark.format = underline
    return [line, mark]


def duplicate_key_marks(
    document: QTextDocument, spans: list[tuple[int, int]]
) -> list[QTextEdit.ExtraSelection]:
    """A mark over each repeated key at these (start, end) character offsets; spans past the
    document's text (not put in yet) get none."""
    last = document.characterCount() - 1
    tooltip = QCoreApplication.translate(
        "RawJsonEditor", "Duplicate key: Python programs read only the last one"
    )
    marks = []
    for start, end in spans:
        if end > last:
            continue
        mark = QTextEdit.ExtraSelection()
        cursor = QTextCursor(document)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        mark.cursor = cursor
        mark.format.setBackground(QColor(217, 119, 6, 70))
        mark.format.setToolTip(tooltip)
        marks.append(mark)
    return marks
