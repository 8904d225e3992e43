"""Issue 11 §5: Review changes is a window-modal dialog opened with ``open()``, not ``exec()``;
the save goes on (or ends unwritten) from its answer, and the GUI keeps running meanwhile."""

from __future__ import annotations

import os
from typing import Any

from _documents import edit_value, read, read_bytes
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from inspector.document import DocumentPane, UnsavedChoice
from inspector.document.review_dialog import ReviewDialog


def _open_review(qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any) -> ReviewDialog:
    """Edit ``store`` and ask for Review changes with the real dialog; returns it once shown.

    With a nested event loop this never returns while the dialog is open: the dialog would be
    shown from inside the wait below, which could not go on until the dialog closed."""
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    assert pane.review_changes()
    qtbot.waitUntil(lambda: _shown_review(pane) is not None, timeout=10000)
    dialog = _shown_review(pane)
    assert dialog is not None
    assert pane.review_question is dialog
    return dialog


def _shown_review(pane: DocumentPane) -> ReviewDialog | None:
    shown = [dialog for dialog in pane.findChildren(ReviewDialog) if dialog.isVisible()]
    return shown[0] if shown else None


def test_the_review_dialog_is_window_modal_and_the_gui_goes_on_while_it_is_open(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    before = read_bytes(store)
    dialog = _open_review(qtbot, pane, store, open_and_wait)

    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert QApplication.activeModalWidget() in (dialog, None)  # offscreen may not activate it
    assert '+  "theme": "light"' in dialog.diff_view.toPlainText()
    # The application's own event loop runs: a timer started now fires, a signal is delivered.
    timer = QTimer()
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout, timeout=5000):
        timer.start(10)
    with qtbot.waitSignal(pane.status_message, timeout=5000) as said:
        pane.status_message.emit("still running")
    assert said.args == ["still running"]
    assert dialog.isVisible()
    assert read_bytes(store) == before  # nothing written while it is asked


def test_save_in_the_review_dialog_writes_the_edit(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    dialog = _open_review(qtbot, pane, store, open_and_wait)
    with qtbot.waitSignal(pane.saved, timeout=10000) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [store]
    assert read(store)["theme"] == "light"
    assert pane.review_question is None
    assert not pane.is_dirty


def test_cancel_in_the_review_dialog_ends_the_save_unwritten(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    before = read_bytes(store)
    dialog = _open_review(qtbot, pane, store, open_and_wait)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000) as ended:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert ended.args == [store]
    assert pane.review_question is None
    assert pane.is_dirty
    assert read_bytes(store) == before


def test_the_review_dialog_closes_unwritten_when_the_document_goes(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, tmp_path: Any
) -> None:
    before = read_bytes(store)
    other = os.path.join(str(tmp_path), "other.json")
    with open(other, "w", encoding="utf-8") as handle:
        handle.write('{"theme": "other"}\n')
    dialog = _open_review(qtbot, pane, store, open_and_wait)
    closed: list[int] = []
    dialog.finished.connect(closed.append)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000) as ended:
        open_and_wait(pane, other)  # the window's own choice: the edits were asked about first
    assert ended.args == [store]
    assert closed == [QDialog.DialogCode.Rejected.value]  # closed, and deleted on close
    assert pane.review_question is None
    assert read_bytes(store) == before
    assert read(other) == {"theme": "other"}  # the other document is not saved either


def test_a_close_that_saves_waits_for_the_review_dialog_without_blocking(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    pane.review_before_first_save = True
    pane.unsaved_prompt = lambda _pane, choose: choose(UnsavedChoice.SAVE)
    answers: list[bool] = []
    pane.close_when_ready(answers.append)
    qtbot.waitUntil(lambda: _shown_review(pane) is not None, timeout=10000)
    dialog = _shown_review(pane)
    assert dialog is not None
    assert answers == []  # the close waits for the answer
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answers != [], timeout=10000)
    assert answers == [True]
    assert read(store)["theme"] == "light"
