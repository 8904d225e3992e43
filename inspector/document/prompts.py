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


ConvertPrompt = Callable[["DocumentPane", str, str], bool]


def ask_to_convert(pane: DocumentPane, source: str, preview: str) -> bool:
    """The default question before converting to UTF-8 (tests replace ``pane.convert_prompt``):
    the file read as ``source`` begins with ``preview``; is that right?"""
    box = QMessageBox(pane)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("ConvertPrompt", "Convert to UTF-8"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(
        QCoreApplication.translate(
            "ConvertPrompt", "Convert {name} from {source} to UTF-8?"
        ).format(name=pane.file_name, source=source)
    )
    shown = preview[:300] + ("…" if len(preview) > 300 else "")
    box.setInformativeText(
        QCoreApplication.translate(
            "ConvertPrompt",
            "Read as {source}, it begins:\n\n{preview}\n\nIf the letters look right, convert "
            "it: the original bytes are kept beside it as {name}.corrupt-….",
        ).format(source=source, preview=shown, name=pane.file_name)
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Ok).setText(
        QCoreApplication.translate("ConvertPrompt", "Convert")
    )
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Ok
