"""Raw-text edits that do not change the parsed document are edits too (issue 10: a save writes
what the person changed): reformatting, a number's spelling, a repeated key's occurrence taken
out are saved exactly as typed, under the lock, only over the bytes they were typed over. Over
a file another process changed meanwhile: test_raw_text_over_changes.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _documents import edit_value, open_raw, read_bytes, save_with_ctrl_s, type_raw

from inspector.document import DocumentPane
from inspector.document.review import SaveReview

CRLF_SETTINGS = (
    b'\xef\xbb\xbf{\r\n\t"theme": "dark",\r\n\t"ratio": 1.5,\r\n\t"theme": "light"\r\n}\r\n'
)


def test_a_reformat_only_edit_is_dirty_and_saved_exactly_as_typed(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "ratio": 1.5,\n  "servers": [80, 443]\n}\n')
    open_raw(qtbot, pane, path)
    typed = '{\n    "ratio": 1.50,\n    "servers": [\n        80,\n        443\n    ]\n}\n'

    type_raw(pane, typed)

    assert pane.is_dirty
    assert pane.header.title.text().endswith("•")  # the dirty mark (the window title: *)
    save_with_ctrl_s(qtbot, pane)
    assert read_bytes(path) == typed.encode()
    assert not pane.is_dirty
    assert pane.raw_editor.toPlainText() == typed


def test_the_file_bom_and_line_breaks_stay_and_a_deleted_occurrence_is_saved(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(CRLF_SETTINGS)
    open_raw(qtbot, pane, path)
    assert pane.loaded is not None
    assert len(pane.loaded.duplicate_keys) == 1
    shown = pane.raw_editor.toPlainText()
    assert shown == CRLF_SETTINGS[3:].decode().replace("\r\n", "\n")

    type_raw(pane, shown.replace('\t"theme": "dark",\n', ""))  # the ignored occurrence goes

    assert pane.is_dirty
    save_with_ctrl_s(qtbot, pane)
    assert read_bytes(path) == CRLF_SETTINGS.replace(b'\t"theme": "dark",\r\n', b"")
    assert pane.loaded is not None
    assert pane.loaded.duplicate_keys == ()
    assert not pane.is_dirty


def test_undo_back_to_the_loaded_text_is_clean_and_shows_that_text(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    original = '{\n  "ratio": 1.5\n}\n'
    Path(path).write_text(original, encoding="utf-8")
    open_raw(qtbot, pane, path)

    type_raw(pane, '{"ratio": 1.5}\n')
    assert pane.is_dirty
    pane.undo_action.trigger()

    assert not pane.is_dirty
    assert not pane.save_action.isEnabled()
    assert pane.raw_editor.toPlainText() == original
    # Typing the loaded text back is no edit either.
    type_raw(pane, '{"ratio": 1.50}\n')
    assert pane.is_dirty
    type_raw(pane, original)
    assert not pane.is_dirty
    assert read_bytes(path) == original.encode()


def test_review_changes_shows_the_diff_of_a_reformat(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "ratio": 1.5\n}\n')
    open_raw(qtbot, pane, path)
    type_raw(pane, '{\n  "ratio": 1.50\n}\n')
    reviews: list[SaveReview] = []

    def review(_parent: Any, shown: SaveReview, answer: Any) -> None:
        reviews.append(shown)
        answer(False)

    pane.review_prompt = review
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.review_changes()

    assert len(reviews) == 1
    assert '-  "ratio": 1.5\n' in reviews[0].diff
    assert '+  "ratio": 1.50\n' in reviews[0].diff
    assert read_bytes(path) == b'{\n  "ratio": 1.5\n}\n'


def test_typing_over_a_text_the_view_made_after_a_tree_edit_keeps_the_file_format(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """After a tree edit the raw view shows the document serialised by the view, not the file's
    text: typing over it is a document edit, so the save changes only the values (saving the
    view's text as typed would rewrite every line of the file)."""
    path = str(tmp_path / "settings.json")
    original = b'{\r\n\t"ratio": 1.50,\r\n\t"theme": "dark",\r\n\t"port": 80\r\n}\r\n'
    Path(path).write_bytes(original)
    open_raw(qtbot, pane, path)
    edit_value(pane, "theme", value="light")
    shown = pane.raw_editor.toPlainText()
    assert '"ratio": 1.5,' in shown  # the view's own serialisation

    type_raw(pane, shown.replace('"port": 80', '"port": 443'))
    save_with_ctrl_s(qtbot, pane)

    expected = original.replace(b'"dark"', b'"light"').replace(b"80", b"443")
    assert read_bytes(path) == expected
