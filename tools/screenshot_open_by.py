"""Render docs/open-by.png: the window at 1,320 px with View ▸ Show Who Has It Open on a store
that real processes hold and read: the demo's writer holding its lock, another reading it, and
a legacy writer's lock on a second store (offscreen; run ``python tools/screenshot_open_by.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from inspector.app import create_main_window

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Keeps the store open for reading until its stdin closes (a tail -f, a backup, an editor).
_READER = "import sys; handle = open(sys.argv[1]); print('open', flush=True); sys.stdin.read()"


def wait(app: QApplication, condition: object, timeout: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def start(arguments: list[str], ready: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=_ROOT)
    child = subprocess.Popen(
        [sys.executable, *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == ready
    return child


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    out = os.path.join(_ROOT, "docs", "open-by.png")
    children: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory() as folder:
        for name, document in (
            ("settings.json", {"theme": "dark", "sync": {"interval": 30}}),
            ("jobs.json", {"queue": ["index", "backup"]}),
            ("legacy-cache.json", {"entries": 12}),
        ):
            with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
                json.dump(document, handle)
        store = os.path.join(folder, "settings.json")
        writer = ["-m", "inspector.demo.writer"]
        try:
            children.append(start([*writer, "hold", store, "--name", "sync-agent"], "held"))
            children.append(start(["-c", _READER, store], "open"))
            legacy = os.path.join(folder, "legacy-cache.json")
            children.append(start([*writer, "legacy", legacy, "--name", "old-cron"], "held"))
            window = create_main_window(folder)
            window.resize(1320, 780)
            window.show()
            wait(app, lambda: window.model.rowCount() == 3)
            assert window.select_store(store)
            openers = window.services.store_openers
            found: list[object] = []
            openers.openers_found.connect(lambda *result: found.append(result))
            window.show_openers_action.trigger()
            wait(app, lambda: bool(found))
            window.lock_events_dock.openers_page.table.selectRow(0)
            app.processEvents()
            window.grab().save(out)
            window.close()
        finally:
            for child in children:
                child.terminate()
                child.communicate(timeout=10)
    print(out)


if __name__ == "__main__":
    main()
