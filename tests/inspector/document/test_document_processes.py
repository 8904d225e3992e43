"""Saving from the pane while real processes use the same store through lockcore."""

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from _documents import edit_value, read, read_bytes
from PySide6.QtCore import Qt

from inspector.document import ConflictChoice, DocumentPane

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
    assert dialog.conflict_list.count() == 1
    assert "theme" in dialog.conflict_list.item(0).text()
    assert '"light"' in dialog.mine_view.toPlainText()
    assert '"solarized"' in dialog.theirs_view.toPlainText()
    assert "sk-live" not in dialog.mine_view.toPlainText() + dialog.theirs_view.toPlainText()

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.conflict_dialog is None, timeout=3000)
    assert read_bytes(store) == before
    assert pane.is_dirty
    assert pane.model.document()["theme"] == "light"


def test_conflict_overwrite_writes_mine_through_the_lock(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    _, dialog = save_into_a_conflict(qtbot, pane, store, open_and_wait)
    with qtbot.waitSignal(pane.saved, timeout=10000):
        qtbot.mouseClick(dialog.overwrite_button, Qt.MouseButton.LeftButton)
    assert read(store)["theme"] == "light"
    assert not pane.is_dirty


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
