"""Raw text typed over a store another process changed meanwhile (issue 10: a save never loses
another process's change): a value edit merged, saying whether the text's formatting could be
kept; a formatting edit refused and kept; a conflict shown as both sides' texts; "Replace the
whole file" writing the text exactly as typed; the changed-on-disk bar and the review saying
the same, decided off the GUI thread for a long text."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from _documents import edit_value, open_raw, read_bytes, retype_in_raw, save_with_ctrl_s, type_raw
from PySide6.QtCore import Qt

from inspector.document import DocumentPane, raw_editor, save_worker
from inspector.document.raw_editor import CHECK_ON_WORKER_CHARS
from inspector.document.review import SaveReview
from lockcore import list_versions, read_version

_UPDATE = textwrap.dedent(
    """
    import json, sys
    from lockcore import locked_update_json

    def change(document):
        document.update(json.loads(sys.argv[2]))
        return document

    locked_update_json(sys.argv[1], change, timeout=30)
    """
)


def update_in_other_process(path: str, changes: dict[str, Any]) -> None:
    """Another process sets top-level keys through lockcore (keeping the file's format)."""
    subprocess.run(
        [sys.executable, "-c", _UPDATE, path, json.dumps(changes)], check=True, timeout=60
    )


def test_a_formatting_edit_over_a_file_another_process_changed_is_refused_and_kept(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "counter": 1,\n  "ratio": 1.5\n}\n')
    open_raw(qtbot, pane, path)
    typed = '{\n  "counter": 1,\n  "ratio": 1.50\n}\n'
    type_raw(pane, typed)
    update_in_other_process(path, {"counter": 2})
    theirs = read_bytes(path)
    assert theirs == b'{\n  "counter": 2,\n  "ratio": 1.5\n}\n'
    failures: list[str] = []
    pane.session.save_failed.connect(lambda _path, message: failures.append(message))

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()

    assert read_bytes(path) == theirs  # nothing of theirs lost
    assert len(failures) == 1
    assert "changed on disk" in failures[0]
    assert "formatting" in failures[0]
    assert pane.error_bar.isVisible()
    assert pane.is_dirty  # the person's text is still there to copy or redo
    assert pane.raw_editor.toPlainText() == typed


def test_a_raw_edit_of_values_over_a_changed_file_is_merged_and_says_formatting_was_lost(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "counter": 1,\n  "ratio": 1.5,\n  "theme": "dark"\n}\n')
    open_raw(qtbot, pane, path)
    type_raw(pane, '{"counter": 1, "ratio": 1.50, "theme": "light"}\n')
    update_in_other_process(path, {"counter": 2})
    messages: list[str] = []
    pane.status_message.connect(messages.append)

    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()

    assert json.loads(read_bytes(path)) == {"counter": 2, "ratio": 1.5, "theme": "light"}
    assert read_bytes(path) == b'{\n  "counter": 2,\n  "ratio": 1.5,\n  "theme": "light"\n}\n'
    assert any("merged" in m and "formatting" in m and "could not be kept" in m for m in messages)
    assert not pane.is_dirty


def test_a_raw_value_edit_merged_over_a_changed_file_does_not_say_formatting_was_lost(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """A raw edit of a value, typed as a document edit writes it, has no formatting of its
    own: merged onto another process's change, all of it is in the file, and the status line
    says it was merged, not that formatting could not be kept."""
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(
        b'{\r\n\t"counter": 1,\r\n\t"ratio": 1.50,\r\n\t"theme": "dark"\r\n}\r\n'
    )
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, '"dark"', '"light"')
    update_in_other_process(path, {"counter": 2})
    messages: list[str] = []
    pane.status_message.connect(messages.append)

    save_with_ctrl_s(qtbot, pane)

    assert read_bytes(path) == (
        b'{\r\n\t"counter": 2,\r\n\t"ratio": 1.50,\r\n\t"theme": "light"\r\n}\r\n'
    )
    saved = [m for m in messages if m.startswith("Saved")]
    assert saved == ["Saved settings.json, merged with changes another process made meanwhile."]
    assert not pane.is_dirty


def test_the_changed_on_disk_bar_says_typed_formatting_cannot_be_merged(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "counter": 1,\n  "ratio": 1.5\n}\n')
    open_raw(qtbot, pane, path)
    type_raw(pane, '{\n  "counter": 1,\n  "ratio": 1.50\n}\n')
    update_in_other_process(path, {"counter": 2})

    pane.notify_disk_change(path)

    qtbot.waitUntil(pane.change_bar.isVisible, timeout=5000)
    assert "formatting of your raw text" in pane.change_bar.label.text()


def test_a_raw_value_edit_that_conflicts_shows_the_conflict_and_says_formatting_is_lost(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "theme": "dark",\n  "ratio": 1.5\n}\n')
    open_raw(qtbot, pane, path)
    type_raw(pane, '{\n    "theme": "light",\n    "ratio": 1.50\n}\n')
    update_in_other_process(path, {"theme": "blue"})
    theirs = read_bytes(path)
    messages: list[str] = []
    pane.status_message.connect(messages.append)

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()

    assert read_bytes(path) == theirs
    dialog = pane.conflict_dialog
    assert dialog is not None
    assert any("conflicting change" in m and "formatting" in m for m in messages)
    dialog.reject()
    assert pane.is_dirty


_WRITE_ANEW = textwrap.dedent(
    """
    import json, sys
    from lockcore import locked_write_json

    locked_write_json(sys.argv[1], json.loads(sys.argv[2]), timeout=30)
    """
)


def write_anew_in_other_process(path: str, document: Any) -> None:
    """Another process writes a whole new document through lockcore (indent 2)."""
    subprocess.run(
        [sys.executable, "-c", _WRITE_ANEW, path, json.dumps(document)], check=True, timeout=60
    )


def replace_whole_file_after_conflict(qtbot: Any, pane: DocumentPane) -> list[str]:
    """Save into the conflict another process made, then click "Replace the whole file with
    my version"; the status messages said meanwhile."""
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    dialog = pane.conflict_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
    return messages


def test_replacing_the_whole_file_after_a_conflict_writes_the_raw_text_exactly_as_typed(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """ "Replace the whole file with my version" writes the typed text itself (its BOM, CR LFs,
    tabs and spellings as they are), not the document applied over their bytes or serialised
    anew; the conflict's message says so."""
    path = str(tmp_path / "settings.json")
    original = b'\xef\xbb\xbf{\r\n\t"theme": "dark",\r\n\t"ratio": 1.5,\r\n\t"size": 1E3\r\n}\r\n'
    Path(path).write_bytes(original)
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, '"dark"', '"light"')
    retype_in_raw(qtbot, pane, "1.5,", "1.50,")
    update_in_other_process(path, {"theme": "blue", "synced": 1})

    messages = replace_whole_file_after_conflict(qtbot, pane)

    typed = original.replace(b'"dark"', b'"light"').replace(b"1.5,", b"1.50,")
    assert read_bytes(path) == typed
    assert not pane.is_dirty
    said = [m for m in messages if "conflicting change" in m]
    assert len(said) == 1
    assert "exactly as typed" in said[0]
    assert "cannot be kept" not in said[0]


def test_replacing_a_repaired_damaged_file_after_a_conflict_writes_the_repair_as_typed(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """A damaged file repaired as text, which another process wrote anew meanwhile: replacing
    it writes the repair exactly as typed; their file is kept as a version."""
    path = str(tmp_path / "settings.json")
    damaged = b'\xef\xbb\xbf{\r\n\t"theme": \r\n\t"size": 1E3\r\n}\r\n'
    Path(path).write_bytes(damaged)
    with qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(path)
    qtbot.waitUntil(lambda: not pane.raw_editor.is_loading, timeout=5000)
    editor = pane.raw_editor
    text = editor.toPlainText()
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(text.index('"theme": ') + len('"theme": '))
    editor.setTextCursor(cursor)
    with qtbot.waitSignal(editor.text_validated, timeout=5000):
        qtbot.keyClicks(editor, '"dark",')
    write_anew_in_other_process(path, {"theme": "blue"})
    theirs = read_bytes(path)

    replace_whole_file_after_conflict(qtbot, pane)

    assert read_bytes(path) == damaged.replace(b'"theme": ', b'"theme": "dark",')
    versions = list_versions(path)
    assert [read_version(path, version.version_id) for version in versions] == [theirs]
    assert not pane.is_dirty


def test_the_changed_on_disk_bar_says_a_raw_value_edit_is_merged_whole(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    """A raw edit of a value, typed as a save writes it, loses nothing in a merge: the bar
    says so instead of warning that its formatting cannot be merged."""
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(
        b'{\r\n\t"counter": 1,\r\n\t"ratio": 1.50,\r\n\t"theme": "dark"\r\n}\r\n'
    )
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, '"dark"', '"light"')
    update_in_other_process(path, {"counter": 2})

    pane.notify_disk_change(path)

    qtbot.waitUntil(pane.change_bar.isVisible, timeout=5000)
    text = pane.change_bar.label.text()
    assert "cannot be merged" not in text  # before: said of every raw edit
    assert "values only" in text
    assert "all of it is merged" in text


def test_the_changed_on_disk_bar_says_only_the_values_of_a_reformatted_raw_edit_are_kept(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\n  "counter": 1,\n  "ratio": 1.5,\n  "theme": "dark"\n}\n')
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, '"dark"', '"light"')
    retype_in_raw(qtbot, pane, "1.5,", "1.50,")
    update_in_other_process(path, {"counter": 2})

    pane.notify_disk_change(path)

    qtbot.waitUntil(pane.change_bar.isVisible, timeout=5000)
    text = pane.change_bar.label.text()
    assert "formatting of your raw text" in text
    assert "only the values you changed can be saved" in text


def test_the_changed_on_disk_bar_decides_about_a_long_raw_edit_off_the_gui_thread(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a long text (128 KiB or more) typed and not yet checked, the typed text is parsed
    on the raw editor's worker and the save's decision made on a worker: the GUI thread
    neither parses the text nor renders the edit of the file's bytes."""
    path = str(tmp_path / "settings.json")
    document = {f"key{number:05}": f"value {number}" for number in range(6000)}
    document["theme"] = "dark"
    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    assert Path(path).stat().st_size >= CHECK_ON_WORKER_CHARS
    gui_thread = threading.get_ident()
    on_gui: list[str] = []

    def recording(function: Any, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() == gui_thread:
                on_gui.append(name)
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(
        raw_editor, "parse_json_text", recording(raw_editor.parse_json_text, "parse")
    )
    monkeypatch.setattr(
        save_worker, "json_update_bytes", recording(save_worker.json_update_bytes, "render")
    )
    open_raw(qtbot, pane, path)
    editor = pane.raw_editor
    text = editor.toPlainText()
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(text.index('"dark"'))
    editor.setTextCursor(cursor)
    for _ in '"dark"':
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, '"light"')  # not yet checked: the pause has not ended
    update_in_other_process(path, {"key00001": "theirs"})

    pane.notify_disk_change(path)

    qtbot.waitUntil(lambda: "all of it is merged" in pane.change_bar.label.text(), timeout=20000)
    assert on_gui == []
    with qtbot.waitSignal(pane.saved, timeout=20000):
        assert pane.save()
    saved = json.loads(read_bytes(path))
    assert (saved["theme"], saved["key00001"]) == ("light", "theirs")


def review_now(qtbot: Any, pane: DocumentPane) -> SaveReview:
    """Review changes, answered "no" at once: what it showed."""
    reviews: list[SaveReview] = []

    def review(_parent: Any, shown: SaveReview, answer: Any) -> None:
        reviews.append(shown)
        answer(False)

    pane.review_prompt = review
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.review_changes()
    [shown] = reviews
    return shown


def test_review_of_a_raw_value_edit_over_a_changed_file_says_no_formatting_is_lost(
    qtbot: Any, pane: DocumentPane, tmp_path: Path
) -> None:
    path = str(tmp_path / "settings.json")
    Path(path).write_bytes(b'{\r\n\t"counter": 1,\r\n\t"theme": "dark"\r\n}\r\n')
    open_raw(qtbot, pane, path)
    retype_in_raw(qtbot, pane, '"dark"', '"light"')
    update_in_other_process(path, {"counter": 2})

    shown = review_now(qtbot, pane)

    assert "formatting" not in shown.note  # before: said of every raw edit
    assert '-\t"theme": "dark"\n' in shown.diff
    assert '+\t"theme": "light"\n' in shown.diff

    retype_in_raw(qtbot, pane, '\t"counter"', '  "counter"')  # formatting of its own
    assert "your formatting cannot be kept" in review_now(qtbot, pane).note


@pytest.mark.parametrize("edited_in", ["raw", "tree"])
def test_the_conflict_dialog_shows_both_sides_as_their_texts_not_serialised_anew(
    qtbot: Any, pane: DocumentPane, tmp_path: Path, edited_in: str
) -> None:
    """Mine is the raw text as typed (or what saving the tree's edit over the file writes),
    theirs the file's bytes, each as the Raw tab shows them (BOM left out, a number spelt as
    written, a raw U+2028 as its escape on one line), with the conflicting entry's line marked
    in both."""
    path = str(tmp_path / "settings.json")
    original = (
        '\ufeff{\r\n\t"theme": "dark",\r\n\t"limit": 1E3,\r\n\t"note": "a\u2028b"\r\n}\r\n'
    ).encode()
    Path(path).write_bytes(original)
    open_raw(qtbot, pane, path)
    assert '"a\\u2028b"' in pane.raw_editor.toPlainText()
    if edited_in == "raw":
        retype_in_raw(qtbot, pane, '"dark"', '"light"')
    else:
        edit_value(pane, "theme", value="light")
    update_in_other_process(path, {"theme": "blue"})
    assert b"1E3" in read_bytes(path)  # their write kept the file's text

    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()

    dialog = pane.conflict_dialog
    assert dialog is not None
    mine, theirs = dialog.mine_view.toPlainText(), dialog.theirs_view.toPlainText()
    for text, theme in ((mine, "light"), (theirs, "blue")):
        assert text == f'{{\n\t"theme": "{theme}",\n\t"limit": 1E3,\n\t"note": "a\\u2028b"\n}}\n'
    for view in (dialog.mine_view, dialog.theirs_view):
        assert [s.cursor.blockNumber() for s in view.extraSelections()] == [1]
    dialog.reject()
    assert read_bytes(path).count(b"blue") == 1
