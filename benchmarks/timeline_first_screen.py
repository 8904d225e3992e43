"""Where the first screenful of a big folder's rows goes: a timeline from ``open_folder`` to the
first rows painted, each stage with its thread and its thread CPU (issue 11 section 6).

Run: python benchmarks/timeline_first_screen.py [--stores 100000] [--rounds 3]

Offscreen. The folder is bench_inspector's (its locks held by live processes). Each round opens
it in a new window, as bench_inspector's listing does, with the stages below wrapped to note
when they began and ended (``time.perf_counter`` from ``open_folder``) and the CPU their thread
spent meanwhile (``time.thread_time``). The wrapping itself costs a few microseconds per call:
the stages are called once or a few times per listing. The last round's timeline is printed,
and every stage's median over the rounds.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_inspector as bench
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from inspector.app import share_interpreter_with_gui

#: (stage, thread, began, ended, thread CPU) of the round being measured
_MARKS: list[tuple[str, str, float, float, float]] = []
_STARTED = [0.0]


def _note(stage: str, began: float, cpu_began: float) -> None:
    _MARKS.append(
        (
            stage,
            threading.current_thread().name,
            began - _STARTED[0],
            time.perf_counter() - _STARTED[0],
            time.thread_time() - cpu_began,
        )
    )


def _wrap(owner: Any, name: str, stage: str) -> None:
    """Note every call of ``owner.name`` as ``stage``."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        began, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            _note(stage, began, cpu)

    setattr(owner, name, wrapped)


def _instrument() -> None:
    """Wrap the stages (those that exist in the code measured: older code has fewer)."""
    from inspector.services import (
        first_listing,
        inotify,
        listing,
        process_source,
        scan_worker,
        scanner,
        store_directory,
        watcher,
    )

    stages: list[tuple[Any, str, str]] = [
        (store_directory.StoreDirectory, "set_folder", "GUI: set_folder"),
        (watcher.FolderWatcher, "start", "watcher.start"),
        (inotify.LeanInotifySource, "start", "inotify source start"),
        (process_source.ProcessChangeSource, "start", "process source start"),
        (scan_worker._ScanWorker, "scan", "worker: scan slot"),
        (listing, "list_folder", "list_folder"),
        (listing.os, "listdir", "os.listdir"),
        (listing, "data_file_flags", "data_file_flags"),
        (listing.Listing, "first", "Listing.first"),
        (first_listing, "first_screenful", "first_screenful"),
        (first_listing, "listing_of_names", "listing_of_names"),
        (listing.Listing, "ordered_named", "Listing.ordered_named"),
        (scanner, "fresh_entries", "fresh_entries (scanner)"),
        (scan_worker, "fresh_entries", "fresh_entries"),
        (store_directory.StoreDirectory, "_on_entries_updated", "GUI: entries taken in"),
        (store_directory.StoreDirectory, "_on_watcher_ready", "GUI: watcher ready"),
    ]
    for owner, name, stage in stages:
        if hasattr(owner, name):
            _wrap(owner, name, stage)
    for name in ("close_gap", "_close_gap", "_wait_for_watch"):
        if hasattr(scan_worker._ScanWorker, name):
            _wrap(scan_worker._ScanWorker, name, f"worker: {name}")


def _one_round(folder: bench.Folder) -> list[tuple[str, str, float, float, float]]:
    window = bench.new_window()
    model = window.model
    first_rows = min(folder.stores, bench.screenful(window))
    painted: list[float] = []

    class PaintWatch(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and model.rowCount() >= first_rows:
                began, cpu = time.perf_counter(), time.thread_time()
                if not painted:
                    painted.append(began)
                    QTimer.singleShot(0, lambda: _note("GUI: first screenful painted", began, cpu))
            return False

    watch = PaintWatch()
    window.table.viewport().installEventFilter(watch)
    _MARKS.clear()
    _STARTED[0] = time.perf_counter()
    window.open_folder(folder.path)
    assert bench.run_loop_until(lambda: model.rowCount() == folder.stores, 60, 5)
    bench.run_loop_for(0.3)
    window.table.viewport().removeEventFilter(watch)
    bench.close_window(window)
    return sorted(_MARKS, key=lambda mark: mark[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    share_interpreter_with_gui()
    settings_dir = tempfile.mkdtemp(prefix="timeline-settings-")
    QCoreApplication.setOrganizationName("LockInspectorBench")
    QCoreApplication.setApplicationName("lock-inspector-timeline")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    _instrument()
    load = os.getloadavg()[0]
    folder = bench.Folder(args.stores)
    try:
        _one_round(folder)  # warm up
        rounds = [_one_round(folder) for _ in range(args.rounds)]
    finally:
        folder.close()
        shutil.rmtree(settings_dir, ignore_errors=True)
    print(f"{args.stores:,} stores; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'stage (last round)':<34} {'thread':<14} {'began':>8} {'ended':>8} {'cpu':>7}  ms")
    for stage, thread, began, ended, cpu in rounds[-1]:
        if began < 0.5:
            print(
                f"{stage:<34} {thread[:14]:<14} {began * 1e3:8.1f} {ended * 1e3:8.1f}"
                f" {cpu * 1e3:7.1f}"
            )
    print(f"\n{'stage: median of the first call':<34} {'began':>8} {'ended':>8} {'cpu':>7}  ms")
    stages = dict.fromkeys(mark[0] for marks in rounds for mark in marks)
    for stage in stages:
        found = [next((m for m in marks if m[0] == stage), None) for marks in rounds]
        firsts = [m for m in found if m is not None]
        if len(firsts) == len(rounds):
            began = statistics.median(m[2] for m in firsts)
            ended = statistics.median(m[3] for m in firsts)
            cpu = statistics.median(m[4] for m in firsts)
            print(f"{stage:<34} {began * 1e3:8.1f} {ended * 1e3:8.1f} {cpu * 1e3:7.1f}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
