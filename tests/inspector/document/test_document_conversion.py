"""A store that is not UTF-8 in the document pane: shown read-only and unmodified, converted to
UTF-8 only when the person agrees (asked without a nested event loop), its original bytes kept,
and nothing converted when the file changed meanwhile or is not JSON in its encoding either."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _documents import SECRET, may_close, read_bytes
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from inspector.document import DocumentPane
from inspector.document.results import DocumentKind


@pytest.mark.parametrize(
    "case",
    [
        (b'{"name": "Jos\xe9"}', "not UTF-8 text: byte 0xe9 at line 1, column 14", "Jos\ufffd"),
        ('{"name": "José"}'.encode("utf-16"), "UTF-16 text", '{"name": "José"}'),
        (bytes(range(256)), "not UTF-8 text", "\ufffd"),
    ],
    ids=["latin-1", "utf-16", "binary"],
)
def test_a_non_utf8_file_opens_read_only_and_unmodified(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any, case: tuple[bytes, str, str]
) -> None:
    raw, words, shown = case  # the bytes, what the pane says of them, what it shows
    path = str(tmp_path / "odd.json")
    with open(path, "wb") as handle:
        handle.write(raw)
    dirty_changes: list[bool] = []
    pane.dirty_changed.connect(dirty_changes.append)
    open_and_wait(pane, path)
    assert pane.loaded is not None
    assert pane.loaded.kind is DocumentKind.NOT_UTF8
    assert words in pane.convert_bar.text
    assert pane.convert_button.isVisible()
    assert shown in pane.raw_editor.toPlainText()
    assert pane.raw_editor.isReadOnly()
    pane.raw_editor.validate_now()  # whatever typing would have been pending is applied
    assert not pane.is_dirty
    assert "•" not in pane.header.title.text()
    assert "read-only" in pane.header.badge_texts()
    assert not pane.save_action.isEnabled()
    assert not pane.document_actions.undo.isEnabled()
    assert may_close(pane) is True  # no "unsaved edits" question
    pane.revert()
    qtbot.waitUntil(lambda: pane.loaded is not None and pane.loaded.kind is DocumentKind.NOT_UTF8)
    assert not pane.is_dirty
    assert dirty_changes == []
    assert read_bytes(path) == raw


@pytest.mark.parametrize(
    "case",
    [
        ('{\n  "city": "Café",\n  "n": 1\n}'.encode("cp1252"), "Windows-1252 (Latin-1)"),
        ('{\n    "city": "Café",\n    "n": 1\n}'.encode("utf-16"), "UTF-16 (LE)"),
        ('{"city": "Café", "n": 1}'.encode("utf-16-be"), "UTF-16 (BE)"),
    ],
    ids=["latin-1", "utf-16-bom", "utf-16-be"],
)
def test_convert_to_utf8_keeps_the_letters_and_the_original_bytes(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any, case: tuple[bytes, str]
) -> None:
    raw, source = case  # the file's bytes, the encoding the pane should read them with
    path = tmp_path / "city.json"
    path.write_bytes(raw)
    asked: list[tuple[str, str]] = []

    def agree(_pane: DocumentPane, shown_source: str, preview: str, answer: Any) -> None:
        asked.append((shown_source, preview))
        answer(True)

    pane.convert_prompt = agree
    open_and_wait(pane, str(path))
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.convert_to_utf8()
    assert asked == [(source, raw.decode(_codec(source)).lstrip("\ufeff"))]
    converted = path.read_bytes()
    assert json.loads(converted.decode("utf-8")) == {"city": "Café", "n": 1}
    assert "\ufffd" not in converted.decode("utf-8")
    [copy] = tmp_path.glob("city.json.corrupt-*")
    assert copy.read_bytes() == raw  # the original bytes, kept
    assert pane.loaded is not None
    assert pane.loaded.kind is DocumentKind.VALID
    assert pane.model.document() == {"city": "Café", "n": 1}
    assert not pane.raw_editor.isReadOnly()
    assert not pane.convert_bar.isVisible()
    assert f"from {source} to UTF-8" in pane.notice_bar.text
    assert not pane.is_dirty


def _codec(source: str) -> str:
    return {
        "Windows-1252 (Latin-1)": "cp1252",
        "UTF-16 (LE)": "utf-16",
        "UTF-16 (BE)": "utf-16-be",
    }[source]


def test_converting_is_asked_first_and_a_no_changes_nothing(
    pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = tmp_path / "city.json"
    raw = '{"city": "Café"}'.encode("latin-1")
    path.write_bytes(raw)
    pane.convert_prompt = lambda _pane, _source, _preview, answer: answer(False)
    open_and_wait(pane, str(path))
    assert pane.convert_to_utf8()
    assert path.read_bytes() == raw
    assert list(tmp_path.glob("city.json.corrupt-*")) == []
    assert pane.raw_editor.isReadOnly()


def test_a_file_that_is_not_json_in_its_encoding_either_is_not_converted(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = tmp_path / "blob.json"
    raw = bytes(range(256))
    path.write_bytes(raw)
    pane.convert_prompt = lambda _pane, _source, _preview, answer: answer(True)
    open_and_wait(pane, str(path))
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.convert_to_utf8()
    assert "Could not convert blob.json to UTF-8" in pane.error_bar.text
    assert "is not valid JSON" in pane.error_bar.text
    assert path.read_bytes() == raw
    assert list(tmp_path.glob("blob.json.corrupt-*")) == []


def test_a_file_changed_since_it_was_read_is_not_converted(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = tmp_path / "city.json"
    path.write_bytes('{"city": "Café"}'.encode("latin-1"))
    pane.convert_prompt = lambda _pane, _source, _preview, answer: answer(True)
    open_and_wait(pane, str(path))
    newer = '{"city": "Zürich"}'.encode("latin-1")  # another program wrote meanwhile
    path.write_bytes(newer)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.convert_to_utf8()
    assert "another program changed it since it was read" in pane.error_bar.text
    assert path.read_bytes() == newer  # theirs, untouched: never "Café" over "Zürich"


def test_converting_a_secret_file_does_not_show_its_text_in_the_question(
    pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = tmp_path / "app_secrets.json"
    path.write_bytes(f'{{"token": "{SECRET}"}}'.encode("utf-16"))
    previews: list[str] = []

    def refuse(_pane: DocumentPane, _source: str, preview: str, answer: Any) -> None:
        previews.append(preview)
        answer(False)

    pane.convert_prompt = refuse
    open_and_wait(pane, str(path))
    assert SECRET not in pane.raw_editor.toPlainText()
    assert pane.convert_to_utf8()
    assert len(previews) == 1
    assert SECRET not in previews[0]


def _reject_questions_later(pane: DocumentPane) -> QTimer:
    """A safety net: a question opened with exec() would block the test until closed."""
    timer = QTimer(pane)
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: [box.reject() for box in pane.findChildren(QMessageBox)])
    timer.start(3000)
    return timer


def test_the_convert_question_is_window_modal_and_nests_no_event_loop(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = tmp_path / "city.json"
    raw = '{"city": "Café"}'.encode("latin-1")
    path.write_bytes(raw)
    open_and_wait(pane, str(path))
    safety_net = _reject_questions_later(pane)
    assert pane.convert_to_utf8()  # returns with the question open, unanswered
    box = pane.findChild(QMessageBox, "convertQuestion")
    assert box is not None
    assert box.isVisible()
    assert box.windowModality() == Qt.WindowModality.WindowModal
    assert path.read_bytes() == raw  # nothing converted before the answer
    with qtbot.waitSignal(pane.saved, timeout=10000):
        box.button(QMessageBox.StandardButton.Ok).click()
    safety_net.stop()
    assert json.loads(path.read_bytes().decode("utf-8")) == {"city": "Café"}
    qtbot.waitUntil(lambda: pane.findChild(QMessageBox, "convertQuestion") is None)


def test_a_yes_after_another_store_opened_converts_nothing(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = tmp_path / "city.json"
    raw = '{"city": "Café"}'.encode("latin-1")
    path.write_bytes(raw)
    other = tmp_path / "other.json"
    other.write_text('{"n": 1}', encoding="utf-8")
    answers: list[Any] = []
    pane.convert_prompt = lambda _pane, _source, _preview, answer: answers.append(answer)
    open_and_wait(pane, str(path))
    assert pane.convert_to_utf8()
    open_and_wait(pane, str(other))  # while the question is open
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    answers[0](True)
    assert messages == ["city.json changed while you were asked; nothing was converted."]
    assert path.read_bytes() == raw
    assert list(tmp_path.glob("*.corrupt-*")) == []
    assert not pane.is_saving
