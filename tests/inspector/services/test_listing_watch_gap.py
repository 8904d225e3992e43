"""Opening a folder, its names are read while the watch is put on it (each on a CPU of its own):
no change made between the listing and the watch goes unseen (issue 11 section 6)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import unittest.mock
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from inspector.services import scan_worker, watch_gap
from inspector.services.inotify import LeanInotifySource
from inspector.services.listing import list_folder
from inspector.services.store_directory import StoreDirectory, StoreHealth
from inspector.services.watch_gap import names_changed_since
from lockcore import LockState, lock_path_for

DEADLINE_MS = 5000


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def make_stores(folder: Path, count: int) -> None:
    for number in range(count):
        (folder / f"s{number:04d}.json").write_text("{}", encoding="utf-8")
    (folder / "held.json").write_text("{}", encoding="utf-8")
    Path(lock_path_for(str(folder / "held.json"))).write_text(f"{dead_pid()}\n", encoding="ascii")
    (folder / "edited.json").write_text("{}", encoding="utf-8")
    (folder / "gone.json").write_text("{}", encoding="utf-8")


def change_everything(folder: Path) -> None:
    """A name comes, one goes, a lock and a document are written in place (their names stay)."""
    (folder / "late.json").write_text("{}", encoding="utf-8")
    (folder / "gone.json").unlink()
    with open(lock_path_for(str(folder / "held.json")), "r+", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")  # alive now, as long as the old PID's digits
        handle.truncate()
    with open(folder / "edited.json", "r+", encoding="utf-8") as handle:
        handle.write("{{")  # broken now


@pytest.mark.parametrize(
    "case", ["few stores", "one batch", "first screenful first", "a subfolder", "times just moved"]
)
def test_no_change_between_the_listing_and_the_watch_goes_unseen(
    qtbot: Any, tmp_path: Path, monkeypatch: Any, case: str
) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    make_stores(folder, 300 if case in ("one batch", "first screenful first") else 3)
    if case == "first screenful first":
        monkeypatch.setattr(scan_worker, "ONE_BATCH_LIMIT", 0)
    if case == "a subfolder":  # listed entry by entry (scandir), not by its names alone
        (folder / "sub").mkdir()
    if case != "times just moved":  # the folder's times say whether its names changed
        an_hour_ago = time.time() - 3600
        os.utime(folder, (an_hour_ago, an_hour_ago))
    # The worker has read the names; it then waits for the watch, or (were it not to wait)
    # has made the rows: either way, what changes now is what it could miss.
    names_read, worker_went_on = threading.Event(), threading.Event()
    read_names, wait_for_watch = os.listdir, watch_gap.WatchGate.wait

    def listdir(path: Any = ".") -> list[Any]:
        names = read_names(path)
        if path == str(folder):
            names_read.set()
        return names

    def waiting_for_the_watch(gate: watch_gap.WatchGate, generation: int) -> bool:
        worker_went_on.set()
        return wait_for_watch(gate, generation)

    class ChangedBeforeTheWatch(LeanInotifySource):
        def start(self, path: str, listener: Any, *, recursive: bool) -> bool:
            # (Listed after the watch, as before the listing and the watch ran side by side,
            # the names are never read here: then everything changes before either.)
            if names_read.wait(2):
                worker_went_on.wait(DEADLINE_MS / 1000)
            change_everything(folder)
            return super().start(path, listener, recursive=recursive)

    service = StoreDirectory(observer_factory=lambda _poll, _recursive: ChangedBeforeTheWatch())
    service._worker.entries_updated.connect(
        lambda *_: worker_went_on.set(), Qt.ConnectionType.DirectConnection
    )
    service.set_recheck_interval(600_000)  # no periodic look at the locks: the watch alone
    try:
        with (
            unittest.mock.patch.object(os, "listdir", listdir),
            unittest.mock.patch.object(watch_gap.WatchGate, "wait", waiting_for_the_watch),
        ):
            service.set_folder(str(folder))
            qtbot.waitUntil(
                lambda: (
                    service.entry(str(folder / "late.json")) is not None
                    and service.entry(str(folder / "gone.json")) is None
                    and service.entry(str(folder / "s0000.json")) is not None
                ),
                timeout=DEADLINE_MS,
            )
            held, edited = str(folder / "held.json"), str(folder / "edited.json")
            qtbot.waitUntil(
                lambda: (
                    service.entry(held).lock_state is LockState.HELD_ALIVE  # type: ignore[union-attr]
                    and service.entry(edited).health is StoreHealth.CORRUPT  # type: ignore[union-attr]
                ),
                timeout=DEADLINE_MS,
            )
    finally:
        service.shutdown()


def test_a_folder_whose_times_did_not_move_is_not_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(tmp_path, (an_hour_ago, an_hour_ago))
    listing = list_folder(str(tmp_path))
    with unittest.mock.patch.object(os, "listdir", side_effect=AssertionError("read again")):
        assert names_changed_since(listing) == []
    (tmp_path / "b.json").write_text("{}", encoding="utf-8")
    (tmp_path / "a.json").unlink()
    assert names_changed_since(listing) == [str(tmp_path / "a.json"), str(tmp_path / "b.json")]


def test_a_folder_changed_just_before_its_listing_is_read_again(tmp_path: Path) -> None:
    # Its times may not move for a change made in the same tick of the filesystem's clock
    # (or, on FAT, in the same two seconds): its names are compared with a second reading.
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    listing = list_folder(str(tmp_path))
    assert listing._seen is not None
    seen = listing._seen
    (tmp_path / "b.json").write_text("{}", encoding="utf-8")
    with unittest.mock.patch(
        "inspector.services.watch_gap.folder_seen", return_value=seen
    ):  # the folder's times, as a coarse clock would have left them
        assert names_changed_since(listing) == [str(tmp_path / "b.json")]


def test_a_folder_that_comes_back_misses_no_change_made_before_its_new_watch(
    qtbot: Any, tmp_path: Path
) -> None:
    # Its watch went with it; the listing made on its coming back must not read a file before
    # the new watch is in place, and must find the names that came meanwhile.
    folder, away = tmp_path / "stores", tmp_path / "away"
    folder.mkdir()
    (folder / "first.json").write_text("{}", encoding="utf-8")
    came_back, names_read, worker_went_on = (threading.Event() for _ in range(3))
    read_names, wait_for_watch = os.listdir, watch_gap.WatchGate.wait

    def listdir(path: Any = ".") -> list[Any]:
        names = read_names(path)
        if came_back.is_set() and path == str(folder):
            names_read.set()
        return names

    def waiting_for_the_watch(gate: watch_gap.WatchGate, generation: int) -> bool:
        if came_back.is_set():
            worker_went_on.set()
        return wait_for_watch(gate, generation)

    class ChangedBeforeTheNewWatch(LeanInotifySource):
        def start(self, path: str, listener: Any, *, recursive: bool) -> bool:
            if came_back.is_set():
                if names_read.wait(2):
                    worker_went_on.wait(DEADLINE_MS / 1000)
                (folder / "late.json").write_text("{}", encoding="utf-8")
            return super().start(path, listener, recursive=recursive)

    service = StoreDirectory(observer_factory=lambda _poll, _recursive: ChangedBeforeTheNewWatch())
    service._worker.entries_updated.connect(
        lambda *_: came_back.is_set() and worker_went_on.set(), Qt.ConnectionType.DirectConnection
    )
    service.set_recheck_interval(100)  # (the re-checks find it gone and back; no new name)
    try:
        with qtbot.waitSignal(service.scan_finished, timeout=DEADLINE_MS):
            service.set_folder(str(folder))
        with qtbot.waitSignal(service.folder_available_changed, timeout=DEADLINE_MS) as gone:
            folder.rename(away)
        assert gone.args == [False]
        with (
            unittest.mock.patch.object(os, "listdir", listdir),
            unittest.mock.patch.object(watch_gap.WatchGate, "wait", waiting_for_the_watch),
        ):
            came_back.set()
            away.rename(folder)
            qtbot.waitUntil(
                lambda: (
                    service.entry(str(folder / "first.json")) is not None
                    and service.entry(str(folder / "late.json")) is not None
                ),
                timeout=DEADLINE_MS,
            )
    finally:
        service.shutdown()
