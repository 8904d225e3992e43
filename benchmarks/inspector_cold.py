"""bench_inspector's cold start (``--only cold``): a new process until its window shows every
row, against a new process that only starts Qt and lists the folder."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from inspector_folder import Folder

ROOT = Path(__file__).resolve().parent.parent


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
