"""Render docs/find-and-schema.png: the document pane with its find bar open on a match and a
schema's errors marked (offscreen; run ``python tools/screenshot_find_schema.py``)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from inspector.document import DocumentPane

SCHEMA = {
    "type": "object",
    "properties": {
        "theme": {"enum": ["dark", "light", "system"], "description": "The colour scheme"},
        "sync": {
            "type": "object",
            "properties": {
                "interval": {"type": "integer", "minimum": 5, "description": "Seconds"},
                "server": {"type": "string"},
            },
        },
        "recent": {"type": "array", "items": {"type": "string"}},
    },
}
DOCUMENT = {
    "theme": "blue",
    "sync": {"interval": 1, "server": "sync.example.org"},
    "recent": ["/home/ada/projects/engine", 7, "/home/ada/projects/notes"],
    "window": {"width": 1320, "height": 780, "maximised": False},
}


def wait(app: QApplication, condition: object, timeout: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                       "find-and-schema.png")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "settings.schema.json"), "w", encoding="utf-8") as handle:
            json.dump(SCHEMA, handle)
        store = os.path.join(folder, "settings.json")
        with open(store, "w", encoding="utf-8") as handle:
            json.dump(DOCUMENT, handle, indent=2)
        pane = DocumentPane()
        pane.resize(900, 420)
        pane.show()
        checked: list[object] = []
        pane.schema.checked.connect(checked.append)
        pane.open_store(store)
        wait(app, lambda: bool(checked))
        pane.tree_view.expandAll()
        pane.tree_view.header().resizeSection(0, 240)
        pane.find_action.trigger()
        pane.find_bar.find_field.setText("projects")
        pane.find_bar.search_now()
        wait(app, lambda: not pane.finder.searching and pane.finder.match_count > 0)
        pane.finder.step()
        app.processEvents()
        pane.grab().save(out)
        pane.shutdown()
    print(out)


if __name__ == "__main__":
    main()
