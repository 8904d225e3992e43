"""The folder's inotify reader moves to a child process once the folder is listed: started and
stopped with the watcher (and its window), replaced when killed without a change going unseen,
gone when the app is killed -- with real processes and real SIGKILLs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from inspector.services.process_source import CHILD_MODULE, ProcessChangeSource
from inspector.services.store_directory import StoreDirectory
from inspector.services.watcher import FolderWatcher

DEADLINE_MS = 10_000
_REPO = Path(__file__).resolve().parents[3]


class _ChildReader:
    """A watching child started as the window starts it, and the messages read from it."""

    def __init__(self, folder: Path, *, look: bool = False) -> None:
        options = {"folder": str(folder), "recursive": False, "look": look}
        self.process = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE, json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_REPO,
            env={**os.environ, "PYTHONPATH": str(_REPO)},
        )
        self.messages: list[tuple[Any, ...]] = []
        self._buffer = bytearray()

    def read_until(self, done: Any) -> None:
        from inspector.services.watch_process import read_messages

        assert self.process.stdout is not None
        while not done():
            data = os.read(self.process.stdout.fileno(), 65536)
            assert data, self.messages
            self._buffer.extend(data)
            read_messages(self._buffer, self.messages.append)

    def close(self) -> int:
        """Close its input, as the window does, and wait for it to end: its exit status."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        try:
            return self.process.wait(DEADLINE_MS / 1000)
        finally:
            self.process.stdout.close()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _inotify_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "inotify"]


def _child_source(qtbot: Any, watcher: FolderWatcher) -> ProcessChangeSource:
    """The watcher's source, once its child watches."""
    qtbot.waitUntil(
        lambda: isinstance(watcher.source, ProcessChangeSource) and watcher.source.child_watching,
        timeout=DEADLINE_MS,
    )
    source = watcher.source
    assert isinstance(source, ProcessChangeSource)
    return source


@pytest.fixture
def directory(qtbot: Any, tmp_path: Path) -> Any:
    (tmp_path / "settings.json").write_text("{}")
    service = StoreDirectory()
    with qtbot.waitSignal(service.scan_finished, timeout=DEADLINE_MS):
        service.set_folder(str(tmp_path))
    yield service
    service.shutdown()


def test_the_folder_is_watched_from_a_child_process_that_stops_with_the_directory(
    qtbot: Any, tmp_path: Path, directory: StoreDirectory
) -> None:
    source = _child_source(qtbot, directory.watcher)
    pid = source.child_pid
    child = psutil.Process(pid)
    assert child.ppid() == os.getpid()
    assert CHILD_MODULE in child.cmdline()
    # No reader is left in this process: what changes is heard from the child alone.
    qtbot.waitUntil(lambda: not _inotify_threads(), timeout=DEADLINE_MS)
    store = tmp_path / "new.json"
    with qtbot.waitSignal(directory.entries_updated, timeout=DEADLINE_MS):
        store.write_text('{"a": 1}')
    qtbot.waitUntil(lambda: directory.entry(str(store)) is not None, timeout=DEADLINE_MS)
    assert directory.watcher.status == "watching (inotify)"
    directory.shutdown()
    assert not _running(pid)


def test_a_directory_dropped_without_shutdown_ends_its_child(qtbot: Any, tmp_path: Path) -> None:
    service = StoreDirectory()
    with qtbot.waitSignal(service.scan_finished, timeout=DEADLINE_MS):
        service.set_folder(str(tmp_path))
    pid = _child_source(qtbot, service.watcher).child_pid
    service.deleteLater()
    del service
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not _running(pid)


def test_a_killed_child_is_replaced_and_changes_made_meanwhile_are_seen(
    qtbot: Any, tmp_path: Path, directory: StoreDirectory
) -> None:
    source = _child_source(qtbot, directory.watcher)
    killed = source.child_pid
    os.kill(killed, signal.SIGKILL)
    # Made while no reader may be watching: the rescan after the loss finds it.
    early = tmp_path / "early.json"
    early.write_text("[]")
    qtbot.waitUntil(lambda: directory.entry(str(early)) is not None, timeout=DEADLINE_MS)
    qtbot.waitUntil(
        lambda: source.child_watching and source.child_pid not in (0, killed),
        timeout=DEADLINE_MS,
    )
    assert directory.watcher.source is source
    assert source.is_alive()
    later = tmp_path / "later.json"
    later.write_text("[]")
    qtbot.waitUntil(lambda: directory.entry(str(later)) is not None, timeout=DEADLINE_MS)
    qtbot.waitUntil(lambda: not _inotify_threads(), timeout=DEADLINE_MS)


def test_a_child_killed_while_it_starts_is_started_again(qtbot: Any, tmp_path: Path) -> None:
    watcher = FolderWatcher(observer_factory=lambda _p, _r: ProcessChangeSource(0))
    try:
        watcher.start(str(tmp_path))
        source = watcher.source
        assert isinstance(source, ProcessChangeSource)
        qtbot.waitUntil(lambda: source.child_pid != 0, timeout=DEADLINE_MS)
        first = source.child_pid
        os.kill(first, signal.SIGKILL)
        qtbot.waitUntil(
            lambda: source.child_watching and source.child_pid not in (0, first),
            timeout=DEADLINE_MS,
        )
        with qtbot.waitSignal(
            watcher.paths_changed,
            timeout=DEADLINE_MS,
            check_params_cb=lambda paths: str(tmp_path / "a.json") in paths,
        ):
            (tmp_path / "a.json").write_text("{}")
    finally:
        watcher.stop()


def test_the_folder_removed_under_the_child_is_noticed(qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    watcher = FolderWatcher(observer_factory=lambda _p, _r: ProcessChangeSource(0))
    try:
        watcher.start(str(folder))
        source = _child_source(qtbot, watcher)
        pid = source.child_pid
        folder.rmdir()
        qtbot.waitUntil(lambda: not watcher.check_alive(), timeout=DEADLINE_MS)
        qtbot.waitUntil(lambda: not _running(pid), timeout=DEADLINE_MS)
    finally:
        watcher.stop()


def test_the_child_ends_when_the_app_is_killed(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtCore import QCoreApplication, QTimer\n"
        "from inspector.services.process_source import ProcessChangeSource\n"
        "from inspector.services.watcher import FolderWatcher\n"
        "app = QCoreApplication([])\n"
        "watcher = FolderWatcher(observer_factory=lambda _p, _r: ProcessChangeSource(0))\n"
        "watcher.start(sys.argv[1])\n"
        "def tell():\n"
        "    if watcher.source.child_watching:\n"
        "        print(watcher.source.child_pid, flush=True)\n"
        "    else:\n"
        "        QTimer.singleShot(10, tell)\n"
        "tell()\n"
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
        app.send_signal(signal.SIGKILL)
        app.wait()
        if app.stdout is not None:
            app.stdout.close()
    # Orphaned, it sees its standard input close and ends within a moment (polled: an orphan's
    # exit is not ours to wait for).
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child)


def test_the_child_reports_paths_and_ends_when_its_input_closes(tmp_path: Path) -> None:
    child = _ChildReader(tmp_path)
    child.read_until(lambda: ("ready",) in child.messages)
    (tmp_path / "a.json").write_text("{}")
    child.read_until(
        lambda: any(m[0] == "paths" and str(tmp_path / "a.json") in m[1] for m in child.messages)
    )
    assert child.close() == 0


def test_after_an_overflow_the_child_reports_what_changed_not_a_loss(
    tmp_path: Path, inotify_overflow: Any
) -> None:
    from inspector.services.watch_process import read_messages

    (tmp_path / "kept.json").write_text("{}")
    messages: list[tuple[Any, ...]] = []
    buffer = bytearray()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            CHILD_MODULE,
            json.dumps({"folder": str(tmp_path), "recursive": False}),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=_REPO,
        env={**os.environ, "PYTHONPATH": str(_REPO)},
    )
    assert child.stdout is not None
    while ("ready",) not in messages:
        data = os.read(child.stdout.fileno(), 65536)
        assert data, messages
        buffer.extend(data)
        read_messages(buffer, messages.append)
    assert child.stdin is not None
    try:
        # The child reads nothing while stopped: 40,000 events overflow its queue of the
        # system's usual 16,384 (no lowered limit, which other processes would get too).
        with inotify_overflow.stopped(child.pid):
            inotify_overflow.create_files(tmp_path, 20_000)
        created = {str(tmp_path / f"f{number}.txt") for number in range(20_000)}
        reported: set[str] = set()
        while not created <= reported and ("lost",) not in messages:
            data = os.read(child.stdout.fileno(), 65536)
            assert data, messages[-3:]
            buffer.extend(data)
            read_messages(buffer, messages.append)
            reported.update(path for kind, *rest in messages if kind == "paths" for path in rest[0])
        assert ("lost",) not in messages
        assert str(tmp_path / "kept.json") not in reported  # unchanged: not reported
    finally:
        child.stdin.close()
        child.wait(DEADLINE_MS / 1000)
        child.stdout.close()


def test_once_the_child_watches_it_looks_at_the_stores_itself(
    qtbot: Any,
    tmp_path: Path,
    directory: StoreDirectory,
    monkeypatch: pytest.MonkeyPatch,
    lock_holder: Any,
) -> None:
    from inspector.services import scan_worker
    from lockcore import LockState

    looked_here: list[str] = []
    real = scan_worker.inspect_store

    def recording(path: str, *rest: Any) -> Any:
        looked_here.append(path)
        return real(path, *rest)

    monkeypatch.setattr(scan_worker, "inspect_store", recording)
    _child_source(qtbot, directory.watcher)
    store = tmp_path / "settings.json"
    store.write_text('{"changed": true}')
    st = os.stat(store)

    def shown(state: LockState) -> bool:
        entry = directory.entry(str(store))
        return (
            entry is not None
            and entry.data_stamp == (st.st_ino, st.st_size, st.st_mtime_ns)
            and entry.lock_state is state
        )

    qtbot.waitUntil(lambda: shown(LockState.FREE), timeout=DEADLINE_MS)
    holder = lock_holder(str(store))
    qtbot.waitUntil(lambda: shown(LockState.HELD_ALIVE), timeout=DEADLINE_MS)
    entry = directory.entry(str(store))
    assert entry is not None
    assert entry.lock is not None
    assert entry.lock.pid == holder.pid
    holder.release()
    qtbot.waitUntil(lambda: shown(LockState.FREE), timeout=DEADLINE_MS)
    gone = tmp_path / "projects.json"
    gone.write_text("[]")
    qtbot.waitUntil(lambda: directory.entry(str(gone)) is not None, timeout=DEADLINE_MS)
    gone.unlink()
    qtbot.waitUntil(lambda: directory.entry(str(gone)) is None, timeout=DEADLINE_MS)
    assert looked_here == []  # every look was the child's


def test_a_folder_whose_name_is_not_utf8_is_watched_from_the_child(
    qtbot: Any, tmp_path: Path
) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"caf\xe9-\xff")
    os.mkdir(folder)
    shown = os.fsdecode(folder)  # lone surrogates for the bytes that are not UTF-8
    service = StoreDirectory()
    try:
        with qtbot.waitSignal(service.scan_finished, timeout=DEADLINE_MS):
            service.set_folder(shown)
        _child_source(qtbot, service.watcher)
        store = os.path.join(folder, b"d\xe9j\xe0.json")
        with open(store, "w", encoding="utf-8") as handle:
            handle.write("{}")
        qtbot.waitUntil(lambda: service.entry(os.fsdecode(store)) is not None, timeout=DEADLINE_MS)
    finally:
        service.shutdown()


def test_a_look_the_child_began_before_this_process_looked_does_not_undo_it(
    qtbot: Any, tmp_path: Path, lock_holder: Any
) -> None:
    from inspector.services.scan_worker import _ScanWorker
    from inspector.services.scanner import inspect_store
    from lockcore import LockState

    store = str(tmp_path / "settings.json")
    Path(store).write_text("{}")
    worker = _ScanWorker()  # not on a thread: its timers run in this test's event loop
    try:
        worker.scan(1, str(tmp_path), False)
        qtbot.waitUntil(lambda: store in worker._entries, timeout=DEADLINE_MS)
        child_began = time.monotonic()
        child_saw = inspect_store(store, "settings.json", set(), None)  # free, then
        holder = lock_holder(store)
        worker.refresh(1, [store + ".lock"])  # this process looks after the lock was taken
        qtbot.waitUntil(
            lambda: worker._entries[store].lock_state is LockState.HELD_ALIVE,
            timeout=DEADLINE_MS,
        )
        updates: list[Any] = []
        worker.entries_updated.connect(lambda _g, entries, _more: updates.extend(entries))
        worker.take_looked(1, child_began, [(store, child_saw)])  # arrives late
        assert worker._entries[store].lock_state is LockState.HELD_ALIVE
        assert updates == []
        holder.release()
        later = time.monotonic()
        worker.take_looked(1, later, [(store, inspect_store(store, "settings.json", set(), None))])
        assert worker._entries[store].lock_state is LockState.FREE
        assert [entry.lock_state for entry in updates] == [LockState.FREE]
    finally:
        worker.stop_timers()


def test_a_looking_child_sends_no_path_the_window_would_ignore(tmp_path: Path) -> None:
    """In a storm every lockcore update writes its new document through an unnamed temp file
    (O_TMPFILE: inotify names it ``#<inode>``), and each round of looks sent those names on as
    paths: one more message for the GUI thread and one more round for the window's scanner,
    which finds no store in them and does nothing, some ten times a second. A looking child
    (one folder, no subfolders) sends only what the window acts on."""
    from lockcore import locked_update_json

    child = _ChildReader(tmp_path, look=True)
    messages, read_until = child.messages, child.read_until

    def looked(path: Path) -> bool:
        return any(
            kind == "looked" and any(store == str(path) for store, _ in rest[1])
            for kind, *rest in messages
        )

    try:
        read_until(lambda: ("ready",) in messages)
        (tmp_path / "notes.txt").write_text("not a store")
        (tmp_path / "subfolder").mkdir()
        for _ in range(5):
            locked_update_json(str(tmp_path / "a.json"), lambda doc: doc, default=dict)
            locked_update_json(str(tmp_path / "b.json"), lambda doc: [*doc, 1], default=list)
        read_until(lambda: looked(tmp_path / "a.json") and looked(tmp_path / "b.json"))
        # Whatever the rounds above sent came before the look at this store.
        (tmp_path / "last.json").write_text("{}")
        read_until(lambda: looked(tmp_path / "last.json"))
        assert [message for message in messages if message[0] == "paths"] == []
    finally:
        child.close()


def test_the_childs_rounds_of_looks_reach_the_worker_without_the_gui_thread(
    qtbot: Any, tmp_path: Path, directory: StoreDirectory, lock_holder: Any
) -> None:
    """The looking child's rounds come on a pipe of their own, read on the worker's thread: the
    GUI thread wakes only for the rows that changed, not also to hand each round on (in a storm
    whose writers share the window's session each such turn cost it tens of ms)."""
    from lockcore import LockState

    handed_on_here: list[Any] = []
    directory.watcher.stores_looked.connect(lambda *looked: handed_on_here.append(looked))
    worker_threads: set[threading.Thread] = set()
    directory._worker.entries_updated.connect(
        lambda *_: worker_threads.add(threading.current_thread()),
        Qt.ConnectionType.DirectConnection,
    )
    _child_source(qtbot, directory.watcher)
    store = tmp_path / "settings.json"
    holder = lock_holder(str(store))

    def shown(state: LockState) -> bool:
        entry = directory.entry(str(store))
        return entry is not None and entry.lock_state is state

    qtbot.waitUntil(lambda: shown(LockState.HELD_ALIVE), timeout=DEADLINE_MS)
    holder.release()
    qtbot.waitUntil(lambda: shown(LockState.FREE), timeout=DEADLINE_MS)
    assert handed_on_here == []
    assert worker_threads
    assert threading.main_thread() not in worker_threads


def test_a_child_watching_subfolders_gets_no_pipe_for_looks(qtbot: Any, tmp_path: Path) -> None:
    """With subfolders the child looks at no store (it sends paths): no pipe is made for its
    rounds of looks, and no reader of one waits on the worker's thread."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.json").write_text("{}")
    service = StoreDirectory()
    try:
        with qtbot.waitSignal(service.scan_finished, timeout=DEADLINE_MS):
            service.set_folder(str(tmp_path), recursive=True)
        _child_source(qtbot, service.watcher)
        (tmp_path / "sub" / "b.json").write_text("{}")
        qtbot.waitUntil(
            lambda: service.entry(str(tmp_path / "sub" / "b.json")) is not None,
            timeout=DEADLINE_MS,
        )
        assert service._looks_readers == []
    finally:
        service.shutdown()
