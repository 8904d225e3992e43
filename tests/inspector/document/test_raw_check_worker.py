"""The raw text's check after a typing pause runs off the GUI thread (a megabyte text stalled
the window 200-350 ms, issue 10): the parse and the secrets walk on a worker, the result handed
back by signal, a result for text typed over meanwhile never applied, and the parsed document
handed on to the tree as it is (issue 11 §2)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from inspector.document import DocumentPane, json_values, raw_editor, raw_view
from inspector.document.pane import saving
from inspector.document.pane.pane_state import RAW_TAB
from inspector.document.raw_editor import RawJsonEditor


class GatedParse:
    """``parse_json_text`` recording which thread parses what; a worker's first parse waits
    for :meth:`release` (the GUI thread's never waits: the code before this change parsed
    there, and must fail these tests, not hang)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, gated: bool) -> None:
        self.calls: list[tuple[str, bool]] = []  # (text, on the GUI thread)
        self.started = threading.Event()
        self._gate = threading.Event()
        if not gated:
            self._gate.set()
        self._original = raw_editor.parse_json_text
        self._gui_thread = threading.get_ident()
        monkeypatch.setattr(raw_editor, "parse_json_text", self)

    def release(self) -> None:
        self._gate.set()

    def __call__(self, text: str) -> Any:
        on_gui = threading.get_ident() == self._gui_thread
        self.calls.append((text, on_gui))
        self.started.set()
        if not on_gui:
            self._gate.wait(timeout=10)
        return self._original(text)


@pytest.fixture
def editor(qtbot: Any) -> Any:
    widget = RawJsonEditor()
    qtbot.addWidget(widget)
    widget.show()
    widget.set_json_text('{"a": 1}')
    yield widget
    widget.shutdown()


def type_at_end(qtbot: Any, editor: RawJsonEditor, text: str) -> None:
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(editor.document().characterCount() - 2)  # before the closing brace
    editor.setTextCursor(cursor)
    qtbot.keyClicks(editor, text)


def validated(editor: RawJsonEditor) -> list[str]:
    texts: list[str] = []
    editor.text_validated.connect(lambda text, _document, _error: texts.append(text))
    return texts


def test_the_check_after_a_pause_parses_on_another_thread_than_the_gui(
    qtbot: Any, editor: RawJsonEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse = GatedParse(monkeypatch, gated=False)
    with qtbot.waitSignal(editor.text_validated, timeout=5000) as signal:
        type_at_end(qtbot, editor, ', "b": 2')
    assert signal.args is not None
    assert signal.args[0] == '{"a": 1, "b": 2}'
    assert signal.args[1] == {"a": 1, "b": 2}
    assert parse.calls == [('{"a": 1, "b": 2}', False)]  # before: parsed on the GUI thread


def test_a_check_of_text_typed_over_meanwhile_is_never_applied(
    qtbot: Any, editor: RawJsonEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse = GatedParse(monkeypatch, gated=True)
    texts = validated(editor)
    type_at_end(qtbot, editor, ', "b": 2')
    qtbot.waitUntil(parse.started.is_set, timeout=5000)  # the pause ended: a check under way
    type_at_end(qtbot, editor, "0")  # typed again before its result came back
    parse.release()
    qtbot.waitUntil(lambda: bool(texts), timeout=5000)
    qtbot.waitUntil(lambda: not editor.has_pending_edit, timeout=5000)
    # before: the older text was applied first (its document became an undo step)
    assert texts == ['{"a": 1, "b": 20}']
    assert editor.error is None


def test_a_check_under_way_is_dropped_when_the_document_moves_on(
    qtbot: Any, editor: RawJsonEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse = GatedParse(monkeypatch, gated=True)
    texts = validated(editor)
    type_at_end(qtbot, editor, ', "b": 2')
    qtbot.waitUntil(parse.started.is_set, timeout=5000)
    assert editor.has_pending_edit  # still typed and not applied
    editor.cancel_pending()  # an undo of the document elsewhere (the pane does this)
    finished: list[bool] = []
    editor._check_pool.submit(lambda: None).add_done_callback(lambda _f: finished.append(True))
    parse.release()
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)  # the worker has delivered its result
    with qtbot.assertNotEmitted(editor.text_validated, wait=100):
        pass  # its queued signal reached the GUI thread and was dropped
    assert texts == []  # before: applied as it was parsed, on the GUI thread


def test_validate_now_applies_text_still_being_checked_at_once(
    qtbot: Any, editor: RawJsonEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse = GatedParse(monkeypatch, gated=True)
    texts = validated(editor)
    type_at_end(qtbot, editor, ', "b": 2')
    qtbot.waitUntil(parse.started.is_set, timeout=5000)
    editor.validate_now()  # a save asked: the typed text is applied before it goes on
    assert texts == ['{"a": 1, "b": 2}']
    assert not editor.has_pending_edit
    parse.release()
    with qtbot.assertNotEmitted(editor.text_validated, wait=200):
        pass  # the worker's result for the same text is not applied a second time


def test_the_pane_takes_the_typed_document_without_walking_it_on_the_gui_thread(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "dark", "counter": 1}\n')
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)
    gui_thread = threading.get_ident()
    walks: list[tuple[Any, bool]] = []  # (document, on the GUI thread)
    original = raw_view.has_secrets

    def recorded(document: Any, *args: Any, **kwargs: Any) -> bool:
        walks.append((document, threading.get_ident() == gui_thread))
        return original(document, *args, **kwargs)

    monkeypatch.setattr(raw_view, "has_secrets", recorded)
    parsed: list[Any] = []
    editor = pane.raw_editor
    editor.text_validated.connect(lambda _text, document, _error: parsed.append(document))
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index("1"))
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, "7")
    qtbot.waitUntil(lambda: pane.undo_stack.count() == 1, timeout=5000)
    assert parsed == [{"theme": "dark", "counter": 7}]
    # handed on as parsed: the tree holds the very document (before: a deep copy)
    assert pane.model.document() is parsed[0]
    # its secrets walk ran beside the parse (before: on the GUI thread, ~100 ms a megabyte)
    typed_walks = [on_gui for document, on_gui in walks if document is parsed[0]]
    assert typed_walks == [False]
    assert pane.raw_view.content.text == '{"theme": "dark", "counter": 7}\n'


def test_the_pane_compares_the_typed_document_with_the_trees_off_the_gui_thread(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"theme": "dark", "counter": 1}\n')
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)
    gui_thread = threading.get_ident()
    parsed: list[Any] = []
    walks: list[bool] = []  # each walk comparing the typed document: on the GUI thread?
    original = json_values._json_equal_walk

    def recorded(a: Any, b: Any) -> bool:
        if parsed and b is parsed[0]:
            walks.append(threading.get_ident() == gui_thread)
        return original(a, b)

    monkeypatch.setattr(json_values, "_json_equal_walk", recorded)
    editor = pane.raw_editor
    # recorded from the parse on: the worker parses, then compares
    real_parse = raw_editor.parse_json_text

    def parse(text: str) -> Any:
        document, error = real_parse(text)
        parsed.append(document)
        return document, error

    monkeypatch.setattr(raw_editor, "parse_json_text", parse)
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index("1"))
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, "7")
    qtbot.waitUntil(lambda: pane.undo_stack.count() == 1, timeout=5000)
    assert pane.model.document() == {"theme": "dark", "counter": 7}
    assert walks == [False]  # before: [True], compared on the GUI thread


def open_long_store_in_raw_tab(qtbot: Any, pane: DocumentPane, path: Path) -> str:
    """A store of ~300 KB, long enough for a save to check typed text on the worker; its
    text."""
    document = {"counter": 1, "items": [{"n": n, "name": f"item-{n}"} for n in range(6000)]}
    text = json.dumps(document, indent=2) + "\n"
    assert len(text) > saving.CHECK_FIRST_CHARS
    path.write_text(text)
    with qtbot.waitSignal(pane.document_loaded, timeout=10000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=10000)
    return text


def retype_counter(qtbot: Any, editor: RawJsonEditor, text: str, new: str) -> None:
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(text.index('"counter": 1') + len('"counter": '))
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, new)


def test_a_save_right_after_typing_in_a_long_text_checks_it_on_the_worker(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "long.json"
    text = open_long_store_in_raw_tab(qtbot, pane, path)
    parse = GatedParse(monkeypatch, gated=False)
    retype_counter(qtbot, pane.raw_editor, text, "7")
    assert pane.raw_editor.has_pending_edit  # Ctrl+S before the pause ended
    with qtbot.waitSignal(pane.saved, timeout=20000):
        assert pane.save()
    assert path.read_text() == text.replace('"counter": 1', '"counter": 7', 1)
    # before: parsed at once on the GUI thread (a megabyte stalled the window ~150 ms)
    assert [on_gui for _text, on_gui in parse.calls] == [False]


def test_a_save_waiting_for_the_check_of_text_that_is_not_json_ends_unwritten(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = tmp_path / "long.json"
    text = open_long_store_in_raw_tab(qtbot, pane, path)
    retype_counter(qtbot, pane.raw_editor, text, "x")
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=20000) as ended:
        assert pane.save()
    assert ended.args == [str(path)]
    assert pane.raw_editor.error is not None
    assert path.read_text() == text  # nothing written


def test_ctrl_z_right_after_typing_in_a_long_text_checks_it_on_the_worker(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+Z before the typing pause ended: the typed text becomes the step undone, checked
    on the raw editor's worker as a save checks it (parsed here, a megabyte stalled the
    window ~120 ms), and the undo comes once it is a step."""
    path = tmp_path / "long.json"
    text = open_long_store_in_raw_tab(qtbot, pane, path)
    parse = GatedParse(monkeypatch, gated=False)
    editor = pane.raw_editor
    retype_counter(qtbot, editor, text, "7")
    assert editor.has_pending_edit

    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(pane.undo_stack.canRedo, timeout=10000)
    assert pane.undo_stack.index() == 0
    assert pane.model.document()["counter"] == 1
    qtbot.waitUntil(lambda: not editor.is_loading, timeout=10000)
    assert editor.toPlainText() == text
    assert not pane.is_dirty
    # before: [True], parsed at once on the GUI thread
    assert [on_gui for _text, on_gui in parse.calls] == [False]
    pane.undo_stack.redo()
    assert pane.model.document()["counter"] == 7  # the typed step, as typed


def test_the_windows_undo_right_after_raw_typing_undoes_that_typing(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """The window's Undo (Ctrl+Z, Edit > Undo) triggers the pane's action, not the editor's
    key handling: typing not yet applied is the step undone there too, not dropped while the
    step before it is undone."""
    path = tmp_path / "settings.json"
    path.write_text('{\n  "theme": "dark",\n  "counter": 1\n}\n')
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)
    editor = pane.raw_editor
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index("dark"))
    editor.setTextCursor(cursor)
    with qtbot.waitSignal(editor.text_validated, timeout=5000):
        qtbot.keyClicks(editor, "x")  # a first step: "xdark"
    cursor.setPosition(editor.toPlainText().index("1"))
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, "7")
    assert editor.has_pending_edit

    pane.undo_action.trigger()  # what the window's Ctrl+Z does

    assert pane.model.document() == {"theme": "dark", "counter": 1}
    assert not editor.has_pending_edit
    pane.undo_stack.redo()
    # the typing is part of the raw step undone (before: "7" was silently dropped)
    assert pane.model.document() == {"theme": "xdark", "counter": 7}


def test_a_folder_turning_read_only_checks_long_typed_text_on_the_worker(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing not yet applied when the folder turns read-only becomes an unsaved edit, checked
    on the worker for a long text (before: parsed at once on the GUI thread)."""
    path = tmp_path / "long.json"
    text = open_long_store_in_raw_tab(qtbot, pane, path)
    parse = GatedParse(monkeypatch, gated=False)
    editor = pane.raw_editor
    retype_counter(qtbot, editor, text, "7")
    assert editor.has_pending_edit

    pane.set_read_only("The folder is on a read-only filesystem.")

    assert editor.isReadOnly()
    qtbot.waitUntil(lambda: pane.model.document()["counter"] == 7, timeout=10000)
    assert not editor.has_pending_edit
    assert pane.is_dirty
    assert [on_gui for _text, on_gui in parse.calls] == [False]
    assert path.read_text() == text  # nothing written
