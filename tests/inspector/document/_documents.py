"""Small helpers the document tests share: reading and writing stores, editing a value,
opening a store on the Raw tab, retyping or replacing raw text as a person does, saving with
Ctrl+S, asking whether the pane may close."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from inspector.document import DocumentPane
from inspector.document.pane.pane_state import RAW_TAB
from inspector.document.tree_model import VALUE_COLUMN

#: The API key in conftest's SAMPLE store: a secret the pane masks.
SECRET = "sk-live-SECRET-4711"


def read(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def edit_value(pane: DocumentPane, *path: str | int, value: str) -> None:
    index = pane.model.index_for_json_path(*path).siblingAtColumn(VALUE_COLUMN)
    assert pane.model.setData(index, value)


def retype_in_raw(qtbot: Any, pane: DocumentPane, old: str, new: str) -> None:
    """Put the cursor before the only ``old`` of the raw text, delete it with Delete key
    presses and type ``new``, as a person does; then wait for the pause's validation."""
    editor = pane.raw_editor
    text = editor.toPlainText()
    assert text.count(old) == 1, text
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(text.index(old))
    editor.setTextCursor(cursor)
    for _ in old:
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
    with qtbot.waitSignal(editor.text_validated, timeout=5000):
        qtbot.keyClicks(editor, new)


def may_close(pane: DocumentPane) -> bool | None:
    """What :meth:`DocumentPane.close_when_ready` answers at once (None: not yet)."""
    answers: list[bool] = []
    pane.close_when_ready(answers.append)
    return answers[0] if answers else None


def open_raw(qtbot: Any, pane: DocumentPane, path: str | Path) -> None:
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)


def type_raw(pane: DocumentPane, text: str) -> None:
    """Replace the raw text as a person does (select all, type), then pause (validation)."""
    editor = pane.raw_editor
    editor.setFocus()
    editor.selectAll()
    editor.insertPlainText(text)
    editor.validate_now()


def save_with_ctrl_s(qtbot: Any, pane: DocumentPane) -> None:
    """What Ctrl+S does: the Save action, which is enabled only with something to save."""
    assert pane.save_action.isEnabled(), "Save is disabled: the edit would be lost"
    with qtbot.waitSignal(pane.saved, timeout=10000):
        pane.save_action.trigger()
