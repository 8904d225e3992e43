"""The document pass after a big folder's listing: what it costs the rest of the process."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from watchdog.observers.polling import PollingObserver

from inspector.services import scan_worker
from inspector.services.process_source import ProcessChangeSource
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


def test_a_rescan_during_the_pass_hands_on_what_the_pass_had_checked(
    qtbot: Any, folder: Any, monkeypatch: Any
) -> None:
    # A rescan ends the pass under way. The rows it had checked but not handed on yet were
    # dropped, while the worker kept them as known: the rescan found them unchanged and said
    # nothing, and the table showed them unchecked (or, after a storm, as they were before it)
    # for good.
    monkeypatch.setattr(scan_worker, "HEALTH_SLICE", 0.001)
    monkeypatch.setattr(scan_worker, "BATCH_INTERVAL", 60.0)  # held until the pass ends
    service = StoreDirectory(observer_factory=deaf_observer)
    pass_under_way = service._worker._pass
    try:
        with qtbot.waitSignal(service.scan_finished, timeout=20000):
            service.set_folder(str(folder))
        qtbot.waitUntil(lambda: bool(pass_under_way.results), timeout=10000)
        assert pass_under_way.queue  # the pass is not over: the rescan ends it
        with qtbot.waitSignal(service.checks_finished, timeout=20000):
            service.refresh()
        assert_every_row_is_its_file(service)
    finally:
        service.shutdown()


def assert_every_row_is_its_file(service: StoreDirectory) -> None:
    for entry in service.entries():
        st = os.stat(entry.path)
        assert entry.data_stamp == (st.st_ino, st.st_size, st.st_mtime_ns), entry.name
        assert entry.size == st.st_size
        assert entry.health is StoreHealth.VALID, entry.name


_WRITER = textwrap.dedent(
    """
    import sys, time
    from lockcore import locked_update_json
    paths, seconds = sys.argv[2:], float(sys.argv[1])
    def bump(doc):
        doc["n"] = doc.get("n", 0) + 1
        doc["pad"] = "x" * (doc["n"] % 50)  # the size changes too
        return doc
    print("ready", flush=True)
    sys.stdin.readline()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for path in paths:
            locked_update_json(path, bump, default=dict, durable=False)
    print("done", flush=True)
    """
)


def test_stores_written_during_the_pass_show_what_their_files_hold(
    qtbot: Any, folder: Any, monkeypatch: Any
) -> None:
    # A real writer changes stores while the pass reads them: what the pass read before a
    # change must never undo the look the change's event brings, whichever comes first -- once
    # the writer stops, every row is what its file holds.
    monkeypatch.setattr(scan_worker, "HEALTH_SLICE", 0.002)
    written = [str(folder / f"s{number:04d}.json") for number in range(STORES - 40, STORES, 4)]
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, "1.5", *written],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert writer.stdin is not None
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == b"ready"
    service = StoreDirectory()  # watching for real: the changes' events are looked at
    try:
        writer.stdin.write(b"go\n")
        writer.stdin.flush()
        with qtbot.waitSignal(service.checks_finished, timeout=30000):
            service.set_folder(str(folder))
        qtbot.waitUntil(lambda: writer.poll() is not None, timeout=30000)
        assert writer.stdout.readline().strip() == b"done"

        def shown() -> bool:
            try:
                assert_every_row_is_its_file(service)
            except AssertionError:
                return False
            return True

        qtbot.waitUntil(shown, timeout=10000)
        assert len(service.entries()) == STORES
    finally:
        service.shutdown()
        if writer.poll() is None:
            writer.kill()
        writer.wait()
        writer.stdin.close()
        writer.stdout.close()


def test_the_watching_child_starts_once_the_documents_are_checked(qtbot: Any, folder: Any) -> None:
    # Its start and its first look at every file of the folder took a CPU from the pass (at
    # 100,000 stores the pass lasts two seconds, the child started after half a second): the
    # in-process reader watches until the pass is done, then hands over as before.
    sources: list[ProcessChangeSource] = []

    def without_delay(_poll: bool, _recursive: bool) -> ProcessChangeSource:
        sources.append(ProcessChangeSource(handover_delay_ms=0))
        return sources[-1]

    service = StoreDirectory(observer_factory=without_delay)
    when_listed: list[int] = []
    service.scan_finished.connect(lambda: when_listed.append(sources[-1].child_pid))
    try:
        with qtbot.waitSignal(service.checks_finished, timeout=30000):
            service.set_folder(str(folder))
        assert when_listed == [0], "no watching child while the documents are checked"
        qtbot.waitUntil(lambda: sources[-1].child_watching, timeout=20000)
        # Watching still works, from the child now.
        changed = folder / "s0001.json"
        changed.write_text('{"n": "changed"}')
        qtbot.waitUntil(
            lambda: service.entry(str(changed)).size == len('{"n": "changed"}'), timeout=10000
        )
    finally:
        service.shutdown()
