"""Questions the pane asks the user; each is a plain function the pane holds and tests replace."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from inspector.document.document_pane import DocumentPane


class UnsavedChoice(enum.Enum):
    """The answer to "save your edits before closing?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


UnsavedPrompt = Callable[["DocumentPane"], UnsavedChoice]


def ask_about_unsaved_edits(pane: DocumentPane) -> UnsavedChoice:
    """The default prompt: a message box (tests replace ``pane.unsaved_prompt``)."""
    box = QMessageBox(pane)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("UnsavedPrompt", "Unsaved edits"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(
        QCoreApplication.translate("UnsavedPrompt", "{name} has unsaved edits.").format(
            name=pane.file_name
        )
    )
    box.setInformativeText(QCoreApplication.translate("UnsavedPrompt", "Save them before closing?"))
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return UnsavedChoice.SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return UnsavedChoice.DISCARD
    return UnsavedChoice.CANCEL
