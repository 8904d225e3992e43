"""The folder watcher: coalesced batches on the GUI thread, polling, and the inotify fallback."""

from __future__ import annotations

import errno
import os
import threading

from PySide6.QtCore import QThread

from inspector.services import watcher as watcher_module
from inspector.services.watcher import FolderWatcher


def test_bursts_arrive_once_per_path_on_the_gui_thread(qtbot, tmp_path):
    watcher = FolderWatcher()
    assert watcher.start(str(tmp_path))
    batches: list[list[str]] = []
    threads: list[bool] = []

    def record(paths):
        batches.append(paths)
        threads.append(QThread.currentThread() is watcher.thread())

    watcher.paths_changed.connect(record)
    target = tmp_path / "burst.json"
    with qtbot.waitSignal(watcher.paths_changed, timeout=3000):
        for number in range(50):
            target.write_text(str(number))
    qtbot.wait(100)  # let any trailing events of the burst arrive
    watcher.stop()
    flat = [path for batch in batches for path in batch]
    assert flat.count(str(target)) <= len(batches)
    assert len(batches) < 10
    for batch in batches:
        assert len(batch) == len(set(batch))
    assert all(threads)
    assert threading.active_count() >= 1


def test_polling_mode_sees_new_files(qtbot, tmp_path):
    watcher = FolderWatcher(poll=True)
    assert watcher.start(str(tmp_path))
    try:
        with qtbot.waitSignal(
            watcher.paths_changed,
            timeout=5000,
            check_params_cb=lambda paths: str(tmp_path / "new.json") in paths,
        ):
            (tmp_path / "new.json").write_text("{}")
    finally:
        watcher.stop()


def test_falls_back_to_polling_when_inotify_fails(qtbot, tmp_path, monkeypatch):
    real = watcher_module.FolderWatcher._start_observer

    def no_inotify(self, folder, recursive, *, poll):
        if not poll:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")
        return real(self, folder, recursive, poll=poll)

    monkeypatch.setattr(watcher_module.FolderWatcher, "_start_observer", no_inotify)
    watcher = FolderWatcher()
    with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
        assert watcher.start(str(tmp_path))
    assert "polling" in fallback.args[0]
    assert watcher.is_watching
    watcher.stop()


def test_missing_folder_reports_failure(qtbot, tmp_path):
    watcher = FolderWatcher()
    with qtbot.waitSignal(watcher.watch_failed, timeout=1000):
        assert not watcher.start(os.path.join(str(tmp_path), "nope"))
    assert not watcher.is_watching
