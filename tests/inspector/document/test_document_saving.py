"""Issue 10: a save in the app changes only the bytes of what the person changed."""

from __future__ import annotations

import difflib
import os
from typing import Any

from _documents import edit_value

from inspector.document import DocumentPane
from inspector.document.results import NO_DOCUMENT
from inspector.document.review import CONTEXT_CHARS, SaveReview, text_diff
from inspector.document.review_dialog import ReviewDialog
from inspector.document.save_worker import release_gradually

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


def _hand_formatted_store(tmp_path: Any) -> str:
    path = os.path.join(str(tmp_path), "settings.json")
    with open(path, "wb") as handle:
        handle.write(HAND_FORMATTED)
    return path


def test_review_changes_shows_the_exact_diff_then_saves_it(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = _hand_formatted_store(tmp_path)
    open_and_wait(pane, path)
    edit_value(pane, "theme", value="light")
    reviews: list[SaveReview] = []

    def accept(_parent: Any, review: SaveReview) -> bool:
        reviews.append(review)
        return True

    pane.review_prompt = accept
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.review_changes()
    with open(path, "rb") as handle:
        on_disk = handle.read()
    assert on_disk == HAND_FORMATTED.replace(b'"dark"', b'"light"')
    expected = difflib.unified_diff(
        HAND_FORMATTED.decode().splitlines(keepends=True),
        on_disk.decode().splitlines(keepends=True),
        "settings.json (on disk)",
        "settings.json (after saving)",
    )
    assert reviews[0].diff == "".join(expected)
    assert reviews[0].diff.count("\n-\t") == reviews[0].diff.count("\n+\t") == 1


def test_the_first_save_is_reviewed_and_a_declined_review_writes_nothing(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = _hand_formatted_store(tmp_path)
    pane.review_before_first_save = True
    open_and_wait(pane, path)
    edit_value(pane, "theme", value="light")
    answers = [False, True]
    asked: list[SaveReview] = []

    def answer(_parent: Any, review: SaveReview) -> bool:
        asked.append(review)
        return answers.pop(0)

    pane.review_prompt = answer
    assert pane.save()  # reviewed first: declined
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=10000)
    with open(path, "rb") as handle:
        assert handle.read() == HAND_FORMATTED
    assert pane.is_dirty
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()  # reviewed again, accepted: saved
    assert len(asked) == 2
    edit_value(pane, "theme", value="dim")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()  # later saves of the session go straight to the file
    assert len(asked) == 2


def test_review_dialog_shows_the_diff(qtbot: Any) -> None:
    review = SaveReview("/x/settings.json", "--- a\n+++ b\n@@ -1 +1 @@\n-\r\n+x\n")
    dialog = ReviewDialog(review)
    qtbot.addWidget(dialog)
    assert "␍" in dialog.diff_view.toPlainText()  # a carriage return is shown, not lost
    assert dialog.save_button.isEnabled()
    unchanged = ReviewDialog(SaveReview("/x/s.json", ""))
    qtbot.addWidget(unchanged)
    assert not unchanged.save_button.isEnabled()


def test_a_long_compact_line_is_reviewed_as_its_changed_span() -> None:
    old = '{"a":[' + ",".join(["1"] * 20_000) + '],"b":"dark"}'
    new = old.replace('"dark"', '"light"')
    diff = text_diff("s.json", old, new)
    removed, added = (
        line for line in diff.splitlines() if line[:1] in "-+" and line[1:2] != line[:1]
    )
    assert removed.endswith('1,1],"b":"dark"}')
    assert added.endswith('1,1],"b":"light"}')
    assert len(diff) < 2 * (CONTEXT_CHARS * 2 + 200)
