"""The Raw tab saves exactly what the person typed and nothing else (issue 10): line endings
of every untouched line, line and paragraph separators inside strings, no-break spaces, a BOM
and a missing final newline stay byte for byte; only the typed span changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _documents import edit_value, open_raw, read_bytes, retype_in_raw
from PySide6.QtCore import Qt

from inspector.document import DocumentPane
from inspector.document.pane.pane_state import RAW_TAB
from inspector.document.parsing import RAW_EDIT_LIMIT
from inspector.document.raw_view import RawMode
from inspector.document.tree_model import KEY_COLUMN


def save(qtbot: Any, pane: DocumentPane) -> None:
    assert pane.save_action.isEnabled(), "nothing to save: the edit was lost"
    with qtbot.waitSignal(pane.saved, timeout=10000):
        pane.save_action.trigger()


def edit_and_save(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, original: bytes, *, old: str, new: str
) -> bytes:
    path = tmp_path / "settings.json"
    path.write_bytes(original)
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, old, new)
    save(qtbot, pane)
    return read_bytes(str(path))


def test_mixed_line_endings_stay_on_every_line_but_the_edited_value(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = b'{\r\n  "a": 1,\n  "b": 22,\r\n  "c": 3,\r\n  "d": 4\r\n}\n'

    written = edit_and_save(qtbot, pane, tmp_path, original, old="22", new="23")

    assert written == original.replace(b"22", b"23")


def test_a_lone_carriage_return_between_members_stays(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = b'{"a": 1,\r"b": 22,\r\n"c": [true,\rfalse]}'

    written = edit_and_save(qtbot, pane, tmp_path, original, old="22", new="7")

    assert written == original.replace(b"22", b"7")


def test_a_new_line_typed_takes_the_line_ending_of_the_line_it_is_typed_in(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = b'{\n  "a": 1,\r\n  "b": 2\n}\n'
    path = tmp_path / "settings.json"
    path.write_bytes(original)
    open_raw(qtbot, pane, path)
    editor = pane.raw_editor
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index('"a": 1,') + len('"a": 1,'))
    editor.setTextCursor(cursor)
    editor.setFocus()

    qtbot.keyClick(editor, Qt.Key.Key_Return)
    with qtbot.waitSignal(editor.text_validated, timeout=5000):
        qtbot.keyClicks(editor, '"z": 0,')
    save(qtbot, pane)

    assert read_bytes(str(path)) == b'{\n  "a": 1,\r\n"z": 0,\r\n  "b": 2\n}\n'


def test_line_and_paragraph_separators_in_a_string_round_trip_and_are_shown_escaped(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = '{\n  "note": "one\u2028two\u2029three",\n  "n": 10\n}\n'.encode()
    path = tmp_path / "settings.json"
    path.write_bytes(original)
    open_raw(qtbot, pane, path)

    shown = pane.raw_editor.toPlainText()
    assert '"one\\u2028two\\u2029three"' in shown  # a visible mark, the same JSON string
    assert pane.raw_editor.blockCount() == 5  # the four lines and the empty one after
    retype_in_raw(qtbot, pane, "10", "11")
    assert pane.raw_editor.error is None
    assert pane.model.document()["note"] == "one\u2028two\u2029three"
    save(qtbot, pane)

    assert read_bytes(str(path)) == original.replace(b"10", b"11")


def test_a_separator_escape_the_person_edits_is_saved_as_typed(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = '{"note": "one\u2028two", "n": 1}'.encode()

    written = edit_and_save(qtbot, pane, tmp_path, original, old="\\u2028", new="\\u0020")

    assert written == b'{"note": "one\\u0020two", "n": 1}'


def test_a_no_break_space_in_a_string_is_kept(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = '{"name": "Jean\xa0Dupont", "n": 1}\n'.encode()

    written = edit_and_save(qtbot, pane, tmp_path, original, old="1", new="2")

    assert written == original.replace(b"1", b"2")


def test_bom_tabs_and_no_final_newline_stay(qtbot: Any, pane: DocumentPane, tmp_path: Path) -> None:
    original = b'\xef\xbb\xbf{\r\n\t"a": "x",\r\n\t"b": 1.50\n}'

    written = edit_and_save(qtbot, pane, tmp_path, original, old='"x"', new='"y"')

    assert written == original.replace(b'"x"', b'"y"')


def test_edits_far_apart_keep_the_line_endings_between_them(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    lines = [f'  "k{i}": {i},' + ("\r\n" if i % 3 else "\n") for i in range(40)]
    original = ("{\n" + "".join(lines) + '  "last": 0\n}\n').encode()
    path = tmp_path / "settings.json"
    path.write_bytes(original)
    open_raw(qtbot, pane, path)

    retype_in_raw(qtbot, pane, '"k1": 1,', '"k1": 100,')
    retype_in_raw(qtbot, pane, '"k38": 38,', '"k38": 380,')
    save(qtbot, pane)

    expected = original.replace(b'"k1": 1,', b'"k1": 100,').replace(b'"k38": 38,', b'"k38": 380,')
    assert read_bytes(str(path)) == expected


def test_duplicate_keys_are_marked_in_a_crlf_file(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{\r\n  "theme": "dark",\r\n  "n": 1,\r\n  "theme": "light"\r\n}\r\n')
    open_raw(qtbot, pane, path)

    marks = pane.raw_editor.extraSelections()
    marked = [mark.cursor.selectedText() for mark in marks]
    assert marked == ['"theme"', '"theme"']


def test_separators_in_a_document_the_view_writes_after_a_tree_edit_stay_valid_json(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes('{"note": "a\u2029b\u2028c", "n": 1}'.encode())
    open_raw(qtbot, pane, path)
    edit_value(pane, "n", value="2")  # the raw view now shows a text of its own

    shown = pane.raw_editor.toPlainText()
    assert "\\u2029" in shown
    assert pane.raw_editor.error is None
    retype_in_raw(qtbot, pane, '"n": 2', '"n": 3')

    assert pane.raw_editor.error is None
    assert not pane.raw_view.content.mode.read_only
    assert pane.model.document() == {"note": "a\u2029b\u2028c", "n": 3}
    save(qtbot, pane)
    assert json.loads(read_bytes(str(path))) == {"note": "a\u2029b\u2028c", "n": 3}


_MEMBERS = ['"name": "x"', '"port": 8080', '"list": [80, 443]']


def _indented(indent: str, newline: str = "\n", members: list[str] = _MEMBERS) -> bytes:
    inner = ("," + newline).join(indent + member for member in members)
    return ("{" + newline + inner + newline + "}" + newline).encode()


ROUND_TRIP_FILES = {
    "4-space": _indented("    "),
    "tab": _indented("\t"),
    "CR LF": _indented("  ", "\r\n"),
    "BOM": b"\xef\xbb\xbf" + _indented("  "),
    "compact": b'{"name":"x","port":8080,"list":[80,443]}',
    "no final newline": _indented("  ").rstrip(b"\n"),
    "number spellings": _indented("  ", members=[*_MEMBERS, '"r": 1.50', '"e": 1E3', '"z": -0']),
    "string spellings": _indented("  ", members=[*_MEMBERS, '"s": "\\u00e9\\/"']),
    "repeated keys": _indented("  ", members=[*_MEMBERS, '"name": "y"']),
    "non-standard numbers": _indented(
        "  ", members=[*_MEMBERS, '"n": NaN', '"i": -Infinity', '"h": 1e999']
    ),
    "lone surrogate": _indented("  ", members=[*_MEMBERS, '"s": "\\ud800"']),
    "separators": _indented("  ", members=[*_MEMBERS, '"s": "a\u2028b\u2029"']),
    "no-break space": _indented("  ", members=[*_MEMBERS, '"s": "a\xa0b"']),
    "mixed endings": b'{\r\n  "name": "x",\n  "port": 8080,\r\n  "list": [80,\r443]\n}\r\n',
}


@pytest.mark.parametrize("name", list(ROUND_TRIP_FILES))
def test_a_one_value_edit_through_the_raw_tab_changes_only_that_value(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, name: str
) -> None:
    original = ROUND_TRIP_FILES[name]

    written = edit_and_save(qtbot, pane, tmp_path, original, old="8080", new="8081")

    assert written == original.replace(b"8080", b"8081")


def test_a_key_renamed_to_a_secret_name_in_the_tree_masks_the_raw_text(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """The raw view answers "does it hold secrets?" again without a walk only for the very
    document it asked about: an edit makes another one."""
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"user": {"name": "ana"}, "n": 1}')
    open_raw(qtbot, pane, path)
    assert pane.raw_view.content.mode is RawMode.EDIT
    pane.raw_view.show_content(pane.raw_view.content)  # asked again: the same document

    index = pane.model.index_for_json_path("user", "name").siblingAtColumn(KEY_COLUMN)
    assert pane.model.setData(index, "password")

    assert pane.raw_view.content.mode is RawMode.MASKED
    assert "ana" not in pane.raw_editor.toPlainText()


def test_the_error_of_a_damaged_file_is_marked_where_it_is_after_separators_and_cr_lf(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """The error's line and column are the parser's, in the file's text; the editor shows a
    U+2029 as its escape, not as a line break that moved every later line down."""
    path = tmp_path / "settings.json"
    path.write_bytes('{"a": "x\u2029y",\r\n "b": "p\u2028q", "c": }\r\n'.encode())
    open_raw(qtbot, pane, path)

    error = pane.raw_editor.error
    assert error is not None
    marked = [
        selection.cursor.selectedText()
        for selection in pane.raw_editor.extraSelections()
        if selection.cursor.hasSelection()
    ]
    assert marked == ["}"]
    assert (error.line, error.column) == (2, 24)  # the escape is six columns


def test_duplicate_keys_are_marked_in_a_long_read_only_crlf_file(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = tmp_path / "big.json"
    members = "".join(f'  "k{number:06d}": "{"v" * 40}",\r\n' for number in range(25_000))
    path.write_bytes(
        ('{\r\n  "theme": "dark",\r\n' + members + '  "theme": "light"\r\n}\r\n').encode()
    )
    assert path.stat().st_size > RAW_EDIT_LIMIT
    with qtbot.waitSignal(pane.document_loaded, timeout=20000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(
        lambda: pane.raw_view.content.mode is RawMode.BIG and not pane.raw_editor.is_loading,
        timeout=20000,
    )

    marked = [mark.cursor.selectedText() for mark in pane.raw_editor.extraSelections()]
    assert marked == ['"theme"', '"theme"']


def test_after_undo_and_redo_a_save_still_changes_only_the_typed_value(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = b'{\r\n  "a": "x",\n  "b": 1\r\n}\r\n'
    path = tmp_path / "settings.json"
    path.write_bytes(original)
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, '"b": 1', '"b": 5')

    pane.undo_action.trigger()
    assert not pane.is_dirty
    assert pane.raw_editor.toPlainText() == '{\n  "a": "x",\n  "b": 1\n}\n'
    pane.redo_action.trigger()
    save(qtbot, pane)

    assert read_bytes(str(path)) == original.replace(b'"b": 1', b'"b": 5')


def test_shift_enter_types_a_line_break_not_a_line_separator(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    original = b'{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n'
    path = tmp_path / "settings.json"
    path.write_bytes(original)
    open_raw(qtbot, pane, path)
    editor = pane.raw_editor
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index('"a": 1,') + len('"a": 1,'))
    editor.setTextCursor(cursor)
    editor.setFocus()

    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(editor.text_validated, timeout=5000):
        qtbot.keyClicks(editor, '"z": 0,')

    assert "\u2028" not in editor.editor_text()
    assert editor.error is None
    save(qtbot, pane)
    assert read_bytes(str(path)) == b'{\r\n  "a": 1,\r\n"z": 0,\r\n  "b": 2\r\n}\r\n'


def test_find_in_the_raw_text_selects_what_was_found_after_separators_and_cr_lf(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes('{\r\n  "a": "x\u2029y\u2028z needle",\r\n  "needle": 1\r\n}\r\n'.encode())
    open_raw(qtbot, pane, path)
    pane.find_action.trigger()
    pane.find_bar.find_field.setText("needle")
    pane.find_bar.search_now()
    qtbot.waitUntil(lambda: not pane.finder.searching, timeout=10000)

    assert pane.finder.match_count == 2
    for _ in range(2):
        assert pane.raw_editor.textCursor().selectedText() == "needle"
        pane.finder.step()


def test_a_repaired_damaged_file_is_saved_exactly_as_typed(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """Repairing a damaged file in the Raw tab is typing over its bytes like any raw edit:
    the file gets the text as typed (its BOM, tabs, CR LFs, spellings and raw U+2028 kept),
    not the document re-serialised; the damaged bytes are kept as a ``.corrupt-*`` copy."""
    path = tmp_path / "settings.json"
    damaged = (
        '\ufeff{\r\n\t"ratio": 1.50,\r\n\t"note": "a\u2028b",\r\n\t"theme": ,\r\n\t"big": 1E3\r\n}'
    ).encode()
    path.write_bytes(damaged)
    open_raw(qtbot, pane, path)
    assert pane.loaded is not None
    assert pane.loaded.kind.repairable

    retype_in_raw(qtbot, pane, '"theme": ,', '"theme": "dark",')
    qtbot.waitUntil(lambda: pane.model.has_document, timeout=5000)
    save(qtbot, pane)

    assert read_bytes(str(path)) == damaged.replace(b'"theme": ,', b'"theme": "dark",')
    [copy] = tmp_path.glob("settings.json.corrupt-*")
    assert copy.read_bytes() == damaged
    assert "damaged original was kept" in pane.notice_bar.text
    assert not pane.is_dirty
