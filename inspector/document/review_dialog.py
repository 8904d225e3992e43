"""The Review changes dialog: shows a :class:`SaveReview` (computed on a worker); draws only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.display import printable_name
from inspector.document.review import (
    BOM_MARK,
    ENDING_MARKS,
    RAW_SEPARATOR_MARKS,
    DiffMarks,
    SaveReview,
)


class _DiffHighlighter(QSyntaxHighlighter):
    """Removed lines red, added lines green, hunk headers blue."""

    def __init__(self, document: Any) -> None:
        super().__init__(document)
        self._formats = {}
        for prefix, colour in (("-", "#b00020"), ("+", "#1b7f1b"), ("@", "#1f5fbf")):
            style = QTextCharFormat()
            style.setForeground(QColor(colour))
            self._formats[prefix] = style

    def highlightBlock(self, text: str) -> None:
        style = self._formats.get(text[:1])
        if style is not None and not text.startswith(("---", "+++")):
            self.setFormat(0, len(text), style)


class ReviewDialog(QDialog):
    """Shows a :class:`SaveReview`; accepted means "save now"."""

    def __init__(self, review: SaveReview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name = printable_name(review.path)
        self.setWindowTitle(self.tr("Review changes to {name}").format(name=name))
        self.setObjectName("reviewChangesDialog")
        layout = QVBoxLayout(self)
        summary = review.note or (
            self.tr("Saving writes exactly this (lines starting with - go, + come).")
            if review.diff
            else self.tr("Saving would not change the file.")
        )
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.diff_view = QPlainTextEdit()
        self.diff_view.setReadOnly(True)
        self.diff_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff_view.setAccessibleName(self.tr("Changes the save will write"))
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setStyleHint(QFont.StyleHint.Monospace)
        self.diff_view.setFont(fixed)
        # The review marks line endings and separators itself (see DiffMarks); a carriage
        # return in a diff from elsewhere is shown as ␍ all the same: the text view would
        # take it for a line break.
        self.diff_view.setPlainText(review.diff.replace("\r", "␍"))
        self._highlighter = _DiffHighlighter(self.diff_view.document())
        layout.addWidget(self.diff_view)
        self.legend = QLabel(self._legend(review.marks))
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.PlainText)
        self.legend.setVisible(review.marks.any)
        layout.addWidget(self.legend)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setEnabled(not review.unchanged)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 600)

    def _legend(self, marks: DiffMarks) -> str:
        """What the marks in the diff stand for (only those it uses)."""
        names = {
            "\r\n": self.tr("CR LF"),
            "\n": self.tr("LF"),
            "\r": self.tr("a lone CR"),
        }
        parts = []
        if marks.endings:
            listed = ", ".join(
                self.tr("{mark} {ending}").format(mark=ENDING_MARKS[ending], ending=names[ending])
                for ending in marks.endings
            )
            if marks.usual_ending is None:
                parts.append(
                    self.tr("Line breaks are shown as marks: {listed}.").format(listed=listed)
                )
            else:
                parts.append(
                    self.tr(
                        "A line ending other than this file's usual {usual} is marked at the "
                        "line's end: {listed}."
                    ).format(usual=names[marks.usual_ending], listed=listed)
                )
        if marks.separators == "escaped":
            parts.append(
                self.tr(
                    "\\u2028 and \\u2029 are line and paragraph separators in strings, shown "
                    "as their escapes as in the Raw tab."
                )
            )
        elif marks.separators == "marked":
            parts.append(
                self.tr(
                    "{line} and {paragraph} are line and paragraph separators written as such "
                    "in strings; \\u2028 and \\u2029 are escapes written in the file."
                ).format(
                    line=RAW_SEPARATOR_MARKS["\u2028"], paragraph=RAW_SEPARATOR_MARKS["\u2029"]
                )
            )
        if marks.bom:
            parts.append(
                self.tr(
                    "{mark} is a byte order mark (U+FEFF, the bytes EF BB BF) at the start of "
                    "the file, added or dropped."
                ).format(mark=BOM_MARK)
            )
        return " ".join(parts)


#: Shows a review: (parent, review, answer) calls ``answer(save_now)`` once, now or later, and
#: never blocks; returns the open dialog (or None), which is closed -- answered no -- when the
#: document goes away.
ReviewPrompt = Callable[[QWidget, SaveReview, Callable[[bool], None]], QWidget | None]


def ask_to_save_after_review(
    parent: QWidget, review: SaveReview, answer: Callable[[bool], None]
) -> ReviewDialog:
    """The default :data:`ReviewPrompt`: a window-modal :class:`ReviewDialog` opened with
    ``open()``, not ``exec()`` (no event loop nested in the caller's, see
    ``conflict_dialog.py``). ``answer(True)`` on Save; closed any other way (Cancel, Escape,
    the window's close button, the document gone): ``answer(False)``."""
    dialog = ReviewDialog(review, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda result: answer(result == QDialog.DialogCode.Accepted))
    dialog.open()
    return dialog
