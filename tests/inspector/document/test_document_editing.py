"""The pane between documents: which tab a document opens in, what the header says."""

from __future__ import annotations

from typing import Any

from _documents import edit_value, write
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inspector.document import DocumentPane
from inspector.document.pane.pane_state import RAW_TAB, TREE_TAB


def test_a_valid_document_opened_after_a_corrupt_one_opens_in_the_tree(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    corrupt = str(tmp_path / "broken.json")
    with open(corrupt, "w", encoding="utf-8") as handle:
        handle.write('{"a": 1,\n "b": ')
    valid = str(tmp_path / "settings.json")
    document = {"theme": "dark", "servers": ["a", "b"], "retries": 3}
    write(valid, document)
    open_and_wait(pane, corrupt)
    assert pane.tabs.currentIndex() == RAW_TAB  # the damaged text is what can be repaired

    open_and_wait(pane, valid)

    assert pane.tabs.currentIndex() == TREE_TAB
    # What happened in a real window: the person, thinking a value was selected, selected all
    # and typed 17 into what had focus.
    pane.activateWindow()
    pane.tabs.currentWidget().setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    focused = QApplication.focusWidget()
    qtbot.keyClick(focused, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused, "17")
    pane.raw_editor.validate_now()
    assert pane.model.document() == document


def test_a_document_chosen_in_the_raw_tab_stays_there_when_it_follows_the_file(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "settings.json")
    write(path, {"theme": "dark"})
    open_and_wait(pane, path)
    pane.tabs.setCurrentIndex(RAW_TAB)  # the person's choice for this document
    with qtbot.waitSignal(pane.service.loaded, timeout=5000):
        write(path, {"theme": "light"})
        pane.notify_disk_change(path)
    assert pane.tabs.currentIndex() == RAW_TAB


def test_the_header_says_the_size_of_what_is_on_disk_now(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "settings.json")
    write(path, {"theme": "dark"})
    open_and_wait(pane, path)
    assert "21 bytes" in pane.header.details.text()
    edit_value(pane, "theme", value="a much longer value than dark")
    with qtbot.waitSignal(pane.saved, timeout=5000):
        assert pane.save()
    with open(path, "rb") as handle:
        size = len(handle.read())
    assert f"{size} bytes" in pane.header.details.text()
    write(path, {"theme": "x" * 2000})  # followed: no edits
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.notify_disk_change(path)
    assert "2.0 KiB" in pane.header.details.text()
