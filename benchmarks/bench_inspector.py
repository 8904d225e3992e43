"""The inspector at scale and under stress (issue 4), each figure next to its baseline, in one run.

Run: python benchmarks/bench_inspector.py [--stores 10000] [--storm 10] [--only listing]

Offscreen (no display needed). One temporary folder of ``--stores`` small JSON stores, of which
300 are locked for real while the benchmark runs: four holder processes each hold 50 lockcore
locks (``FileLock``: the lock file plus the kernel lock), and 100 more lock files are in the legacy
bare-PID format naming those live holders. The locked stores are spread through the folder.

1. Listing. The baseline is the minimal pass any lister must make over the same folder: one
   ``os.scandir``, ``stat`` of every store, a read of each lock file the listing saw (never an
   open per store) and a liveness check of each holder (its kernel lock, or ``kill(pid, 0)``).
   The inspector is measured as a person sees it: a new shown window asked to ``open_folder``,
   until the table has every row with its lock judged, minus the same for an empty folder (what
   opening any folder costs). Also: the first screenful of rows painted (gross), and every document
   checked against the read-and-parse floor (the minimal pass plus reading each document and
   ``json.loads``). Baselines and windows alternate in one run; medians are compared. RSS is
   this process's, hosting the window. ``--stores 100000`` for the big case.
   Cold start: a new process until its window shows every row, against a new process that
   only starts Qt and lists the folder.
2. Event storm. Sixteen processes each run ``locked_update_json`` (durable=False) on their own store
   as fast as they can for ``--storm`` seconds while the window shows the whole folder. A 5 ms
   timer on the GUI thread measures event-loop stalls (the gap beyond its interval), with the same
   probe over an idle window as the baseline. Time to truth: from the last writer's last update
   until the table shows, for all sixteen stores, the data file's current (inode, size, mtime_ns)
   stamp and no lock (the last change of a storm row in the table, once it shows that: the
   writers' own exit, which a loaded machine takes hundreds of milliseconds over, was counted in
   before). CPU: this process's user+system seconds during the storm. The storm runs twice: its
   writers this process's children, so in the window's session and scheduler autogroup (the
   first form); then started by another program in a session of its own, as writers from
   another terminal or a service are (``--writers`` runs one of the two).
3. Lock ages. ``dataChanged`` emissions and age cells announced per second with the window showing
   about 40 rows, against the same model told that every row is visible (the old behaviour).
4. Painting (``--only paint``). One repaint of the listed table's viewport (a screenful, every
   document checked, locked rows in view), thread CPU, against the same repaint of a plain
   ``QTableView`` over a ``QStandardItemModel`` holding the same cells (every value in C++);
   also with every visible row's entry new (its first paint), the Python calls of one repaint,
   and a whole-window repaint.

Big documents (lazy tree, ``json.load`` baseline) are measured by the document pane's own
benchmark, not here.
"""

from __future__ import annotations

import argparse
import copy
import fcntl
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402 - QT_QPA_PLATFORM must be set before Qt is imported
from PySide6.QtCore import (  # noqa: E402
    QCoreApplication,
    QEvent,
    QEventLoop,
    QObject,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

from inspector.app import create_main_window, share_interpreter_with_gui  # noqa: E402
from inspector.time_slices import request_short_slice  # noqa: E402
from inspector.widgets.main_window import MainWindow  # noqa: E402
from lockcore import LockState  # noqa: E402

HOLDERS = 4
LOCKCORE_LOCKS_PER_HOLDER = 50
LEGACY_LOCKS = 100
STORM_WRITERS = 16
PROBE_MS = 5

_HOLDER_CODE = textwrap.dedent(
    """
    import sys
    from lockcore import FileLock
    locks = [FileLock(path, timeout=10) for path in sys.argv[1:]]
    for lock in locks:
        lock.acquire()
    print("held", flush=True)
    sys.stdin.readline()
    """
)

_WRITER_CODE = textwrap.dedent(
    """
    import sys, time
    from lockcore import locked_update_json
    path, seconds = sys.argv[1], float(sys.argv[2])
    def bump(doc):
        doc["n"] = doc.get("n", 0) + 1
        return doc
    print("ready", flush=True)
    sys.stdin.readline()
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        locked_update_json(path, bump, default=dict, durable=False)
        count += 1
    print("done", count, time.monotonic(), flush=True)
    """
)

#: The storm's writers started as a separate program -- as a person meets a storm: writers started
#: from another terminal or by a service. This launcher runs in a session of its own (so in its
#: own scheduler autogroup, as every terminal's and service's programs are) and starts the
#: writers there; it says "ready" once they all are, passes "go" on, and reports their updates
#: and latest end. argv: the writer's code, seconds, the stores' paths.
_LAUNCHER_CODE = textwrap.dedent(
    """
    import subprocess, sys
    code, seconds, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", code, path, seconds],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for path in paths
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == b"ready"
    print("ready", flush=True)
    sys.stdin.readline()
    for writer in writers:
        writer.stdin.write(b"go\\n")
        writer.stdin.flush()
    updates, ends = 0, []
    for writer in writers:
        words = writer.stdout.read().split()
        assert words[0] == b"done", words
        updates += int(words[1])
        ends.append(float(words[2]))
        writer.wait()
    print("done", updates, max(ends), flush=True)
    """
)


# --- the folder ------------------------------------------------------------------------------


class Folder:
    """The folder of stores and the processes that hold its locks."""

    def __init__(self, stores: int) -> None:
        self.path = tempfile.mkdtemp(prefix="bench-inspector-")
        self.stores = stores
        self.holders: list[subprocess.Popen[bytes]] = []
        for number in range(stores):
            document = {"id": number, "name": f"store {number}", "tags": ["a", "b"], "n": number}
            with open(self.store(number), "w", encoding="utf-8") as handle:
                json.dump(document, handle)
        locked = self.locked_numbers()
        per = LOCKCORE_LOCKS_PER_HOLDER
        for holder in range(HOLDERS):
            paths = [self.store(n) for n in locked[holder * per : (holder + 1) * per]]
            process = subprocess.Popen(
                [sys.executable, "-c", _HOLDER_CODE, *paths],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            assert process.stdout is not None
            assert process.stdout.readline().strip() == b"held"
            self.holders.append(process)
        legacy = locked[HOLDERS * per :]
        for index, number in enumerate(legacy):
            pid = self.holders[index % HOLDERS].pid
            with open(self.store(number) + ".lock", "w", encoding="ascii") as handle:
                handle.write(f"{pid}\n")

    def store(self, number: int) -> str:
        return os.path.join(self.path, f"store-{number:05d}.json")

    def locked_numbers(self) -> list[int]:
        total = HOLDERS * LOCKCORE_LOCKS_PER_HOLDER + LEGACY_LOCKS
        step = max(1, self.stores // total)
        return [n * step for n in range(total)]

    @property
    def locked(self) -> int:
        return HOLDERS * LOCKCORE_LOCKS_PER_HOLDER + LEGACY_LOCKS

    def close(self) -> None:
        for process in self.holders:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.path, ignore_errors=True)


# --- helpers ---------------------------------------------------------------------------------


def run_loop_until(condition: Any, timeout: float, poll_ms: int = 1) -> bool:
    """Run the Qt event loop until ``condition()`` is true (checked every ``poll_ms``)."""
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout
    met = [False]

    def check() -> None:
        if condition():
            met[0] = True
            loop.quit()
        elif time.perf_counter() > deadline:
            loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(check)
    timer.start(poll_ms)
    check()
    if not met[0]:
        loop.exec()
    timer.stop()
    return met[0]


def run_loop_for(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


#: Whether windows show subfolders too (--recursive).
RECURSIVE = [False]


def new_window() -> MainWindow:
    window = create_main_window(None)
    window.subfolders_action.setChecked(RECURSIVE[0])
    window.resize(1320, 1250)
    window.show()
    QCoreApplication.processEvents()
    return window


def close_window(window: MainWindow) -> None:
    window.shutdown()
    window.close()
    window.deleteLater()
    # Deleted now, not during the next measurement (processEvents leaves deferred deletes).
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


class StallProbe:
    """A timer on the GUI thread; each tick records how late it came."""

    def __init__(self, interval_ms: int = PROBE_MS) -> None:
        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def stalls_ms(self) -> tuple[float, float]:
        """(longest, p99) delay beyond the interval, in ms."""
        late = sorted(max(0.0, gap - self.interval) * 1000 for gap in self.gaps)
        if not late:
            return 0.0, 0.0
        return late[-1], late[min(len(late) - 1, int(len(late) * 0.99))]


def cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def child_cpu_seconds(module: str) -> float:
    """User+system seconds of this process's children running ``python -m module``."""
    total = 0.0
    for child in psutil.Process().children():
        try:
            if module in child.cmdline():
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


# --- 1. listing ------------------------------------------------------------------------------


def minimal_pass(folder: str) -> float:
    """The least any lister must do: one ``scandir``, ``stat`` of each store, a read of each lock
    file the listing saw (never an open per store) and a liveness check of each holder (the
    kernel lock of a lockcore lock, ``kill(pid, 0)`` for a bare PID)."""
    started = time.perf_counter()
    locks: list[str] = []
    with os.scandir(folder) as iterator:
        for item in iterator:
            name = item.name
            if name.endswith(".json"):
                item.stat()
            elif name.endswith(".json.lock"):
                locks.append(item.path)
    alive = 0
    for lock in locks:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
        try:
            lines = os.read(fd, 4096).split(b"\n", 2)
            if len(lines) > 1 and lines[1] == b"lockcore 1":
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    alive += 1
                else:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                try:
                    os.kill(int(lines[0]), 0)
                    alive += 1
                except ProcessLookupError:
                    pass
        finally:
            os.close(fd)
    elapsed = time.perf_counter() - started
    assert alive == len(locks) > 0, (alive, len(locks))
    return elapsed


def read_parse_floor(folder: str) -> float:
    """The minimal pass, plus reading and parsing every document (``json.loads``): the floor
    for every document checked."""
    started = time.perf_counter()
    documents: list[str] = []
    with os.scandir(folder) as iterator:
        for item in iterator:
            if item.name.endswith(".json"):
                documents.append(item.path)
    for path in documents:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    return time.perf_counter() - started + minimal_pass(folder)


def screenful(window: MainWindow) -> int:
    """How many rows the table shows at once."""
    height = window.table.verticalHeader().defaultSectionSize()
    return max(1, window.table.viewport().height() // max(1, height))


def inspector_listing(window: MainWindow, path: str, stores: int, locked: int) -> dict[str, float]:
    """From ``open_folder`` until: the first screenful of rows is painted ("first"), every
    row is in the table, with its lock judged ("complete"; for an empty folder: the scan said
    it is done), every document is checked ("checked")."""
    marks: dict[str, float] = {}
    model = window.model
    first_rows = min(stores, screenful(window))
    started = 0.0

    def painted() -> None:
        marks.setdefault("first", time.perf_counter() - started)

    class PaintWatch(QObject):
        """Marks "first" once a paint of the table with a screenful of rows is over (the
        zero-time call runs when the paint event has been handled)."""

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and stores
                and "first" not in marks
                and model.rowCount() >= first_rows
            ):
                QTimer.singleShot(0, painted)
            return False

    paint_watch = PaintWatch()
    window.table.viewport().installEventFilter(paint_watch)

    def look() -> None:
        now = time.perf_counter() - started
        count = model.rowCount()
        if "complete" not in marks and stores and count == stores:
            judged = sum(1 for row in range(count) if model.entry_at(row).is_locked)  # type: ignore[union-attr]
            if judged == locked:
                marks["complete"] = now

    def scanned() -> None:
        if not stores:
            now = time.perf_counter() - started
            marks.setdefault("first", now)
            marks.setdefault("complete", now)
        look()

    model.rowsInserted.connect(look)
    model.dataChanged.connect(look)
    model.layoutChanged.connect(look)
    window.directory.scan_finished.connect(scanned)
    window.directory.checks_finished.connect(
        lambda: marks.setdefault("checked", time.perf_counter() - started)
    )
    started = time.perf_counter()
    window.open_folder(path)
    # Polled slowly: the marks are taken by the signals themselves, and a busy probe would
    # compete with the scanner for the GIL.
    assert run_loop_until(
        lambda: "checked" in marks and "complete" in marks and "first" in marks, 120, 50
    )
    assert model.rowCount() == stores, model.rowCount()
    held = sum(
        1 for entry in window.directory.entries() if entry.lock_state is LockState.HELD_ALIVE
    )
    assert held == locked, held
    marks["rss"] = psutil.Process().memory_info().rss / 2**20
    window.table.viewport().removeEventFilter(paint_watch)
    for signal in (model.rowsInserted, model.dataChanged, model.layoutChanged):
        signal.disconnect(look)
    window.directory.scan_finished.disconnect(scanned)
    return marks


def one_window_listing(folder: Folder, empty: str) -> tuple[dict[str, float], dict[str, float]]:
    """The folder and the empty folder, each in a new window (as someone opening it)."""
    window = new_window()
    full = inspector_listing(window, folder.path, folder.stores, folder.locked)
    close_window(window)
    window = new_window()
    bare = inspector_listing(window, empty, 0, 0)
    close_window(window)
    return full, bare


def bench_listing(folder: Folder, rounds: int) -> list[tuple[str, str, str, str]]:
    empty = tempfile.mkdtemp(prefix="bench-inspector-empty-")
    try:
        one_window_listing(folder, empty)  # warm up: imports, icons, caches
        minimal: list[float] = []
        floor: list[float] = []
        runs: list[tuple[dict[str, float], dict[str, float]]] = []
        for _ in range(rounds):
            minimal.extend(minimal_pass(folder.path) for _ in range(3))
            floor.append(read_parse_floor(folder.path))
            runs.append(one_window_listing(folder, empty))
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    baseline = statistics.median(minimal)
    parse_floor = statistics.median(floor)

    def median(key: str, *, net: bool = True) -> float:
        return statistics.median(full[key] - (bare[key] if net else 0.0) for full, bare in runs)

    overhead = statistics.median(bare["complete"] for _, bare in runs)
    rss = max(full["rss"] for full, _ in runs)
    n = f"{folder.stores:,}"
    complete = median("complete")
    checked = median("checked")
    first = median("first", net=False)
    return [
        (
            f"listing {n} stores: table complete (every row, every lock judged), net",
            f"{complete * 1000:.1f} ms",
            f"{baseline * 1000:.1f} ms minimal pass",
            f"{complete / baseline:.2f}x (target 1.2x)",
        ),
        (
            "  of which an empty folder (subtracted) takes",
            f"{overhead * 1000:.1f} ms",
            "",
            "",
        ),
        (
            f"listing {n} stores: first screenful of rows painted (gross)",
            f"{first * 1000:.1f} ms",
            "50 ms target",
            f"{first / 0.05:.2f}x target",
        ),
        (
            f"listing {n} stores: every document checked, net",
            f"{checked * 1000:.1f} ms",
            f"{parse_floor * 1000:.1f} ms read-and-parse floor",
            f"{checked / parse_floor:.2f}x (target 1.3x)",
        ),
        (
            "resident memory (RSS), listed",
            f"{rss:.0f} MB",
            "250 MB limit" if folder.stores <= 10_000 else "",
            f"{rss / 250:.2f}x" if folder.stores <= 10_000 else "",
        ),
    ]


_COLD_CODE = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    folder, stores, bare = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "bare"
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    if bare:
        with os.scandir(folder) as iterator:
            for item in iterator:
                if item.name.endswith(".json"):
                    item.stat()
        print("shown", flush=True)
        sys.exit(0)
    from PySide6.QtCore import QTimer
    from inspector.app import create_main_window
    window = create_main_window(None)
    window.show()
    def look():
        if window.model.rowCount() == stores:
            print("shown", flush=True)
            app.quit()
    window.model.rowsInserted.connect(look)
    window.open_folder(folder)
    app.exec()
    window.shutdown()
    """
)


def cold_start(folder: Folder, *, bare: bool) -> float:
    """New process until a window shows every row of ``folder`` (``bare``: Qt started and the
    folder listed, no window)."""
    settings = tempfile.mkdtemp(prefix="bench-inspector-cold-")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": settings}
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _COLD_CODE,
            folder.path,
            str(folder.stores),
            "bare" if bare else "app",
        ],
        stdout=subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"shown"
    elapsed = time.perf_counter() - started
    process.stdout.close()
    process.wait()
    shutil.rmtree(settings, ignore_errors=True)
    return elapsed


def bench_cold_start(folder: Folder, rounds: int) -> list[tuple[str, str, str, str]]:
    app: list[float] = []
    bare: list[float] = []
    for _ in range(rounds):
        bare.append(cold_start(folder, bare=True))
        app.append(cold_start(folder, bare=False))
    shown, floor = statistics.median(app), statistics.median(bare)
    return [
        (
            f"cold start: new process to a window with {folder.stores:,} rows",
            f"{shown * 1000:.0f} ms",
            f"{floor * 1000:.0f} ms Python + QApplication + scandir",
            f"{shown / floor:.2f}x",
        )
    ]


# --- 2. event storm --------------------------------------------------------------------------


def run_writers(
    paths: list[str], seconds: float, probe: StallProbe, *, own_session: bool = False
) -> tuple[float, float, int]:
    """Run the storm's writers on ``paths``; (CPU seconds of this process, storm end, updates).
    ``own_session``: started by a launcher in a session of its own (another program's writers),
    not as this process's children (which share the window's session and autogroup)."""
    if own_session:
        launcher = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER_CODE, _WRITER_CODE, str(seconds), *paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        writers = [launcher]
    else:
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER_CODE, path, str(seconds)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            for path in paths
        ]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == b"ready"
    probe.start()
    cpu_before = cpu_seconds()
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write(b"go\n")
        writer.stdin.flush()
    assert run_loop_until(lambda: all(w.poll() is not None for w in writers), seconds + 30, 5)
    cpu = cpu_seconds() - cpu_before
    probe.stop()
    ends: list[float] = []
    updates = 0
    for writer in writers:
        assert writer.stdout is not None
        words = writer.stdout.read().split()
        assert words[0] == b"done", words
        updates += int(words[1])
        ends.append(float(words[2]))
        for stream in (writer.stdin, writer.stdout):
            if stream is not None:
                stream.close()
    return cpu, max(ends), updates


def stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


#: Where the storm's writers run (--writers): as this process's children, in the window's own
#: session (the benchmark's first form), or as another program in a session of its own.
WRITER_SESSIONS = {"window": False, "own": True}
WRITER_SESSION_CHOICES = {"both": ("window", "own"), "window": ("window",), "own": ("own",)}


def bench_storm(
    folder: Folder, seconds: float, sessions: tuple[str, ...] = ("window", "own")
) -> list[tuple[str, str, str, str]]:
    window = new_window()
    window.open_folder(folder.path)
    assert run_loop_until(lambda: window.model.rowCount() == folder.stores, 60)
    checked = [False]
    window.directory.checks_finished.connect(lambda: checked.__setitem__(0, True))
    run_loop_until(lambda: checked[0], 30)
    run_loop_for(1.0)

    probe = StallProbe()
    probe.start()
    idle_cpu = cpu_seconds()
    run_loop_for(3.0)
    idle_cpu = (cpu_seconds() - idle_cpu) * seconds / 3.0
    probe.stop()
    idle_longest, idle_p99 = probe.stalls_ms()

    paths = [os.path.join(folder.path, f"aaa-storm-{n}.json") for n in range(STORM_WRITERS)]
    for path in paths:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("{}")
    assert run_loop_until(lambda: all(window.model.row_of(p) >= 0 for p in paths), 10)
    run_loop_for(0.5)

    def truthful() -> bool:
        for path in paths:
            entry = window.model.entry_at(window.model.row_of(path))
            if entry is None or entry.data_stamp != stamp(path):
                return False
            if entry.lock_state is not LockState.FREE:
                return False
        return True

    # When each storm row last changed in the table (the model takes the directory's entries
    # before this slot runs): the table shows the truth from the last of those changes on.
    last_changed: dict[str, float] = {}
    watched = set(paths)

    def note_changes(entries: list[Any]) -> None:
        now = time.monotonic()
        for entry in entries:
            if entry.path in watched:
                last_changed[entry.path] = now

    window.directory.entries_updated.connect(note_changes)

    rows: list[tuple[str, str, str, str]] = []
    for session in sessions:
        own_session = WRITER_SESSIONS[session]
        # The floor this machine sets: the same storm in a folder the window does not show.
        elsewhere = tempfile.mkdtemp(prefix="bench-inspector-elsewhere-")
        try:
            run_writers(
                [os.path.join(elsewhere, f"s{n}.json") for n in range(STORM_WRITERS)],
                seconds,
                probe,
                own_session=own_session,
            )
        finally:
            shutil.rmtree(elsewhere, ignore_errors=True)
        floor_longest, floor_p99 = probe.stalls_ms()
        run_loop_for(0.5)

        watching = "inspector.services.watch_process"
        child_cpu = child_cpu_seconds(watching)
        last_changed.clear()
        cpu, storm_end, updates = run_writers(paths, seconds, probe, own_session=own_session)
        child_cpu = child_cpu_seconds(watching) - child_cpu
        longest, p99 = probe.stalls_ms()
        # run_writers returns once every writer has exited, which takes a loaded machine
        # hundreds of milliseconds after the storm; the table may have shown the truth before.
        exited = time.monotonic() - storm_end
        assert run_loop_until(truthful, 10, 1)
        truth = max(0.0, max(last_changed.values()) - storm_end)
        rows += storm_rows(
            # The first form's rows keep their names.
            "event storm" if not own_session else "event storm, writers in their own session",
            seconds,
            updates,
            (longest, p99, floor_longest, floor_p99, idle_longest, idle_p99),
            (truth, exited),
            (cpu, idle_cpu, child_cpu),
        )
        run_loop_for(0.5)
    close_window(window)
    for path in paths:
        os.unlink(path)
    return rows


def storm_rows(
    name: str,
    seconds: float,
    updates: int,
    stalls: tuple[float, float, float, float, float, float],
    truths: tuple[float, float],
    cpus: tuple[float, float, float],
) -> list[tuple[str, str, str, str]]:
    longest, p99, floor_longest, floor_p99, idle_longest, idle_p99 = stalls
    cpu, idle_cpu, child_cpu = cpus
    truth, exited = truths
    rate = updates / seconds
    return [
        (
            f"{name} ({STORM_WRITERS} writers, {rate:,.0f} updates/s): longest stall",
            f"{longest:.1f} ms",
            f"{floor_longest:.1f} ms storm elsewhere, {idle_longest:.1f} ms idle; limit 50 ms",
            f"{longest / 50:.2f}x limit",
        ),
        (
            f"{name}: p99 stall",
            f"{p99:.1f} ms",
            f"{floor_p99:.1f} ms storm elsewhere, {idle_p99:.1f} ms idle",
            f"{p99 / floor_p99:.1f}x floor" if floor_p99 else "—",
        ),
        (
            f"{name}: table shows the truth after",
            f"{truth * 1000:.0f} ms",
            f"200 ms limit (the writers had all exited {exited * 1000:.0f} ms after the storm)",
            f"{truth / 0.2:.2f}x limit",
        ),
        (
            f"{name}: inspector CPU over {seconds:g} s",
            f"{cpu:.2f} s",
            f"{idle_cpu:.2f} s idle",
            f"{cpu / seconds:.0%} of one core",
        ),
        (
            f"{name}: CPU of the window's watching child (reads events, looks at stores)",
            f"{child_cpu:.2f} s",
            "",
            f"{child_cpu / seconds:.0%} of one core",
        ),
    ]


# --- 3. lock ages ----------------------------------------------------------------------------


def bench_ages(folder: Folder) -> list[tuple[str, str, str, str]]:
    window = new_window()
    checked = [False]
    window.directory.checks_finished.connect(lambda: checked.__setitem__(0, True))
    window.open_folder(folder.path)
    # Counted once the document pass is over: its own announcements are not age ticks.
    assert run_loop_until(lambda: checked[0] and window.model.rowCount() == folder.stores, 60)
    # Scroll to the middle of the folder: locked rows are spread through it.
    window.table.scrollTo(window.model.index(folder.stores // 2, 0))
    QCoreApplication.processEvents()
    visible = len(window.table.visible_rows())
    locked_visible = sum(
        1
        for row in window.table.visible_rows()
        if (entry := window.model.entry_at(row)) is not None and entry.is_locked
    )

    def count(seconds: float) -> tuple[float, float]:
        """(emissions, cells) per age tick -- the ticks come once a second."""
        emissions = [0]
        cells = [0]
        ticks = [0]

        def record(top: Any, bottom: Any, _roles: Any = ()) -> None:
            emissions[0] += 1
            cells[0] += bottom.row() - top.row() + 1

        def tick() -> None:
            ticks[0] += 1

        window.model._age_timer.timeout.connect(tick)
        window.model.dataChanged.connect(record)
        run_loop_for(seconds)
        window.model.dataChanged.disconnect(record)
        window.model._age_timer.timeout.disconnect(tick)
        return emissions[0] / max(1, ticks[0]), cells[0] / max(1, ticks[0])

    run_loop_for(1.2)
    emissions, cells = count(3.0)
    window.model.set_visible_rows_provider(None)  # as before: every locked row, every second
    all_emissions, all_cells = count(3.0)
    close_window(window)
    return [
        (
            f"lock ages: dataChanged per second ({visible} rows visible, {locked_visible} locked)",
            f"{emissions:.1f}/s ({cells:.1f} cells)",
            f"{all_emissions:.1f}/s ({all_cells:.1f} cells) all rows",
            f"{cells / all_cells:.3f}x" if all_cells else "—",
        )
    ]


# --- 4. painting the table ------------------------------------------------------------------


def _plain_copy(table: Any, first_row: int, rows: int) -> tuple[Any, Any]:
    """A plain ``QTableView`` set up as ``table`` (size, columns, row height, look) over a
    ``QStandardItemModel`` holding what ``rows`` rows of ``table`` from ``first_row`` show --
    text, icon, colour, alignment: the same paint with every value already in C++."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    source = table.model()
    columns = source.columnCount()
    plain_model = QStandardItemModel(rows, columns)
    roles = (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
    for row in range(rows):
        for column in range(columns):
            item = QStandardItem()
            for role in roles:
                value = source.data(source.index(first_row + row, column), role)
                if value is not None:
                    item.setData(value, role)
            plain_model.setItem(row, column, item)
    view = QTableView()
    view.setModel(plain_model)
    for setting in ("alternatingRowColors", "showGrid", "wordWrap", "textElideMode", "iconSize"):
        getattr(view, "set" + setting[0].upper() + setting[1:])(getattr(table, setting)())
    view.setVerticalScrollBarPolicy(table.verticalScrollBarPolicy())
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
    header, source_header = view.horizontalHeader(), table.horizontalHeader()
    header.setStretchLastSection(source_header.stretchLastSection())
    for column in range(columns):
        header.resizeSection(column, source_header.sectionSize(column))
        header.setSectionHidden(column, source_header.isSectionHidden(column))
    view.resize(table.size())
    view.show()
    QCoreApplication.processEvents()
    return view, plain_model


def _repaint_cpu(widget: Any) -> float:
    """Thread CPU seconds of one synchronous repaint of ``widget``."""
    began = time.thread_time()
    widget.repaint()
    return time.thread_time() - began


def _python_calls(widget: Any) -> int:
    """Python function calls made during one repaint of ``widget`` (cProfile's count)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    widget.repaint()
    profile.disable()
    return sum(
        calls
        for (filename, _, _), (_, calls, *_rest) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
        if filename.startswith(str(ROOT))
    )


def bench_paint(folder: Folder, rounds: int) -> list[tuple[str, str, str, str]]:
    """One repaint of the listed table's viewport (a screenful of rows, the default columns,
    every document checked), its thread CPU beside the same paint of a plain ``QTableView``
    over a ``QStandardItemModel`` holding the same cells; alternating, ``rounds`` each."""
    window = new_window()
    checked = [False]
    window.directory.checks_finished.connect(lambda: checked.__setitem__(0, True))
    window.open_folder(folder.path)
    assert run_loop_until(lambda: checked[0] and window.model.rowCount() == folder.stores, 60)
    # The middle of the folder: locked rows are spread through it.
    table, model = window.table, window.model
    table.scrollTo(model.index(folder.stores // 2, 0), table.ScrollHint.PositionAtTop)
    run_loop_for(0.2)
    visible = table.visible_rows()
    view, _copy = _plain_copy(table, visible.start, len(visible))
    viewport, plain = table.viewport(), view.viewport()
    again: list[float] = []
    fresh: list[float] = []
    floor: list[float] = []
    window_paints: list[float] = []
    for _ in range(rounds):
        floor.append(_repaint_cpu(plain))
        again.append(_repaint_cpu(viewport))
        # The same rows, each entry new (as after a listing's batch or a change): the first
        # paint of each. Only the paint is timed.
        entries = [model.entry_at(row) for row in visible]
        model._on_entries_updated([copy.copy(entry) for entry in entries if entry is not None])
        fresh.append(_repaint_cpu(viewport))
    for _ in range(max(3, rounds // 10)):
        window_paints.append(_repaint_cpu(window))
    calls = _python_calls(viewport)
    cells = len(visible) * sum(
        1 for column in range(model.columnCount()) if not table.isColumnHidden(column)
    )
    view.close()
    view.deleteLater()
    close_window(window)
    base = statistics.median(floor)
    painted_again, painted_fresh = statistics.median(again), statistics.median(fresh)
    return [
        (
            f"table repaint, {len(visible)} rows ({cells} cells), painted before: thread CPU",
            f"{painted_again * 1000:.2f} ms",
            f"{base * 1000:.2f} ms QStandardItemModel, plain view",
            f"{painted_again / base:.2f}x",
        ),
        (
            "table repaint, every row's entry new",
            f"{painted_fresh * 1000:.2f} ms",
            f"{base * 1000:.2f} ms",
            f"{painted_fresh / base:.2f}x",
        ),
        ("  Python calls in one repaint (painted before)", f"{calls:,}", "", ""),
        (
            "whole window repaint (window.repaint()): thread CPU",
            f"{statistics.median(window_paints) * 1000:.2f} ms",
            "",
            "",
        ),
    ]


# --- making the listing's entries ------------------------------------------------------------


def _entries_as_before(paths: list[str], listing: Any) -> list[Any]:
    """The listing's loop as it was before StoreEntry had its factories: the free stores'
    entries made by calling the class with eleven positional arguments inline (the baseline)."""
    from inspector.services.scanner import entry_from_listing
    from inspector.services.store_entry import StoreEntry, StoreHealth

    names, has_data, has_lock, leftovers = (
        listing.names,
        listing.has_data,
        listing.has_lock,
        listing.leftovers,
    )
    pending, not_checked = StoreHealth.PENDING, "Not checked yet."
    made = []
    for path in paths:
        if path in has_data and path not in has_lock and path not in leftovers:
            made.append(
                StoreEntry(
                    path, names[path], None, "", None, None, pending, not_checked, (), None, None
                )
            )
            continue
        made.append(entry_from_listing(path, listing, None, defer_document=True))
    return made


def bench_entries(folder: Folder, rounds: int = 30) -> list[tuple[str, str, str, str]]:
    """The listing's loop (``entries_from_listing``: an entry for every store, free ones made on
    the spot) against the same loop with the bare positional constructor inline, alternating."""
    from inspector.services.listing import list_folder
    from inspector.services.scanner import entries_from_listing

    listing = list_folder(folder.path)
    paths = listing.ordered()
    now: list[float] = []
    before: list[float] = []
    for _ in range(rounds):
        began = time.perf_counter()
        made = [
            entry
            for _, entry in entries_from_listing(
                paths, listing, None, defer_document=True, known={}
            )
        ]
        now.append(time.perf_counter() - began)
        began = time.perf_counter()
        made_before = _entries_as_before(paths, listing)
        before.append(time.perf_counter() - began)
        assert [e.path for e in made] == [e.path for e in made_before]  # the same entries
    current, baseline = statistics.median(now), statistics.median(before)
    return [
        (
            f"making the listing's {len(paths):,} entries (StoreEntry factories)",
            f"{current * 1000:.2f} ms",
            f"{baseline * 1000:.2f} ms positional call inline",
            f"{current / baseline:.2f}x",
        )
    ]


# --- main ------------------------------------------------------------------------------------


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    headers = ("measure", "inspector", "baseline", "ratio")
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(4)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--storm", type=float, default=10.0, help="storm length in seconds")
    parser.add_argument("--rounds", type=int, default=5, help="listing rounds")
    parser.add_argument(
        "--only",
        choices=("listing", "cold", "storm", "ages", "entries", "paint"),
        help="run one part of the benchmark",
    )
    parser.add_argument(
        "--writers",
        choices=tuple(WRITER_SESSION_CHOICES),
        default="both",
        help="the storm's writers in the window's session, in their own, or both (two storms)",
    )
    parser.add_argument(
        "--recursive", action="store_true", help="the window includes subfolders (View menu)"
    )
    parser.add_argument(
        "--default-slice",
        action="store_true",
        help="the GUI thread keeps the kernel's default time slice (before/after comparisons)",
    )
    args = parser.parse_args()

    RECURSIVE[0] = args.recursive
    app = QApplication(sys.argv[:1])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    if args.default_slice:
        request_short_slice(0)
    settings_dir = tempfile.mkdtemp(prefix="bench-inspector-settings-")
    QCoreApplication.setOrganizationName("LockInspectorBench")
    QCoreApplication.setApplicationName("lock-inspector-bench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)

    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    folder = Folder(args.stores)
    try:
        rows: list[tuple[str, str, str, str]] = []
        if args.only in (None, "listing"):
            rows += bench_listing(folder, args.rounds)
        if args.only in (None, "cold"):
            rows += bench_cold_start(folder, 3)
        if args.only in (None, "storm"):
            rows += bench_storm(folder, args.storm, WRITER_SESSION_CHOICES[args.writers])
        if args.only in (None, "ages"):
            rows += bench_ages(folder)
        if args.only in (None, "entries"):
            rows += bench_entries(folder)
        if args.only in (None, "paint"):
            rows += bench_paint(folder, max(20, args.rounds * 20))
    finally:
        folder.close()
        shutil.rmtree(settings_dir, ignore_errors=True)
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{len(folder.locked_numbers())} locks held by {HOLDERS} live processes; "
        f"ran in {time.perf_counter() - began:.0f} s; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other work running makes every ratio worse)"
    )
    print_table(rows)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
