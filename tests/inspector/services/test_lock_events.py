"""The app's lock event stream: a service over lockcore's stream, its table and its dock,
driven by real processes taking, releasing and dying with real locks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from inspector.colours import WARNING_TEXT
from inspector.models.lock_events import (
    EVENT_ROLE,
    PUBLISH_INTERVAL_MS,
    Column,
    LockEventTableModel,
    duration_text,
    holder_text,
)
from inspector.services.lock_actions import LockActions
from inspector.services.lock_events import LockEventLog, LockEventService
from lockcore import EventKind, LockEvent, inspect_lock

DEADLINE_MS = 10_000


def _writer(store: Path, updates: int) -> list[str]:
    code = (
        "import lockcore, sys\n"
        f"for _ in range({updates}):\n"
        "    lockcore.locked_update_json(sys.argv[1], lambda d: {'n': d['n'] + 1}, durable=False)\n"
    )
    return [sys.executable, "-c", code, str(store)]


@pytest.fixture
def service(qtbot: Any) -> Iterator[LockEventService]:
    events = LockEventService()
    yield events
    events.shutdown()


def _watch(qtbot: Any, service: LockEventService, folder: Path, *, recursive: bool = False) -> None:
    with qtbot.waitSignal(service.watching, timeout=DEADLINE_MS):
        service.watch(str(folder), recursive=recursive)


def _kinds(service: LockEventService, store: Path) -> list[EventKind]:
    return [event.event for event in service.events_of([str(store)])]


def test_holds_by_another_process_arrive_as_taken_and_released(
    qtbot: Any, qtmodeltester: Any, tmp_path: Path, service: LockEventService, lock_holder: Any
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    model = LockEventTableModel(service)
    _watch(qtbot, service, tmp_path)
    holder = lock_holder(str(store))
    qtbot.waitUntil(lambda: EventKind.TAKEN in _kinds(service, store), timeout=DEADLINE_MS)
    holder.release()
    qtbot.waitUntil(lambda: EventKind.RELEASED in _kinds(service, store), timeout=DEADLINE_MS)
    _caught_up(qtbot, model, service)
    qtmodeltester.check(model)
    rows = [model.index(row, 0).data(EVENT_ROLE) for row in range(model.rowCount())]
    taken = next(event for event in rows if event.event is EventKind.TAKEN)
    released = next(event for event in rows if event.event is EventKind.RELEASED)
    assert taken.pid == released.pid == holder.pid
    assert released.duration_s is not None
    row = rows.index(released)
    assert model.index(row, Column.EVENT).data() == "released"
    assert model.index(row, Column.STORE).data() == "settings.json"
    assert str(holder.pid) in model.index(row, Column.HOLDER).data()
    assert model.index(row, Column.DURATION).data() == duration_text(released.duration_s)


def test_a_storm_reaches_the_gui_in_few_batches_and_the_log_stays_bounded(
    qtbot: Any, qtmodeltester: Any, tmp_path: Path, service: LockEventService
) -> None:
    store = tmp_path / "counter.json"
    store.write_text('{"n": 0}')
    model = LockEventTableModel(service)
    qtmodeltester.check(model)
    batches: list[int] = []
    releases: list[LockEvent] = []
    service.events_arrived.connect(lambda events: batches.append(len(events)))
    service.events_arrived.connect(
        lambda events: releases.extend(e for e in events if e.event is EventKind.RELEASED)
    )
    _watch(qtbot, service, tmp_path)
    updates = 300
    subprocess.run(_writer(store, updates), check=True, timeout=60)
    qtbot.waitUntil(
        lambda: _kinds(service, store).count(EventKind.RELEASED) >= updates, timeout=DEADLINE_MS
    )
    # Every hold is a taken and a released at least: 600 events, handed over in a few batches.
    assert sum(batches) >= 2 * updates
    assert len(batches) < sum(batches) / 10
    _caught_up(qtbot, model, service)
    assert model.rowCount() == len(service.log) == sum(batches)
    # Bounded: the oldest events make room for new ones, and the table follows.
    service.log.limit = 100
    subprocess.run(_writer(store, 100), check=True, timeout=60)
    qtbot.waitUntil(lambda: len(releases) >= updates + 100, timeout=DEADLINE_MS)
    _caught_up(qtbot, model, service)
    assert len(service.log) == model.rowCount() == 100
    qtmodeltester.check(model)


def _caught_up(qtbot: Any, model: LockEventTableModel, service: LockEventService) -> None:
    """The table takes in the log's changes within PUBLISH_INTERVAL_MS: wait for that."""
    qtbot.waitUntil(
        lambda: [model.event_at(row) for row in range(model.rowCount())] == service.log.events(),
        timeout=DEADLINE_MS,
    )


def test_the_log_keeps_the_last_events_in_order() -> None:
    log = LockEventLog(limit=3)
    events = [LockEvent(float(n), EventKind.WRITTEN, "s.json", size=n) for n in range(5)]
    assert log.overflow(2) == 0
    log.extend(events[:2])
    assert log.overflow(2) == 1
    log.extend(events[2:])
    assert log.events() == events[2:]
    assert log.newest(2) == events[3:]
    assert log.newest(3) == events[2:]
    assert log.newest(0) == []


def test_the_store_filter_follows_arrivals_and_drops(
    qtbot: Any, qtmodeltester: Any, tmp_path: Path, service: LockEventService
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text('{"n": 0}')
    second.write_text('{"n": 0}')
    service.log.limit = 60
    model = LockEventTableModel(service)
    model.set_store_filter(str(second))
    qtmodeltester.check(model)
    _watch(qtbot, service, tmp_path)
    subprocess.run(_writer(first, 10), check=True, timeout=60)
    subprocess.run(_writer(second, 10), check=True, timeout=60)
    qtbot.waitUntil(
        lambda: _kinds(service, second).count(EventKind.RELEASED) >= 10, timeout=DEADLINE_MS
    )
    qtbot.waitUntil(
        lambda: model.rowCount() == len(service.events_of([str(second)])), timeout=DEADLINE_MS
    )
    assert {model.index(row, 0).data(EVENT_ROLE).store for row in range(model.rowCount())} == {
        str(second)
    }
    # The first store's next holds push the second's events out of the bounded log.
    subprocess.run(_writer(first, 40), check=True, timeout=60)
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=DEADLINE_MS)
    qtmodeltester.check(model)
    model.set_store_filter(None)
    assert model.rowCount() == len(service.log) == 60


def test_a_break_made_through_the_app_says_by_us(
    qtbot: Any, tmp_path: Path, service: LockEventService, lock_holder: Any
) -> None:
    store = tmp_path / "jobs.json"
    store.write_text("[]")
    _watch(qtbot, service, tmp_path)
    holder = lock_holder(str(store))
    qtbot.waitUntil(lambda: EventKind.TAKEN in _kinds(service, store), timeout=DEADLINE_MS)
    holder.kill()
    qtbot.waitUntil(lambda: EventKind.STALE in _kinds(service, store), timeout=DEADLINE_MS)
    actions = LockActions(break_notes=service)
    with qtbot.waitSignal(actions.break_finished, timeout=DEADLINE_MS) as finished:
        actions.break_lock(inspect_lock(str(store)), force=False)
    assert finished.args[1] is None
    qtbot.waitUntil(lambda: EventKind.BROKEN in _kinds(service, store), timeout=DEADLINE_MS)
    broken = service.events_of([str(store)])[-1]
    assert broken.event is EventKind.BROKEN
    assert broken.by_us
    assert broken.pid == holder.pid
    actions.shutdown()


def test_a_refused_break_leaves_the_release_to_its_holder(
    qtbot: Any, tmp_path: Path, service: LockEventService, lock_holder: Any
) -> None:
    store = tmp_path / "jobs.json"
    store.write_text("[]")
    _watch(qtbot, service, tmp_path)
    holder = lock_holder(str(store))
    qtbot.waitUntil(lambda: EventKind.TAKEN in _kinds(service, store), timeout=DEADLINE_MS)
    actions = LockActions(break_notes=service)
    with qtbot.waitSignal(actions.break_finished, timeout=DEADLINE_MS) as finished:
        actions.break_lock(inspect_lock(str(store)), force=False)  # its holder lives
    assert finished.args[1] is not None
    holder.release()
    qtbot.waitUntil(
        lambda: bool({EventKind.RELEASED, EventKind.BROKEN} & set(_kinds(service, store))),
        timeout=DEADLINE_MS,
    )
    assert EventKind.RELEASED in _kinds(service, store)
    assert not any(event.by_us for event in service.events_of([str(store)]))
    actions.shutdown()


def test_the_window_follows_its_folder_and_subfolders(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    events = main_window.services.lock_events
    assert events.folder == store_folder
    nested = Path(store_folder) / "team"
    nested.mkdir()
    main_window.subfolders_action.trigger()
    qtbot.waitUntil(lambda: main_window.directory.recursive, timeout=DEADLINE_MS)
    qtbot.waitUntil(lambda: events.is_watching, timeout=DEADLINE_MS)
    store = nested / "deep.json"
    qtbot.waitUntil(lambda: _write_and_seen(store, events), timeout=DEADLINE_MS)
    assert events.events_of([str(store)])[0].event is EventKind.CREATED


def _write_and_seen(store: Path, events: LockEventService) -> bool:
    # The stream starts on its own thread; until it watches, a creation goes unseen.
    if not store.exists():
        store.write_text("{}")
    elif not events.events_of([str(store)]):
        store.unlink()
    return bool(events.events_of([str(store)]))


def test_the_dock_lists_the_selected_store_only_when_asked(
    qtbot: Any, main_window: Any, store_folder: str
) -> None:
    dock = main_window.lock_events_dock
    assert dock.isHidden()
    toggle = dock.toggleViewAction()
    assert toggle in main_window.menuBar().actions()[2].menu().actions()
    toggle.trigger()
    assert dock.isVisible()
    settings = os.path.join(store_folder, "settings.json")
    projects = os.path.join(store_folder, "projects.json")
    events = main_window.services.lock_events
    for path in (settings, projects):
        qtbot.waitUntil(lambda path=path: _touch_and_seen(path, events), timeout=DEADLINE_MS)
    assert main_window.select_store(settings)
    dock.selected_only_box.setChecked(True)
    model = dock.model
    assert model.rowCount() > 0
    assert {model.index(row, 0).data(EVENT_ROLE).store for row in range(model.rowCount())} == {
        settings
    }
    dock.selected_only_box.setChecked(False)
    assert model.rowCount() == len(events.log)


def _touch_and_seen(path: str, events: LockEventService) -> bool:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(" ")
    events.flush()
    return bool(events.events_of([path]))


def test_texts() -> None:
    event = LockEvent(0.0, EventKind.TAKEN, "/x.json", pid=12, process="writer")
    assert holder_text(event) == "writer (PID 12)"
    assert holder_text(LockEvent(0.0, EventKind.TAKEN, "/x.json", pid=12)) == "PID 12"
    assert holder_text(LockEvent(0.0, EventKind.TAKEN, "/x.json")) == ""
    assert duration_text(0.0123) == "12.3 ms"
    assert duration_text(2.5) == "2.500 s"
    assert duration_text(125) == "2 min 5 s"
    assert duration_text(None) == ""


def test_alarming_events_are_coloured(qtbot: Any, service: LockEventService) -> None:
    model = LockEventTableModel(service)
    service.log_about_to_append.emit(1)
    service.log.extend([LockEvent(0.0, EventKind.STALE, "/x.json", pid=1)])
    service.log_appended.emit(1)
    colour = model.index(0, Column.EVENT).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(colour, QColor)
    assert colour == WARNING_TEXT.for_palette()
    assert model.index(0, Column.TIME).data(Qt.ItemDataRole.ForegroundRole) is None


def test_a_storm_s_slices_reach_the_table_once_per_interval_and_a_lone_event_at_once(
    qtbot: Any, qtmodeltester: Any, service: LockEventService
) -> None:
    """Each change of the table repaints the visible list: a storm's slices, each turn of the
    event loop, are taken in at most every PUBLISH_INTERVAL_MS; rows the log dropped meanwhile
    stay until then, and what the log holds is what the table shows after."""
    model = LockEventTableModel(service)
    qtmodeltester.check(model)
    changes: list[str] = []
    model.rowsInserted.connect(lambda *_: changes.append("inserted"))
    model.rowsRemoved.connect(lambda *_: changes.append("removed"))
    service.log.limit = 250
    moments = iter(range(1_000_000))

    def events(count: int) -> list[LockEvent]:
        return [LockEvent(float(next(moments)), EventKind.WRITTEN, "/x.json") for _ in range(count)]

    service.append_to_log(events(1))
    assert model.rowCount() == 1  # the first change, at once
    assert changes == ["inserted"]
    for _slice in range(30):
        service.append_to_log(events(10))
    assert len(service.log) == 250
    assert model.rowCount() == 1  # not yet: within the interval
    assert model.event_at(0) is not None
    assert model.event_at(0).time == 0.0  # dropped by the log, still shown
    _caught_up(qtbot, model, service)
    assert changes == ["inserted", "removed", "inserted"]  # one of each for the 30 slices
    qtmodeltester.check(model)
    # Quiet again for an interval: the next lone event is shown at once.
    qtbot.wait(PUBLISH_INTERVAL_MS + 20)
    service.append_to_log(events(1))
    assert model.event_at(model.rowCount() - 1) is service.log[len(service.log) - 1]


def test_the_stream_starts_once_the_windows_documents_are_checked(
    qtbot: Any, tmp_path: Path
) -> None:
    """The stream's child (its start, its own listing of the folder) would take a CPU from
    the window's document pass: started at the listing's end, it made "every document
    checked" 1.5-1.8x slower in bench_inspector (issue 11 §6). So it waits for the checks."""
    from inspector.services.scanner import INLINE_HEALTH_LIMIT
    from inspector.services.store_directory import StoreDirectory

    for number in range(INLINE_HEALTH_LIMIT + 100):  # documents checked in a second pass
        (tmp_path / f"s{number:04d}.json").write_text(f'{{"n": {number}}}')
    directory = StoreDirectory()
    events = LockEventService(directory)
    child_when: dict[str, int] = {}  # the stream's child process ID at each step (0: none)
    directory.scan_finished.connect(lambda: child_when.setdefault("listed", events.process_id))
    directory.checks_finished.connect(lambda: child_when.setdefault("checked", 0))
    try:
        directory.set_folder(str(tmp_path))
        qtbot.waitUntil(lambda: "checked" in child_when, timeout=DEADLINE_MS)
        assert child_when["listed"] == 0, "started before the documents were checked"
        qtbot.waitUntil(lambda: events.is_watching, timeout=DEADLINE_MS)
        assert events.process_id != 0
    finally:
        events.shutdown()
        directory.shutdown()
