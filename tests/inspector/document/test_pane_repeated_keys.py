"""Issue 10: a key the file repeats, in the document pane: marked in the tree (its tooltip says
which occurrence programs read) and in the raw text, and every occurrence kept byte for byte by
a save of an unrelated edit."""

from __future__ import annotations

from typing import Any

from _documents import edit_value
from PySide6.QtCore import Qt

from inspector.document import DocumentPane


def test_a_repeated_key_is_marked_in_the_tree_and_every_occurrence_is_kept(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    from PySide6.QtGui import QIcon

    from inspector.document.tree_model import KEY_COLUMN

    raw = (
        b'{\n    "theme": "dark",\n    "window": {"w": 1, "w": 2},\n    "n": 1,\n'
        b'    "theme": "light"\n}\n'
    )
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    open_and_wait(pane, str(path))
    model = pane.model

    theme = model.index_for_json_path("theme").siblingAtColumn(KEY_COLUMN)
    tip = theme.data(Qt.ItemDataRole.ToolTipRole)
    assert "Python, JavaScript and most JSON readers use only the last one" in tip
    assert '"dark"' in tip
    assert isinstance(theme.data(Qt.ItemDataRole.DecorationRole), QIcon)
    inner = model.index_for_json_path("window", "w").siblingAtColumn(KEY_COLUMN)
    assert "last of 2" in inner.data(Qt.ItemDataRole.ToolTipRole)
    plain = model.index_for_json_path("n").siblingAtColumn(KEY_COLUMN)
    assert "Duplicate key" not in (plain.data(Qt.ItemDataRole.ToolTipRole) or "")
    assert plain.data(Qt.ItemDataRole.DecorationRole) is None

    # An unrelated edit keeps every occurrence byte for byte.
    edit_value(pane, "n", value="2")
    with qtbot.waitSignal(pane.saved, timeout=5000):
        assert pane.save()
    assert path.read_bytes() == raw.replace(b'"n": 1', b'"n": 2')


def test_repeated_keys_are_marked_in_the_raw_text(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    from inspector.document.pane.pane_state import RAW_TAB

    raw = b'\xef\xbb\xbf{\n  "theme": "dark",\n  "n": 1,\n  "theme": "light"\n}\n'
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    open_and_wait(pane, str(path))
    pane.tabs.setCurrentIndex(RAW_TAB)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading)
    text = pane.raw_editor.toPlainText()
    marked = [mark.cursor.selectedText() for mark in pane.raw_editor.duplicate_marks()]
    assert marked == ['"theme"', '"theme"']
    starts = sorted(mark.cursor.selectionStart() for mark in pane.raw_editor.duplicate_marks())
    assert starts == [text.index('"theme"'), text.rindex('"theme"')]
    shown = pane.raw_editor.extraSelections()
    assert len([s for s in shown if s.cursor.selectedText() == '"theme"']) == 2
