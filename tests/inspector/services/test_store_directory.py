"""The store-directory service: listing, folding, health, live updates, a vanishing folder."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from PySide6.QtCore import QCoreApplication
from watchdog.observers.polling import PollingObserver

from inspector.presentation import lock_word
from inspector.services import scan_worker
from inspector.services import store_directory as store_directory_module
from inspector.services.scanner import INLINE_HEALTH_LIMIT
from inspector.services.store_directory import (
    FIRST_BATCH_ROWS,
    StoreDirectory,
    StoreHealth,
    store_path_for,
)
from inspector.services.watchdog_source import WatchdogSource, watchdog_observer_factory
from lockcore import LockState, lock_path_for, locked_update_json


@pytest.fixture
def directory(qtbot, store_folder):
    service = StoreDirectory()
    with qtbot.waitSignal(service.scan_finished, timeout=5000):
        service.set_folder(store_folder)
    yield service
    service.shutdown()


def names(service: StoreDirectory) -> set[str]:
    return {entry.name for entry in service.entries()}


@pytest.mark.parametrize(
    ("name", "store"),
    [
        ("a.json", "a.json"),
        ("a.json.lock", "a.json"),
        ("a.json.tmp", "a.json"),
        ("a.json.3f9a0c1b2d4e.tmp", "a.json"),
        ("a.json.lock.3f9a0c1b2d4e.tmp", None),  # lockcore stopped making these long ago
        ("a.json.corrupt-20261126-232441", "a.json"),
        ("a.txt", None),
        ("a.json.bak", None),
        ("lock", None),
    ],
)
def test_store_path_for_folds_companion_files(name, store):
    expected = None if store is None else os.path.join("/d", store)
    assert store_path_for(os.path.join("/d", name)) == expected


def test_lists_one_row_per_store_with_health(directory, store_folder):
    assert names(directory) == {"settings.json", "projects.json", "broken.json", "cache.json"}
    by_name = {entry.name: entry for entry in directory.entries()}
    assert by_name["settings.json"].health is StoreHealth.VALID
    assert by_name["broken.json"].health is StoreHealth.CORRUPT
    assert "line 2" in by_name["broken.json"].health_detail
    cache = by_name["cache.json"]
    assert cache.health is StoreHealth.RECOVERABLE
    assert cache.size is None
    assert cache.leftovers == (os.path.join(store_folder, "cache.json.tmp"),)
    # No lock file: nothing to inspect (a free store costs no lock lookup at all).
    assert all(
        entry.lock is None and entry.lock_state is LockState.FREE and not entry.is_locked
        for entry in directory.entries()
    )


def test_odd_files_are_named_for_what_they_are_never_crash_the_listing(
    qtbot, directory, store_folder
):
    with open(os.path.join(store_folder, "latin.json"), "wb") as handle:
        handle.write(b'{"name": "caf\xe9"}')
    with open(os.path.join(store_folder, "empty.json"), "wb"):
        pass
    # Valid JSON that Python refuses to parse: it stopped the listing of the whole folder.
    with open(os.path.join(store_folder, "bigint.json"), "w", encoding="ascii") as handle:
        handle.write('{"n": ' + "9" * 5000 + "}")
    with open(os.path.join(store_folder, "deep.json"), "w", encoding="ascii") as handle:
        handle.write("[" * 100_000 + "]" * 100_000)
    with open(os.path.join(store_folder, "windows.json"), "wb") as handle:
        handle.write('{"written by": "PowerShell 5"}'.encode("utf-16"))
    odd = {
        "latin.json": StoreHealth.NOT_UTF8,
        "empty.json": StoreHealth.CORRUPT,
        "bigint.json": StoreHealth.TOO_LARGE_OR_DEEP,
        "deep.json": StoreHealth.TOO_LARGE_OR_DEEP,
        "windows.json": StoreHealth.UTF16,
    }
    qtbot.waitUntil(lambda: set(odd) <= names(directory), timeout=3000)
    found = {name: directory.entry(os.path.join(store_folder, name)).health for name in odd}
    assert found == odd
    assert StoreHealth.TOO_LARGE_OR_DEEP.value == "valid JSON, too large/deep to edit here"
    detail = directory.entry(os.path.join(store_folder, "bigint.json")).health_detail
    assert detail == (
        "Valid JSON, but too large or deep for Python: an integer of 5,000 digits "
        "(Python parses at most 4,300) at line 1, column 7."
    )


def test_names_that_are_not_files_are_listed_never_read(qtbot, directory, store_folder):
    # Opening a named pipe waits for a writer forever, and /dev/zero never ends: the listing
    # must neither stall behind them nor read them.
    os.mkfifo(os.path.join(store_folder, "pipe.json"))
    os.symlink("/dev/zero", os.path.join(store_folder, "zero.json"))
    os.mkdir(os.path.join(store_folder, "elsewhere"))
    os.symlink("elsewhere", os.path.join(store_folder, "folder.json"))
    directory.refresh()
    expected = {"pipe.json": "named pipe", "zero.json": "character device", "folder.json": "folder"}
    qtbot.waitUntil(lambda: set(expected) <= names(directory), timeout=5000)
    for name, kind in expected.items():
        entry = directory.entry(os.path.join(store_folder, name))
        assert entry.health is StoreHealth.UNREADABLE, name
        assert f"Not a regular file: it is a {kind}." == entry.health_detail
    settings = directory.entry(os.path.join(store_folder, "settings.json"))
    assert settings.health is StoreHealth.VALID


def test_files_appearing_and_vanishing_update_the_rows(qtbot, directory, store_folder):
    path = os.path.join(store_folder, "new.json")
    write_json(path, {"x": 1})
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=3000)
    with qtbot.waitSignal(directory.store_changed_on_disk, timeout=3000) as blocker:
        write_json(path, {"x": 2, "y": 3})
    assert blocker.args == [path]
    os.unlink(path)
    qtbot.waitUntil(lambda: directory.entry(path) is None, timeout=3000)


def test_lock_file_alone_keeps_a_missing_store_listed(qtbot, directory, store_folder):
    path = os.path.join(store_folder, "ghost.json")
    with open(path + ".lock", "w", encoding="ascii") as handle:
        handle.write("999999999\n")
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=3000)
    entry = directory.entry(path)
    assert entry.health is StoreHealth.MISSING
    assert entry.is_locked
    assert entry.lock.state is LockState.STALE_DEAD_HOLDER


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


def test_subfolders_toggle(qtbot, directory, store_folder):
    os.mkdir(os.path.join(store_folder, "nested"))
    nested = os.path.join(store_folder, "nested", "inner.json")
    write_json(nested, {})
    QCoreApplication.processEvents()
    assert directory.entry(nested) is None
    with qtbot.waitSignal(directory.scan_finished, timeout=5000):
        directory.set_recursive(True)
    assert directory.entry(nested).name == os.path.join("nested", "inner.json")
    with qtbot.waitSignal(directory.scan_finished, timeout=5000):
        directory.set_recursive(False)
    assert directory.entry(nested) is None


def test_a_recursive_listing_waits_until_every_subfolder_is_watched(qtbot, store_folder, held_walk):
    nested = os.path.join(store_folder, "nested", "inner.json")
    os.mkdir(os.path.dirname(nested))
    write_json(nested, {})
    observers: list = []

    def factory(poll, recursive):
        observers.append(held_walk())
        return observers[-1]

    service = StoreDirectory(observer_factory=factory)
    finished: list[bool] = []
    service.scan_finished.connect(lambda: finished.append(True))
    try:
        service.set_folder(store_folder, recursive=True)
        assert observers[0].walking.wait(5)
        qtbot.wait(200)  # the GUI stays live while the walk is held; no listing meanwhile
        assert not finished
        assert not service.entries()
        with qtbot.waitSignal(service.scan_finished, timeout=5000):
            observers[0].release.set()
        assert service.entry(nested) is not None
        late = os.path.join(store_folder, "nested", "late.json")
        write_json(late, {})  # seen through the watch the walk put on nested/
        qtbot.waitUntil(lambda: service.entry(late) is not None, timeout=3000)
    finally:
        for observer in observers:
            observer.release.set()
        service.shutdown()


def test_summary_counts_locked_stores(qtbot, directory, store_folder, lock_holder):
    with qtbot.waitSignal(
        directory.summary_changed, timeout=5000, check_params_cb=lambda _stores, locked: locked == 1
    ):
        lock_holder(os.path.join(store_folder, "settings.json"))


def write_json(path: str, data: object) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


# (The unreadable-file test runs as nobody: tests/inspector/test_permissions.py.)


BIG_FOLDER_STORES = INLINE_HEALTH_LIMIT + 300


@pytest.fixture
def big_folder(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(BIG_FOLDER_STORES):
        (folder / f"s{number:04d}.json").write_text(f'{{"n": {number}}}')
    (folder / "s0007.json").write_text('{"broken": ')
    return folder


def deaf_observer(_poll: bool, _recursive: bool) -> WatchdogSource:
    """An observer that would notice changes only after a minute: the test sees the scans."""
    return WatchdogSource(PollingObserver(timeout=60))


def list_in_batches(qtbot, service: StoreDirectory, folder) -> list[list]:
    batches: list[list] = []
    service.entries_updated.connect(batches.append)
    with qtbot.waitSignal(service.scan_finished, timeout=10000):
        service.set_folder(str(folder))
    return batches


def test_big_folder_is_listed_first_and_its_documents_checked_after(qtbot, big_folder):
    service = StoreDirectory(observer_factory=deaf_observer)
    changed_on_disk: list[str] = []
    service.store_changed_on_disk.connect(changed_on_disk.append)
    try:
        batches = list_in_batches(qtbot, service, big_folder)
        listed = [entry for batch in batches for entry in batch]
        assert len({entry.path for entry in listed}) == BIG_FOLDER_STORES
        # In a folder this big the data files are neither read nor even stat-ed while the
        # rows are listed: their size, time and health follow.
        assert {entry.health for entry in listed} == {StoreHealth.PENDING}
        assert {entry.size for entry in listed} == {None}
        with qtbot.waitSignal(service.checks_finished, timeout=10000):
            pass
        entries = {entry.name: entry for entry in service.entries()}
        assert entries.pop("s0007.json").health is StoreHealth.CORRUPT
        assert {entry.health for entry in entries.values()} == {StoreHealth.VALID}
        assert all(entry.size and entry.mtime and entry.data_stamp for entry in entries.values())
        assert changed_on_disk == [], "completing the rows is not a change on disk"
        # A rescan keeps what is known (no row goes back to "checking") and its document
        # pass notices what changed while nobody watched.
        batches.clear()
        changed = str(big_folder / "s0100.json")
        write_json(changed, {"n": "changed"})
        with qtbot.waitSignal(service.checks_finished, timeout=10000):
            service.refresh()
        assert StoreHealth.PENDING not in {entry.health for batch in batches for entry in batch}
        assert changed_on_disk == [changed]
        assert service.entry(changed).size == os.path.getsize(changed)
    finally:
        service.shutdown()


@pytest.mark.parametrize("why", ["more stores than the limit", "listed too slowly"])
def test_listing_hands_on_its_first_screenful_at_once(qtbot, big_folder, monkeypatch, why):
    # In a folder of more than ONE_BATCH_LIMIT stores, or one whose listing took longer than
    # ONE_BATCH_WITHIN (a busy machine), the first rows people read go first, alone (the window
    # paints them at once); the rest follow in one batch when the listing is done. (The limits
    # lowered: a folder above the real ones takes seconds to make.)
    if why == "more stores than the limit":
        monkeypatch.setattr(scan_worker, "ONE_BATCH_LIMIT", BIG_FOLDER_STORES - 1)
        monkeypatch.setattr(scan_worker, "ONE_BATCH_WITHIN", 60.0)
    else:
        monkeypatch.setattr(scan_worker, "ONE_BATCH_WITHIN", 0.0)
    service = StoreDirectory(observer_factory=deaf_observer)
    listing_batches: list[bool] = []
    service.entries_updated.connect(lambda _entries: listing_batches.append(service.listing))
    try:
        batches = list_in_batches(qtbot, service, big_folder)
        first_names = [entry.name for entry in batches[0]]
        assert first_names == [f"s{n:04d}.json" for n in range(FIRST_BATCH_ROWS)]
        assert sum(len(batch) for batch in batches) == BIG_FOLDER_STORES
        assert len(batches) == 2
        assert listing_batches == [True, True]
        assert not service.listing
    finally:
        service.shutdown()


def test_listing_of_a_folder_within_the_limits_hands_on_every_row_at_once(
    qtbot, big_folder, monkeypatch
):
    # Up to ONE_BATCH_LIMIT stores listed quickly, the rows are made sooner than a first small
    # batch would be taken in and painted: they all go in one batch, a listing's (the window
    # paints it). (The time allowed raised: a loaded test machine may list slowly.)
    assert BIG_FOLDER_STORES <= scan_worker.ONE_BATCH_LIMIT
    monkeypatch.setattr(scan_worker, "ONE_BATCH_WITHIN", 60.0)
    service = StoreDirectory(observer_factory=deaf_observer)
    listing_batches: list[bool] = []
    service.entries_updated.connect(lambda _entries: listing_batches.append(service.listing))
    try:
        batches = list_in_batches(qtbot, service, big_folder)
        assert [entry.name for entry in batches[0]] == [
            f"s{n:04d}.json" for n in range(BIG_FOLDER_STORES)
        ]
        assert listing_batches == [True]
        # The document pass's rows, and a store that appears later, are no listing's.
        with qtbot.waitSignal(service.checks_finished, timeout=10000):
            pass
        later = str(big_folder / "later.json")
        write_json(later, {})
        with qtbot.waitSignal(service.entries_updated, timeout=5000):
            service.refresh_paths([later])
        assert service.entry(later) is not None
        assert listing_batches[0]
        assert len(listing_batches) > 1
        assert not any(listing_batches[1:])
    finally:
        service.shutdown()


def test_stopped_observer_is_noticed_and_watching_restarts(qtbot, directory, store_folder):
    watcher = directory.watcher
    assert watcher.is_watching
    with qtbot.waitSignal(
        directory.status_message,
        timeout=5000,
        check_params_cb=lambda message: "stopped unexpectedly" in message,
    ):
        watcher._source.stop()  # the real source's thread ends behind the service's back
    qtbot.waitUntil(lambda: watcher.is_watching, timeout=3000)
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


def test_holder_on_another_host_is_unverifiable_not_stale(
    qtbot, directory, store_folder, monkeypatch
):
    # As on NFS: on a local filesystem a holder with another hostname (a container) shares
    # this kernel, and its free kernel lock proves it dead. CI cannot mount NFS, so lockcore's
    # list of local filesystems is emptied instead.
    import lockcore._platform

    monkeypatch.setattr(lockcore._platform, "LOCAL_FILESYSTEMS", frozenset())
    path = os.path.join(store_folder, "shared.json")
    write_json(path, {})
    other = "not-" + socket.gethostname()
    with open(lock_path_for(path), "w", encoding="ascii") as handle:
        handle.write(f"4711\nlockcore 1\nhost {other}\ncreated 1\n")
    qtbot.waitUntil(
        lambda: (entry := directory.entry(path)) is not None and entry.is_locked, timeout=3000
    )
    entry = directory.entry(path)
    assert entry.lock_state is LockState.HELD_OTHER_HOST
    assert not entry.lock.is_stale
    assert lock_word(entry) == "other host — unverifiable"


def polling_fallback_factory():
    """inotify that fails as a full watch table makes it fail; real, fast polling otherwise."""
    from inspector.services.inotify import LeanInotifySource

    class FullInotify(LeanInotifySource):
        def start(self, *_args, **_kwargs):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    def factory(poll, recursive):
        return WatchdogSource(PollingObserver(timeout=0.1)) if poll else FullInotify()

    return factory


assert store_directory_module.RECHECK_INTERVAL_MS <= 1000, "the tests above wait a few seconds"


def test_a_document_that_did_not_change_is_not_read_again(
    qtbot, directory, store_folder, lock_holder, monkeypatch
):
    from inspector.services import store_health

    reads: list[bytes] = []
    real = store_health.parse_health

    def counting(raw):
        reads.append(raw)
        return real(raw)

    monkeypatch.setattr(store_health, "parse_health", counting)
    path = os.path.join(store_folder, "settings.json")
    holder = lock_holder(path)
    qtbot.waitUntil(lambda: directory.entry(path).is_locked, timeout=3000)
    holder.release()
    qtbot.waitUntil(lambda: not directory.entry(path).is_locked, timeout=3000)
    assert reads == [], "only the lock changed: the document was not read again"
    write_json(path, {"theme": "light"})
    qtbot.waitUntil(lambda: any(b"light" in raw for raw in reads), timeout=3000)


def test_a_document_that_breaks_the_check_is_shown_not_fatal(tmp_path, monkeypatch):
    from inspector.services import store_health

    path = tmp_path / "odd.json"
    path.write_text("{}")

    def explode(_raw: bytes) -> None:
        raise TypeError("something no one foresaw")

    monkeypatch.setattr(store_health, "parse_health", explode)
    health, detail = store_health.document_health(str(path), 2)
    assert health is StoreHealth.UNREADABLE
    assert detail == "Cannot be checked: TypeError: something no one foresaw."


def test_a_folder_and_stores_whose_names_are_not_utf8_are_listed_and_followed(qtbot, tmp_path):
    from inspector.services.inotify import LeanInotifySource

    folder = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    os.mkdir(folder)
    listed = os.path.join(folder, b"a\xff.json")
    with open(listed, "w", encoding="utf-8") as handle:
        handle.write("{}")
    # The reader in this process (the watching child takes over later; its own test is in
    # test_process_source.py).
    service = StoreDirectory(observer_factory=lambda _poll, _recursive: LeanInotifySource())
    messages: list[str] = []
    service.status_message.connect(messages.append)
    try:
        with qtbot.waitSignal(service.scan_finished, timeout=5000):
            service.set_folder(os.fsdecode(folder))
        assert service.entry(os.fsdecode(listed)) is not None, messages
        written = os.path.join(folder, b"b\xfe.json")
        with open(written, "w", encoding="utf-8") as handle:
            handle.write("[]")
        qtbot.waitUntil(lambda: service.entry(os.fsdecode(written)) is not None, timeout=5000)
        assert messages == []
    finally:
        service.shutdown()


def test_a_legacy_lock_is_rechecked_by_its_lock_alone_until_it_changes(
    qtbot, tmp_path, monkeypatch
):
    """The once-a-second re-check is there for holders that die without a file changing
    (a legacy holder): it looks at the lock, and at the rest of the store only when the lock
    changed -- a whole look is twice the work, on the worker thread that shares the interpreter
    with the GUI thread (some 100 legacy locks a second in bench_inspector's folder)."""
    # No safety-net pass (every store looked at whole) meanwhile.
    monkeypatch.setattr(store_directory_module, "FULL_RECHECK_EVERY", 1000)
    looked: list[str] = []
    real = scan_worker.inspect_store

    def recording(path, *rest):
        looked.append(path)
        return real(path, *rest)

    monkeypatch.setattr(scan_worker, "inspect_store", recording)
    path = str(tmp_path / "legacy.json")
    write_json(path, {"kept": True})
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    service = StoreDirectory()
    try:
        with open(lock_path_for(path), "w", encoding="ascii") as handle:
            handle.write(f"{holder.pid}\n")
        with qtbot.waitSignal(service.scan_finished, timeout=5000):
            service.set_folder(str(tmp_path))
        entry = service.entry(path)
        assert entry is not None
        assert entry.lock_state is LockState.HELD_ALIVE
        looked.clear()
        rechecked = service._rechecks
        qtbot.waitUntil(lambda: service._rechecks >= rechecked + 3, timeout=10000)
        assert path not in looked
        holder.kill()  # dies without a file changing
        holder.wait()
        qtbot.waitUntil(
            lambda: (
                (entry := service.entry(path)) is not None
                and entry.lock_state is LockState.STALE_DEAD_HOLDER
            ),
            timeout=10000,
        )
        assert path in looked
        assert service.entry(path).health is StoreHealth.VALID
    finally:
        service.shutdown()
        if holder.poll() is None:
            holder.kill()
        holder.wait()
        holder.stdin.close()


def test_a_lockcore_update_in_a_folder_with_subfolders_is_no_rescan(qtbot, tmp_path):
    # lockcore writes a new document through an unnamed temp file, which inotify names
    # "#<inode>": no store, no folder. With subfolders shown, every such name made the worker
    # list the whole tree again (a name that is no store was taken for a subfolder that came
    # or went): in a storm, a full scan each round.
    (tmp_path / "sub").mkdir()
    write_json(str(tmp_path / "sub" / "inner.json"), {"n": 0})
    store, other = str(tmp_path / "a.json"), str(tmp_path / "sub" / "b.json")
    write_json(store, {"n": 0})
    service = StoreDirectory()
    try:
        with qtbot.waitSignal(service.checks_finished, timeout=5000):
            service.set_folder(str(tmp_path), recursive=True)
        scans: list[bool] = []
        service.scan_finished.connect(lambda: scans.append(True))
        locked_update_json(store, lambda document: {**document, "n": 1})
        qtbot.waitUntil(lambda: service.entry(store).data_stamp == _stamp(store), timeout=5000)
        # A store made afterwards: once it is listed, the update's events have been handled.
        write_json(other, {})
        qtbot.waitUntil(lambda: service.entry(other) is not None, timeout=5000)
        assert scans == []
        # A subfolder that comes still brings its stores, one moved away takes them along.
        (tmp_path / "new").mkdir()
        write_json(str(tmp_path / "new" / "c.json"), {})
        qtbot.waitUntil(lambda: service.entry(str(tmp_path / "new" / "c.json")) is not None)
        os.rename(tmp_path / "sub", tmp_path.parent / f"{tmp_path.name}-away")
        qtbot.waitUntil(lambda: service.entry(other) is None, timeout=5000)
        assert service.entry(str(tmp_path / "sub" / "inner.json")) is None
        assert service.entry(store) is not None
    finally:
        service.shutdown()
        shutil.rmtree(tmp_path.parent / f"{tmp_path.name}-away", ignore_errors=True)


def _stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)
