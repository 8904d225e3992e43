"""The document pass after a big folder's listing: what it costs the rest of the process."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from watchdog.observers.polling import PollingObserver

from inspector.services import scan_worker
from inspector.services.scanner import INLINE_HEALTH_LIMIT
from inspector.services.store_directory import StoreDirectory, StoreHealth
from inspector.services.watchdog_source import WatchdogSource

STORES = INLINE_HEALTH_LIMIT + 1500


@pytest.fixture
def folder(tmp_path: Any) -> Any:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(STORES):
        (folder / f"s{number:04d}.json").write_text(f'{{"n": {number}}}')
    return folder


def deaf_observer(_poll: bool, _recursive: bool) -> WatchdogSource:
    """An observer that would notice changes only after a minute: the test sees the scans."""
    return WatchdogSource(PollingObserver(timeout=60))


def test_no_collection_runs_while_the_documents_are_checked(
    qtbot: Any, folder: Any, monkeypatch: Any
) -> None:
    # Slices of a millisecond: the pass is dozens of them. Between two the collector ran again
    # and walked every row made so far (16 ms of a 120 ms pass over 10,000 documents).
    monkeypatch.setattr(scan_worker, "HEALTH_SLICE", 0.001)
    service = StoreDirectory(observer_factory=deaf_observer)
    marks: dict[str, float] = {}
    collections: list[float] = []

    def record(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(time.monotonic())

    # Marked on the worker's thread as it says so, not when the signals reach this thread.
    direct = Qt.ConnectionType.DirectConnection
    service._worker.scan_finished.connect(
        lambda _generation: marks.setdefault("listed", time.monotonic()), direct
    )
    service._worker.checks_finished.connect(
        lambda _generation: marks.setdefault("checked", time.monotonic()), direct
    )
    gc.callbacks.append(record)
    try:
        with qtbot.waitSignal(service.checks_finished, timeout=20000):
            service.set_folder(str(folder))
    finally:
        gc.callbacks.remove(record)
        service.shutdown()
    assert {entry.health for entry in service.entries()} == {StoreHealth.VALID}
    during = [when for when in collections if marks["listed"] <= when <= marks["checked"]]
    assert during == []
    assert gc.isenabled(), "the collector runs again once the pass is over"


def test_a_pass_shorter_than_a_batch_interval_hands_its_results_on_once(
    qtbot: Any, folder: Any, monkeypatch: Any
) -> None:
    # Each hand-over costs the GUI thread a repaint of the rows it completes, in the middle of
    # the pass: the first results wait for BATCH_INTERVAL like the rest (the first slice's were
    # handed on at once).
    monkeypatch.setattr(scan_worker, "HEALTH_SLICE", 0.001)
    monkeypatch.setattr(scan_worker, "BATCH_INTERVAL", 60.0)
    service = StoreDirectory(observer_factory=deaf_observer)
    batches: list[int] = []
    service._worker.entries_checked.connect(
        lambda _generation, entries: batches.append(len(entries))
    )
    try:
        with qtbot.waitSignal(service.checks_finished, timeout=20000):
            service.set_folder(str(folder))
    finally:
        service.shutdown()
    assert batches == [STORES]
    assert {entry.health for entry in service.entries()} == {StoreHealth.VALID}
