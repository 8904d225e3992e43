"""Holds rebuilt from lock events: by the rules (any sequence, in any batches, against a plain
reference built one event at a time), and from lockcore's real event stream (one hold per
update of a real writer)."""

from __future__ import annotations

import itertools
import queue
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from _hold_events import STORE, event_sequences, lock_event
from hypothesis import given
from hypothesis import strategies as st

from inspector.services import lock_holds
from inspector.services.lock_holds import Hold, HoldLane, LockHolds
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


def test_a_hold_has_its_holder_length_stale_time_and_writes() -> None:
    holds = LockHolds()
    holds.add(
        [
            lock_event(100.0, EventKind.CREATED, size=10),
            lock_event(101.0, EventKind.TAKEN, pid=7, process="sync"),
            lock_event(101.5, EventKind.WRITTEN, pid=7, size=40),
            lock_event(102.0, EventKind.STALE, pid=7),
            lock_event(104.0, EventKind.BROKEN, pid=7, duration_s=3.0, by_us=True),
            lock_event(105.0, EventKind.RELEASED, duration_s=0.25),  # one too short to see taken
        ]
    )
    first, second = holds.lanes[STORE].holds
    assert (first.start, first.end, first.pid, first.process) == (101.0, 104.0, 7, "sync")
    assert (first.size_before, first.size_after) == (10, 40)
    assert first.stale_since == 102.0
    assert first.broken
    assert first.by_us
    assert (second.start, second.end) == (104.75, 105.0)
    assert second.size_before == 40
    assert second.size_after is None


@given(event_sequences(), st.floats(min_value=990, max_value=1500, allow_nan=False))
def test_holds_never_overlap_and_bisection_finds_what_a_walk_finds(
    events: list[LockEvent], moment: float
) -> None:
    holds = LockHolds()
    holds.add(events)
    now = events[-1].time if events else 1000.0
    for lane in holds.lanes.values():
        spans = [(hold.start, hold.end_or(now)) for hold in lane.holds]
        assert lane.starts == [start for start, _end in spans]
        for (start, end), (next_start, _next_end) in itertools.pairwise(spans):
            assert start <= end <= next_start
        walked = next(
            (i for i, hold in enumerate(lane.holds) if hold.end is None or hold.end > moment),
            len(lane.holds),
        )
        assert lane.first_ending_after(moment) == walked


def _reference_holds(events: list[LockEvent]) -> dict[str, tuple[list[Hold], int | None]]:
    """Holds built one event at a time by the rules of lock_holds' docstring, written plainly
    (the way LockHolds.add did before its loop was made tight)."""
    lanes: dict[str, HoldLane] = {}
    for event in events:
        lane = lanes.setdefault(event.store, HoldLane(event.store))
        held = lane.open_hold
        kind = event.event
        if kind is EventKind.TAKEN:
            if held is not None:
                held.end = event.time
            lane.append(Hold(event.time, None, event.pid, event.process, event.host))
            lane.holds[-1].size_before = lane.size
        elif kind in (EventKind.RELEASED, EventKind.BROKEN):
            if held is None:
                held = Hold(event.time - (event.duration_s or 0.0), None, event.pid)
                held.process, held.host, held.size_before = event.process, event.host, lane.size
                lane.append(held)
            held.end = max(event.time, held.start)
            if event.duration_s is not None:
                lane.measured_from(held, event.time - event.duration_s)
            held.broken = kind is EventKind.BROKEN
            held.by_us = event.by_us
            if held.pid is None:
                held.pid, held.process, held.host = event.pid, event.process, event.host
        elif kind is EventKind.STALE:
            if held is not None and held.stale_since is None:
                held.stale_since = event.time
        elif kind in (EventKind.WRITTEN, EventKind.CREATED):
            if held is not None:
                held.size_after = event.size
            lane.size = event.size
        elif kind is EventKind.REMOVED:
            lane.size = None
    return {store: (lane.holds, lane.size) for store, lane in lanes.items()}


@given(
    event_sequences(),
    st.lists(st.integers(min_value=0, max_value=80), max_size=5),
    st.sampled_from([[STORE], [STORE, "/f/b.json"]]),
)
def test_holds_added_in_batches_are_those_the_rules_build_one_event_at_a_time(
    events: list[LockEvent], cuts: list[int], stores: list[str]
) -> None:
    events = [replace(event, store=stores[i % len(stores)]) for i, event in enumerate(events)]
    holds = LockHolds()
    bounds = [0, *sorted(cuts), len(events)]
    for begin, end in itertools.pairwise(bounds):
        holds.add(events[begin:end])
    built = {store: (lane.holds, lane.size) for store, lane in holds.lanes.items()}
    assert built == _reference_holds(events)
    assert holds.first_time == (events[0].time if events else None)


def test_a_lane_keeps_its_last_holds_dropping_the_oldest_tenth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store's lane keeps at most MAX_HOLDS_PER_STORE holds, whether they began with a
    ``taken`` or with a release seen alone; their starts stay beside them for bisection."""
    monkeypatch.setattr(lock_holds, "MAX_HOLDS_PER_STORE", 20)
    holds = LockHolds()
    events = []
    for n in range(25):
        events.append(LockEvent(float(n), EventKind.TAKEN, STORE))
        events.append(LockEvent(n + 0.5, EventKind.RELEASED, STORE))
    for n in range(25, 30):  # releases alone: holds too short to see, each measured
        events.append(LockEvent(n + 0.5, EventKind.RELEASED, STORE, duration_s=0.25))
    holds.add(events)
    lane = holds.lanes[STORE]
    # The 21st hold drops the oldest two (19 left), the 22nd makes 20 again, and so on.
    assert len(lane) == 20
    assert lane.starts == [hold.start for hold in lane.holds]
    assert [hold.start for hold in lane.holds][-6:] == [24.0, 25.25, 26.25, 27.25, 28.25, 29.25]
