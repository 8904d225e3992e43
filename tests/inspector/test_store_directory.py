"""The store-directory service: listing, folding, health, live updates, a vanishing folder."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from PySide6.QtCore import QCoreApplication

from inspector.services.store_directory import (
    StoreDirectory,
    StoreHealth,
    store_path_for,
)
from lockcore import LockState


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
        ("a.json.k3j2h1.tmp", "a.json"),
        ("a.json.lock.k3j2h1.tmp", "a.json"),
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
    assert all(
        entry.lock is not None and entry.lock.state is LockState.FREE
        for entry in directory.entries()
    )


def test_non_utf8_and_empty_files_are_corrupt_not_crashes(qtbot, directory, store_folder):
    with open(os.path.join(store_folder, "latin.json"), "wb") as handle:
        handle.write(b'{"name": "caf\xe9"}')
    with open(os.path.join(store_folder, "empty.json"), "wb"):
        pass
    qtbot.waitUntil(lambda: {"latin.json", "empty.json"} <= names(directory), timeout=3000)
    assert directory.entry(os.path.join(store_folder, "latin.json")).health is StoreHealth.CORRUPT
    assert directory.entry(os.path.join(store_folder, "empty.json")).health is StoreHealth.CORRUPT


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_shown_with_the_error(qtbot, directory, store_folder):
    path = os.path.join(store_folder, "private.json")
    write_json(path, {})
    os.chmod(path, 0)
    qtbot.waitUntil(lambda: directory.entry(path) is not None, timeout=3000)
    entry = directory.entry(path)
    assert entry.health is StoreHealth.UNREADABLE
    assert "ermission" in entry.health_detail


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
    with qtbot.waitSignal(directory.folder_available_changed, timeout=5000) as gone:
        shutil.move(store_folder, keep)
    assert gone.args == [False]
    qtbot.waitUntil(lambda: not directory.entries(), timeout=3000)
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


def test_summary_counts_locked_stores(qtbot, directory, store_folder, lock_holder):
    with qtbot.waitSignal(
        directory.summary_changed, timeout=5000, check_params_cb=lambda _stores, locked: locked == 1
    ):
        lock_holder(os.path.join(store_folder, "settings.json"))


def write_json(path: str, data: object) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
