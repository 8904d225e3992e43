"""Fixtures for lockcore's API tests; child processes come from the multi-process harness."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The harness lives in tests/multiprocess (not a package): make it importable from here.
_HARNESS = str(Path(__file__).resolve().parents[1] / "multiprocess")
if _HARNESS not in sys.path:
    sys.path.insert(0, _HARNESS)

from _procs import Worker, worker_pool  # noqa: E402


@pytest.fixture
def workers() -> Iterator[Callable[..., Worker]]:
    """``workers(impl, mode, path, *options)`` starts a child process; all are reaped."""
    with worker_pool() as start:
        yield start


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    """A JSON store path in a private directory (nothing exists yet)."""
    return tmp_path / "store.json"
