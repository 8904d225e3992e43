"""The folder watcher: coalesced batches on the GUI thread, polling, and the inotify fallback."""

from __future__ import annotations

import errno
import os
import shutil
import struct
import threading
import time

import pytest
import watchdog.events
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QThread

from inspector.services.inotify import LeanInotifySource
from inspector.services.mounts import filesystem_type
from inspector.services.watchdog_source import WatchdogSource, watchdog_observer_factory
from inspector.services.watcher import FolderWatcher, default_observer_factory

#: Both kinds of change source: ours (Linux) and watchdog's native observer for the platform
#: (what runs where inotify is missing; InotifyObserver here), through the same interface.
BOTH_SOURCES = pytest.mark.parametrize(
    "factory", [default_observer_factory, watchdog_observer_factory], ids=["lean", "watchdog"]
)


def write_and_see(qtbot, watcher: FolderWatcher, path) -> None:
    """Write a store at ``path`` and wait until the watcher reports it (polling: within 5 s)."""
    with qtbot.waitSignal(
        watcher.paths_changed,
        timeout=5000,
        check_params_cb=lambda paths: str(path) in paths,
    ):
        path.write_text("{}")


@BOTH_SOURCES
def test_bursts_arrive_once_per_path_on_the_gui_thread(qtbot, tmp_path, factory):
    watcher = FolderWatcher(observer_factory=factory)
    assert watcher.start(str(tmp_path))
    assert watcher.is_ready  # one folder: watched when start() returns, listing may begin
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
        write_and_see(qtbot, watcher, tmp_path / "new.json")
    finally:
        watcher.stop()


@BOTH_SOURCES
def test_missing_folder_reports_failure(qtbot, tmp_path, factory):
    watcher = FolderWatcher(observer_factory=factory)
    with qtbot.waitSignal(watcher.watch_failed, timeout=1000):
        assert not watcher.start(os.path.join(str(tmp_path), "nope"))
    assert not watcher.is_watching


def fast_polling_factory(inotify_error: OSError | None = None):
    """Real observers; polling every 0.1 s; inotify failing as an exhausted one does."""
    from watchdog.observers.polling import PollingObserver

    class ExhaustedInotify(LeanInotifySource):
        def start(self, *_args, **_kwargs):
            raise inotify_error

    def factory(poll, recursive):
        if poll:
            return WatchdogSource(PollingObserver(timeout=0.1))
        return ExhaustedInotify() if inotify_error is not None else LeanInotifySource()

    return factory


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


def test_check_alive_notices_a_dead_observer(tmp_path):
    watcher = FolderWatcher()
    assert watcher.check_alive()  # nothing to watch, nothing died
    assert watcher.start(str(tmp_path))
    assert watcher.check_alive()
    watcher._source.stop()
    watcher._source.join(2)
    assert not watcher.check_alive()
    assert not watcher.is_watching
    watcher.stop()
    assert watcher.check_alive()


def test_lean_observer_reports_names_and_ends_with_its_folder(tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    seen: list[list[str]] = []
    got = threading.Event()

    class Handler:
        def on_paths(self, paths):
            seen.append(paths)
            got.set()

        def on_events_lost(self):
            raise AssertionError("no events were lost")

        def on_ready(self):
            pass

        def on_failed(self, error):
            raise AssertionError(f"inotify is not exhausted: {error}")

    observer = LeanInotifySource()
    observer.start(str(folder), Handler(), recursive=False)
    try:
        (folder / "a.json").write_text("{}")
        assert got.wait(5)
        assert str(folder / "a.json") in [path for batch in seen for path in batch]
        shutil.rmtree(folder)
        observer.join(5)
        assert not observer.is_alive(), "the watch ended with its folder"
    finally:
        observer.stop()
        observer.join(5)


def test_a_reader_pauses_between_reads_in_a_storm_as_long_as_it_was_made_to(tmp_path, monkeypatch):
    # The watching child's reader takes nothing from the window's interpreter: it pauses less
    # in a storm than the window's own, which holds back the storm's last changes (issue 11 §6).
    from inspector.services import inotify
    from inspector.services.watch_process import CHILD_STORM_GATHER_SECONDS

    assert CHILD_STORM_GATHER_SECONDS < inotify.STORM_GATHER_SECONDS
    pauses: list[float] = []
    real_sleep = time.sleep
    two_pauses = threading.Event()

    def sleep(seconds: float) -> None:
        if threading.current_thread().name != "inotify":
            real_sleep(seconds)
            return
        pauses.append(seconds)
        if len(pauses) == 1:
            (tmp_path / "b.json").write_text("{}")  # events wait after this pause: a storm
        if len(pauses) == 2:
            two_pauses.set()
        real_sleep(0.001)

    monkeypatch.setattr(inotify.time, "sleep", sleep)

    class Handler:
        def on_paths(self, paths):
            pass

        def on_events_lost(self):
            raise AssertionError("no events were lost")

        def on_ready(self):
            pass

        def on_failed(self, error):
            raise AssertionError(f"inotify is not exhausted: {error}")

    observer = LeanInotifySource(storm_gather=CHILD_STORM_GATHER_SECONDS)
    observer.start(str(tmp_path), Handler(), recursive=False)
    try:
        (tmp_path / "a.json").write_text("{}")
        assert two_pauses.wait(5)
        assert pauses[:2] == [inotify.GATHER_SECONDS, CHILD_STORM_GATHER_SECONDS]
    finally:
        observer.stop()
        observer.join(5)


_NAME_CHOICES = ["a.json", "a.json.lock", "#3056407", "b.json", "sub", "é.json", "a" * 40]


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from([1, 2, 9]),  # 9: a watch descriptor no longer known
            st.sampled_from([0x8, 0x100, 0x40, 0x80, 0x200]),
            st.sampled_from([*_NAME_CHOICES, ""]),
        ),
        max_size=60,
    )
)
def test_a_read_of_events_names_each_path_once_in_the_order_first_seen(events):
    # A storm repeats a few names thousands of times: each name is made a path once per read.
    dirs = {1: "/watched", 2: "/watched/sub"}
    buffer = b""
    for wd, mask, name in events:
        raw = name.encode()
        length = (len(raw) + 1 + 15) // 16 * 16 if raw else 0
        buffer += struct.pack("iIII", wd, mask, 0, length) + raw.ljust(length, b"\0")
    source = LeanInotifySource()
    source._dirs = dict(dirs)
    batch = source._parse(buffer, 1)
    expected = [os.path.join(dirs[wd], name) for wd, _mask, name in events if name and wd in dirs]
    assert batch.paths == list(dict.fromkeys(expected))
    assert (batch.lost, batch.ended, batch.came) == (False, False, [])


def test_lean_observer_refuses_a_missing_folder(tmp_path):
    source = LeanInotifySource()
    with pytest.raises(FileNotFoundError):
        source.start(str(tmp_path / "nope"), Collector(), recursive=False)


class Collector:
    """A PathsHandler that keeps every path it is told of, for another thread to wait on."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._changed = threading.Condition()
        self.watching = threading.Event()
        self.failures: list[OSError] = []

    def on_paths(self, paths):
        with self._changed:
            self.paths.extend(paths)
            self._changed.notify_all()

    def on_events_lost(self):
        raise AssertionError("no events were lost")

    def on_ready(self):
        self.watching.set()

    def on_failed(self, error):
        self.failures.append(error)

    def wait_for(self, path) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: str(path) in self.paths, timeout=5)


def test_lean_observer_watches_subfolders_as_they_come_and_go(tmp_path):
    folder = tmp_path / "watched"
    (folder / "old" / "deeper").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    seen = Collector()
    observer = LeanInotifySource()
    observer.start(str(folder), seen, recursive=True)
    try:
        # Folders there at the start are watched once the observer says so.
        assert seen.watching.wait(5)
        (folder / "old" / "deeper" / "a.json").write_text("{}")
        assert seen.wait_for(folder / "old" / "deeper" / "a.json")
        # A tree made later: its top is reported, and what is written below it then is seen.
        (folder / "new" / "b" / "c").mkdir(parents=True)
        assert seen.wait_for(folder / "new")
        (folder / "new" / "b" / "c" / "x.json").write_text("{}")
        assert seen.wait_for(folder / "new" / "b" / "c" / "x.json")
        # Moved out: no longer watched. Moved in: watched where it is now.
        (folder / "old").rename(outside / "old")
        assert seen.wait_for(folder / "old")
        (outside / "inside").mkdir()
        (outside / "inside").rename(folder / "inside")
        assert seen.wait_for(folder / "inside")
        (outside / "old" / "deeper" / "gone.json").write_text("{}")
        (folder / "inside" / "y.json").write_text("{}")
        assert seen.wait_for(folder / "inside" / "y.json")
        assert not any("gone.json" in path for path in seen.paths)
        # A subfolder removed is just a change; the folder itself going ends the watch.
        shutil.rmtree(folder / "new")
        assert seen.wait_for(folder / "new" / "b")  # its own removal, seen from its parent
        assert observer.is_alive()
        shutil.rmtree(folder)
        observer.join(5)
        assert not observer.is_alive()
    finally:
        observer.stop()
        observer.join(5)


def test_subfolders_are_watched_on_the_observers_thread_not_in_start(tmp_path, held_walk):
    folder = tmp_path / "watched"
    (folder / "a" / "b").mkdir(parents=True)
    seen = Collector()
    observer = held_walk()
    observer.start(
        str(folder), seen, recursive=True
    )  # returns while the walk is held (ten thousand folders take 0.2 s)
    try:
        assert observer.walking.wait(5)
        assert not seen.watching.is_set()
        observer.release.set()
        assert seen.watching.wait(5)
        (folder / "a" / "b" / "deep.json").write_text("{}")
        assert seen.wait_for(folder / "a" / "b" / "deep.json")
        assert not seen.failures
    finally:
        observer.release.set()
        observer.stop()
        observer.join(5)


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


def test_stopping_during_the_first_walk_ends_it_without_reporting(tmp_path, held_walk):
    (tmp_path / "a" / "b").mkdir(parents=True)
    seen = Collector()
    observer = held_walk()
    observer.start(str(tmp_path), seen, recursive=True)
    try:
        assert observer.walking.wait(5)
        observer.stop()  # the window closes while a deep tree is being walked
        observer.release.set()
        observer.join(5)
        assert not observer.is_alive()
        assert not seen.watching.is_set()
    finally:
        observer.release.set()
        observer.stop()
        observer.join(5)


def lean_inotify_factory(poll, recursive):
    from watchdog.observers.polling import PollingObserver

    return WatchdogSource(PollingObserver(timeout=0.1)) if poll else LeanInotifySource()


@pytest.mark.parametrize(
    "factory", [lean_inotify_factory, watchdog_observer_factory], ids=["lean", "watchdog"]
)
def test_a_kernel_queue_overflow_makes_the_whole_folder_looked_at_again(
    qtbot, tmp_path, inotify_overflow, factory
):
    if factory is watchdog_observer_factory and not hasattr(watchdog.events, "EventsLostEvent"):
        pytest.skip("watchdog < 7.1 reports no lost events")
    watcher = FolderWatcher(observer_factory=factory)
    with inotify_overflow.small_queue(16):
        assert watcher.start(str(tmp_path))
    messages: list[str] = []
    watcher.events_lost.connect(messages.append)
    try:
        # The kernel queue holds 16 events; 20,000 files make 40,000 of them.
        with qtbot.waitSignal(
            watcher.paths_changed,
            timeout=30000,
            check_params_cb=lambda paths: str(tmp_path) in paths,
        ):
            inotify_overflow.create_files(tmp_path, 20_000)
        assert messages
        assert "came faster than they could be followed" in messages[0]
        assert watcher.is_watching, "the watch goes on after the loss"
        # A write after the loss is reported: by its name, or -- when the storm's tail fills
        # the 16-event queue again and the write's events are dropped with it (seen 1 run in
        # 6) -- by another reported loss whose rescan covers the whole folder.
        after, losses = tmp_path / "after.json", len(messages)
        with qtbot.waitSignal(
            watcher.paths_changed,
            timeout=5000,
            check_params_cb=lambda paths: (
                str(after) in paths or (len(messages) > losses and str(tmp_path) in paths)
            ),
        ):
            after.write_text("{}")
    finally:
        watcher.stop()


@BOTH_SOURCES
def test_subfolders_are_watched_and_a_removed_folder_is_noticed(qtbot, tmp_path, factory):
    folder = tmp_path / "watched"
    (folder / "a" / "b").mkdir(parents=True)
    watcher = FolderWatcher(observer_factory=factory)
    try:
        assert watcher.start(str(folder), recursive=True)
        qtbot.waitUntil(lambda: watcher.is_ready, timeout=5000)
        assert watcher.status == "watching (inotify)"
        write_and_see(qtbot, watcher, folder / "a" / "b" / "deep.json")
        # A subfolder made later is reported, and watched before it is.
        with qtbot.waitSignal(
            watcher.paths_changed,
            timeout=5000,
            check_params_cb=lambda paths: str(folder / "new") in paths,
        ):
            (folder / "new").mkdir()
        write_and_see(qtbot, watcher, folder / "new" / "x.json")
        assert watcher.check_alive()
        shutil.rmtree(folder)
        qtbot.waitUntil(lambda: not watcher.check_alive(), timeout=5000)
        assert not watcher.is_watching
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


class HeldReader(LeanInotifySource):
    """The lean source whose first hand-on waits for ``release``: meanwhile nothing reads the
    kernel's queue, so what happens then is what a reader too slow for a storm meets."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    def _hand_on(self, *args, **kwargs):
        if not self.holding.is_set():
            self.holding.set()
            assert self.release.wait(10), "the test never released the reader"
        return super()._hand_on(*args, **kwargs)


class LossCollector(Collector):
    def __init__(self) -> None:
        super().__init__()
        self.lost = threading.Event()

    def on_events_lost(self):
        self.lost.set()


def _queue_limit() -> str:
    with open("/proc/sys/fs/inotify/max_queued_events", encoding="ascii") as handle:
        return handle.read().strip()


@pytest.mark.parametrize(
    "factory", [lean_inotify_factory, watchdog_observer_factory], ids=["lean", "watchdog"]
)
def test_the_lowered_queue_limit_is_restored_as_soon_as_the_watch_is_made(
    qtbot, tmp_path, inotify_overflow, factory
):
    """The limit is system-wide: while it is low, every inotify instance made by any process
    gets the small queue (a lock event stream of a test running beside lost holds to it).
    It is back the moment the watcher under test has its instance, inside the block."""
    original = _queue_limit()
    watcher = FolderWatcher(observer_factory=factory)
    try:
        with inotify_overflow.small_queue(16):
            assert watcher.start(str(tmp_path))
            # before: 16 until the block ended, however long the rest of it took
            qtbot.waitUntil(lambda: _queue_limit() == original, timeout=5000)
    finally:
        watcher.stop()


def test_after_an_overflow_subfolders_made_meanwhile_are_watched(tmp_path, inotify_overflow):
    folder = tmp_path / "watched"
    folder.mkdir()
    seen = LossCollector()
    source = HeldReader()
    with inotify_overflow.small_queue(16):
        assert not source.start(str(folder), seen, recursive=True)
    try:
        assert seen.watching.wait(5)
        (folder / "first.json").write_text("{}")
        assert source.holding.wait(5)  # the reader is held with the first batch
        for number in range(40):  # 80 events for a queue of 16: the kernel drops the rest
            (folder / f"f{number}.txt").write_text("")
        (folder / "made-meanwhile").mkdir()  # its creation is among the events dropped
        source.release.set()
        assert seen.lost.wait(5)
        (folder / "made-meanwhile" / "inside.json").write_text("{}")
        assert seen.wait_for(folder / "made-meanwhile" / "inside.json")
    finally:
        source.release.set()
        source.stop()
        source.join(5)


def test_the_watchers_words_go_through_qts_translators(qtbot, qapp, tmp_path):
    from PySide6.QtCore import QTranslator

    class Pseudo(QTranslator):
        def translate(self, context, source, *_rest):
            return f"[tr] {source}" if context == "FolderWatcher" else ""

        def isEmpty(self):
            return False

    translator = Pseudo()
    qapp.installTranslator(translator)
    try:
        watcher = FolderWatcher(
            observer_factory=fast_polling_factory(
                OSError(errno.ENOSPC, "inotify watch limit reached")
            )
        )
        with qtbot.waitSignal(watcher.watch_failed, timeout=1000) as failed:
            watcher.start(str(tmp_path / "nope"))
        assert failed.args[0].startswith("[tr] Cannot watch")
        assert watcher.status == "[tr] not watching"
        with qtbot.waitSignal(watcher.fell_back_to_polling, timeout=1000) as fallback:
            watcher.start(str(tmp_path))
        assert fallback.args[0].startswith("[tr] Polling")
        assert "[tr] inotify watch limit reached" in fallback.args[0]
        assert watcher.status.startswith("[tr] polling every 1 s ([tr] inotify unavailable")
        watcher.stop()
    finally:
        qapp.removeTranslator(translator)
