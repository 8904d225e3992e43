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
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from inspector_ages import bench_ages  # noqa: E402 - after the paths above
from inspector_cold import bench_cold_start  # noqa: E402
from inspector_entries import bench_entries  # noqa: E402
from inspector_folder import HOLDERS, Folder  # noqa: E402
from inspector_listing import bench_listing, screenful  # noqa: E402
from inspector_paint import bench_paint  # noqa: E402
from inspector_storm import (  # noqa: E402
    STORM_WRITERS,
    WRITER_SESSION_CHOICES,
    bench_storm,
    run_writers,
    show_folder,
    storm_stores,
)
from inspector_window import (  # noqa: E402
    PROBE_MS,
    RECURSIVE,
    StallProbe,
    close_window,
    new_window,
    run_loop_for,
    run_loop_until,
)
from PySide6.QtCore import (  # noqa: E402
    QCoreApplication,
    QSettings,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

from inspector.app import share_interpreter_with_gui  # noqa: E402
from inspector.time_slices import request_short_slice  # noqa: E402

#: What probe_storm_path.py, profile_storm_stall.py and timeline_first_screen.py take from here.
__all__ = [
    "PROBE_MS",
    "STORM_WRITERS",
    "Folder",
    "StallProbe",
    "close_window",
    "main",
    "new_window",
    "run_loop_for",
    "run_loop_until",
    "run_writers",
    "screenful",
    "show_folder",
    "storm_stores",
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
