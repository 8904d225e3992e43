"""Fixtures for the real-process tests (see ``_procs.py`` for the harness)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Make the helpers importable whatever pytest's import mode (they are not a package).
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

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
