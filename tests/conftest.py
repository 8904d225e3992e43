"""Shared test setup: Qt runs offscreen everywhere (CI has no display), and the real-process
harness of ``tests/multiprocess`` serves the lockcore tests too."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The harness modules are not a package: make them importable whatever pytest's import mode.
_HARNESS = str(Path(__file__).resolve().parent / "multiprocess")
if _HARNESS not in sys.path:
    sys.path.insert(0, _HARNESS)

from _procs import Worker, worker_pool  # noqa: E402


@pytest.fixture
def workers() -> Iterator[Callable[..., Worker]]:
    """``workers(impl, mode, path, *options, prefix=())`` starts a child; all are reaped."""
    with worker_pool() as start:
        yield start


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    """A JSON store path in a private directory (nothing exists yet)."""
    return tmp_path / "store.json"
