"""The lock event stream runs in a child process: started and stopped with its service (and its
window), started again when killed, gone when the app is killed -- with real processes and real
SIGKILLs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from inspector.services.lock_event_process import read_messages
from inspector.services.lock_event_stream import CHILD_MODULE
from inspector.services.lock_events import LockEventService
from lockcore import EventKind, LockEvent

DEADLINE_MS = 10_000
_REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def service(qtbot: Any) -> Iterator[LockEventService]:
    events = LockEventService()
    yield events
    events.shutdown()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _watch(qtbot: Any, service: LockEventService, folder: Path) -> int:
    with qtbot.waitSignal(service.watching, timeout=DEADLINE_MS):
        service.watch(str(folder), recursive=False)
    return service.process_id


def test_the_stream_runs_in_a_child_process_that_ends_with_the_service(
    qtbot: Any, tmp_path: Path, service: LockEventService, lock_holder: Any
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    pid = _watch(qtbot, service, tmp_path)
    assert pid not in (0, os.getpid())
    child = psutil.Process(pid)
    assert child.ppid() == os.getpid()
    assert CHILD_MODULE in child.cmdline()
    holder = lock_holder(str(store))
    qtbot.waitUntil(
        lambda: any(e.event is EventKind.TAKEN for e in service.events_of([str(store)])),
        timeout=DEADLINE_MS,
    )
    assert service.events_of([str(store)])[-1].pid == holder.pid
    service.shutdown()
    assert not _running(pid)
    assert service.process_id == 0


def test_another_folder_is_watched_by_a_new_child(
    qtbot: Any, tmp_path: Path, service: LockEventService
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    old = _watch(qtbot, service, first)
    new = _watch(qtbot, service, second)
    assert new != old
    assert not _running(old)
    assert _running(new)


def test_a_killed_child_is_started_again_and_the_stream_goes_on(
    qtbot: Any, tmp_path: Path, service: LockEventService, lock_holder: Any
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    killed = _watch(qtbot, service, tmp_path)
    first = lock_holder(str(store))
    qtbot.waitUntil(lambda: len(service.events_of([str(store)])) == 1, timeout=DEADLINE_MS)
    with qtbot.waitSignal(service.watching, timeout=DEADLINE_MS):
        os.kill(killed, signal.SIGKILL)
    assert service.process_id not in (0, killed)
    assert service.is_watching
    # The new child knows the lock held across the restart without announcing it again...
    first.release()
    qtbot.waitUntil(
        lambda: service.events_of([str(store)])[-1].event is EventKind.RELEASED,
        timeout=DEADLINE_MS,
    )
    kinds = [event.event for event in service.events_of([str(store)])]
    assert kinds == [EventKind.TAKEN, EventKind.RELEASED]
    assert service.events_of([str(store)])[-1].pid == first.pid
    # ... and reports what happens next.
    second = lock_holder(str(store))
    qtbot.waitUntil(
        lambda: service.events_of([str(store)])[-1].pid == second.pid, timeout=DEADLINE_MS
    )


def test_the_child_ends_when_the_app_is_killed(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from inspector.services.lock_events import LockEventService\n"
        "app = QCoreApplication([])\n"
        "service = LockEventService()\n"
        "service.watching.connect(lambda _: print(service.process_id, flush=True))\n"
        "service.watch(sys.argv[1], recursive=False)\n"
        "app.exec()\n"
    )
    app = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=_REPO,
        env={**os.environ, "PYTHONPATH": str(_REPO), "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert app.stdout is not None
        child = int(app.stdout.readline())
        assert psutil.Process(child).ppid() == app.pid
    finally:
        app.kill()
        app.wait()
        if app.stdout is not None:
            app.stdout.close()
    # Orphaned, it sees its standard input close and ends within a moment (polled: an orphan's
    # exit is not ours to wait for).
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child)


def test_a_break_announced_here_is_reported_as_ours(
    qtbot: Any, tmp_path: Path, service: LockEventService, lock_holder: Any
) -> None:
    store = tmp_path / "settings.json"
    store.write_text("{}")
    _watch(qtbot, service, tmp_path)
    holder = lock_holder(str(store))
    qtbot.waitUntil(lambda: len(service.events_of([str(store)])) == 1, timeout=DEADLINE_MS)
    service.note_broken(str(store))
    holder.release()  # stands for the break: the lock goes after it was announced
    qtbot.waitUntil(lambda: len(service.events_of([str(store)])) == 2, timeout=DEADLINE_MS)
    ended = service.events_of([str(store)])[-1]
    assert (ended.event, ended.by_us, ended.pid) == (EventKind.BROKEN, True, holder.pid)
    assert ended.duration_s is not None


def test_messages_are_read_whole_however_the_pipe_cuts_them() -> None:
    from inspector.services import lock_event_process

    events = [LockEvent(time.time(), EventKind.WRITTEN, f"/s/{n}.json", size=n) for n in range(3)]
    wire = bytearray()

    class Out:
        def write(self, data: bytes) -> None:
            wire.extend(data)

        def flush(self) -> None:
            pass

    sender = lock_event_process._Sender(Out(), None)
    sender.send(("ready",))
    sender.send(("events", events))
    read: list[tuple[Any, ...]] = []
    buffer = bytearray()
    for byte in wire:  # one byte at a time: the worst a pipe can do
        buffer.append(byte)
        read_messages(buffer, read.append)
    assert read == [("ready",), ("events", events)]
    assert buffer == b""


def test_the_child_starts_without_qt() -> None:
    """What the child imports: lockcore and the history, never Qt (0.36 s to start instead of
    1.6 s on a loaded machine); the services' names are still there for whoever asks."""
    probe = (
        "import sys\n"
        f"import {CHILD_MODULE}\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
        "from inspector.services import FolderWatcher, StoreDirectory\n"
        "print(StoreDirectory.__name__, FolderWatcher.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=_REPO,
        env={**os.environ, "PYTHONPATH": str(_REPO)},
    )
    assert result.stdout.splitlines() == ["[]", "StoreDirectory FolderWatcher"]


def test_a_windows_stream_starts_once_its_listing_is_done(qtbot: Any, tmp_path: Path) -> None:
    """The child's start and its own listing would take a CPU from the listing the user waits
    for: it starts when the window's scan and its document checks have finished, with the
    folder known before."""
    from inspector.services.store_directory import StoreDirectory

    (tmp_path / "settings.json").write_text("{}")
    directory = StoreDirectory()
    service = LockEventService(directory)
    try:
        with qtbot.waitSignal(directory.checks_finished, timeout=DEADLINE_MS):
            directory.set_folder(str(tmp_path))
            assert service.folder == str(tmp_path)
            assert service.process_id == 0  # not while the window lists the folder
        # (It starts in the slot the signal runs; a scan_finished seen first said nothing yet:
        # this failed once, with the checks' end still queued behind the scan's.)
        assert _running(service.process_id)
        qtbot.waitUntil(lambda: service.is_watching, timeout=DEADLINE_MS)
    finally:
        service.shutdown()
        directory.shutdown()


def test_a_stream_shut_down_before_the_listing_ends_never_starts(
    qtbot: Any, tmp_path: Path
) -> None:
    from inspector.services.store_directory import StoreDirectory

    directory = StoreDirectory()
    service = LockEventService(directory)
    try:
        with qtbot.waitSignal(directory.scan_finished, timeout=DEADLINE_MS):
            directory.set_folder(str(tmp_path))
            service.shutdown()
        assert service.process_id == 0
    finally:
        service.shutdown()
        directory.shutdown()
