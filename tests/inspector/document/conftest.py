"""Fixtures for the document pane's tests: a shown pane and a JSON store on disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
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


# -- real file-system failures (no mocks): an immutable file, a full disk, a read-only mount ---


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture
def immutable() -> Iterator[Callable[[str], None]]:
    """``immutable(path)`` sets ``chattr +i`` (EPERM on replacing it, even for root).

    Skips only where the folder's file system has no such attribute (tmpfs, overlay, ...).
    The attribute is always cleared again, or pytest could not delete the file.
    """
    marked: list[str] = []

    def mark(path: str) -> None:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed")
        result = _run(["chattr", "+i", path])
        if result.returncode != 0:
            if "not supported" in result.stderr.lower():
                pytest.skip(f"the file system of {path} has no immutable attribute")
            pytest.fail(f"chattr +i failed: {result.stderr.strip()}")
        marked.append(path)

    yield mark
    for path in marked:
        _run(["chattr", "-i", path])


@pytest.fixture
def tmpfs(mount_tmpfs: Any) -> Any:
    """A 64 KiB tmpfs for one test (see the shared ``mount_tmpfs``)."""
    return mount_tmpfs("64k")
