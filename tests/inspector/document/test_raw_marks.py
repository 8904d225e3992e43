"""How the raw editor marks its text: a parse error's line tinted across the editor and its one
character underlined, and repeated keys marked over exactly their spans (none past the text put
in so far), each saying why."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCharFormat, QTextDocument, QTextFormat

from inspector.document.raw_marks import duplicate_key_marks, parse_error_marks
from inspector.document.results import ParseError

TEXT = '{\n  "a": 1,\n  "b" 2,\n  "a": 3\n}'


def test_a_parse_error_tints_its_line_and_underlines_its_character(qapp: Any) -> None:
    document = QTextDocument(TEXT)
    line, mark = parse_error_marks(
        document, ParseError("Expecting ':'", line=3, column=7, offset=19)
    )
    assert line.format.property(QTextFormat.Property.FullWidthSelection)
    assert line.cursor.blockNumber() == 2
    assert mark.cursor.selectedText() == "2"  # line 3, column 7
    assert mark.format.underlineStyle() is QTextCharFormat.UnderlineStyle.WaveUnderline


def test_repeated_keys_are_marked_over_their_spans_and_not_past_the_text(qapp: Any) -> None:
    document = QTextDocument(TEXT)
    first, last = TEXT.index('"a"'), TEXT.rindex('"a"')
    spans = [(first, first + 3), (last, last + 3), (len(TEXT), len(TEXT) + 3)]
    marks = duplicate_key_marks(document, spans)
    assert [mark.cursor.selectedText() for mark in marks] == ['"a"', '"a"']
    assert [mark.cursor.selectionStart() for mark in marks] == [first, last]
    assert all("Duplicate key" in mark.format.toolTip() for mark in marks)
