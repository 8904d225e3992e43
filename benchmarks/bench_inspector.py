"""The inspector at scale and under stress (issue 4), each figure next to its baseline, in one run.

Run: python benchmarks/bench_inspector.py [--stores 10000] [--storm 10]

Offscreen (no display needed). One temporary folder of ``--stores`` small JSON stores, of which
300 are locked for real while the benchmark runs: four holder processes each hold 50 lockcore
locks (``FileLock``: the lock file plus the kernel lock), and 100 more lock files are in the legacy
bare-PID format naming those live holders. The locked stores are spread through the folder.

1. Listing. The baseline is a bare Python pass over the same folder: ``os.scandir``, ``stat`` of
   every store and reading each lock file (``open`` + ``read``; a missing lock is a failed open).
   The inspector is timed from ``open_folder`` in a shown main window until every row is in the
   table with its lock judged (first rows, full list), and until every document is checked. The
   two alternate, and the medians are compared. RSS is this process's, hosting the window.
2. Event storm. Four processes each run ``locked_update_json`` (durable=False) on their own store
   as fast as they can for ``--storm`` seconds while the window shows the whole folder. A 5 ms
   timer on the GUI thread measures event-loop stalls (the gap beyond its interval), with the same
   probe over an idle window as the baseline. Time to truth: from the last writer's last update
   until the table shows, for all four stores, the data file's current (inode, size, mtime_ns)
   stamp and no lock. CPU: this process's user+system seconds during the storm.
3. Lock ages. ``dataChanged`` emissions and age cells announced per second with the window showing
   about 40 rows, against the same model told that every row is visible (the old behaviour).

Big documents (lazy tree, ``json.load`` baseline) are measured by the document pane's own
benchmark, not here.
"""

from __future__ import annotations

import argparse
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
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from inspector.app import create_main_window  # noqa: E402
from inspector.widgets.main_window import MainWindow  # noqa: E402
from lockcore import LockState, inspect_lock  # noqa: E402

HOLDERS = 4
LOCKCORE_LOCKS_PER_HOLDER = 50
LEGACY_LOCKS = 100
STORM_WRITERS = 4
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


# --- 1. listing ------------------------------------------------------------------------------


def bare_pass(folder: str) -> float:
    started = time.perf_counter()
    locks = 0
    with os.scandir(folder) as iterator:
        for item in iterator:
            if item.name.endswith(".json"):
                item.stat()
                try:
                    with open(item.path + ".lock", "rb") as handle:
                        handle.read()
                    locks += 1
                except FileNotFoundError:
                    pass
    elapsed = time.perf_counter() - started
    assert locks > 0
    return elapsed


def inspector_listing(folder: Folder) -> dict[str, float]:
    window = new_window()
    marks: dict[str, float] = {}
    started = 0.0

    def first_rows() -> None:
        marks.setdefault("first", time.perf_counter() - started)

    window.model.rowsInserted.connect(first_rows)

    def full_list() -> None:
        if "full" in marks:
            return
        marks["full"] = time.perf_counter() - started
        # What the event loop does next: paint the table. Done here to time it.
        window.table.doItemsLayout()
        window.table.viewport().repaint()
        marks["painted"] = time.perf_counter() - started

    window.directory.scan_finished.connect(full_list)
    window.directory.checks_finished.connect(
        lambda: marks.setdefault("checked", time.perf_counter() - started)
    )
    started = time.perf_counter()
    window.open_folder(folder.path)
    # Polled slowly: the marks are taken by the signals themselves, and a busy probe would
    # compete with the scanner for the GIL.
    assert run_loop_until(lambda: "checked" in marks and "full" in marks, 60, 50)
    assert window.model.rowCount() == folder.stores, window.model.rowCount()
    locked = sum(1 for entry in window.directory.entries() if entry.is_locked)
    assert locked == folder.locked, locked
    held = sum(
        1 for entry in window.directory.entries() if entry.lock_state is LockState.HELD_ALIVE
    )
    assert held == folder.locked, held
    marks["rss"] = psutil.Process().memory_info().rss / 2**20
    close_window(window)
    return marks


def judging_pass(folder: Folder) -> float:
    """What judging the held locks alone costs (lockcore.inspect_lock on each, psutil inside)."""
    paths = [folder.store(number) for number in folder.locked_numbers()]
    started = time.perf_counter()
    for path in paths:
        inspect_lock(path)
    return time.perf_counter() - started


def bench_listing(folder: Folder, rounds: int) -> list[tuple[str, str, str, str]]:
    inspector_listing(folder)  # warm up: imports, icons, caches
    bare: list[float] = []
    judging: list[float] = []
    runs: list[dict[str, float]] = []
    for _ in range(rounds):
        bare.extend(bare_pass(folder.path) for _ in range(3))
        judging.append(judging_pass(folder))
        runs.append(inspector_listing(folder))
    baseline = statistics.median(bare)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    rss = max(run["rss"] for run in runs)
    rows = []
    for label, key in (
        ("first rows shown", "first"),
        ("full list (every lock judged)", "full"),
        ("full list painted", "painted"),
        ("every document checked", "checked"),
    ):
        value = median(key)
        rows.append(
            (
                f"listing {folder.stores:,} stores: {label}",
                f"{value * 1000:.0f} ms",
                f"{baseline * 1000:.0f} ms bare pass",
                f"{value / baseline:.2f}x",
            )
        )
    judged = statistics.median(judging)
    rows.insert(
        3,
        (
            f"  of which judging the {folder.locked} locks alone (inspect_lock)",
            f"{judged * 1000:.0f} ms",
            f"{baseline * 1000:.0f} ms bare pass",
            f"{judged / baseline:.2f}x",
        ),
    )
    rows.append(
        ("resident memory (RSS), listed", f"{rss:.0f} MB", "250 MB limit", f"{rss / 250:.2f}x")
    )
    return rows


# --- 2. event storm --------------------------------------------------------------------------


def run_writers(paths: list[str], seconds: float, probe: StallProbe) -> tuple[float, float, int]:
    """Run the storm's writers on ``paths``; (CPU seconds of this process, storm end, updates)."""
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


def bench_storm(folder: Folder, seconds: float) -> list[tuple[str, str, str, str]]:
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

    # The floor this machine sets: the same storm in a folder the window does not show.
    elsewhere = tempfile.mkdtemp(prefix="bench-inspector-elsewhere-")
    try:
        run_writers(
            [os.path.join(elsewhere, f"s{n}.json") for n in range(STORM_WRITERS)],
            seconds,
            probe,
        )
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)
    floor_longest, floor_p99 = probe.stalls_ms()

    paths = [os.path.join(folder.path, f"aaa-storm-{n}.json") for n in range(STORM_WRITERS)]
    for path in paths:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("{}")
    assert run_loop_until(lambda: all(window.model.row_of(p) >= 0 for p in paths), 10)
    run_loop_for(0.5)
    cpu, storm_end, updates = run_writers(paths, seconds, probe)
    longest, p99 = probe.stalls_ms()

    def truthful() -> bool:
        for path in paths:
            entry = window.model.entry_at(window.model.row_of(path))
            if entry is None or entry.data_stamp != stamp(path):
                return False
            if entry.lock_state is not LockState.FREE:
                return False
        return True

    assert run_loop_until(truthful, 10, 1)
    truth = time.monotonic() - storm_end
    close_window(window)
    for path in paths:
        os.unlink(path)
    rate = updates / seconds
    return [
        (
            f"event storm ({STORM_WRITERS} writers, {rate:,.0f} updates/s): longest stall",
            f"{longest:.1f} ms",
            f"{floor_longest:.1f} ms storm elsewhere, {idle_longest:.1f} ms idle; limit 100 ms",
            f"{longest / 100:.2f}x limit",
        ),
        (
            "event storm: p99 stall",
            f"{p99:.1f} ms",
            f"{floor_p99:.1f} ms storm elsewhere, {idle_p99:.1f} ms idle",
            f"{p99 / floor_p99:.1f}x floor" if floor_p99 else "—",
        ),
        (
            "event storm: table shows the truth after",
            f"{truth * 1000:.0f} ms",
            "200 ms limit",
            f"{truth / 0.2:.2f}x limit",
        ),
        (
            f"event storm: inspector CPU over {seconds:g} s",
            f"{cpu:.2f} s",
            f"{idle_cpu:.2f} s idle",
            f"{cpu / seconds:.0%} of one core",
        ),
    ]


# --- 3. lock ages ----------------------------------------------------------------------------


def bench_ages(folder: Folder) -> list[tuple[str, str, str, str]]:
    window = new_window()
    window.open_folder(folder.path)
    assert run_loop_until(lambda: window.model.rowCount() == folder.stores, 60)
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
        "--only", choices=("listing", "storm", "ages"), help="run one part of the benchmark"
    )
    parser.add_argument(
        "--recursive", action="store_true", help="the window includes subfolders (View menu)"
    )
    args = parser.parse_args()

    RECURSIVE[0] = args.recursive
    app = QApplication(sys.argv[:1])
    settings_dir = tempfile.mkdtemp(prefix="bench-inspector-settings-")
    QCoreApplication.setOrganizationName("LockInspectorBench")
    QCoreApplication.setApplicationName("lock-inspector-bench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)

    began = time.perf_counter()
    folder = Folder(args.stores)
    try:
        rows: list[tuple[str, str, str, str]] = []
        if args.only in (None, "listing"):
            rows += bench_listing(folder, args.rounds)
        if args.only in (None, "storm"):
            rows += bench_storm(folder, args.storm)
        if args.only in (None, "ages"):
            rows += bench_ages(folder)
    finally:
        folder.close()
        shutil.rmtree(settings_dir, ignore_errors=True)
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{len(folder.locked_numbers())} locks held by {HOLDERS} live processes; "
        f"ran in {time.perf_counter() - began:.0f} s"
    )
    print_table(rows)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
