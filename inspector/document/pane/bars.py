"""The document pane's message bars, stacked under its toolbar (drawing only)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from inspector.document.pane.message_bar import BarKind, MessageBar


class MessageBars(QWidget):
    """Read-only, changed on disk (reload / keep editing), saving (cancel), an error, a notice."""

    #: () the user chose to reload the version on disk
    reload_requested = Signal()
    #: () the user chose to keep editing (saving will merge)
    keep_editing_requested = Signal()
    #: () the user asked to stop a save that waits for the lock
    cancel_save_requested = Signal()
    #: () the user asked to convert the shown file, which is not UTF-8, into UTF-8
    convert_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.change_bar = MessageBar(BarKind.WARNING, "externalChangeBar")
        self.reload_button = self.change_bar.add_button(
            self.tr("Reload"), self._on_reload_clicked, "reloadButton"
        )
        self.keep_button = self.change_bar.add_button(
            self.tr("Keep editing"), self._on_keep_clicked, "keepEditingButton"
        )
        self.progress_bar = MessageBar(BarKind.PROGRESS, "saveProgressBar")
        self.cancel_save_button = self.progress_bar.add_button(
            self.tr("Cancel"), self.cancel_save_requested.emit, "cancelSaveButton"
        )
        self.error_bar = MessageBar(BarKind.ERROR, "errorBar")
        self.error_bar.add_button(self.tr("Dismiss"), self.error_bar.hide, "dismissButton")
        self.notice_bar = MessageBar(BarKind.INFO, "noticeBar")
        # A file that is not UTF-8: why it is read-only, and the explicit way out.
        self.convert_bar = MessageBar(BarKind.INFO, "convertBar")
        self.convert_button = self.convert_bar.add_button(
            self.tr("Convert to UTF-8…"), self.convert_requested.emit, "convertButton"
        )
        # Says why nothing can be changed; it belongs to the folder, so it outlives the store.
        self.read_only_bar = MessageBar(BarKind.INFO, "readOnlyBar")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 4)
        layout.setSpacing(4)
        for bar in (
            self.read_only_bar,
            self.change_bar,
            self.progress_bar,
            self.error_bar,
            self.notice_bar,
            self.convert_bar,
        ):
            layout.addWidget(bar)

    def hide_notes(self) -> None:
        """Hide what belongs to the shown document (not the save progress)."""
        for bar in (self.change_bar, self.error_bar, self.notice_bar, self.convert_bar):
            bar.hide()

    def _on_reload_clicked(self) -> None:
        self.change_bar.hide()
        self.reload_requested.emit()

    def _on_keep_clicked(self) -> None:
        self.change_bar.hide()
        self.keep_editing_requested.emit()
