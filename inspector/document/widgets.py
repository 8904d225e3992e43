"""Small drawing-only widgets of the document pane: the message bar and the header."""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class BarKind(enum.Enum):
    INFO = ("#2563eb", "i")
    WARNING = ("#d97706", "⚠")
    ERROR = ("#dc2626", "✖")
    PROGRESS = ("#0891b2", "⟳")

    @property
    def accent(self) -> str:
        return self.value[0]

    @property
    def glyph(self) -> str:
        return self.value[1]


class MessageBar(QFrame):
    """An inline notice with optional buttons, tinted by kind (like KMessageWidget)."""

    def __init__(self, kind: BarKind, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._kind = kind
        self._glyph = QLabel()
        self._glyph.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(6)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(self._glyph)
        layout.addWidget(self.label, 1)
        layout.addLayout(self._buttons)
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: BarKind) -> None:
        self._kind = kind
        accent = QColor(kind.accent)
        dark = QGuiApplication.palette().window().color().lightness() < 128
        tint = QColor(accent)
        tint.setAlpha(60 if dark else 28)
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: rgba({tint.red()}, {tint.green()}, "
            f"{tint.blue()}, {tint.alpha()}); border: 1px solid {kind.accent}; "
            f"border-left: 4px solid {kind.accent}; border-radius: 4px; }}"
        )
        self._glyph.setText(
            f"<span style='color:{kind.accent}; font-weight:bold'>{kind.glyph}</span>"
        )

    def add_button(self, text: str, on_click: Callable[[], None], name: str = "") -> QPushButton:
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(on_click)
        self._buttons.addWidget(button)
        return button

    def show_message(self, text: str, kind: BarKind | None = None, *, rich: bool = False) -> None:
        """Show ``text``: plain text (file names are never taken for markup), or with ``rich``
        markup whose file-given parts the caller has escaped."""
        if kind is not None and kind is not self._kind:
            self.set_kind(kind)
        self.label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.label.setText(text)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text()


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
