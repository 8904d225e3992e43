"""Fixtures for the document pane's tests: a shown pane and a JSON store on disk."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from inspector.document import DocumentPane

SAMPLE: dict[str, Any] = {
    "theme": "dark",
    "counter": 0,
    "sync": {"enabled": True, "interval": 30, "api_key": "sk-live-SECRET-4711"},
    "recent": ["/a", "/b"],
    "proxy": None,
}


def write_store(path: str, data: Any, indent: int | None = 2) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=indent)


def read_store(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def store(tmp_path: Any) -> str:
    path = os.path.join(str(tmp_path), "settings.json")
    write_store(path, SAMPLE)
    return path


@pytest.fixture
def pane(qtbot: Any) -> Iterator[DocumentPane]:
    widget = DocumentPane()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture
def open_and_wait(qtbot: Any) -> Any:
    """Open a store in a pane and wait until it is shown."""

    def run(pane: DocumentPane, path: str) -> None:
        with qtbot.waitSignal(pane.document_loaded, timeout=5000):
            pane.open_store(path)

    return run


@pytest.fixture
def sample() -> dict[str, Any]:
    return json.loads(json.dumps(SAMPLE))
