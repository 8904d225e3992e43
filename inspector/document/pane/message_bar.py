"""An inline notice with optional buttons, tinted by its kind (drawing only).

The kind is marked by an icon from the desktop's theme (the style's own when the theme has none),
never by a symbol character: "⚠", "✖" or an emoji draw as an empty box, or in another colour
and size, wherever the fonts lack them (issue 12).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QWidget,
)

from inspector.translation import QT_TRANSLATE_NOOP

_SP = QStyle.StandardPixmap


class BarKind(enum.Enum):
    """(accent colour, freedesktop icon name, the style's icon if the theme has none, what the
    icon says to a screen reader)"""

    INFO = ("#2563eb", "dialog-information", _SP.SP_MessageBoxInformation,
            QT_TRANSLATE_NOOP("MessageBar", "Information"))  # fmt: skip
    WARNING = ("#d97706", "dialog-warning", _SP.SP_MessageBoxWarning,
               QT_TRANSLATE_NOOP("MessageBar", "Warning"))  # fmt: skip
    ERROR = ("#dc2626", "dialog-error", _SP.SP_MessageBoxCritical,
             QT_TRANSLATE_NOOP("MessageBar", "Error"))  # fmt: skip
    PROGRESS = ("#0891b2", "view-refresh", _SP.SP_BrowserReload,
                QT_TRANSLATE_NOOP("MessageBar", "In progress"))  # fmt: skip

    @property
    def accent(self) -> str:
        return self.value[0]

    def icon(self, widget: QWidget) -> QIcon:
        """The theme's icon for this kind, else ``widget``'s style's."""
        return QIcon.fromTheme(self.value[1], widget.style().standardIcon(self.value[2]))

    @property
    def spoken(self) -> str:
        """What the icon means, translated."""
        return QCoreApplication.translate("MessageBar", self.value[3])


class MessageBar(QFrame):
    """An inline notice with optional buttons, tinted by kind (like KMessageWidget)."""

    def __init__(self, kind: BarKind, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._kind = kind
        #: The kind's icon (no text).
        self.icon_label = QLabel()
        self.icon_label.setObjectName(f"{object_name}Icon")
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(6)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(self.icon_label)
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
        self._show_icon()

    def _show_icon(self) -> None:
        # As tall as a line of the text beside it, sharp on a high-density screen.
        side = self.label.fontMetrics().height()
        self.icon_label.setPixmap(
            self._kind.icon(self).pixmap(QSize(side, side), self.devicePixelRatioF())
        )
        self.icon_label.setAccessibleName(self._kind.spoken)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._show_icon()

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
