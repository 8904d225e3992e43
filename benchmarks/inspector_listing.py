"""bench_inspector's listing (``--only listing``): a new window opening the folder until its
table is complete, its first screenful painted and every document checked, against the minimal
pass and the read-and-parse floor."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time

import psutil
from inspector_folder import Folder
from inspector_window import close_window, new_window, run_loop_until
from liveness_floor import minimal_liveness
from PySide6.QtCore import QEvent, QObject, QTimer

from inspector.widgets.main_window import MainWindow
from lockcore import LockState

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
    alive = minimal_liveness(locks)
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
