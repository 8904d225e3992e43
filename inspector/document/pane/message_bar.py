"""An inline notice with optional buttons, tinted by its kind (drawing only)."""

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
