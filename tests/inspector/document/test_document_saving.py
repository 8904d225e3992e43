"""Issue 10: a save in the app changes only the bytes of what the person changed."""

from __future__ import annotations

import os
from typing import Any

from _documents import edit_value

from inspector.document import DocumentPane
from inspector.document.results import NO_DOCUMENT
from inspector.document.save_service import release_gradually

HAND_FORMATTED = (
    b'\xef\xbb\xbf{\r\n\t"theme": "dark",\r\n\t"ports": [80, 443],\r\n\t"ratio": 1.50,\r\n'
    b'\t"name": "caf\\u00e9",\r\n\t"big": 1E22,\r\n\t"zero": -0\r\n}\r\n'
)


def test_a_one_value_save_changes_one_line_and_shows_the_bytes_on_disk(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = os.path.join(str(tmp_path), "settings.json")
    with open(path, "wb") as handle:
        handle.write(HAND_FORMATTED)
    open_and_wait(pane, path)
    edit_value(pane, "theme", value="light")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    with open(path, "rb") as handle:
        on_disk = handle.read()
    assert on_disk == HAND_FORMATTED.replace(b'"dark"', b'"light"')
    assert pane.loaded is not None
    assert pane.loaded.raw == on_disk
    assert not pane.is_dirty


def test_a_document_is_released_a_piece_at_a_time() -> None:
    big = list(range(1000))
    document = {"small": {"a": 1}, "big": big, "records": [{"id": i} for i in range(600)]}
    release_gradually(document)
    assert document == {}
    assert big == []  # a big member is emptied member by member, not freed in one go


def test_releasing_leaves_what_is_not_a_container_alone() -> None:
    release_gradually(NO_DOCUMENT)
    release_gradually("text")
