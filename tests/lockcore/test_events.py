"""The lock event stream: real processes take, hold, release, die, write; the stream says so."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockcore import (
    EventKind,
    HolderAliveError,
    LockEvent,
    LockEventTracker,
    break_stale_lock,
    inspect_lock,
    list_stores,
    locked_update_json,
    watch_lock_events,
)

DEADLINE = 10.0


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


_children: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _reap_children() -> Iterator[None]:
    """Every child this module starts is killed (if still running) and its pipes closed."""
    yield
    while _children:
        child = _children.pop()
        if child.poll() is None:
            child.kill()
        child.wait(DEADLINE)
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()


def _start(command: list[str], **options: object) -> subprocess.Popen[str]:
    child = subprocess.Popen(command, text=True, **options)  # type: ignore[call-overload]
    _children.append(child)
    return child


def _hold_in_child(path: Path) -> subprocess.Popen[str]:
    """A child that takes ``path``'s lock, says "held", and holds it until told or killed."""
    code = (
        "import sys, lockcore\n"
        f"lock = lockcore.FileLock({str(path)!r}, timeout=10)\n"
        "lock.acquire()\n"
        "print('held', flush=True)\n"
        "sys.stdin.readline()\n"
        "lock.release()\n"
        "print('released', flush=True)\n"
    )
    child = _start([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stdout.readline() == "held\n"
    return child


def _let_go(child: subprocess.Popen[str]) -> None:
    """Tell a child of :func:`_hold_in_child` to release its lock."""
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()


def test_a_hold_is_taken_then_released_with_its_holder_and_duration(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    events = stream()
    child = _hold_in_child(store)
    taken = events.next(EventKind.TAKEN, store=store)
    assert taken.pid == child.pid
    assert taken.format is not None
    assert taken.format.value == "lockcore"
    held_for = 0.3
    start = time.monotonic()
    while time.monotonic() - start < held_for:
        time.sleep(0.01)  # the hold's length is what is measured, not a synchronisation
    _let_go(child)
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
    child = _hold_in_child(store)
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
    child = _hold_in_child(store)
    events.next(EventKind.TAKEN, store=store)
    events.tracker.note_broken(str(store))  # as the app does before it tries to break
    with pytest.raises(HolderAliveError):
        break_stale_lock(store, inspect_lock(store))
    events.tracker.cancel_broken(str(store))  # the break was refused: the lock is still held
    _let_go(child)
    released = events.next(EventKind.BROKEN, EventKind.RELEASED, store=store)
    assert released.event is EventKind.RELEASED
    assert not released.by_us


def test_a_stale_lock_broken_by_another_process_is_broken_not_released(
    tmp_path: Path, stream: Callable[..., Stream]
) -> None:
    store = tmp_path / "jobs.json"
    child = _hold_in_child(store)
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


def _assert_holds_in_order(events: list[LockEvent], store: Path) -> list[LockEvent]:
    """The store's ``taken`` and ``released`` alternate (a consumer pairs each taken with the
    next release), its events' times never go back, and measured durations are not negative.
    Returns the store's releases."""
    mine = [event for event in events if event.store == str(store)]
    times = [event.time for event in mine]
    assert times == sorted(times)
    ends = (EventKind.RELEASED, EventKind.BROKEN)
    bounds = [event for event in mine if event.event is EventKind.TAKEN or event.event in ends]
    kinds = [event.event.value for event in bounds]
    expected = ["taken" if n % 2 == 0 else "released" for n in range(len(bounds))]
    assert kinds == expected
    released = [event for event in bounds if event.event in ends]
    assert all(event.duration_s is None or event.duration_s >= 0 for event in released)
    return released


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
    child = _start([sys.executable, "-c", code])
    assert child.wait(60) == 0
    for _ in range(updates):
        events.next(EventKind.RELEASED, store=store)
    events.stop()
    while not events.events.empty():
        events.seen.append(events.events.get_nowait())
    released = _assert_holds_in_order(events.seen, store)
    assert len(released) == updates
    seen_holders = {event.pid for event in events.seen if event.pid is not None}
    assert seen_holders <= {child.pid}
    writes = [event for event in events.seen if event.event is EventKind.WRITTEN]
    assert writes[-1].size == len(f'{{"n": {updates}}}'.encode())


def test_holds_too_short_to_see_are_reported_between_the_seen_ones(tmp_path: Path) -> None:
    """A look that finds a seen hold gone, three holds come and gone, and a new one held:
    the seen hold's release, three too-short pairs (the write in the last), the new taken."""
    store = tmp_path / "s.json"
    store.write_text('{"n": 0}', encoding="utf-8")
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    first = _hold_in_child(store)
    began = tracker.notice(str(store))
    assert [(event.event, event.pid) for event in began] == [(EventKind.TAKEN, first.pid)]
    _let_go(first)
    assert first.wait(DEADLINE) == 0
    for _ in range(3):
        locked_update_json(store, lambda document: {"n": document["n"] + 1}, durable=False)
    second = _hold_in_child(store)
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
    _let_go(second)
    assert second.wait(DEADLINE) == 0
    for _ in range(2):  # no hold seen before them: only too-short ones and the release
        locked_update_json(store, lambda document: {"n": document["n"] + 1}, durable=False)
    again = tracker.notice(str(store), locks_removed=3)
    assert [event.event for event in again] == [released, taken, released, taken, written, released]
    assert again[0].pid == second.pid
    _assert_holds_in_order([*began, *looked, *again], store)


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
    child = _hold_in_child(store)
    assert events.next(EventKind.TAKEN, store=store).pid == child.pid
    _let_go(child)
    assert events.next(EventKind.RELEASED, store=store).pid == child.pid
    child.wait(DEADLINE)


def test_cli_watch_prints_json_lines_until_interrupted(tmp_path: Path) -> None:
    store = tmp_path / "agents.json"
    store.write_text("{}")
    watcher = _start(
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
        child = _hold_in_child(store)
        record: dict[str, object] = {}
        while record.get("event") != "taken":
            record = json.loads(lines.get(timeout=DEADLINE))
        _let_go(child)
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
    child = _hold_in_child(store)  # reported as held when the watch begins
    watcher = _start(
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
    child = _hold_in_child(store)
    tracker = LockEventTracker()
    tracker.prime(list_stores(tmp_path))
    _let_go(child)
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
    first = _hold_in_child(store)
    events = tracker.notice(str(store))
    _let_go(first)
    assert first.wait(DEADLINE) == 0
    second = _hold_in_child(store)
    looked = tracker.notice(str(store))  # prompted by another event: first's removal unread
    assert [(event.event, event.pid) for event in looked] == [
        (EventKind.RELEASED, first.pid),
        (EventKind.TAKEN, second.pid),
    ]
    # first's removal event, late; second still holds. Before: second released and taken.
    assert tracker.notice(str(store), locks_removed=1) == []
    _let_go(second)
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
    released = _assert_holds_in_order([*events, *looked, *last], store)
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
        released = _assert_holds_in_order(events, store)
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
    import tracemalloc

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
