"""The document pane's header: the file name, a line of facts, and badges (drawing only;
``header.py`` decides what it says)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class DocumentHeader(QWidget):
    """The file name, a line of facts, and badges (unsaved, secret, read-only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.details = QLabel()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.details.palette()
        palette.setColor(self.details.foregroundRole(), palette.placeholderText().color())
        self.details.setPalette(palette)
        for label in (self.title, self.details):
            label.setTextFormat(Qt.TextFormat.PlainText)  # file names are never taken for markup
            # A long path must not widen the pane: the label clips and its tooltip has it all.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._badges = QHBoxLayout()
        self._badges.setSpacing(6)
        text = QVBoxLayout()
        text.setSpacing(1)
        text.addWidget(self.title)
        text.addWidget(self.details)
        self._lines = text
        self._trailing = QHBoxLayout()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.addLayout(text, 1)
        layout.addLayout(self._badges)
        layout.addLayout(self._trailing)

    def add_line_widget(self, widget: QWidget) -> None:
        """Put a line of its own under the facts (the lock's figures, say)."""
        self._lines.addWidget(widget)

    def add_trailing_widget(self, widget: QWidget) -> None:
        """Put a control at the right end of the header (after the badges)."""
        self._trailing.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)

    def set_badges(self, badges: list[tuple[str, str]]) -> None:
        """Replace the badges: (text, colour) pairs."""
        while self._badges.count():
            item = self._badges.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # deleteLater alone would leave it drawn until the next loop
                widget.setParent(None)
                widget.deleteLater()
        for text, colour in badges:
            badge = QLabel(text)
            badge.setObjectName("badge")
            badge.setStyleSheet(
                f"QLabel#badge {{ color: {colour}; border: 1px solid {colour}; "
                "border-radius: 8px; padding: 1px 8px; font-weight: 600; }"
            )
            self._badges.addWidget(badge, 0, Qt.AlignmentFlag.AlignVCenter)

    def badge_texts(self) -> list[str]:
        texts: list[str] = []
        for position in range(self._badges.count()):
            item = self._badges.itemAt(position)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                texts.append(widget.text())
        return texts
