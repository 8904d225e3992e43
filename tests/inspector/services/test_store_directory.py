"""The store-directory service: listing, folding, health, live updates, re-checks. (A big
folder's batches: test_store_listing_batches.py; a vanishing folder and the watch's
fall-backs: test_store_folder_watch.py.)"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest
from _store_folder_support import write_json
from PySide6.QtCore import QCoreApplication

from inspector.presentation import lock_word
from inspector.services import scan_worker
from inspector.services import store_directory as store_directory_module
from inspector.services.store_directory import (
    StoreDirectory,
    StoreHealth,
    store_path_for,
)
from lockcore import LockState, lock_path_for, locked_update_json


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


# (The unreadable-file test runs as nobody: tests/inspector/test_permissions.py.)
