"""Mine and theirs side by side when a save found conflicting changes; nothing was written yet.

The dialog is shown with ``open()`` (window-modal, never a nested ``exec()``), so tests and the
rest of the window keep running; the choice arrives through ``choice_made``.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.document.choices import ConflictChoice
from inspector.document.highlighter import JsonHighlighter
from inspector.document.loader import NO_DOCUMENT
from inspector.document.merge import ABSENT, MergeConflict
from inspector.document.secrets import MASK, SecretPolicy, mask_document


def _pretty(document: Any, policy: SecretPolicy) -> str:
    if document is NO_DOCUMENT or document is ABSENT:
        return "(no valid JSON on disk)"
    return json.dumps(mask_document(document, policy), indent=2, ensure_ascii=False)


def _short(value: Any, policy: SecretPolicy, path: tuple[str | int, ...]) -> str:
    if value is ABSENT or value is NO_DOCUMENT:
        return "(deleted)"
    if policy.masks(path) and not isinstance(value, dict | list):
        return MASK
    text = json.dumps(mask_document(value, policy, path), ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def line_numbers(document: Any) -> dict[tuple[str | int, ...], int]:
    """The line (from 0) where each path starts in ``json.dumps(document, indent=2)``."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(value: Any, path: tuple[str | int, ...], line: int) -> int:
        """Record ``value`` starting at ``line``; return the number of lines after its first."""
        lines[path] = line
        if isinstance(value, dict) and value:
            members: list[tuple[str | int, Any]] = list(value.items())
        elif isinstance(value, list) and value:
            members = list(enumerate(value))
        else:
            return 0
        extra = 0
        for step, member in members:
            extra += 1 + walk(member, (*path, step), line + extra + 1)
        return extra + 1  # the closing bracket

    if document is not NO_DOCUMENT and document is not ABSENT:
        walk(document, (), 0)
    return lines


def _mark_lines(view: QPlainTextEdit, numbers: list[int]) -> None:
    selections: list[QTextEdit.ExtraSelection] = []
    for number in numbers:
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor(217, 119, 6, 60))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = QTextCursor(view.document().findBlockByNumber(number))
        selections.append(selection)
    view.setExtraSelections(selections)
    if numbers:
        view.setTextCursor(QTextCursor(view.document().findBlockByNumber(min(numbers))))
        view.centerCursor()


class ConflictDialog(QDialog):
    """Shows where both sides changed the same entries and lets the user decide."""

    #: (ConflictChoice) the user decided (also emitted for Escape / closing: CANCEL)
    choice_made = Signal(object)

    def __init__(
        self,
        file_name: str,
        *,
        mine: Any,
        theirs: Any,
        conflicts: tuple[MergeConflict, ...],
        policy: SecretPolicy,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle(f"Conflicting changes in {file_name}")
        self.choice = ConflictChoice.CANCEL
        self.resize(880, 560)

        intro = QLabel(
            f"<b>{escape(file_name)} was changed by another process while you were editing it."
            "</b><br>"
            "Some of its changes touch the same entries as yours, so nothing was written. "
            "Choose which version to keep."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.conflict_list = QListWidget()
        self.conflict_list.setMaximumHeight(min(110, 26 + 20 * len(conflicts)))
        for conflict in conflicts:
            path = conflict.path
            self.conflict_list.addItem(
                f"{conflict.path_text}:   mine {_short(conflict.mine, policy, path)}"
                f"   ·   theirs {_short(conflict.theirs, policy, path)}"
            )

        self.mine_view = self._text_view(_pretty(mine, policy))
        self.theirs_view = self._text_view(_pretty(theirs, policy))
        mine_lines, theirs_lines = line_numbers(mine), line_numbers(theirs)
        paths = [conflict.path for conflict in conflicts]
        _mark_lines(self.mine_view, [mine_lines[p] for p in paths if p in mine_lines])
        _mark_lines(self.theirs_view, [theirs_lines[p] for p in paths if p in theirs_lines])
        panes = QGridLayout()
        panes.addWidget(self._caption("Mine — your unsaved edit"), 0, 0)
        panes.addWidget(self._caption("Theirs — on disk now"), 0, 1)
        panes.addWidget(self.mine_view, 1, 0)
        panes.addWidget(self.theirs_view, 1, 1)

        self.buttons = QDialogButtonBox()
        self.reload_button = QPushButton("Reload (take theirs)")
        self.reload_button.setToolTip("Discard your edits and show the file as it is on disk.")
        self.overwrite_button = QPushButton("Overwrite with mine")
        self.overwrite_button.setToolTip(
            "Write your version anyway; the other process's changes to these entries are lost."
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Keep editing; nothing is written.")
        self.buttons.addButton(self.reload_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.overwrite_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setDefault(True)
        self.buttons.clicked.connect(self._on_clicked)

        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel(f"Conflicting entries ({len(conflicts)}):"))
        layout.addWidget(self.conflict_list)
        layout.addLayout(panes, 1)
        layout.addWidget(separator)
        layout.addWidget(self.buttons)
        self.finished.connect(self._on_finished)

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(f"<b>{text}</b>")
        label.setTextFormat(Qt.TextFormat.RichText)
        return label

    @staticmethod
    def _text_view(text: str) -> QPlainTextEdit:
        view = QPlainTextEdit()
        view.setReadOnly(True)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        view.setPlainText(text)
        JsonHighlighter(view.document())
        return view

    def choose(self, choice: ConflictChoice) -> None:
        """Decide as if the matching button was clicked (for keyboard paths and tests)."""
        self.choice = choice
        if choice is ConflictChoice.CANCEL:
            self.reject()
        else:
            self.accept()

    @Slot(QAbstractButton)
    def _on_clicked(self, button: QAbstractButton) -> None:
        if button is self.reload_button:
            self.choose(ConflictChoice.RELOAD)
        elif button is self.overwrite_button:
            self.choose(ConflictChoice.OVERWRITE)
        else:
            self.choose(ConflictChoice.CANCEL)

    @Slot(int)
    def _on_finished(self, _result: int) -> None:
        self.choice_made.emit(self.choice)
