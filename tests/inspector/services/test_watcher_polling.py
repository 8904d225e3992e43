"""The folder watcher falling back to polling: inotify exhausted (at the start or at a new
subfolder), a network filesystem, no native events, and polling asked for."""

from __future__ import annotations

import errno
import os

import pytest
from _watch_support import fast_polling_factory, write_and_see

from inspector.services.inotify import LeanInotifySource
from inspector.services.mounts import filesystem_type
from inspector.services.watchdog_source import WatchdogSource
from inspector.services.watcher import FolderWatcher


def test_polling_mode_sees_new_files(qtbot, tmp_path):
    watcher = FolderWatcher(poll=True)
    assert watcher.start(str(tmp_path))
    try:
        write_and_see(qtbot, watcher, tmp_path / "new.json")
    finally:
        watcher.stop()


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "inotify watch limit reached"),
        (errno.EMFILE, "inotify instance limit reached"),
    ],
)
def test_exhausted_inotify_falls_back_to_a_real_polling_observer(qtbot, tmp_path, code, words):
    watcher = FolderWatcher(observer_factory=fast_polling_factory(OSError(code, words)))
    statuses: list[str] = []
    watcher.status_changed.connect(statuses.append)
    with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
        assert watcher.start(str(tmp_path))
    try:
        assert words in fallback.args[0]
        assert watcher.is_polling
        assert words in watcher.status
        assert statuses == [watcher.status]
        write_and_see(qtbot, watcher, tmp_path / "polled.json")
    finally:
        watcher.stop()


def test_network_filesystem_is_polled(qtbot, tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        f"99 22 0:50 / {folder} rw,relatime shared:9 - nfs4 server:/export rw,vers=4.2\n"
    )
    watcher = FolderWatcher(observer_factory=fast_polling_factory(), mountinfo=str(mountinfo))
    with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
        assert watcher.start(str(folder))
    try:
        assert "network filesystem (nfs4)" in fallback.args[0]
        assert watcher.is_polling
        with qtbot.waitSignal(watcher.paths_changed, timeout=3000):
            (folder / "remote.json").write_text("{}")
    finally:
        watcher.stop()
    # The same folder on a local filesystem gets inotify.
    local = FolderWatcher(mountinfo=str(mountinfo))
    assert local.start(str(tmp_path))
    assert not local.is_polling
    assert "inotify" in local.status
    local.stop()


def test_a_symlink_into_a_network_mount_is_polled(qtbot, tmp_path):
    share = tmp_path / "mnt" / "share"
    stores = share / "team"
    stores.mkdir(parents=True)
    home = tmp_path / "home"
    home.mkdir()
    (home / "shared").symlink_to(stores)  # ~/shared -> /mnt/share/team
    (home / "relative").symlink_to(os.path.join("..", "mnt", "share"))
    (home / "loop").symlink_to(home / "loop")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        f"99 22 0:50 / {share} rw,relatime shared:9 - nfs4 server:/export rw,vers=4.2\n"
    )
    assert filesystem_type(str(home / "shared"), str(mountinfo)) == "nfs4"
    assert filesystem_type(str(home / "relative" / "team"), str(mountinfo)) == "nfs4"
    assert filesystem_type(str(home / "loop"), str(mountinfo)) == "ext4"
    assert filesystem_type(str(home), str(mountinfo)) == "ext4"
    watcher = FolderWatcher(observer_factory=fast_polling_factory(), mountinfo=str(mountinfo))
    with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
        assert watcher.start(str(home / "shared"))
    try:
        assert "network filesystem (nfs4)" in fallback.args[0]
        assert watcher.is_polling
    finally:
        watcher.stop()


class WatchesRunOut(LeanInotifySource):
    """The lean observer on a machine whose inotify watches run out after ``left`` walks
    (the limit is system-wide: lowering it for real would starve every other program)."""

    left = 0

    def _watch_subfolders(self, top: str) -> None:
        if self.left <= 0:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")
        self.left -= 1
        super()._watch_subfolders(top)


@pytest.mark.parametrize("left", [0, 1], ids=["at-start", "at-a-new-subfolder"])
def test_watches_running_out_on_the_observers_thread_fall_back_to_polling(qtbot, tmp_path, left):
    from watchdog.observers.polling import PollingObserver

    (tmp_path / "sub").mkdir()

    def factory(poll, recursive):
        if poll:
            return WatchdogSource(PollingObserver(timeout=0.1))
        observer = WatchesRunOut()
        observer.left = left
        return observer

    watcher = FolderWatcher(observer_factory=factory)
    try:
        with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=5000) as fallback:
            assert watcher.start(str(tmp_path), recursive=True)
            if left:  # watching has begun; the next subfolder is one too many
                qtbot.waitUntil(lambda: watcher.is_ready and not watcher.is_polling, timeout=5000)
                (tmp_path / "one-too-many").mkdir()
        assert "inotify watch limit reached" in fallback.args[0]
        assert watcher.is_polling
        assert watcher.is_ready
        assert "inotify watch limit reached" in watcher.status
        write_and_see(qtbot, watcher, tmp_path / "sub" / "polled.json")
    finally:
        watcher.stop()


def test_without_inotify_the_default_is_watchdogs_native_observer(qtbot, tmp_path, monkeypatch):
    import types

    from inspector.services import inotify

    # A C library without inotify functions, as on macOS, the BSDs or Windows: the lean source
    # must not be used (it died with AttributeError), watchdog's own observer must.
    monkeypatch.setattr(inotify, "_libc", types.SimpleNamespace())
    assert not inotify.available()
    watcher = FolderWatcher()
    try:
        assert watcher.start(str(tmp_path))
        assert isinstance(watcher._source, WatchdogSource)
        assert not watcher.is_polling
        write_and_see(qtbot, watcher, tmp_path / "seen.json")
    finally:
        watcher.stop()


def test_where_watchdog_has_no_native_events_the_folder_is_polled_and_said_so(qtbot, tmp_path):
    from watchdog.observers.polling import PollingObserver

    # watchdog.observers.Observer is its PollingObserver on a platform without native events.
    watcher = FolderWatcher(
        observer_factory=lambda _poll, _recursive: WatchdogSource(PollingObserver(timeout=0.1))
    )
    with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
        assert watcher.start(str(tmp_path))
    try:
        assert "no native file system events" in fallback.args[0]
        assert watcher.is_polling
        write_and_see(qtbot, watcher, tmp_path / "polled.json")
    finally:
        watcher.stop()


def test_a_native_observer_that_cannot_start_falls_back_to_polling(qtbot, tmp_path):
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class NativeOutOfInstances(WatchdogSource):
        # (inotify's instance limit is per user: lowering it for real would starve every other
        # program of this user.)
        def start(self, *_args, **_kwargs):
            raise OSError(errno.EMFILE, "inotify instance limit reached")

    def factory(poll, _recursive):
        if poll:
            return WatchdogSource(PollingObserver(timeout=0.1))
        return NativeOutOfInstances(Observer())

    watcher = FolderWatcher(observer_factory=factory)
    with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
        assert watcher.start(str(tmp_path))
    try:
        assert "instead of inotify: inotify instance limit reached" in fallback.args[0]
        assert watcher.is_polling
        write_and_see(qtbot, watcher, tmp_path / "polled.json")
    finally:
        watcher.stop()
