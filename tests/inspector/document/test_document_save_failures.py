"""A save that fails in the document pane: said in plain words (no permission, a full disk, a
read-only file system, the file damaged meanwhile, its folder gone), nothing written, no temp
or lock file left, the edit kept."""

from __future__ import annotations

import errno
import os
from typing import Any

import pytest
from _documents import SECRET, edit_value, read_bytes, write

from inspector.document import DocumentPane


def save_fails_and_writes_nothing(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, break_it: Any
) -> str:
    """Open ``store``, edit, ``break_it()``, save: returns the error bar's text."""
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    folder = os.path.dirname(store)
    break_it()
    before = read_bytes(store)
    names = sorted(os.listdir(folder))
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    assert "Nothing was written" in pane.error_bar.text
    assert pane.is_dirty
    assert read_bytes(store) == before
    assert sorted(os.listdir(folder)) == names  # no temp or lock file left behind
    return pane.error_bar.text


def test_immutable_file_is_a_permission_problem_in_plain_words(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any, immutable: Any
) -> None:
    """``chattr +i``: replacing the file fails with EPERM, even for root."""
    text = save_fails_and_writes_nothing(
        qtbot, pane, store, open_and_wait, lambda: immutable(store)
    )
    assert "permission denied (operation not permitted)" in text


def test_full_disk_in_plain_words(
    qtbot: Any, pane: DocumentPane, tmpfs: Any, open_and_wait: Any
) -> None:
    store = os.path.join(tmpfs.path, "settings.json")
    write(store, {"theme": "dark", "sync": {"api_key": SECRET}})

    def write_until_full(path: str) -> None:
        with open(path, "wb", buffering=0) as filler:
            while True:
                filler.write(b"\0" * 4096)

    def fill_the_disk() -> None:
        with pytest.raises(OSError, match="No space left") as full:
            write_until_full(os.path.join(tmpfs.path, "filler"))
        assert full.value.errno == errno.ENOSPC

    text = save_fails_and_writes_nothing(qtbot, pane, store, open_and_wait, fill_the_disk)
    assert "the disk is full" in text


def test_read_only_file_system_in_plain_words(
    qtbot: Any, pane: DocumentPane, tmpfs: Any, open_and_wait: Any
) -> None:
    store = os.path.join(tmpfs.path, "settings.json")
    write(store, {"theme": "dark"})
    text = save_fails_and_writes_nothing(qtbot, pane, store, open_and_wait, tmpfs.remount_read_only)
    assert "the file system is read-only" in text


def test_file_corrupted_by_another_process_before_save(
    qtbot: Any, pane: DocumentPane, store: str, open_and_wait: Any
) -> None:
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    with open(store, "w", encoding="utf-8") as handle:
        handle.write('{"oops": ')
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=5000):
        pane.save()
    assert "no longer valid JSON" in pane.error_bar.text
    assert "line 1, column 10" in pane.error_bar.text
    with open(store, encoding="utf-8") as handle:
        assert handle.read() == '{"oops": '


def test_saving_into_a_removed_folder_does_not_bring_it_back(
    qtbot: Any, pane: DocumentPane, tmp_path: Any, open_and_wait: Any
) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    store = str(folder / "settings.json")
    write(store, {"theme": "dark"})
    open_and_wait(pane, store)
    edit_value(pane, "theme", value="light")
    for name in os.listdir(folder):
        os.unlink(folder / name)
    folder.rmdir()  # removed while the edit is unsaved (lockcore would make it again)
    with qtbot.waitSignal(pane.save_ended_unwritten, timeout=10000):
        assert pane.save()
    assert "Could not save settings.json: its folder no longer exists." in pane.error_bar.text
    assert "Nothing was written" in pane.error_bar.text
    assert pane.is_dirty  # the edit is kept
    assert not folder.exists()
