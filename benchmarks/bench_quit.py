"""How long quitting takes: from Quit to the end of the process, beside an empty window's.

Run: python benchmarks/bench_quit.py [--rounds 5]

Each round starts a fresh process (offscreen) that shows a window, waits until it is ready, then
quits; this process times from the moment the child says it quits until the child has exited.

- baseline: an empty ``QMainWindow`` with the app's modules imported, closed. What remains of its
  figure is Python's and Qt's own teardown, which every Qt program pays.
- folder: the main window on a folder of 4 stores, one open in the document pane, Quit pressed
  (the window closes, saves its settings, stops the watcher and the scanner thread, and the
  application quits with its last window).

The child also reports the time from Quit until its event loop returned (``exec()``), which is
the app's own share.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow
    from inspector.app import create_main_window, share_interpreter_with_gui

    mode, folder, settings_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    QCoreApplication.setOrganizationName("bench-quit")
    QCoreApplication.setApplicationName("bench-quit")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication(sys.argv[:1])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)

    def run_until(condition, seconds=10.0):
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"not ready after {seconds} s")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def say(word):
        print(word, time.time(), flush=True)

    if mode == "baseline":
        window = QMainWindow()
        window.show()
        run_until(window.isVisible)
        quit_now = window.close
    else:
        window = create_main_window(folder)
        window.show()
        run_until(lambda: window.model.rowCount() == 4)
        pane = window.document_pane
        store = os.path.join(folder, "s0.json")
        loaded = []
        pane.document_loaded.connect(loaded.append)
        window.select_store(store)
        run_until(lambda: loaded)
        quit_now = window.quit_action.trigger
    QTimer.singleShot(200, lambda: (say("quit"), quit_now()))
    app.exec()
    say("exec-returned")
    """
)


def one_quit(mode: str, folder: str) -> tuple[float, float]:
    """(Quit to exec() returned, Quit to process gone) in seconds, for one fresh process."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as settings_dir:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, mode, folder, settings_dir],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        out, err = child.communicate(timeout=60)
        gone = time.time()
    if child.returncode != 0:
        raise RuntimeError(f"{mode}: exit {child.returncode}\n{err}")
    stamps = {word: float(stamp) for word, stamp in (line.split() for line in out.splitlines())}
    return stamps["exec-returned"] - stamps["quit"], gone - stamps["quit"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for number in range(4):
            with open(os.path.join(folder, f"s{number}.json"), "w", encoding="utf-8") as handle:
                json.dump({"n": number}, handle)
        results: dict[str, list[tuple[float, float]]] = {}
        for _round in range(args.rounds):  # alternating: both see the same load
            for mode in ("baseline", "folder"):
                results.setdefault(mode, []).append(one_quit(mode, folder))
    base_exit = statistics.median(gone for _loop, gone in results["baseline"])
    print(f"Quit, median of {args.rounds} fresh processes (offscreen):")
    print(f"{'':32}{'to exec() returned':>20}{'to process gone':>18}{'ratio':>8}")
    for mode, label in (
        ("baseline", "empty window (baseline)"),
        ("folder", "4 stores, one open"),
    ):
        loop, gone = (statistics.median(r[i] for r in results[mode]) for i in (0, 1))
        print(f"{label:32}{loop * 1000:17.0f} ms{gone * 1000:15.0f} ms{gone / base_exit:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
