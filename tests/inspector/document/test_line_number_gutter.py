"""The raw editor's line-number gutter: as wide as the line count needs, the editor's text
moved over to make room, and the line a parse error is on numbered in red (no other)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor

from inspector.document.line_number_gutter import LineNumberGutter
from inspector.document.raw_editor import RawJsonEditor
from inspector.document.results import ParseError


def _red_rows(gutter: LineNumberGutter) -> set[int]:
    """The pixel rows (in the gutter's coordinates) holding the error colour."""
    image = gutter.grab().toImage()
    ratio = image.devicePixelRatio()
    rows = set()
    for y in range(image.height()):
        for x in range(image.width()):
            colour = QColor(image.pixel(x, y))
            if colour.red() > 180 and colour.green() < 110 and colour.blue() < 110:
                rows.add(int(y / ratio))
                break
    return rows


def test_the_gutter_makes_room_for_the_numbers_and_widens_with_their_digits(qtbot: Any) -> None:
    editor = RawJsonEditor()
    qtbot.addWidget(editor)
    editor.resize(400, 300)
    editor.show()
    gutter = editor.findChild(LineNumberGutter)
    assert gutter is not None
    editor.set_json_text("{\n" + ",\n".join(f'"k{n}": {n}' for n in range(50)) + "\n}")
    two_digits = gutter.width_needed()
    assert editor.viewportMargins().left() == two_digits
    editor.set_json_text("{\n" + ",\n".join(f'"k{n}": {n}' for n in range(500)) + "\n}")
    assert gutter.width_needed() > two_digits  # 502 lines: three digits
    assert editor.viewportMargins().left() == gutter.width_needed()
    qtbot.waitUntil(lambda: gutter.width() == gutter.width_needed())  # after the resize
    editor.shutdown()


def test_only_the_error_s_line_is_numbered_in_red(qtbot: Any) -> None:
    editor = RawJsonEditor()
    qtbot.addWidget(editor)
    editor.resize(400, 300)
    editor.show()
    qtbot.waitExposed(editor)
    gutter = editor.findChild(LineNumberGutter)
    assert gutter is not None
    editor.set_json_text('{\n  "a": 1,\n  "b" 2,\n  "c": 3\n}')
    assert _red_rows(gutter) == set()

    editor.show_error(ParseError("Expecting ':' delimiter", line=3, column=7, offset=20))
    third = editor.document().findBlockByNumber(2)
    top = editor.blockBoundingGeometry(third).translated(editor.contentOffset()).top()
    bottom = top + editor.blockBoundingRect(third).height()
    red = _red_rows(gutter)
    assert red
    assert all(top <= row <= bottom for row in red), (red, top, bottom)

    editor.show_error(None)
    assert _red_rows(gutter) == set()
    editor.shutdown()
