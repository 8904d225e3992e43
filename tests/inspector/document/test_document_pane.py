"""The document pane end to end on real files (one process; see test_document_processes.py)."""

import gc
import glob
import json
import logging
import os
from typing import Any

import pytest
from _documents import SECRET, edit_value, may_close, read, write
from PySide6.QtCore import Qt

from inspector.document import DocumentPane, UnsavedChoice
from inspector.document.parsing import YIELDING_PARSE_CHARS
from inspector.document.results import DocumentKind
from inspector.document.secrets import MASK
from inspector.document.tree_model import TYPE_COLUMN, VALUE_COLUMN


def save_and_wait(qtbot: Any, pane: DocumentPane) -> None:
    with qtbot.waitSignal(pane.saved, timeout=10000):
        assert pane.save()


def test_empty_pane(pane: DocumentPane) -> None:
    pane.open_store(None)
    assert pane.placeholder.isVisible()
    assert not pane.is_dirty
    assert may_close(pane) is True


def test_open_shows_tree_and_raw(pane: DocumentPane, store: str, open_and_wait: Any) -> None:
    open_and_wait(pane, store)
    assert pane.tabs.isVisible()
    assert pane.model.document()["theme"] == "dark"
    assert pane.tree_view.isExpanded(pane.model.index(0, 0))
    pane.tabs.setCurrentIndex(1)
    assert json.loads(pane.raw_editor.toPlainText().replace(f'"{MASK}"', '"x"'))["theme"] == "dark"
    assert pane.header.title.text() == "settings.json"


def test_edit_save_writes_through_the_lock(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    with qtbot.waitSignal(pane.dirty_changed) as blocker:
        edit_value(pane, "theme", value="light")
    assert blocker.args == [True]
    assert pane.is_dirty
    assert "unsaved" in pane.header.badge_texts()
    save_and_wait(qtbot, pane)
    assert not pane.is_dirty
    on_disk = read(store)
    assert on_disk["theme"] == "light"
    assert on_disk["sync"]["api_key"] == SECRET  # masking never reaches the file
    assert not os.path.exists(store + ".lock")


def test_undo_redo_and_dirty(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    original = pane.model.document()
    edit_value(pane, "counter", value="5")
    pane.model.setData(
        pane.model.index_for_json_path("proxy").siblingAtColumn(TYPE_COLUMN), "string"
    )
    pane.model.insert_entry(pane.model.index_for_json_path("recent"))
    pane.model.remove_entry(pane.model.index_for_json_path("theme"))
    edited = pane.model.document()
    assert pane.undo_stack.count() == 4
    with qtbot.waitSignal(pane.dirty_changed) as blocker:
        while pane.undo_stack.canUndo():
            pane.undo_stack.undo()
    assert blocker.args == [False]
    assert pane.model.document() == original
    assert list(pane.model.document()) == list(original)  # the key went back to its place
    assert not pane.is_dirty
    while pane.undo_stack.canRedo():
        pane.undo_stack.redo()
    assert pane.model.document() == edited
    pane.tabs.setCurrentIndex(1)
    assert json.loads(pane.raw_editor.toPlainText().replace(f'"{MASK}"', '"x"'))["counter"] == 5
    assert pane.undo_action.isEnabled()


def test_raw_edit_is_undoable_and_invalid_text_shows_line_and_column(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "plain.json")
    write(path, {"a": 1, "b": [1, 2]})
    open_and_wait(pane, path)
    pane.tabs.setCurrentIndex(1)
    assert not pane.raw_editor.isReadOnly()
    pane.raw_editor.setPlainText('{\n  "a": 2,\n  "b": [1, 2]\n}')
    qtbot.waitUntil(lambda: pane.model.document() == {"a": 2, "b": [1, 2]}, timeout=3000)
    assert pane.is_dirty
    pane.raw_editor.setPlainText('{\n  "a": 2,\n  "b": [1 2]\n}')
    qtbot.waitUntil(lambda: pane.raw_editor.error is not None, timeout=3000)
    error = pane.raw_editor.error
    assert (error.line, error.column) == (3, 11)
    assert "Line 3, column 11" in pane.raw_status.text()
    assert not pane.save()  # invalid raw text is never saved
    assert "not valid JSON" in pane.error_bar.text
    assert read(path) == {"a": 1, "b": [1, 2]}
    pane.undo_stack.undo()
    assert pane.model.document() == {"a": 1, "b": [1, 2]}
    assert json.loads(pane.raw_editor.toPlainText()) == {"a": 1, "b": [1, 2]}
    assert not pane.is_dirty


def test_secrets_masked_in_tree_raw_and_logs(
    *,
    qtbot: Any,
    pane: DocumentPane,
    store: str,
    open_and_wait: Any,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    open_and_wait(pane, store)
    pane.tabs.setCurrentIndex(1)
    index = pane.model.index_for_json_path("sync", "api_key").siblingAtColumn(VALUE_COLUMN)
    assert index.data() == MASK
    assert SECRET not in pane.raw_editor.toPlainText()
    assert pane.raw_editor.isReadOnly()
    assert pane.reveal_action.isEnabled()
    edit_value(pane, "theme", value="light")
    save_and_wait(qtbot, pane)

    pane.set_secrets_revealed(True)
    assert index.data() == SECRET
    assert SECRET in pane.raw_editor.toPlainText()
    assert not pane.raw_editor.isReadOnly()
    pane.set_secrets_revealed(False)
    assert SECRET not in pane.raw_editor.toPlainText()

    out, err = capfd.readouterr()
    assert SECRET not in caplog.text + out + err + "".join(messages)


def test_secret_file_masks_every_value(
    pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "secret_settings.json")
    write(path, {"user": "ana", "port": 22})
    open_and_wait(pane, path)
    user = pane.model.index_for_json_path("user").siblingAtColumn(VALUE_COLUMN)
    assert user.data() == MASK
    pane.tabs.setCurrentIndex(1)
    assert "ana" not in pane.raw_editor.toPlainText()
    assert "secret file" in pane.header.badge_texts()


def test_corrupt_file_shows_error_and_is_repaired_with_quarantine(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "broken.json")
    damaged = b'{"a": 1,\n "b": \n'
    with open(path, "wb") as handle:
        handle.write(damaged)
    open_and_wait(pane, path)
    assert pane.loaded is not None
    assert pane.loaded.kind is DocumentKind.CORRUPT
    assert "line 3, column 1" in pane.error_bar.text
    assert pane.tabs.currentIndex() == 1
    assert not pane.tabs.isTabEnabled(0)
    assert pane.raw_editor.error is not None
    assert pane.raw_editor.error.line == 3
    assert pane.raw_editor.toPlainText() == damaged.decode()
    assert not pane.is_dirty

    pane.raw_editor.setPlainText('{"a": 1,\n "b": 2\n}\n')
    qtbot.waitUntil(lambda: pane.model.has_document, timeout=3000)
    assert pane.tabs.isTabEnabled(0)
    assert pane.is_dirty
    save_and_wait(qtbot, pane)
    assert read(path) == {"a": 1, "b": 2}
    [copy] = glob.glob(path + ".corrupt-*")
    with open(copy, "rb") as handle:
        assert handle.read() == damaged
    assert "damaged original was kept" in pane.notice_bar.text
    assert not pane.is_dirty


def test_valid_json_python_refuses_is_said_so_and_read_only(
    pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "deep.json")
    with open(path, "w", encoding="ascii") as handle:
        handle.write("[" * 10_000 + "]" * 10_000)
    open_and_wait(pane, path)
    assert pane.loaded is not None
    assert pane.loaded.kind is DocumentKind.TOO_COMPLEX
    assert "valid JSON, too large/deep to edit here" in pane.notice_bar.text
    assert "corrupt" not in pane.notice_bar.text + pane.error_bar.text
    assert pane.raw_editor.isReadOnly()
    assert not pane.is_dirty


def test_huge_file_opens_raw_read_only(qtbot: Any, tmp_path: Any, open_and_wait: Any) -> None:
    pane = DocumentPane(size_limit=1000)
    qtbot.addWidget(pane)
    pane.show()
    path = str(tmp_path / "huge.json")
    write(path, {"items": list(range(2000))})
    open_and_wait(pane, path)
    assert pane.loaded is not None
    assert pane.loaded.kind is DocumentKind.TOO_LARGE
    assert "read-only" in pane.notice_bar.text
    assert pane.raw_editor.isReadOnly()
    assert pane.raw_editor.toPlainText().startswith("{")
    assert not pane.save_action.isEnabled()
    assert "read-only" in pane.header.badge_texts()
    pane.shutdown()


def test_missing_file(pane: DocumentPane, tmp_path: Any, open_and_wait: Any) -> None:
    open_and_wait(pane, str(tmp_path / "gone.json"))
    assert pane.placeholder.isVisible()
    assert "does not exist" in pane.placeholder.text()


def test_disk_change_without_edits_follows_live(
    qtbot: Any, pane: DocumentPane, store: str, sample: dict[str, Any], open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    sync_index = pane.model.index_for_json_path("sync")
    pane.tree_view.expand(sync_index)
    write(store, dict(sample, counter=7))
    pane.notify_disk_change(store)
    qtbot.waitUntil(lambda: pane.model.document()["counter"] == 7, timeout=3000)
    assert pane.tree_view.isExpanded(pane.model.index_for_json_path("sync"))
    assert not pane.change_bar.isVisible()
    pane.notify_disk_change(store + ".lock")  # another file: ignored


def test_disk_change_with_edits_offers_reload(
    qtbot: Any, pane: DocumentPane, store: str, sample: dict[str, Any], open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    write(store, dict(sample, counter=8))
    pane.notify_disk_change(store)
    qtbot.waitUntil(pane.change_bar.isVisible, timeout=3000)
    assert "changed on disk by another process" in pane.change_bar.text
    assert pane.model.document()["theme"] == "light"  # edits untouched
    qtbot.mouseClick(pane.change_keep_button, Qt.MouseButton.LeftButton)
    assert not pane.change_bar.isVisible()
    save_and_wait(qtbot, pane)  # keep editing → save merges
    assert read(store)["counter"] == 8
    assert read(store)["theme"] == "light"

    edit_value(pane, "theme", value="blue")
    write(store, dict(sample, counter=9))
    pane.notify_disk_change(store)
    qtbot.waitUntil(pane.change_bar.isVisible, timeout=3000)
    with qtbot.waitSignal(pane.dirty_changed):
        qtbot.mouseClick(pane.change_reload_button, Qt.MouseButton.LeftButton)
    assert pane.model.document() == dict(sample, counter=9)
    assert not pane.is_dirty


def test_revert_discards_edits_and_reloads(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    with qtbot.waitSignal(pane.document_loaded, timeout=3000):
        pane.revert()
    assert pane.model.document()["theme"] == "dark"
    assert not pane.is_dirty


def test_letting_the_document_go_asks_through_an_injectable_prompt(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    assert may_close(pane) is True
    asked: list[str] = []

    def answer(choice: UnsavedChoice) -> Any:
        def prompt(prompted: DocumentPane, reply: Any) -> None:
            asked.append(prompted.file_name)
            reply(choice)

        return prompt

    edit_value(pane, "theme", value="light")
    pane.unsaved_prompt = answer(UnsavedChoice.CANCEL)
    assert may_close(pane) is False
    assert pane.is_dirty
    pane.unsaved_prompt = answer(UnsavedChoice.SAVE)
    answers: list[bool] = []
    pane.close_when_ready(answers.append)
    assert answers == []  # the save is under way; the answer comes with its outcome
    qtbot.waitUntil(lambda: answers == [True], timeout=10000)
    assert read(store)["theme"] == "light"
    edit_value(pane, "theme", value="discarded")
    pane.unsaved_prompt = answer(UnsavedChoice.DISCARD)
    assert may_close(pane) is True
    assert not pane.is_dirty
    assert read(store)["theme"] == "light"
    assert asked == ["settings.json"] * 3


def test_a_close_that_saves_after_review_changes_bounds_the_save_not_the_review(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    pane.review_before_first_save = True
    pane.close_save_wait = 0.0  # a wait begun before the save (while reviewing) ends at once

    def review(_parent: Any, _review: Any, answer: Any) -> None:
        pane.close_save_wait = 10.0  # the wait for the save, from its start, is ample
        answer(True)

    pane.review_prompt = review
    pane.unsaved_prompt = lambda _pane, choose: choose(UnsavedChoice.SAVE)
    answers: list[bool] = []
    pane.close_when_ready(answers.append)
    qtbot.waitUntil(lambda: answers != [], timeout=10000)
    assert answers == [True]
    assert read(store)["theme"] == "light"


def test_raw_view_keeps_the_files_own_formatting(
    pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "compact.json")
    text = '{"a": 1, "b": [1, 2]}'
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    open_and_wait(pane, path)
    pane.tabs.setCurrentIndex(1)
    assert pane.raw_editor.toPlainText() == text
    pane.tabs.setCurrentIndex(0)
    edit_value(pane, "a", value="2")  # the raw view follows the tree when shown again
    pane.tabs.setCurrentIndex(1)
    assert json.loads(pane.raw_editor.toPlainText()) == {"a": 2, "b": [1, 2]}


def test_disk_change_while_raw_typing_is_pending_offers_reload(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    path = str(tmp_path / "plain.json")
    write(path, {"a": 1})
    open_and_wait(pane, path)
    pane.tabs.setCurrentIndex(1)
    pane.raw_editor.setPlainText('{"a": 1, "typing": tr')  # mid-word, not yet validated
    write(path, {"a": 2})
    pane.notify_disk_change(path)
    qtbot.waitUntil(pane.change_bar.isVisible, timeout=3000)
    assert pane.raw_editor.toPlainText() == '{"a": 1, "typing": tr'


def test_read_only_disables_editing_and_saving_and_says_why(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    reason = "The folder is on a read-only filesystem."
    open_and_wait(pane, store)
    pane.set_secrets_revealed(True)  # masked raw text is read-only for its own reason
    edit_value(pane, "theme", value="light")  # an unsaved edit made before it became read-only
    pane.tree_view.setCurrentIndex(pane.model.index_for_json_path("counter"))
    assert pane.save_action.isEnabled()

    pane.set_read_only(reason)

    assert pane.read_only_reason == reason
    assert pane.bars.read_only_bar.isVisible()
    assert reason in pane.bars.read_only_bar.text
    assert "read-only" in pane.header.badge_texts()
    for action in (pane.save_action, pane.add_action, pane.delete_action, pane.undo_action):
        assert not action.isEnabled(), action.text()
        assert reason in action.toolTip(), action.text()
    assert pane.revert_action.isEnabled()  # reading the file again changes nothing on disk
    value = pane.model.index_for_json_path("counter").siblingAtColumn(VALUE_COLUMN)
    assert not pane.model.flags(value) & Qt.ItemFlag.ItemIsEditable
    assert not pane.model.setData(value, "7")
    pane.undo_action.trigger()
    assert pane.model.document()["theme"] == "light"  # the edit is kept, not undone
    pane.tabs.setCurrentIndex(1)
    assert pane.raw_editor.isReadOnly()
    assert reason in pane.raw_status.text()
    assert not pane.save()
    assert read(store)["theme"] == "dark"

    pane.open_store(store)  # the folder's state outlives the store shown
    qtbot.waitUntil(lambda: pane.loaded is not None, timeout=5000)
    assert pane.bars.read_only_bar.isVisible()
    assert not pane.add_action.isEnabled()

    pane.set_read_only(None)

    assert not pane.bars.read_only_bar.isVisible()
    assert pane.add_action.isEnabled()
    assert reason not in pane.add_action.toolTip()
    pane.tabs.setCurrentIndex(1)  # the store opened again in the tree
    assert not pane.raw_editor.isReadOnly()
    edit_value(pane, "counter", value="7")
    assert pane.save_action.isEnabled()
    save_and_wait(qtbot, pane)
    assert read(store)["counter"] == 7


def test_reveal_secrets_is_hidden_while_no_store_is_open(
    pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    assert pane.reveal_button.isHidden()
    open_and_wait(pane, store)
    assert pane.reveal_button.isVisible()
    pane.set_secrets_revealed(True)
    pane.open_store(None)
    assert pane.reveal_button.isHidden()


def test_closing_a_big_document_hands_what_was_frozen_back_to_the_collector(
    pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    # A big parse freezes what is alive (inspector.collector); closing it must thaw that, or
    # cyclic garbage frozen with it would never be freed.
    path = os.path.join(str(tmp_path), "big.json")
    write(path, {"items": [{"n": n, "name": f"item {n}"} for n in range(20000)]})
    assert os.path.getsize(path) > YIELDING_PARSE_CHARS
    gc.unfreeze()
    open_and_wait(pane, path)
    assert gc.get_freeze_count() > 0
    pane.open_store(None)
    assert gc.get_freeze_count() == 0


def test_showing_no_document_after_none_keeps_what_is_frozen(pane: DocumentPane) -> None:
    # A window opening a folder shows no document, having shown none: what is frozen is not a
    # document's (the rows of a folder's document pass, say) and stays out of the collector's
    # reach -- handed back, it was walked again and nothing could be frozen until the
    # collector's next full walk.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        pane.open_store(None)
        # (A few frozen objects may be freed meanwhile: the count only says what is still there.)
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()


def test_a_symlinked_store_says_saving_replaces_the_link(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    link = os.path.join(os.path.dirname(store), "linked.json")
    os.symlink(store, link)
    open_and_wait(pane, link)
    assert pane.notice_bar.isVisible()
    assert f"linked.json is a symbolic link to {store}." in pane.notice_bar.text
    edit_value(pane, "theme", value="light")
    save_and_wait(qtbot, pane)
    # As the note said: the link became a file with the edit; its old target is unchanged.
    assert not os.path.islink(link)
    assert read(link)["theme"] == "light"
    assert read(store)["theme"] == "dark"
    assert not pane.notice_bar.isVisible()


def test_a_load_that_raises_still_ends_with_a_message(
    qtbot: Any, pane: DocumentPane, store: str, monkeypatch: Any, caplog: Any
) -> None:
    from inspector.document import save_service

    def explode(_path: str, _limit: int) -> None:
        raise TypeError("something no one foresaw")

    monkeypatch.setattr(save_service, "load_document", explode)
    with caplog.at_level(logging.ERROR), qtbot.waitSignal(pane.document_loaded, timeout=5000):
        pane.open_store(store)
    assert "Cannot open settings.json: TypeError: something no one foresaw." in (
        pane.placeholder.text() + pane.error_bar.text + pane.notice_bar.text
    )
    assert "loading" in caplog.text


def test_notices_take_markup_only_where_they_escaped_the_file_parts(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    store = str(tmp_path / "<b>odd.json")
    with open(store, "w", encoding="utf-8") as handle:
        handle.write('{"a": }')
    open_and_wait(pane, store)
    # The error bar is markup (bold message), with the name escaped in it.
    assert pane.error_bar.label.textFormat() is Qt.TextFormat.RichText
    assert "&lt;b&gt;odd.json" in pane.error_bar.text
    # The raw view's status line is markup too (a red line and column).
    pane.tabs.setCurrentIndex(1)
    status = pane.raw_view.status
    assert status.textFormat() is Qt.TextFormat.RichText
    assert "Line 1, column 7" in status.text()
    # A plain message (a save's outcome) is shown as plain text, whatever the name holds.
    pane.notice_bar.show_message(f"Saved {os.path.basename(store)}.")
    assert pane.notice_bar.label.textFormat() is Qt.TextFormat.PlainText
