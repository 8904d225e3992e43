"""Issue 10: a save in the app changes only the bytes of what the person changed."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import textwrap
from typing import Any, SupportsIndex

from _documents import edit_value, read_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.document import DocumentPane
from inspector.document.parsing import check_secrets
from inspector.document.results import NO_DOCUMENT
from inspector.document.review import CONTEXT_CHARS, SaveReview, review_save, text_diff
from inspector.document.review_dialog import ReviewDialog
from inspector.document.saved_document import edit_has_secrets, release_gradually
from inspector.document.text import decode_utf8_sig
from lockcore import _json_codec as lockcore_json_codec

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


class _CountedPops(list[Any]):
    pops = 0

    def pop(self, index: SupportsIndex = -1) -> Any:
        _CountedPops.pops += 1
        return super().pop(index)


def test_a_document_is_released_a_piece_at_a_time() -> None:
    document = {"small": {"a": 1}, "big": _CountedPops(range(1000)), "records": [{"id": 1}] * 600}
    release_gradually(document)
    assert document == {}
    assert _CountedPops.pops == 1000  # a big member is emptied member by member, not at once


def test_releasing_leaves_what_another_document_shares_whole() -> None:
    # A merge shares members of "theirs": releasing theirs must not empty them.
    shared = [{"id": i} for i in range(600)]
    merged = {"users": shared, "n": 2}
    theirs = {"users": shared, "n": 1, "other": list(range(1000))}
    release_gradually(theirs)
    assert theirs == {}
    assert merged == {"users": [{"id": i} for i in range(600)], "n": 2}


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

    def accept(_parent: Any, review: SaveReview, answer: Any) -> None:
        reviews.append(review)
        answer(True)

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
    # Each line of the file is a line of the diff; its CR LF, the file's usual ending, is
    # not marked (see inspector.document.review.DiffMarks).
    assert reviews[0].diff == "".join(expected).replace("\r\n", "\n")
    assert not reviews[0].marks.any
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

    def answer(_parent: Any, review: SaveReview, save_now: Any) -> None:
        asked.append(review)
        save_now(answers.pop(0))

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


def test_a_save_of_an_unchanged_file_takes_the_shown_document_without_parsing_it_again(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any, monkeypatch: Any
) -> None:
    # Parsing a 50 MB file again (and comparing it with the base) was most of a save's time,
    # with the GIL held in long stretches: the file holds the bytes the base was read from.
    path = _hand_formatted_store(tmp_path)
    open_and_wait(pane, path)
    assert pane.loaded is not None
    base = pane.loaded.document
    parses: list[bytes] = []
    real_parse = lockcore_json_codec.parse_text

    def counted(path: str, raw: bytes) -> Any:
        parses.append(raw)
        return real_parse(path, raw)

    monkeypatch.setattr(lockcore_json_codec, "parse_text", counted)
    edit_value(pane, "theme", value="light")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    assert parses == []
    assert base == json.loads(HAND_FORMATTED.decode("utf-8-sig"))  # left whole
    saved = HAND_FORMATTED.replace(b'"dark"', b'"light"')
    assert read_bytes(path) == saved
    # Another process writes: the next save reads what is on disk and merges onto it.
    with open(path, "wb") as handle:
        handle.write(saved.replace(b"80, 443", b"8080, 443"))
    edit_value(pane, "ratio", value="2")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()
    assert len(parses) == 1
    assert read_bytes(path) == saved.replace(b"80, 443", b"8080, 443").replace(b"1.50", b"2")


_SECRETLESS = st.recursive(
    st.none() | st.integers() | st.text(alphabet="abc", max_size=3),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["name", "port", "items", "a"]), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(base=_SECRETLESS, data=st.data())
def test_secrets_of_an_edit_are_found_in_what_it_changed(base: Any, data: st.DataObject) -> None:
    # A save checks only what an edit changed when the base has no secrets; the answer is
    # that of a walk of the whole document.
    edited = data.draw(_edit_sharing(base))
    for path in ("/tmp/settings.json", "/tmp/my-secrets.json"):
        assert edit_has_secrets(edited, base, path) == check_secrets(edited, path)


@st.composite
def _edit_sharing(draw: st.DrawFn, base: Any) -> Any:
    """An edit of ``base`` as the tree model makes one: changed containers are new objects,
    untouched members are shared."""
    if isinstance(base, dict) and base and draw(st.booleans()):
        edited = dict(base)
        key = draw(st.sampled_from(sorted(base)))
        edited[key] = draw(_edit_sharing(base[key]))
        if draw(st.booleans()):
            edited[draw(st.sampled_from(["password", "apiKey", "port", "new"]))] = draw(_SECRETLESS)
        return edited
    if isinstance(base, list) and base and draw(st.booleans()):
        edited_list = list(base)
        index = draw(st.integers(0, len(base) - 1))
        edited_list[index] = draw(_edit_sharing(base[index]))
        if draw(st.booleans()):
            edited_list.append({"token": 1} if draw(st.booleans()) else [draw(_SECRETLESS)])
        return edited_list
    return draw(st.sampled_from([base, {"secret": base}, [base], 5]))


@settings(max_examples=200)
@given(text=st.text(alphabet="a,é€😀\n"), piece=st.integers(1, 9), bom=st.booleans())
def test_decoding_a_saved_file_in_pieces_is_decoding_it_at_once(
    text: str, piece: int, bom: bool
) -> None:
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    assert decode_utf8_sig(raw, piece) == text


def test_a_review_of_a_conflicting_change_shows_what_keeping_mine_writes(tmp_path: Any) -> None:
    # The example: I set alice.role; another process set alice.role and bob.role and
    # added carol. The review names the conflict and diffs what saving with mine writes
    # (their other changes kept), instead of an empty diff.
    path = os.path.join(str(tmp_path), "users.json")
    base = {"alice": {"role": "owner"}, "bob": {"role": "editor"}}
    theirs = {"alice": {"role": "root"}, "bob": {"role": "viewer2"}, "carol": {"role": "x"}}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(theirs, handle, indent=2)
    mine = {"alice": {"role": "guest"}, "bob": {"role": "editor"}}
    review = review_save(path, base, mine)
    assert "1 of your changes conflicts" in review.note
    assert "alice.role" in review.note
    assert "if you keep yours" in review.note
    changed = [
        line
        for line in review.diff.splitlines()
        if line[:1] in "+-" and line[:3] not in ("---", "+++")
    ]
    assert changed == ['-    "role": "root"', '+    "role": "guest"']


_DAMAGE = textwrap.dedent(
    """
    import sys
    from lockcore import FileLock

    with FileLock(sys.argv[1], 30):  # a writer that took the lock, then broke the file
        with open(sys.argv[1], "wb") as handle:
            handle.write(b'\\\\xef\\\\xbb\\\\xbf{"n": 1, "synced": ')
    """
)


def test_review_over_a_file_damaged_meanwhile_says_the_save_will_write_nothing(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    """Another process left the file damaged after a valid one was opened: the save refuses to
    write over it (its bytes may be what someone wants back), and Review changes says so
    instead of showing a diff of a write that never happens."""
    path = os.path.join(str(tmp_path), "settings.json")
    with open(path, "wb") as handle:
        handle.write(b'\xef\xbb\xbf{"n": 1}')
    open_and_wait(pane, path)
    edit_value(pane, "n", value="2")
    subprocess.run([sys.executable, "-c", _DAMAGE, path], check=True, timeout=60)
    damaged = read_bytes(path)
    reviews: list[SaveReview] = []

    def review(_parent: Any, shown: SaveReview, answer: Any) -> None:
        reviews.append(shown)
        answer(True)  # save after all: it is refused, as the review said

    pane.review_prompt = review
    failures: list[str] = []
    pane.session.save_failed.connect(lambda _path, message: failures.append(message))
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.review_changes()

    [shown] = reviews
    assert shown.diff == ""  # before: the damaged bytes against a new text, "replaced"
    assert "refuse" in shown.note
    assert "nothing is written" in shown.note
    assert len(failures) == 1
    assert "no longer valid JSON" in failures[0]
    assert read_bytes(path) == damaged
