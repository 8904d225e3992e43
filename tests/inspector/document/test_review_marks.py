"""The Review changes diff shows line endings and line/paragraph separators readably and
unambiguously, as the Raw tab does: a line is a line of the file (CR LF, LF or a lone CR, never
a U+2028 inside a string), an ending is marked only where it is not the file's usual one, a
raw U+2028 is shown as the Raw tab's ``\\u2028`` (and told apart from an escape written as
such), and a legend says what the marks stand for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _documents import retype_in_raw
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inspector.document import DocumentPane
from inspector.document.pane.pane_state import RAW_TAB
from inspector.document.review import SaveReview, marked_diff, text_diff
from inspector.document.review_dialog import ReviewDialog


def _body(diff: str) -> list[str]:
    """The diff's lines after its two file headers."""
    return diff.splitlines()[2:]


def test_a_value_edit_of_a_crlf_file_marks_no_line_ending(qtbot: Any) -> None:
    old = '{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n'
    diff, marks = marked_diff("s.json", old, old.replace("1", "7"))
    review = SaveReview("/x/s.json", diff, marks=marks)
    dialog = ReviewDialog(review)
    qtbot.addWidget(dialog)

    shown = dialog.diff_view.toPlainText()
    assert "␍" not in shown  # before: every line of the file ended in ␍
    assert _body(shown) == ["@@ -1,4 +1,4 @@", " {", '-  "a": 1,', '+  "a": 7,', '   "b": 2', " }"]
    assert not dialog.legend.isVisibleTo(dialog)


def test_a_changed_line_ending_is_marked_where_it_differs_with_a_legend(qtbot: Any) -> None:
    old = '{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n'
    new = '{\r\n  "a": 1,\n  "b": 2\r\n}\r\n'  # only the ending of one line changed
    diff, marks = marked_diff("s.json", old, new)
    dialog = ReviewDialog(SaveReview("/x/s.json", diff, marks=marks))
    qtbot.addWidget(dialog)

    assert _body(dialog.diff_view.toPlainText()) == [
        "@@ -1,4 +1,4 @@",
        " {",
        '-  "a": 1,',
        '+  "a": 1,␊',
        '   "b": 2',
        " }",
    ]
    assert dialog.legend.isVisibleTo(dialog)
    assert "usual CR LF" in dialog.legend.text()
    assert "␊ LF" in dialog.legend.text()


def test_a_line_separator_in_a_string_is_no_line_break_and_shown_as_in_the_raw_tab(
    qtbot: Any,
) -> None:
    old = '{\n  "note": "a\u2028b\u2029c",\n  "n": 1\n}\n'
    diff, marks = marked_diff("s.json", old, old.replace("1", "2"))
    dialog = ReviewDialog(SaveReview("/x/s.json", diff, marks=marks))
    qtbot.addWidget(dialog)

    shown = dialog.diff_view.toPlainText()
    # before: "a" and "b" were lines of their own (str.splitlines breaks at U+2028), and the
    # view showed the separators as line breaks
    assert _body(shown) == [
        "@@ -1,4 +1,4 @@",
        " {",
        '   "note": "a\\u2028b\\u2029c",',
        '-  "n": 1',
        '+  "n": 2',
        " }",
    ]
    assert dialog.diff_view.document().blockCount() == len(shown.split("\n"))
    assert "as in the Raw tab" in dialog.legend.text()


def test_a_raw_separator_and_its_escape_written_as_such_never_look_alike() -> None:
    old = '{\n  "note": "a\u2028b"\n}\n'
    new = '{\n  "note": "a\\u2028b"\n}\n'  # the same string, now spelt with the escape
    diff, marks = marked_diff("s.json", old, new)
    assert _body(diff) == [
        "@@ -1,3 +1,3 @@",
        " {",
        '-  "note": "a⟨U+2028⟩b"',
        '+  "note": "a\\u2028b"',
        " }",
    ]
    assert marks.separators == "marked"


def test_a_missing_final_newline_is_said() -> None:
    diff = text_diff("s.json", '{"a": 1}\n', '{"a": 1}')
    assert _body(diff) == [
        "@@ -1 +1 @@",
        '-{"a": 1}',
        '+{"a": 1}',
        "\\ No newline at end of file",
    ]


def test_a_long_line_span_marks_its_line_breaks_and_separators() -> None:
    old = '{"a":[' + ",".join(["1"] * 20_000) + '],\r\n"b":"x\u2028y"}'
    diff, marks = marked_diff("s.json", old, old.replace('"x', '"z'))
    removed, added = (line for line in _body(diff) if line[:1] in "-+")
    assert removed.endswith('1,1],␍␊"b":"x\\u2028y"}')
    assert added.endswith('1,1],␍␊"b":"z\\u2028y"}')
    assert marks.usual_ending is None
    assert marks.endings == ("\r\n",)


def test_review_of_a_raw_edit_shows_the_file_as_the_raw_tab_does(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes('{\r\n  "note": "a\u2028b",\r\n  "n": 1\r\n}\r\n'.encode())
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)
    retype_in_raw(qtbot, pane, '"n": 1', '"n": 2')

    assert pane.review_changes()
    qtbot.waitUntil(lambda: pane.review_question is not None, timeout=10000)
    dialog = pane.review_question
    assert isinstance(dialog, ReviewDialog)

    assert dialog.diff_view.toPlainText().splitlines() == [
        "--- settings.json (on disk)",
        "+++ settings.json (after saving)",
        "@@ -1,4 +1,4 @@",
        " {",
        '   "note": "a\\u2028b",',
        '-  "n": 1',
        '+  "n": 2',
        " }",
    ]
    assert dialog.legend.isVisibleTo(dialog)
    dialog.reject()


def test_an_added_or_dropped_byte_order_mark_is_marked_with_a_legend(qtbot: Any) -> None:
    plain = '{\r\n  "a": 1\r\n}\r\n'
    for old, new, removed, added in (
        ("\ufeff" + plain, plain, "-⟨BOM⟩{", "+{"),
        (plain, "\ufeff" + plain, "-{", "+⟨BOM⟩{"),
    ):
        diff, marks = marked_diff("s.json", old, new)
        dialog = ReviewDialog(SaveReview("/x/s.json", diff, marks=marks))
        qtbot.addWidget(dialog)

        # before: "-{" and "+{" -- U+FEFF is invisible, and the change could not be seen
        assert _body(dialog.diff_view.toPlainText()) == [
            "@@ -1,3 +1,3 @@",
            removed,
            added,
            '   "a": 1',
            " }",
        ]
        assert dialog.legend.isVisibleTo(dialog)
        assert "⟨BOM⟩ is a byte order mark" in dialog.legend.text()
        assert "␍" not in dialog.legend.text()  # CR LF is the usual ending: not marked


def test_a_byte_order_mark_both_sides_have_is_no_change_and_not_marked() -> None:
    old = '\ufeff{"a": 1}\n'
    diff, marks = marked_diff("s.json", old, old.replace("1", "2"))
    assert _body(diff) == ["@@ -1 +1 @@", '-\ufeff{"a": 1}', '+\ufeff{"a": 2}']
    assert not marks.any


def test_a_long_line_span_marks_an_added_byte_order_mark() -> None:
    old = '{"a":[' + ",".join(["1"] * 20_000) + "]}"
    diff, marks = marked_diff("s.json", old, "\ufeff" + old)
    removed, added = (line for line in _body(diff) if line[:1] in "-+")
    assert removed.startswith('-{"a":[1,1')
    assert added.startswith('+⟨BOM⟩{"a":[1,1')
    assert marks.bom


def test_a_doubled_byte_order_mark_taken_out_is_marked() -> None:
    old = '\ufeff\ufeff{"a": 1}\n'
    diff, marks = marked_diff("s.json", old, old[1:])
    assert _body(diff) == ["@@ -1 +1 @@", '-⟨BOM⟩⟨BOM⟩{"a": 1}', '+⟨BOM⟩{"a": 1}']
    assert marks.bom


_LINE_TEXT = st.text(alphabet='{}[]":, ab1\ufeff\t', max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    old_lines=st.lists(_LINE_TEXT, max_size=5),
    new_lines=st.lists(_LINE_TEXT, max_size=5),
    old_boms=st.integers(0, 2),
    new_boms=st.integers(0, 2),
    ending=st.sampled_from(["\n", "\r\n"]),
)
def test_a_byte_order_mark_is_marked_exactly_where_the_texts_start_with_different_ones(
    old_lines: list[str], new_lines: list[str], old_boms: int, new_boms: int, ending: str
) -> None:
    """Whatever the texts (U+FEFF inside them too): the marks say a BOM changed exactly when
    the texts start with a different number of them, and the diff then shows each one at the
    start of its line; a U+FEFF anywhere else is never taken for one."""
    old = "\ufeff" * old_boms + ending.join(line.lstrip("\ufeff") for line in old_lines)
    new = "\ufeff" * new_boms + ending.join(line.lstrip("\ufeff") for line in new_lines)
    assume(old != new)
    diff, marks = marked_diff("s.json", old, new)

    assert marks.bom == (old_boms != new_boms)
    body = "\n".join(_body(diff))
    if marks.bom:
        for sign, count in (("-", old_boms), ("+", new_boms)):
            if count:
                assert f"\n{sign}{'⟨BOM⟩' * count}" in "\n" + body
    else:
        assert "⟨BOM⟩" not in body
