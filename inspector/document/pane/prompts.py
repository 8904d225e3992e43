"""Questions the pane asks the user about one file; the pane holds them and tests replace them.

They know nothing of the pane: each takes the widget to centre on and the file's name.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget


class UnsavedChoice(enum.Enum):
    """The answer to "save your edits before closing?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def ask_about_unsaved_edits(
    parent: QWidget, file_name: str, answer: Callable[[UnsavedChoice], None]
) -> None:
    """The default prompt (tests replace ``pane.unsaved_prompt``): a message box, window-modal
    and opened with ``open()``, not ``exec()``: no event loop nested in the caller's (see
    ``conflict_dialog.py``). ``answer`` is called once, when it is closed (Escape: cancel)."""
    box = _window_modal_box(parent, "unsavedEditsQuestion", QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("UnsavedPrompt", "Unsaved edits"))
    box.setText(
        QCoreApplication.translate("UnsavedPrompt", "{name} has unsaved edits.").format(
            name=file_name
        )
    )
    box.setInformativeText(QCoreApplication.translate("UnsavedPrompt", "Save them before closing?"))
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    choices = {
        QMessageBox.StandardButton.Save: UnsavedChoice.SAVE,
        QMessageBox.StandardButton.Discard: UnsavedChoice.DISCARD,
    }

    def on_finished(_result: int) -> None:
        clicked = box.clickedButton()
        button = (
            QMessageBox.StandardButton.NoButton if clicked is None else box.standardButton(clicked)
        )
        answer(choices.get(button, UnsavedChoice.CANCEL))

    box.finished.connect(on_finished)
    box.open()


def ask_to_convert(
    parent: QWidget, file_name: str, source: str, preview: str, answer: Callable[[bool], None]
) -> None:
    """The default question before converting to UTF-8 (tests replace ``pane.convert_prompt``):
    the file read as ``source`` begins with ``preview``; is that right?

    Window-modal and opened with ``open()``, not ``exec()``: no event loop nested in the
    caller's (see ``conflict_dialog.py``). ``answer`` is called once, when it is closed."""
    box = _window_modal_box(parent, "convertQuestion", QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("ConvertPrompt", "Convert to UTF-8"))
    box.setText(
        QCoreApplication.translate(
            "ConvertPrompt", "Convert {name} from {source} to UTF-8?"
        ).format(name=file_name, source=source)
    )
    shown = preview[:300] + ("…" if len(preview) > 300 else "")
    box.setInformativeText(
        QCoreApplication.translate(
            "ConvertPrompt",
            "Read as {source}, it begins:\n\n{preview}\n\nIf the letters look right, convert "
            "it: the original bytes are kept beside it as {name}.corrupt-….",
        ).format(source=source, preview=shown, name=file_name)
    )
    _open_yes_or_cancel(
        box,
        QMessageBox.StandardButton.Ok,
        QCoreApplication.translate("ConvertPrompt", "Convert"),
        answer,
    )


def ask_for_copy_path(parent: QWidget, start: str, answer: Callable[[str | None], None]) -> None:
    """The default Save a Copy As dialog (tests replace ``pane.copy_path_prompt``), window-modal
    and opened with ``open()`` (no nested event loop); ``answer`` gets the path chosen, or None,
    once it is closed. It does not ask about replacing a file: the save asks when it finds one
    (:func:`ask_to_replace`), so a file made meanwhile is never replaced unasked."""
    from PySide6.QtWidgets import QDialog, QFileDialog  # noqa: PLC0415 - only when asked

    dialog = QFileDialog(
        parent,
        QCoreApplication.translate("CopyPathPrompt", "Save a Copy As"),
        start,
        QCoreApplication.translate("CopyPathPrompt", "JSON files (*.json);;All files (*)"),
    )
    dialog.setObjectName("copyPathDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def on_finished(result: int) -> None:
        chosen = dialog.selectedFiles() if result == QDialog.DialogCode.Accepted else []
        answer(chosen[0] if chosen and chosen[0] else None)

    dialog.finished.connect(on_finished)
    dialog.open()


def ask_to_replace(parent: QWidget, shown_path: str, answer: Callable[[bool], None]) -> None:
    """The default question when a copy's path holds a file (tests replace
    ``pane.replace_prompt``): replace it? Window-modal and opened with ``open()`` (no nested
    event loop); ``answer(yes)`` is called once, when it is closed."""
    box = _window_modal_box(parent, "replaceQuestion", QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("ReplacePrompt", "Replace file"))
    box.setText(
        QCoreApplication.translate("ReplacePrompt", "{path} already exists. Replace it?").format(
            path=shown_path
        )
    )
    box.setInformativeText(
        QCoreApplication.translate(
            "ReplacePrompt", "Its current contents are kept beside it as a version."
        )
    )
    _open_yes_or_cancel(
        box,
        QMessageBox.StandardButton.Yes,
        QCoreApplication.translate("ReplacePrompt", "Replace"),
        answer,
    )


def ask_to_remove_occurrence(
    parent: QWidget, file_name: str, what: str, answer: Callable[[bool], None]
) -> None:
    """The default question before removing an occurrence of a repeated key from the file
    (tests replace ``pane.remove_occurrence_prompt``); ``what`` says which, in words.

    Window-modal and opened with ``open()``, not ``exec()``: no event loop nested in the
    caller's. ``answer`` is called once, when it is closed."""
    box = _window_modal_box(parent, "removeOccurrenceQuestion", QMessageBox.Icon.Question)
    box.setWindowTitle(
        QCoreApplication.translate(
            "RemoveOccurrencePrompt", "Remove an occurrence from {name}"
        ).format(name=file_name)
    )
    box.setText(what)
    box.setInformativeText(
        QCoreApplication.translate(
            "RemoveOccurrencePrompt",
            "It is written to the file at once, through its lock (not an undoable edit); the "
            "file as it was is kept in its history when versions are kept.",
        )
    )
    _open_yes_or_cancel(
        box,
        QMessageBox.StandardButton.Ok,
        QCoreApplication.translate("RemoveOccurrencePrompt", "Remove"),
        answer,
    )


def _window_modal_box(parent: QWidget, name: str, icon: QMessageBox.Icon) -> QMessageBox:
    """A message box for one question: window-modal (opened with ``open()``, not ``exec()``:
    no event loop nested in the caller's, see ``conflict_dialog.py``), deleted when closed,
    its texts plain (a file name is never markup)."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(icon)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def _open_yes_or_cancel(
    box: QMessageBox,
    yes: QMessageBox.StandardButton,
    yes_text: str,
    answer: Callable[[bool], None],
) -> None:
    """Open ``box`` with ``yes`` (worded ``yes_text``) and Cancel, Cancel the default;
    ``answer(True)`` once it is closed by ``yes``, ``answer(False)`` closed any other way."""
    box.setStandardButtons(yes | QMessageBox.StandardButton.Cancel)
    button = box.button(yes)
    button.setText(yes_text)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _result: answer(box.clickedButton() is button))
    box.open()
