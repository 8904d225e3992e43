"""Issue 10: an occurrence of a repeated key is removed from the file only when the person
chooses it (Remove This Occurrence, Shift+Del on its row), through the store's lock, exactly
its bytes; nothing when another process changed that key's occurrences meanwhile."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from inspector.document import DocumentPane
from inspector.document.tree_model import KEY_COLUMN, VALUE_COLUMN

RAW = b'{\n  "theme": "dark",\n  "n": 1,\n  "theme": "light"\n}\n'


def _answer_yes(asked: list[str]) -> Callable[[Any, str, Callable[[bool], None]], None]:
    def prompt(_pane: Any, what: str, answer: Callable[[bool], None]) -> None:
        asked.append(what)
        answer(True)

    return prompt


def _row(pane: DocumentPane, row: int) -> QModelIndex:
    root = pane.model.index(0, 0)
    pane.tree_view.expand(root)
    return pane.model.index(row, KEY_COLUMN, root)


def _press_shift_delete_on(qtbot: Any, pane: DocumentPane, index: QModelIndex) -> None:
    pane.tree_view.setCurrentIndex(index)
    pane.activateWindow()
    pane.tree_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is pane.tree_view, timeout=3000)
    qtbot.keyClick(pane.tree_view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)


def test_shift_delete_on_an_earlier_occurrence_removes_exactly_it(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    asked: list[str] = []
    pane.remove_occurrence_prompt = _answer_yes(asked)
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    first = _row(pane, 0)
    assert first.data() == "theme (1 of 2, ignored by most readers)"

    with qtbot.waitSignal(pane.saved, timeout=10000):
        _press_shift_delete_on(qtbot, pane, first)

    assert path.read_bytes() == b'{\n  "n": 1,\n  "theme": "light"\n}\n'
    assert len(asked) == 1
    assert 'occurrence 1 of 2 of "theme"' in asked[0]
    assert '"dark"' in asked[0]
    assert 'Removed occurrence 1 of 2 of "theme" ("dark") from settings.json.' in messages
    # The tree shows the file as it is now: one theme, no marks, nothing unsaved.
    root = pane.model.index(0, 0)
    rows = [pane.model.index(r, KEY_COLUMN, root).data() for r in range(pane.model.rowCount(root))]
    assert rows == ["n", "theme"]
    assert pane.model.index(1, VALUE_COLUMN, root).data() == "light"
    assert not pane.is_dirty


def test_removing_the_last_occurrence_makes_the_earlier_one_the_value(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    asked: list[str] = []
    pane.remove_occurrence_prompt = _answer_yes(asked)
    last = _row(pane, 1)
    assert last.data() == "theme (2 of 2, read by Python, JS and most readers)"

    with qtbot.waitSignal(pane.saved, timeout=10000):
        pane.tree_view.setCurrentIndex(last)
        pane.remove_occurrence_action.trigger()

    assert "read occurrence 1" in asked[0]
    assert path.read_bytes() == b'{\n  "theme": "dark",\n  "n": 1\n}\n'
    assert pane.model.document() == {"theme": "dark", "n": 1}


def test_nothing_is_asked_or_removed_with_unsaved_edits_or_a_plain_entry(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    asked: list[str] = []
    pane.remove_occurrence_prompt = _answer_yes(asked)
    messages: list[str] = []
    pane.status_message.connect(messages.append)

    pane.tree_view.setCurrentIndex(_row(pane, 2))  # "n": repeated nowhere
    assert not pane.remove_occurrence_action.isEnabled()
    assert not pane.remove_occurrence(_row(pane, 2))
    pane.tree_view.setCurrentIndex(_row(pane, 0))
    assert pane.remove_occurrence_action.isEnabled()

    pane.model.setData(pane.model.index(2, VALUE_COLUMN, pane.model.index(0, 0)), "2")
    assert pane.is_dirty
    assert pane.remove_occurrence(_row(pane, 0))
    assert any("Save or revert your edits first" in message for message in messages)
    assert not pane.is_saving
    assert path.read_bytes() == RAW


_CHANGER = textwrap.dedent(
    """
    import sys
    from lockcore import FileLock
    from lockcore._atomic import write_atomic
    with FileLock(sys.argv[1], timeout=30) as lock:
        print("held", flush=True)
        sys.stdin.readline()
        write_atomic(sys.argv[1], bytes.fromhex(sys.argv[2]), durable=True)
    print("released", flush=True)
    """
)


def test_a_change_by_another_process_while_waiting_stops_the_removal(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    pane.remove_occurrence_prompt = _answer_yes([])
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    theirs = RAW.replace(b'"dark"', b'"dim"')
    with subprocess.Popen(
        [sys.executable, "-c", _CHANGER, str(path), theirs.hex()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as other:
        assert other.stdin is not None
        assert other.stdout is not None
        try:
            assert other.stdout.readline().strip() == "held"
            with qtbot.waitSignal(pane._session.save_progress, timeout=10000):  # waits for it
                assert pane.remove_occurrence(_row(pane, 0))
            with qtbot.waitSignal(pane.save_ended_unwritten, timeout=15000):
                other.stdin.write("\n")
                other.stdin.flush()
            assert other.stdout.readline().strip() == "released"
        finally:
            if other.poll() is None:
                other.kill()

    assert path.read_bytes() == theirs  # their write, and nothing removed
    assert any(
        'Could not remove the occurrence of "theme" from settings.json: another program '
        "changed" in message
        for message in messages
    )
    # The pane then shows the file as it is, with its occurrences.
    qtbot.waitUntil(
        lambda: _row(pane, 0).siblingAtColumn(VALUE_COLUMN).data() == "dim", timeout=10000
    )
    assert not pane.is_saving


def test_after_a_save_the_occurrences_are_still_known_and_removable(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    pane.remove_occurrence_prompt = _answer_yes([])
    pane.model.setData(pane.model.index(2, VALUE_COLUMN, pane.model.index(0, 0)), "2")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    saved = RAW.replace(b'"n": 1', b'"n": 2')
    assert path.read_bytes() == saved
    loaded = pane._session.loaded
    assert loaded is not None
    assert [d.key for d in loaded.duplicate_keys] == ["theme"]  # the raw view marks them too

    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.remove_occurrence(_row(pane, 0))
    assert path.read_bytes() == saved.replace(b'  "theme": "dark",\n', b"")


def test_occurrences_of_a_key_a_save_deleted_are_not_removed_again(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))
    pane.remove_occurrence_prompt = _answer_yes([])
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    assert pane.model.remove_entry(_row(pane, 1))  # the key "theme": every occurrence goes
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    assert path.read_bytes() == b'{\n  "n": 1\n}\n'

    earlier = _row(pane, 0)  # still shown, struck through, until the file is shown again
    assert earlier.data(Qt.ItemDataRole.FontRole).strikeOut()
    assert pane.remove_occurrence(earlier)
    assert any("Nothing removed: settings.json no longer has" in m for m in messages)
    assert not pane.is_saving
    assert path.read_bytes() == b'{\n  "n": 1\n}\n'


# A popup menu asks the platform to raise it and grab the keyboard; offscreen cannot.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_the_context_menu_of_an_occurrence_offers_to_remove_it(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any
) -> None:
    from PySide6.QtWidgets import QMenu

    path = tmp_path / "settings.json"
    path.write_bytes(RAW)
    open_and_wait(pane, str(path))

    def menu_for(row: int) -> list[str]:
        for old in pane.tree_view.findChildren(QMenu):
            old.close()
            old.deleteLater()
        index = _row(pane, row)
        pane.tree_view.scrollTo(index)
        position = pane.tree_view.visualRect(index).center()
        pane._on_tree_context_menu_requested(position)
        menus = [menu for menu in pane.tree_view.findChildren(QMenu) if menu.isVisible()]
        assert len(menus) == 1
        return [action.text() for action in menus[0].actions()]

    assert "Remove This Occurrence…" in menu_for(0)
    assert "Remove This Occurrence…" in menu_for(1)
    assert "Remove This Occurrence…" not in menu_for(2)


def test_after_a_removal_the_files_number_spellings_are_shown(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, open_and_wait: Any, monkeypatch: Any
) -> None:
    import inspector.document.parsing

    monkeypatch.setattr(inspector.document.parsing, "INLINE_SPELLINGS_CHARS", 10)  # "big"
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"ratio": 1.50, "theme": "dark", "theme": "light"}')
    open_and_wait(pane, str(path))
    pane.remove_occurrence_prompt = _answer_yes([])
    ratio = pane.model.index_for_json_path("ratio").siblingAtColumn(VALUE_COLUMN)
    qtbot.waitUntil(lambda: ratio.data() == "1.50", timeout=10000)

    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.remove_occurrence(_row(pane, 1))
    assert path.read_bytes() == b'{"ratio": 1.50, "theme": "light"}'
    ratio = pane.model.index_for_json_path("ratio").siblingAtColumn(VALUE_COLUMN)
    assert ratio.data() == "1.50"
