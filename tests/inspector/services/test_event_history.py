"""A folder's lock event history on disk: round trips, rotation within bounds, exports."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from inspector.services.event_history import (
    CSV_FIELDS,
    EventHistory,
    event_from_json,
    history_dir_for,
    write_csv,
    write_jsonl,
)
from inspector.services.lock_events import LockEventService
from lockcore import EventKind, LockEvent, LockFormat

DEADLINE_MS = 10_000

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_events = st.builds(
    LockEvent,
    time=st.floats(min_value=1e9, max_value=4e9, allow_nan=False),
    event=st.sampled_from(list(EventKind)),
    store=_text.map(lambda name: "/srv/" + name + ".json"),
    pid=st.one_of(st.none(), st.integers(1, 2**22)),
    process=st.one_of(st.none(), _text.filter(bool)),
    host=st.one_of(st.none(), _text.filter(bool)),
    format=st.one_of(st.none(), st.sampled_from(list(LockFormat))),
    duration_s=st.one_of(st.none(), st.floats(min_value=0, max_value=1e5, allow_nan=False)),
    size=st.one_of(st.none(), st.integers(0, 2**40)),
    since=st.one_of(st.none(), st.floats(min_value=1e9, max_value=4e9, allow_nan=False)),
    by_us=st.booleans(),
    reason=_text,
)


def _same(read: LockEvent, written: LockEvent) -> bool:
    """Equal as kept: times to the microsecond, durations to six decimals (as to_json says)."""
    close = math.isclose
    return (
        close(read.time, written.time, abs_tol=2e-6)
        and (
            read.since is written.since or close(read.since or 0, written.since or 0, abs_tol=2e-6)
        )
        and (
            read.duration_s is written.duration_s
            or close(read.duration_s or 0, written.duration_s or 0, abs_tol=1e-6)
        )
        and (read.event, read.store, read.pid, read.process, read.host, read.format)
        == (
            written.event,
            written.store,
            written.pid,
            written.process,
            written.host,
            written.format,
        )
        and (read.size, read.by_us, read.reason) == (written.size, written.by_us, written.reason)
    )


@given(_events)
def test_an_event_survives_its_json_line(event: LockEvent) -> None:
    line = json.dumps(event.to_json(), ensure_ascii=False)
    assert _same(event_from_json(json.loads(line)), event)


def test_history_survives_a_restart_and_stays_within_its_bounds(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "stores"
    events = [
        LockEvent(1.7e9 + n, EventKind.RELEASED, str(folder / "a.json"), pid=n, duration_s=0.5)
        for n in range(2000)
    ]
    history = EventHistory(str(folder), data_dir, max_file_bytes=20_000, keep_files=3)
    history.append(events[:1000])
    history.close()  # the app quits
    history = EventHistory(str(folder), data_dir, max_file_bytes=20_000, keep_files=3)
    assert [event.pid for event in history.read(10)] == list(range(990, 1000))
    history.append(events[1000:])
    history.close()
    files = history.files()
    assert len(files) == 4  # the current file and three rotated ones
    line = len(json.dumps(events[-1].to_json())) + 1
    assert all(path.stat().st_size <= 20_000 + line for path in files)
    kept = history.read(10_000)
    # The newest events, in order, with none missing from the oldest kept on.
    assert kept[-1].pid == 1999
    assert [event.pid for event in kept] == list(range(kept[0].pid or 0, 2000))
    assert len(kept) < 2000
    # Kept in the app's data directory, never in the watched folder.
    assert history.directory == history_dir_for(str(folder), data_dir)
    assert data_dir in history.directory.parents
    assert (history.directory / "folder.txt").read_text().strip() == str(folder)


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    history = EventHistory(str(tmp_path / "stores"), tmp_path / "data")
    history.append([LockEvent(1.7e9, EventKind.TAKEN, "/s/a.json", pid=1)])
    history.close()
    with history.current.open("a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-12-05T07:58:08+00:00", "event": "relea')
    history.append([LockEvent(1.7e9 + 1, EventKind.TAKEN, "/s/a.json", pid=2)])
    history.close()
    assert [event.pid for event in history.read(10)] == [1, 2]


def test_exports_as_json_lines_and_csv(tmp_path: Path) -> None:
    events = [
        LockEvent(1.7e9, EventKind.TAKEN, "/s/a.json", pid=7, process="sync"),
        LockEvent(1.7e9 + 0.25, EventKind.RELEASED, "/s/a.json", pid=7, duration_s=0.25),
        LockEvent(1.7e9 + 1, EventKind.BROKEN, "/s/b.json", pid=8, by_us=True),
    ]
    assert write_jsonl(events, tmp_path / "e.jsonl") == 3
    lines = (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [event.to_json() for event in events]
    assert write_csv(events, tmp_path / "e.csv") == 3
    with (tmp_path / "e.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_FIELDS
    assert rows[1]["duration_s"] == "0.25"
    assert rows[1]["event"] == "released"
    assert rows[2]["by_us"] == "True"
    assert rows[0]["by_us"] == "False"


def _writer(store: Path, updates: int) -> list[str]:
    code = (
        "import lockcore, sys\n"
        f"for _ in range({updates}):\n"
        "    lockcore.locked_update_json(sys.argv[1], lambda d: d, durable=False)\n"
    )
    return [sys.executable, "-c", code, str(store)]


def _released(service: LockEventService) -> list[LockEvent]:
    return [event for event in service.log.events() if event.event is EventKind.RELEASED]


def test_the_app_keeps_a_folders_events_across_a_restart_outside_the_folder(
    qtbot: Any, tmp_path: Path
) -> None:
    folder, data_dir = tmp_path / "stores", tmp_path / "data"
    folder.mkdir()
    store = folder / "settings.json"
    store.write_text("{}")
    first = LockEventService(history_root=str(data_dir))
    with qtbot.waitSignal(first.watching, timeout=DEADLINE_MS):
        first.watch(str(folder), recursive=False)
    writer = subprocess.run(_writer(store, 10), check=True, timeout=60)
    assert writer.returncode == 0
    qtbot.waitUntil(lambda: len(_released(first)) >= 10, timeout=DEADLINE_MS)
    before = first.log.events()
    first.shutdown()  # the app quits

    second = LockEventService(history_root=str(data_dir))
    with qtbot.waitSignal(second.watching, timeout=DEADLINE_MS):
        second.watch(str(folder), recursive=False)
    qtbot.waitUntil(lambda: len(second.log) >= len(before), timeout=DEADLINE_MS)
    restored = second.log.events()[: len(before)]
    assert [(e.event, e.pid, e.duration_s) for e in restored] == [
        (e.event, e.pid, None if e.duration_s is None else round(e.duration_s, 6)) for e in before
    ]
    second.shutdown()
    assert sorted(os.listdir(folder)) == ["settings.json"]  # nothing kept in the folder
    assert history_dir_for(str(folder), data_dir).is_dir()


def test_export_from_the_window_writes_what_the_dock_lists(
    qtbot: Any, main_window: Any, store_folder: str, tmp_path: Path
) -> None:
    export = main_window.lock_events_dock.export_action
    file_menu = main_window.menuBar().actions()[0].menu()
    assert export in file_menu.actions()
    events = main_window.services.lock_events
    qtbot.waitUntil(lambda: events.is_watching, timeout=DEADLINE_MS)
    store = Path(store_folder) / "projects.json"

    def written() -> bool:
        store.write_text('{"projects": [2]}')
        events.flush()
        return any(event.store == str(store) for event in events.log.events())

    qtbot.waitUntil(written, timeout=DEADLINE_MS)
    target = tmp_path / "events.csv"
    with qtbot.waitSignal(events.export_finished, timeout=DEADLINE_MS) as finished:
        main_window.lock_events_dock.export_to(str(target))
    path, count, error = finished.args
    assert (path, error) == (str(target), "")
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count == len(events.log)
    assert str(store) in {row["store"] for row in rows}
    assert "Exported" in main_window.statusBar().currentMessage()


def test_an_export_that_cannot_be_written_says_why(qtbot: Any, tmp_path: Path) -> None:
    service = LockEventService()
    with qtbot.waitSignal(service.export_finished, timeout=DEADLINE_MS) as finished:
        service.export(str(tmp_path / "missing" / "events.jsonl"))
    assert finished.args[1] == 0
    assert finished.args[2]
