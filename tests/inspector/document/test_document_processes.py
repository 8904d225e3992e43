"""Saving from the pane while real processes use the same store through lockcore."""

import json
import os
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest
from _documents import edit_value, read, read_bytes, write
from PySide6.QtCore import Qt

from inspector.document import ConflictChoice, DocumentPane, save_service, saved_document
from inspector.document.merge import Side

_COUNTER = textwrap.dedent(
    """
    import os, sys, time
    from lockcore import locked_update_json

    def bump(document):
        document["counter"] += 1
        return document

    path, stop = sys.argv[1], sys.argv[2]
    count = 0
    while not os.path.exists(stop) and count < 100000:
        locked_update_json(path, bump, timeout=30)
        count += 1
        if count == 1:
            print("started", flush=True)
        time.sleep(0.002)
    print(f"done {count}", flush=True)
    """
)

_SET_KEY = textwrap.dedent(
    """
    import json, sys
    from lockcore import locked_update_json

    def change(document):
        document[sys.argv[2]] = json.loads(sys.argv[3])
        return document

    locked_update_json(sys.argv[1], change, timeout=30)
    """
)


def set_key_in_other_process(path: str, key: str, value: Any) -> None:
    subprocess.run(
        [sys.executable, "-c", _SET_KEY, path, key, json.dumps(value)], check=True, timeout=60
    )


@pytest.mark.slow
def test_save_during_concurrent_increments_loses_nothing(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, tmp_path: Any
) -> None:
    stop = str(tmp_path / "stop")
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    edit_value(pane, "sync", "interval", value="45")
    messages: list[str] = []
    pane.status_message.connect(messages.append)
    counter = subprocess.Popen(
        [sys.executable, "-c", _COUNTER, store, stop],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert counter.stdout is not None
        assert counter.stdout.readline().strip() == "started"
        with qtbot.waitSignal(pane.saved, timeout=30000):
            assert pane.save()
        assert counter.poll() is None, "the counter should still be running during the save"
        qtbot.waitUntil(lambda: read(store)["counter"] > 20, timeout=30000)  # and after it
        with open(stop, "w", encoding="utf-8"):
            pass
        rounds = int(counter.stdout.readline().split()[1])
        assert counter.wait(timeout=60) == 0
    finally:
        if counter.poll() is None:
            counter.kill()
            counter.wait()
        if counter.stdout is not None:
            counter.stdout.close()
    final = read(store)
    assert final["counter"] == rounds  # every increment survived
    assert final["theme"] == "light"  # and so did the edit
    assert final["sync"]["interval"] == 45
    assert any("merged with changes another process made" in m for m in messages)
    assert not pane.is_dirty


def save_into_a_conflict(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> tuple[bytes, Any]:
    """Edit "theme", let another process change it too, save: (the file's bytes before the
    save, the conflict dialog it opened)."""
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    set_key_in_other_process(store, "theme", "solarized")
    before = read_bytes(store)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    dialog = pane.conflict_dialog
    assert dialog is not None
    return before, dialog


def test_conflicting_edit_opens_dialog_and_writes_nothing(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    before, dialog = save_into_a_conflict(qtbot, pane, store, open_and_wait)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert read_bytes(store) == before  # nothing written
    assert dialog.conflict_table.rowCount() == 1
    assert dialog.conflict_table.item(0, dialog.ENTRY).text() == "theme"
    assert '"light"' in dialog.mine_view.toPlainText()
    assert '"solarized"' in dialog.theirs_view.toPlainText()
    assert "sk-live" not in dialog.mine_view.toPlainText() + dialog.theirs_view.toPlainText()

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.conflict_dialog is None, timeout=3000)
    assert read_bytes(store) == before
    assert pane.is_dirty
    assert pane.model.document()["theme"] == "light"


def test_conflict_replace_whole_file_writes_mine_through_the_lock(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    _, dialog = save_into_a_conflict(qtbot, pane, store, open_and_wait)
    set_key_in_other_process(store, "proxy", "http://their-proxy")
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
    assert read(store)["theme"] == "light"
    assert read(store)["proxy"] is None  # the whole file is mine: as the button says
    assert not pane.is_dirty


@pytest.mark.parametrize(
    "choice",
    [
        ConflictChoice.REPLACE_FILE,
        ConflictChoice.MERGE,
        ConflictChoice.RELOAD,
        ConflictChoice.CANCEL,
    ],
)
def test_the_document_a_conflict_was_found_against_is_freed_on_a_worker(
    qtbot: Any,
    pane: DocumentPane,
    store: str,
    open_and_wait: Any,
    *,
    monkeypatch: Any,
    choice: ConflictChoice,
) -> None:
    # Dropping the last reference to "theirs" -- the whole document on disk, parsed -- froze the
    # GUI thread for 108 ms at 50 MB when the person answered the conflict.
    found: list[Any] = []
    pane.session.conflict_found.connect(found.append)
    released_on: list[threading.Thread] = []

    def recorded(document: Any) -> None:
        released_on.append(threading.current_thread())
        saved_document.release_gradually(document)

    monkeypatch.setattr(save_service, "release_gradually", recorded, raising=False)
    _, dialog = save_into_a_conflict(qtbot, pane, store, open_and_wait)
    theirs = found[0].theirs
    assert theirs["theme"] == "solarized"
    if choice is ConflictChoice.MERGE:
        dialog.choose_all(Side.MINE)
    dialog.choose(choice)
    qtbot.waitUntil(lambda: theirs == {}, timeout=5000)  # emptied a piece at a time
    assert released_on
    assert threading.main_thread() not in released_on
    if choice is ConflictChoice.CANCEL:
        assert pane.is_dirty  # the edit is kept: only theirs is let go of
        assert pane.model.document()["theme"] == "light"


def test_conflict_reload_takes_theirs(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    _, dialog = save_into_a_conflict(qtbot, pane, store, open_and_wait)
    with qtbot.waitSignal(pane.document_loaded, timeout=10000):
        dialog.choose(ConflictChoice.RELOAD)
    assert pane.model.document()["theme"] == "solarized"
    assert not pane.is_dirty
    assert read(store)["theme"] == "solarized"


def test_waiting_for_a_held_lock_reports_holder_and_can_be_cancelled(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, lock_holder: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    holder = lock_holder(store)
    before = read_bytes(store)
    assert pane.save()
    qtbot.waitUntil(lambda: f"held by PID {holder.pid}" in pane.progress_bar.text, timeout=5000)
    assert "settings.json.lock" in pane.progress_bar.text
    assert pane.is_saving
    qtbot.mouseClick(pane.tree_view.viewport(), Qt.MouseButton.LeftButton)  # GUI stays live
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=5000):
        qtbot.mouseClick(pane.cancel_save_button, Qt.MouseButton.LeftButton)
    assert not pane.is_saving
    assert pane.is_dirty
    assert read_bytes(store) == before

    assert pane.save()  # the holder lets go while we wait: the save completes
    qtbot.waitUntil(lambda: "held by PID" in pane.progress_bar.text, timeout=5000)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        holder.release()
    assert read(store)["theme"] == "light"


def test_giving_up_on_a_held_lock_says_so_in_plain_words(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, lock_holder: Any
) -> None:
    pane.lock_wait = 0.6
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    holder = lock_holder(store)
    before = read_bytes(store)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        pane.save()
    assert f"PID {holder.pid}" in pane.error_bar.text
    assert "Nothing was written" in pane.error_bar.text
    assert read_bytes(store) == before


def test_undo_during_a_waiting_save_stays_dirty(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, lock_holder: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    holder = lock_holder(store)
    assert pane.save()
    qtbot.waitUntil(lambda: "held by PID" in pane.progress_bar.text, timeout=5000)
    assert not pane.undo_action.isEnabled()  # the pane's own Undo waits for the save
    pane.undo_stack.undo()  # as the window's Undo action would
    with qtbot.waitSignal(pane.saved, timeout=10000):
        holder.release()
    assert read(store)["theme"] == "light"  # what was asked to be saved was saved
    assert pane.model.document()["theme"] == "dark"
    assert pane.is_dirty  # the shown document differs from the file, and says so


_UPDATE = textwrap.dedent(
    """
    import json, sys
    from lockcore import locked_update_json

    def change(document):
        for dotted, value in json.loads(sys.argv[2]).items():
            *parents, key = dotted.split(".")
            target = document
            for parent in parents:
                target = target[parent]
            target[key] = value
        return document

    locked_update_json(sys.argv[1], change, timeout=30)
    """
)


def update_in_other_process(path: str, changes: dict[str, Any]) -> None:
    """Set each "dotted.path" to its value from another process, through lockcore."""
    subprocess.run(
        [sys.executable, "-c", _UPDATE, path, json.dumps(changes)], check=True, timeout=60
    )


USERS = {"alice": {"role": "owner"}, "bob": {"role": "editor"}}


@pytest.fixture
def users(tmp_path: Any) -> str:
    path = str(tmp_path / "users.json")
    write(path, USERS)
    return path


def conflict_over_alice(qtbot: Any, pane: DocumentPane, users: str, open_and_wait: Any) -> Any:
    """The issue's scenario: I set alice.role=guest; another process sets alice.role=root,
    bob.role=viewer2 and adds carol; my save stops at the conflict dialog."""
    open_and_wait(pane, users)
    edit_value(pane, "alice", "role", value="guest")
    update_in_other_process(
        users, {"alice.role": "root", "bob.role": "viewer2", "carol": {"role": "viewer"}}
    )
    before = read_bytes(users)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    dialog = pane.conflict_dialog
    assert dialog is not None
    assert read_bytes(users) == before
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def test_choosing_mine_for_the_conflict_keeps_their_other_changes(
    qtbot: Any, pane: DocumentPane, users: str, open_and_wait: Any
) -> None:
    dialog = conflict_over_alice(qtbot, pane, users, open_and_wait)
    assert [c.path for c in dialog.conflicts] == [("alice", "role")]
    assert '"root"' in dialog.theirs_view.toPlainText()
    dialog.choose_side((("alice", "role"), None), Side.MINE)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    expected = {"alice": {"role": "guest"}, "bob": {"role": "viewer2"}, "carol": {"role": "viewer"}}
    assert read(users) == expected
    assert pane.model.document() == expected
    assert not pane.is_dirty


def test_all_theirs_takes_their_version_of_the_conflict_only(
    qtbot: Any, pane: DocumentPane, users: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, users)
    edit_value(pane, "bob", "role", value="admin")  # mine only: must survive "all theirs"
    dialog = conflict_over_alice(qtbot, pane, users, open_and_wait=lambda *_: None)
    qtbot.mouseClick(dialog.all_theirs_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert read(users)["alice"] == {"role": "root"}
    assert read(users)["carol"] == {"role": "viewer"}


def test_changes_made_while_the_dialog_is_open_are_merged_too(
    qtbot: Any, pane: DocumentPane, users: str, open_and_wait: Any
) -> None:
    dialog = conflict_over_alice(qtbot, pane, users, open_and_wait)
    update_in_other_process(users, {"bob.role": "viewer3", "dave": {"role": "viewer"}})
    dialog.choose_all(Side.MINE)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        dialog.choose(ConflictChoice.MERGE)
    assert read(users) == {
        "alice": {"role": "guest"},
        "bob": {"role": "viewer3"},  # not the "theirs" the dialog showed: what is on disk now
        "carol": {"role": "viewer"},
        "dave": {"role": "viewer"},
    }


def test_new_conflicts_while_the_dialog_is_open_bring_it_back_and_write_nothing(
    qtbot: Any, pane: DocumentPane, users: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, users)
    edit_value(pane, "bob", "role", value="admin")
    dialog = conflict_over_alice(qtbot, pane, users, open_and_wait=lambda *_: None)
    alice, bob = (("alice", "role"), None), (("bob", "role"), None)
    assert [c.key for c in dialog.conflicts] == [alice, bob]  # bob: admin against viewer2
    dialog.choose_side(alice, Side.MINE)
    dialog.choose_side(bob, Side.MINE)
    # While the person chose, the other process changed alice again (the choice was about
    # "root", not this) and added erin.
    update_in_other_process(users, {"alice.role": "superuser", "erin": {"role": "viewer"}})
    before = read_bytes(users)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        dialog.choose(ConflictChoice.MERGE)
    assert read_bytes(users) == before  # nothing written, no stale "theirs"
    again = pane.conflict_dialog
    assert again is not None
    assert again is not dialog
    qtbot.waitUntil(again.isVisible, timeout=3000)
    assert again.again_label.isVisible()
    assert [c.key for c in again.conflicts] == [alice, bob]
    assert again.conflicts[0].theirs == "superuser"
    assert again.sides() == {bob: Side.MINE}  # the choice that still stands
    entries = [again.conflict_table.item(row, again.ENTRY).text() for row in range(2)]
    assert entries == ["alice.role   (changed again)", "bob.role"]
    assert not again.save_button.isEnabled()
    again.choose_side(alice, Side.THEIRS)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert read(users) == {
        "alice": {"role": "superuser"},
        "bob": {"role": "admin"},
        "carol": {"role": "viewer"},
        "erin": {"role": "viewer"},
    }


def test_a_file_deleted_meanwhile_is_a_whole_document_conflict_only_mine_can_settle(
    qtbot: Any, pane: DocumentPane, users: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, users)
    edit_value(pane, "alice", "role", value="guest")
    os.unlink(users)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    dialog = pane.conflict_dialog
    assert dialog is not None
    assert not os.path.exists(users)
    [whole] = dialog.conflicts
    assert whole.key == ((), None)
    dialog.choose_all(Side.THEIRS)  # there is nothing of theirs to keep
    assert dialog.sides() == {}
    dialog.choose_side(whole.key, Side.MINE)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert read(users) == {"alice": {"role": "guest"}, "bob": {"role": "editor"}}
