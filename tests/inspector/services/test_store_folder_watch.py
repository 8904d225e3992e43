"""The store-directory service's watch of its folder: a vanishing, removed or replaced folder,
a stopped observer, inotify exhausted, and lost events."""

from __future__ import annotations

import errno
import os
import shutil

import pytest
from _store_folder_support import write_json
from watchdog.observers.polling import PollingObserver

from inspector.services.store_directory import (
    StoreDirectory,
)
from inspector.services.watchdog_source import WatchdogSource, watchdog_observer_factory


def test_vanishing_folder_is_reported_and_picked_up_again(qtbot, directory, store_folder):
    keep = store_folder + ".away"
    rows_when_told: list[int] = []
    directory.folder_available_changed.connect(
        lambda _available: rows_when_told.append(len(directory.entries()))
    )
    with qtbot.waitSignal(directory.folder_available_changed, timeout=5000) as gone:
        shutil.move(store_folder, keep)
    assert gone.args == [False]
    assert rows_when_told == [0]  # the rows went before the folder was said gone
    with qtbot.waitSignal(directory.folder_available_changed, timeout=5000) as back:
        shutil.move(keep, store_folder)
    assert back.args == [True]
    qtbot.waitUntil(lambda: len(directory.entries()) == 4, timeout=5000)
    # Watching works again after the comeback.
    path = os.path.join(store_folder, "after.json")
    write_json(path, [])
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=3000)


def test_stopped_observer_is_noticed_and_watching_restarts(qtbot, directory, store_folder):
    watcher = directory.watcher
    assert watcher.is_watching
    unseen = os.path.join(store_folder, "while-nobody-watched.json")
    with qtbot.waitSignal(
        directory.status_message,
        timeout=5000,
        check_params_cb=lambda message: "stopped unexpectedly" in message,
    ):
        watcher._source.stop()  # the real source's thread ends behind the service's back
        watcher._source.join(5)
        write_json(unseen, {})  # no watch reports it: found by listing the folder again
    qtbot.waitUntil(lambda: watcher.is_watching, timeout=3000)
    qtbot.waitUntil(lambda: directory.entry(unseen) is not None, timeout=3000)
    path = os.path.join(store_folder, "after-restart.json")
    write_json(path, {})
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=3000)


def test_folder_removed_and_made_again_is_watched_again(qtbot, directory, store_folder):
    availability: list[bool] = []
    directory.folder_available_changed.connect(availability.append)
    shutil.rmtree(store_folder)
    qtbot.waitUntil(lambda: availability == [False], timeout=5000)
    assert not directory.entries()
    os.mkdir(store_folder)
    qtbot.waitUntil(lambda: availability == [False, True], timeout=5000)
    path = os.path.join(store_folder, "reborn.json")
    write_json(path, [])
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=3000)
    assert directory.watcher.is_watching


def test_folder_replaced_between_two_looks_is_picked_up(qtbot, directory, store_folder):
    # Removed and made again faster than the once-a-second check: a new inode, same name.
    keep = store_folder + ".old"
    os.rename(store_folder, keep)
    os.mkdir(store_folder)
    path = os.path.join(store_folder, "fresh.json")
    write_json(path, {})
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=5000)
    qtbot.waitUntil(lambda: len(directory.entries()) == 1, timeout=5000)


def test_exhausted_inotify_falls_back_to_polling_and_says_so(qtbot, tmp_path):
    factory = polling_fallback_factory()
    service = StoreDirectory(observer_factory=factory)
    statuses: list[str] = []
    messages: list[str] = []
    service.watch_status_changed.connect(statuses.append)
    service.status_message.connect(messages.append)
    try:
        with qtbot.waitSignal(service.scan_finished, timeout=5000):
            service.set_folder(str(tmp_path))
        assert service.watcher.is_polling
        assert any("inotify watch limit reached" in status for status in statuses), statuses
        assert any("Polling" in message for message in messages), messages
        path = str(tmp_path / "seen-by-polling.json")
        write_json(path, {"polled": True})
        qtbot.waitUntil(lambda: service.entry(path) is not None, timeout=5000)
    finally:
        service.shutdown()


def test_lost_events_of_watchdogs_observer_rescan_the_folder_and_say_so(
    qtbot, tmp_path, inotify_overflow
):
    import watchdog.events

    if not hasattr(watchdog.events, "EventsLostEvent"):
        pytest.skip("watchdog < 7.1 reports no lost events")
    # watchdog's native observer: InotifyObserver on Linux.
    service = StoreDirectory(observer_factory=watchdog_observer_factory)
    messages: list[str] = []
    service.status_message.connect(messages.append)
    try:
        # (The queue is small only while the watch is made: the limit is system-wide.)
        with (
            qtbot.waitSignal(service.scan_finished, timeout=5000),
            inotify_overflow.small_queue(16),
        ):
            service.set_folder(str(tmp_path))
        inotify_overflow.create_files(tmp_path, 20_000)
        path = str(tmp_path / "written-after-the-storm.json")
        write_json(path, {})
        qtbot.waitUntil(lambda: any("came faster" in text for text in messages), timeout=30000)
        qtbot.waitUntil(lambda: service.entry(path) is not None, timeout=10000)
    finally:
        service.shutdown()


def polling_fallback_factory():
    """inotify that fails as a full watch table makes it fail; real, fast polling otherwise."""
    from inspector.services.inotify import LeanInotifySource

    class FullInotify(LeanInotifySource):
        def start(self, *_args, **_kwargs):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    def factory(poll, recursive):
        return WatchdogSource(PollingObserver(timeout=0.1)) if poll else FullInotify()

    return factory
