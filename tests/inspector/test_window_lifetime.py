"""A window's services end with it, however it goes away: closed, deleted or dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Creates a window on a folder, waits for its rows, then destroys it without closing it (as a
# test harness or a program embedding the window does) and reports which threads are left.
_DESTROY_WITHOUT_CLOSING = textwrap.dedent(
    """
    import gc, glob, sys, threading
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop
    from PySide6.QtWidgets import QApplication
    from inspector.app import create_main_window

    def thread_names():
        # Qt names the OS threads it starts; Python's threads are named only on its side.
        names = {thread.name for thread in threading.enumerate()}
        for comm in glob.glob("/proc/self/task/*/comm"):
            with open(comm, encoding="utf-8") as handle:
                names.add(handle.read().strip())
        return names

    app = QApplication(sys.argv[:1])
    folder, how = sys.argv[1], sys.argv[2]
    window = create_main_window(folder)
    window.destroyed.connect(lambda: print("window destroyed", flush=True))
    window.show()
    while window.model.rowCount() < 4:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    print("running:", " ".join(sorted(thread_names())), flush=True)
    if how == "deleteLater":
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del window
    else:
        del window  # the last reference
        gc.collect()
    app.processEvents()
    print("left:", " ".join(sorted(thread_names())), flush=True)
    """
)


@pytest.mark.parametrize("how", ["deleteLater", "dropped"])
def test_a_window_destroyed_without_closing_stops_its_threads(
    tmp_path: Path, store_folder: str, how: str
) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    result = subprocess.run(
        [sys.executable, "-c", _DESTROY_WITHOUT_CLOSING, store_folder, how],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert "Destroyed while thread" not in result.stderr
    assert result.returncode == 0, result.stderr
    running, destroyed, left = result.stdout.splitlines()
    assert "store-scanner" in running.split()
    assert "inotify" in running.split()
    # Destroyed when it was let go, not only as the process ended; its threads went with it.
    assert destroyed == "window destroyed"
    assert "store-scanner" not in left.split()
    assert "inotify" not in left.split()
