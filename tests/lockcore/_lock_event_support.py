"""What the lock event tests share (test_watch for the stream, test_events for the tracker):
children that hold a store's lock until told (:func:`hold_in_child`, :func:`let_go`), killed if
still running and their pipes closed after every test (:func:`reap_children`), and the check
that a store's events make holds in order (:func:`assert_holds_in_order`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lockcore import EventKind, LockEvent

DEADLINE = 10.0

_children: list[subprocess.Popen[str]] = []


def reap_children() -> None:
    """Kill every child started here that still runs, reap it and close its pipes (after each
    test: see the modules' own autouse fixtures)."""
    while _children:
        child = _children.pop()
        if child.poll() is None:
            child.kill()
        child.wait(DEADLINE)
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()


def start_child(command: list[str], **options: object) -> subprocess.Popen[str]:
    child = subprocess.Popen(command, text=True, **options)  # type: ignore[call-overload]
    _children.append(child)
    return child


def hold_in_child(path: Path) -> subprocess.Popen[str]:
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
    child = start_child([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stdout.readline() == "held\n"
    return child


def let_go(child: subprocess.Popen[str]) -> None:
    """Tell a child of :func:`hold_in_child` to release its lock."""
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()


def assert_holds_in_order(events: list[LockEvent], store: Path) -> list[LockEvent]:
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
