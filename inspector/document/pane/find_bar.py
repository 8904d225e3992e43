"""The document pane's find bar (drawing only): the text, where to look, the match count, and a
box that jumps to a path. :class:`~inspector.document.pane.find.PaneFinder` does the finding."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QToolButton,
    QWidget,
)

from inspector.document.find import FindQuery, FindScope

_TYPING_PAUSE_MS = 150
"""A search starts once typing pauses this long (not on every key of a 20 MB search)."""


class _FindField(QLineEdit):
    """Enter finds the next match, Shift+Enter the previous one, Escape closes the bar."""

    #: (backwards) Enter (False) or Shift+Enter (True) was pressed
    step_requested = Signal(bool)
    #: () Escape was pressed
    close_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.step_requested.emit(bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class _PathField(QLineEdit):
    """Escape closes the bar (Enter is ``returnPressed``)."""

    #: () Escape was pressed
    close_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    """Find text in the document; hidden until :meth:`open_bar`."""

    #: (query) the text or the options changed (after a pause in typing)
    query_changed = Signal(object)
    #: (backwards) go to the next (False) or previous (True) match
    step_requested = Signal(bool)
    #: (text) a path was entered in the path box
    path_entered = Signal(str)
    #: () the bar was closed
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one widget each
        super().__init__(parent)
        self.setObjectName("findBar")
        self.find_field = _FindField()
        self.find_field.setObjectName("findField")
        self.find_field.setPlaceholderText(self.tr("Find in document…"))
        self.find_field.setClearButtonEnabled(True)
        self.find_field.setAccessibleName(self.tr("Find in document"))
        self.scope_box = QComboBox()
        self.scope_box.setObjectName("findScope")
        for scope, label in (
            (FindScope.KEYS_AND_VALUES, self.tr("Keys and values")),
            (FindScope.KEYS, self.tr("Keys")),
            (FindScope.VALUES, self.tr("Values")),
        ):
            self.scope_box.addItem(label, scope)
        self.scope_box.setAccessibleName(self.tr("Search in"))
        self.case_box = QCheckBox(self.tr("Match case"))
        self.case_box.setObjectName("findMatchCase")
        self.case_box.setAccessibleName(self.tr("Match case"))
        style = self.style()
        self.previous_button = self._button(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp),
            self.tr("Previous match (Shift+F3)"),
            "findPrevious",
        )
        self.next_button = self._button(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowDown),
            self.tr("Next match (F3)"),
            "findNext",
        )
        self.count_label = QLabel()
        self.count_label.setObjectName("findCount")
        self.count_label.setMinimumWidth(
            self.fontMetrics().horizontalAdvance("000,000 of 000,000+")
        )
        self.path_field = _PathField()
        self.path_field.setObjectName("goToPathField")
        self.path_field.setPlaceholderText(self.tr("Go to path: /a/0/b, $.a[0].b, a[0].b"))
        self.path_field.setAccessibleName(self.tr("Go to path"))
        self.path_field.setToolTip(
            self.tr("A JSON Pointer, a JSONPath or what Copy path gives; Enter jumps to it.")
        )
        self.close_button = self._button(
            style.standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton),
            self.tr("Close the find bar (Escape)"),
            "findClose",
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(4)
        layout.addWidget(self.find_field, 2)
        layout.addWidget(self.scope_box)
        layout.addWidget(self.case_box)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.count_label)
        layout.addWidget(self.path_field, 1)
        layout.addWidget(self.close_button)

        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.setInterval(_TYPING_PAUSE_MS)
        self._typing_timer.timeout.connect(self._emit_query)
        self.find_field.textChanged.connect(self._on_text_changed)
        self.find_field.step_requested.connect(self._on_step_requested)
        self.find_field.close_requested.connect(self.close_bar)
        self.path_field.close_requested.connect(self.close_bar)
        self.path_field.returnPressed.connect(self._on_path_return_pressed)
        self.scope_box.currentIndexChanged.connect(self._emit_query)
        self.case_box.toggled.connect(self._emit_query)
        self.previous_button.clicked.connect(lambda: self.step_requested.emit(True))
        self.next_button.clicked.connect(lambda: self.step_requested.emit(False))
        self.close_button.clicked.connect(self.close_bar)
        self.hide()

    def _button(self, icon: object, tip: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setIcon(icon)  # type: ignore[arg-type]
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        return button

    def query(self) -> FindQuery:
        scope = self.scope_box.currentData()
        return FindQuery(
            self.find_field.text(),
            scope if isinstance(scope, FindScope) else FindScope.KEYS_AND_VALUES,
            self.case_box.isChecked(),
        )

    def open_bar(self) -> None:
        """Show the bar with the find field focused and its text selected."""
        self.show()
        self.find_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_field.selectAll()

    @Slot()
    def close_bar(self) -> None:
        if self.isHidden():
            return
        self._typing_timer.stop()
        self.hide()
        self.closed.emit()

    def set_count(self, text: str) -> None:
        self.count_label.setText(text)

    def search_now(self) -> None:
        """Emit the query at once if typing has not paused yet (Enter right after typing)."""
        if self._typing_timer.isActive():
            self._typing_timer.stop()
            self._emit_query()

    @Slot(str)
    def _on_text_changed(self, _text: str) -> None:
        self._typing_timer.start()

    @Slot(bool)
    def _on_step_requested(self, backwards: bool) -> None:
        self.search_now()
        self.step_requested.emit(backwards)

    @Slot()
    def _emit_query(self) -> None:
        self.query_changed.emit(self.query())

    @Slot()
    def _on_path_return_pressed(self) -> None:
        self.path_entered.emit(self.path_field.text())
