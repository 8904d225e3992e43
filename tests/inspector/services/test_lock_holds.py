"""Holds rebuilt from lockcore's real event stream: one hold per update of a real writer."""

from __future__ import annotations

import itertools
import queue
import subprocess
import sys
import threading
from pathlib import Path

from inspector.services.lock_holds import LockHolds
from lockcore import EventKind, LockEvent, watch_lock_events

DEADLINE = 10.0


def test_a_writer_s_quick_updates_make_one_hold_each(tmp_path: Path) -> None:
    """Most of these holds are too short for the watcher to read their lock: each still makes
    one hold, and holds never overlap."""
    store = tmp_path / "counter.json"
    store.write_text('{"n": 0}')
    updates = 150
    events: queue.Queue[LockEvent] = queue.Queue()
    ready, stop = threading.Event(), threading.Event()

    def watch() -> None:
        stream = watch_lock_events(
            tmp_path, poll_interval=0.05, should_stop=stop.is_set, on_ready=ready.set
        )
        for event in stream:
            events.put(event)

    watcher = threading.Thread(target=watch, name="lock-events", daemon=True)
    watcher.start()
    try:
        assert ready.wait(DEADLINE)
        code = (
            "import lockcore, sys\n"
            f"for _ in range({updates}):\n"
            "    lockcore.locked_update_json(sys.argv[1], lambda d: {'n': d['n'] + 1},"
            " durable=False)\n"
        )
        subprocess.run([sys.executable, "-c", code, str(store)], check=True, timeout=60)
        seen: list[LockEvent] = []
        releases = 0
        while releases < updates:
            seen.append(events.get(timeout=DEADLINE))
            releases += seen[-1].event is EventKind.RELEASED
    finally:
        stop.set()
        watcher.join(DEADLINE)
    while not events.empty():
        seen.append(events.get_nowait())
    holds = LockHolds()
    holds.add(seen)
    lane = holds.lanes[str(store)]
    assert len(lane) == updates
    assert lane.open_hold is None
    for before, after in itertools.pairwise(lane.holds):
        assert before.end is not None
        assert before.start <= before.end <= after.start
    assert lane.size == len(f'{{"n": {updates}}}'.encode())
