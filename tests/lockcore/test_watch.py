"""The lock event stream (``watch_lock_events``, ``lockcore watch``): real processes take, hold,
release, die, write; the stream says so. The tracker on its own: test_events.py."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _lock_event_support import (
    assert_holds_in_order,
    hold_in_child,
    let_go,
    reap_children,
    start_child,
)

from lockcore import (
    EventKind,
    HolderAliveError,
    LockEvent,
    LockEventTracker,
    break_stale_lock,
    inspect_lock,
    locked_update_json,
    watch_lock_events,
)

DEADLINE = 10.0


@pytest.fixture(autouse=True)
def _reap_children() -> Iterator[None]:
    """Every child this module starts is killed (if still running) and its pipes closed."""
    yield
    reap_children()


class Stream:
    """``watch_lock_events`` on a thread of this process; events collected in order."""

    def __init__(self, folder: Path, **options: object) -> None:
        self.events: queue.Queue[LockEvent] = queue.Queue()
        self.seen: list[LockEvent] = []
        self._stop = threading.Event()
        self._started = threading.Event()
        self.tracker = LockEventTracker()
        self._thread = threading.Thread(
            target=self._run, args=(folder, options), name="lock-events", daemon=True
        )
        self._thread.start()
        assert self._started.wait(DEADLINE)

    def _run(self, folder: Path, options: dict[str, object]) -> None:
        events = watch_lock_events(
            folder,
            should_stop=self._stop.is_set,
            on_ready=self._started.set,
            tracker=self.tracker,
            **options,
        )
        for event in events:
            self.events.put(event)

    def next(self, *kinds: EventKind, store: Path | None = None) -> LockEvent:
        """The next event of one of ``kinds`` (for ``store``), skipping others."""
        deadline = time.monotonic() + DEADLINE
        while True:
            remaining = deadline - time.monotonic()
            try:
                event = self.events.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(
                    f"no {kinds} event within {DEADLINE}s; seen: {self.seen}"
                ) from None
            self.seen.append(event)
            if event.event in kinds and (store is None or event.store == str(store)):
                return event

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(DEADLINE)


@pytest.fixture
def stream(tmp_path: Path) -> Iterator[Callable[..., Stream]]:
    started: list[Stream] = []

    def start(**options: object) -> Stream:
        one = Stream(tmp_path, poll_interval=0.05, **options)
        started.append(one)
        return one

    yield start
    for one in started:
        one.stop()


def test_a_hold_is_taken_then_released_with_its_holder_and_duration(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    events = stream()
    child = hold_in_child(store)
    taken = events.next(EventKind.TAKEN, store=store)
    assert taken.pid == child.pid
    assert taken.format is not None
    assert taken.format.value == "lockcore"
    held_for = 0.3
    start = time.monotonic()
    while time.monotonic() - start < held_for:
        time.sleep(0.01)  # the hold's length is what is measured, not a synchronisation
    let_go(child)
    released = events.next(EventKind.RELEASED, store=store)
    assert child.wait(DEADLINE) == 0
    assert released.pid == child.pid
    assert released.duration_s is not None
    assert held_for <= released.duration_s < held_for + 2.0


def test_a_killed_holder_is_reported_stale_then_broken(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    store = tmp_path / "jobs.json"
    store.write_text("[]")
    events = stream()
    child = hold_in_child(store)
    events.next(EventKind.TAKEN, store=store)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(DEADLINE)
    stale = events.next(EventKind.STALE, store=store)
    assert stale.pid == child.pid
    assert stale.since is not None
    assert "exited" in stale.reason
    events.tracker.note_broken(str(store))  # as the app does before it breaks a lock
    break_stale_lock(store, inspect_lock(store))
    broken = events.next(EventKind.BROKEN, EventKind.RELEASED, store=store)
    assert broken.event is EventKind.BROKEN
    assert broken.pid == child.pid
    assert broken.by_us


def test_a_refused_break_cancelled_leaves_the_later_release_to_its_holder(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    store = tmp_path / "jobs.json"
    store.write_text("[]")
    events = stream()
    child = hold_in_child(store)
    events.next(EventKind.TAKEN, store=store)
    events.tracker.note_broken(str(store))  # as the app does before it tries to break
    with pytest.raises(HolderAliveError):
        break_stale_lock(store, inspect_lock(store))
    events.tracker.cancel_broken(str(store))  # the break was refused: the lock is still held
    let_go(child)
    released = events.next(EventKind.BROKEN, EventKind.RELEASED, store=store)
    assert released.event is EventKind.RELEASED
    assert not released.by_us


def test_a_stale_lock_broken_by_another_process_is_broken_not_released(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    store = tmp_path / "jobs.json"
    child = hold_in_child(store)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(DEADLINE)
    events = stream()
    assert events.next(EventKind.TAKEN, store=store).reason == "held when watching began"
    events.next(EventKind.STALE, store=store)
    subprocess.run(
        [sys.executable, "-m", "lockcore", "break", str(store), "--yes"], check=True, timeout=30
    )
    broken = events.next(EventKind.BROKEN, EventKind.RELEASED, store=store)
    assert broken.event is EventKind.BROKEN
    assert not broken.by_us


def test_every_update_of_a_writer_is_a_hold_and_a_write(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    """Holds far shorter than a look still count: inotify reports each lock removal."""
    store = tmp_path / "counter.json"
    store.write_text('{"n": 0}')
    events = stream()
    updates = 40
    code = (
        "import lockcore\n"
        f"for _ in range({updates}):\n"
        f"    lockcore.locked_update_json({str(store)!r}, lambda d: {{'n': d['n'] + 1}},"
        " durable=False)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    released = [events.next(EventKind.RELEASED, store=store) for _ in range(updates)]
    assert len(released) == updates
    taken = [event for event in events.seen if event.event is EventKind.TAKEN]
    assert len(taken) == updates
    writes = [event for event in events.seen if event.event is EventKind.WRITTEN]
    assert writes  # consecutive replaces may be seen as one change of the file
    assert writes[-1].size == len(b'{"n": 40}')


def test_many_quick_updates_come_out_as_alternating_holds(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    """Holds too short to see each come out as their own taken+released, in time order between
    the holds that were seen: one hold per update, never a taken after a taken."""
    store = tmp_path / "counter.json"
    store.write_text('{"n": 0}')
    events = stream()
    updates = 150
    code = (
        "import lockcore\n"
        f"for _ in range({updates}):\n"
        f"    lockcore.locked_update_json({str(store)!r}, lambda d: {{'n': d['n'] + 1}},"
        " durable=False)\n"
    )
    child = start_child([sys.executable, "-c", code])
    assert child.wait(60) == 0
    for _ in range(updates):
        events.next(EventKind.RELEASED, store=store)
    events.stop()
    while not events.events.empty():
        events.seen.append(events.events.get_nowait())
    released = assert_holds_in_order(events.seen, store)
    assert len(released) == updates
    seen_holders = {event.pid for event in events.seen if event.pid is not None}
    assert seen_holders <= {child.pid}
    writes = [event for event in events.seen if event.event is EventKind.WRITTEN]
    assert writes[-1].size == len(f'{{"n": {updates}}}'.encode())


def test_created_written_corrupted_removed(tmp_path: Path, stream: Callable[..., Stream]) -> None:
    store = tmp_path / "new.json"
    events = stream()
    locked_update_json(store, lambda _document: {"a": 1}, default=dict)
    created = events.next(EventKind.CREATED, store=store)
    assert created.size == store.stat().st_size
    store.write_bytes(b'{"a": ')  # a writer that does not replace atomically, cut short
    corrupted = events.next(EventKind.CORRUPTED, store=store)
    assert "not valid JSON" in corrupted.reason
    store.unlink()
    events.next(EventKind.REMOVED, store=store)


def test_without_inotify_holds_longer_than_a_look_are_still_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: Callable[..., Stream]
) -> None:
    from lockcore import _platform

    monkeypatch.setattr(_platform, "WITHOUT", frozenset({"inotify"}))
    store = tmp_path / "polled.json"
    store.write_text("{}")
    events = stream()
    child = hold_in_child(store)
    assert events.next(EventKind.TAKEN, store=store).pid == child.pid
    let_go(child)
    assert events.next(EventKind.RELEASED, store=store).pid == child.pid
    child.wait(DEADLINE)


def test_cli_watch_prints_json_lines_until_interrupted(tmp_path: Path) -> None:
    store = tmp_path / "agents.json"
    store.write_text("{}")
    watcher = start_child(
        [sys.executable, "-m", "lockcore", "watch", str(tmp_path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert watcher.stdout is not None
        for line in watcher.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        # The watch is ready once it reports a lock held before it started looking.
        child = hold_in_child(store)
        record: dict[str, object] = {}
        while record.get("event") != "taken":
            record = json.loads(lines.get(timeout=DEADLINE))
        let_go(child)
        while record.get("event") != "released":
            record = json.loads(lines.get(timeout=DEADLINE))
        assert child.wait(DEADLINE) == 0
        assert {"time", "event", "store", "pid", "duration_s"} <= set(record)
        assert record["store"] == str(store)
        assert record["pid"] == child.pid
        assert isinstance(record["duration_s"], float)
    finally:
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(DEADLINE) == 0
        assert watcher.stderr is not None
        assert watcher.stderr.read() == ""


def test_cli_watch_text_escapes_control_characters(tmp_path: Path) -> None:
    store = tmp_path / "a\x1b[31mred.json"
    child = hold_in_child(store)  # reported as held when the watch begins
    watcher = start_child(
        [sys.executable, "-m", "lockcore", "watch", str(tmp_path)], stdout=subprocess.PIPE
    )
    try:
        assert watcher.stdout is not None
        line = watcher.stdout.readline()
        assert "taken" in line
        assert f"PID {child.pid}" in line
        assert "\x1b" not in line
        assert "a\\x1b[31mred.json" in line
    finally:
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(DEADLINE) == 0
