"""The lock event tracker on its own (``LockEventTracker``, driven by hand, no watching): what a
look finds when it runs ahead of the removal events read -- holds too short to see, a lock gone
or replaced -- each hold counted once however far looks run ahead; a document corrupted or read
in one read its size; priming opens only the listed locks; an event's JSON."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from _lock_event_support import assert_holds_in_order, hold_in_child, let_go, reap_children
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockcore import (
    EventKind,
    LockEvent,
    LockEventTracker,
    LockFormat,
    list_stores,
    locked_update_json,
)

DEADLINE = 10.0


@pytest.fixture(autouse=True)
def _reap_children() -> Iterator[None]:
    """Every child this module starts is killed (if still running) and its pipes closed."""
    yield
    reap_children()


def test_holds_too_short_to_see_are_reported_between_the_seen_ones(tmp_path: Path) -> None:
    """A look that finds a seen hold gone, three holds come and gone, and a new one held:
    the seen hold's release, three too-short pairs (the write in the last), the new taken."""
    store = tmp_path / "s.json"
    store.write_text('{"n": 0}', encoding="utf-8")
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    first = hold_in_child(store)
    began = tracker.notice(str(store))
    assert [(event.event, event.pid) for event in began] == [(EventKind.TAKEN, first.pid)]
    let_go(first)
    assert first.wait(DEADLINE) == 0
    for _ in range(3):
        locked_update_json(store, lambda document: {"n": document["n"] + 1}, durable=False)
    second = hold_in_child(store)
    looked = tracker.notice(str(store), locks_removed=4)
    taken, released, written = EventKind.TAKEN, EventKind.RELEASED, EventKind.WRITTEN
    assert [event.event for event in looked] == [
        *[released, taken, released, taken, released],
        *[taken, written, released, taken],
    ]
    assert looked[0].pid == first.pid
    assert looked[-1].pid == second.pid
    assert [event.reason for event in looked[1:7:2]] == ["too short to see"] * 3
    assert looked[6].size == len(b'{"n": 3}')
    let_go(second)
    assert second.wait(DEADLINE) == 0
    for _ in range(2):  # no hold seen before them: only too-short ones and the release
        locked_update_json(store, lambda document: {"n": document["n"] + 1}, durable=False)
    again = tracker.notice(str(store), locks_removed=3)
    assert [event.event for event in again] == [released, taken, released, taken, written, released]
    assert again[0].pid == second.pid
    assert_holds_in_order([*began, *looked, *again], store)


def test_event_json_names_only_known_facts() -> None:
    event = LockEvent(1_700_000_000.5, EventKind.RELEASED, "/s.json", pid=7, duration_s=0.25)
    assert event.to_json() == {
        "time": "2023-11-14T22:13:20.500000+00:00",
        "event": "released",
        "store": "/s.json",
        "pid": 7,
        "duration_s": 0.25,
    }


def test_a_lock_seen_gone_before_its_removal_event_is_released_once(tmp_path: Path) -> None:
    """A data file's event can make the tracker look after the lock went but before the lock's
    removal event is read: the removal is reported then, and its event adds no phantom hold."""
    store = tmp_path / "s.json"
    store.write_text("{}", encoding="utf-8")
    child = hold_in_child(store)
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    let_go(child)
    assert child.wait(DEADLINE) == 0
    looked = tracker.notice(str(store))  # prompted by the data file, say
    assert [event.event for event in looked] == [EventKind.RELEASED]
    assert looked[0].pid == child.pid
    assert tracker.notice(str(store), locks_removed=1) == []  # the removal event, late


def test_a_lock_seen_replaced_before_its_removal_event_makes_no_phantom_hold(
    tmp_path: Path,
) -> None:
    """A look can find the next holder's lock already there before the removal event of the
    one before is read (a slow reader on a busy machine: the race behind a flaky figures
    test). That removal, when read, belongs to the release already reported: the lock held
    now is not released and taken again, and no later hold too short to see is swallowed."""
    store = tmp_path / "s.json"
    store.write_text('{"n": 0}', encoding="utf-8")
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    first = hold_in_child(store)
    events = tracker.notice(str(store))
    let_go(first)
    assert first.wait(DEADLINE) == 0
    second = hold_in_child(store)
    looked = tracker.notice(str(store))  # prompted by another event: first's removal unread
    assert [(event.event, event.pid) for event in looked] == [
        (EventKind.RELEASED, first.pid),
        (EventKind.TAKEN, second.pid),
    ]
    # first's removal event, late; second still holds. Before: second released and taken.
    assert tracker.notice(str(store), locks_removed=1) == []
    let_go(second)
    assert second.wait(DEADLINE) == 0
    locked_update_json(store, lambda _document: {"n": 1}, durable=False)  # too short to see
    # second's removal and the quick update's: before, a credit left over from the phantom
    # swallowed the quick hold.
    last = tracker.notice(str(store), locks_removed=2)
    assert [event.event for event in last] == [
        EventKind.RELEASED,
        EventKind.TAKEN,
        EventKind.WRITTEN,
        EventKind.RELEASED,
    ]
    assert last[0].pid == second.pid
    released = assert_holds_in_order([*events, *looked, *last], store)
    assert len(released) == 3


@settings(max_examples=300, deadline=None)
@given(
    holds=st.integers(min_value=1, max_value=6),
    moments=st.lists(st.integers(min_value=0, max_value=12), max_size=12),
)
@example(holds=2, moments=[1, 1, 1, 3, 3, 3])  # read before hold 1 ended, looked in hold 2
def test_every_hold_is_counted_once_however_far_looks_run_ahead_of_the_events_read(
    holds: int, moments: list[int]
) -> None:
    """Holds one after another (what each holder leaves on disk: its lock file, with its PID,
    then none), and a reader that reads the removals up to some moment, then looks at the
    files a while later (the look can only be at or after the read, and the next read after
    the look). Whatever the lags, each hold comes out as exactly one taken and one release,
    in order."""
    end = 2 * holds  # at moment 2i-1 hold i's lock is there; at 2i it is gone
    points = sorted(min(moment, end) for moment in moments)
    if len(points) % 2:
        points.append(end)
    points += [end, end]  # last, every removal read and the files as they end
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "s.json"
        store.write_text("{}", encoding="utf-8")
        lock = Path(folder) / "s.json.lock"
        tracker = LockEventTracker()
        tracker.prime(list_stores(folder))
        events: list[LockEvent] = []
        read = 0
        for read_at, look_at in zip(points[::2], points[1::2], strict=True):
            removals = sum(1 for step in range(read + 1, read_at + 1) if step % 2 == 0)
            read = read_at
            if look_at % 2:
                lock.write_text(f"{100_000 + look_at // 2}\n", encoding="ascii")
            else:
                lock.unlink(missing_ok=True)
            events += tracker.notice(str(store), locks_removed=removals)
        released = assert_holds_in_order(events, store)
        assert len(released) == holds


def test_a_write_after_priming_that_leaves_bad_bytes_is_corrupted(tmp_path: Path) -> None:
    store = tmp_path / "small.json"
    store.write_text('{"n": 1}', encoding="utf-8")
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    store.write_text('{"n": ' + " " * 70000, encoding="utf-8")  # bigger than one read
    events = tracker.notice(str(store))
    assert EventKind.CORRUPTED in [event.event for event in events]


def test_a_document_is_read_in_a_read_its_size(tmp_path: Path) -> None:
    # os.read(fd, n) allocates n bytes before it reads: asking for the 16 MB limit to check a
    # 10-byte document cost 40 times the read (1.4 s for 10,000 stores).

    store = tmp_path / "small.json"
    store.write_text('{"n": 1}', encoding="utf-8")
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    store.write_text('{"n": 2}', encoding="utf-8")
    tracemalloc.start()
    try:
        events = tracker.notice(str(store))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [event.event for event in events] == [EventKind.WRITTEN]
    assert peak < 1024 * 1024, peak


def _opens_priming(folder: Path, summary: Path) -> tuple[int, int]:
    """(opens, failed opens) of a child priming a tracker with ``folder``'s listing."""
    code = (
        "import sys; from lockcore import LockEventTracker, list_stores; "
        "LockEventTracker().prime(list_stores(sys.argv[1]))"
    )
    subprocess.run(
        [
            *("strace", "-f", "-qq", "-c", "-e", "trace=openat", "-o", str(summary)),
            *(sys.executable, "-c", code, str(folder)),
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    total = summary.read_text().strip().splitlines()[-1].split()
    assert total[-1] == "total", total
    return int(total[3]), int(total[4]) if len(total) == 6 else 0  # errors, when there are any


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")
def test_priming_a_listed_folder_opens_only_the_listed_locks(tmp_path: Path) -> None:
    # A folder of 10,000 stores has a few hundred locks: one failed open per store was 10,000,
    # and reading every document at startup doubled the app's own listing.
    opens = {}
    for stores in (20, 220):
        folder = tmp_path / f"f{stores}"
        folder.mkdir()
        for number in range(stores):
            (folder / f"s{number:04d}.json").write_text("{}", encoding="utf-8")
        (folder / "s0001.json.lock").write_text(f"{os.getpid()}\n", encoding="ascii")
        opens[stores] = _opens_priming(folder, tmp_path / f"strace-{stores}.txt")
    assert opens[220] == opens[20], opens


def test_an_event_pickles_without_the_facts_left_at_their_defaults() -> None:
    """The lock event stream's child pickles every event for the window: only what an event
    says travels (a hold too short to see: four facts of twelve), and it comes back equal."""
    short = LockEvent(1.5, EventKind.TAKEN, "/s/a.json", reason="too short to see")
    full = LockEvent(
        2.5,
        EventKind.BROKEN,
        "/s/b.json",
        pid=0,
        process="writer",
        host="box",
        format=LockFormat.LOCKCORE,
        duration_s=0.25,
        size=0,
        since=1.0,
        by_us=True,
        reason="stale",
    )
    for event in (short, full, LockEvent(3.0, EventKind.WRITTEN, "/s/c.json", size=12)):
        back = pickle.loads(pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == event
        assert hash(back) == hash(event)
        assert replace(back, size=7) == replace(event, size=7)
    back = pickle.loads(pickle.dumps(short, protocol=pickle.HIGHEST_PROTOCOL))
    assert set(back.__dict__) == {"time", "event", "store", "reason"}
    assert (back.pid, back.duration_s, back.by_us) == (None, None, False)
    # A fact set to a value that is not its default travels even when it is falsy.
    assert pickle.loads(pickle.dumps(full)).pid == 0
