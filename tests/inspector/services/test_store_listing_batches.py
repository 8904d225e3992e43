"""The store-directory service in a big folder: rows listed first and their documents checked
after, the first screenful handed on at once, or every row in one batch within the limits."""

from __future__ import annotations

import os
import time

import pytest
from _store_folder_support import write_json
from watchdog.observers.polling import PollingObserver

from inspector.services import scan_worker
from inspector.services.first_listing import hand_on_new_rows
from inspector.services.listing import list_folder
from inspector.services.scanner import INLINE_HEALTH_LIMIT
from inspector.services.store_directory import (
    FIRST_BATCH_ROWS,
    StoreDirectory,
    StoreHealth,
)
from inspector.services.watchdog_source import WatchdogSource

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


@pytest.mark.parametrize(
    ("wall", "cpu", "batches"),
    [
        pytest.param(
            0.9, 0.0, 1, id="its wall time swung (the GUI thread held the lock), not its CPU"
        ),
        pytest.param(0.6, 0.6, 2, id="its CPU past the limit (a slow machine)"),
        pytest.param(1.1, 0.0, 2, id="its wall time past twice the limit (a busy machine)"),
    ],
)
def test_a_listing_goes_in_one_batch_when_its_cpu_time_foretells_a_prompt_paint(
    big_folder, wall: float, cpu: float, batches: int
) -> None:
    # The listing's CPU time foretells what the rest costs (see first_listing.ONE_BATCH_WITHIN);
    # its wall time swings with waits for the interpreter lock. (Half a second allowed, not
    # 8 ms: what the call itself takes on a loaded machine stays far below the margins.)
    listing = list_folder(str(big_folder))
    handed_on: list[int] = []
    began = (time.monotonic() - wall, time.thread_time() - cpu)
    rows = hand_on_new_rows(
        listing,
        {},
        {},
        lambda made, _wait: handed_on.append(len(made)),
        began=began,
        one_batch_limits=(scan_worker.ONE_BATCH_LIMIT, 0.5),
    )
    assert rows is not None
    assert len(handed_on) == batches, handed_on
    assert sum(handed_on) == BIG_FOLDER_STORES
