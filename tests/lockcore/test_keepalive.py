"""A slow lockcore holder keeps its lock file fresh, so legacy waiters do not break it by age."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lockcore import FileLock, _keepalive


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


@pytest.fixture
def fast_keepalive(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_keepalive, "INTERVAL", 0.05)
    _keepalive._wake.set()  # a keep-alive thread may be asleep on the old interval
    yield
    _keepalive._wake.set()


def test_held_lock_file_is_touched_while_held(data_path: Path, fast_keepalive) -> None:
    lock_path = Path(str(data_path) + ".lock")
    with FileLock(data_path):
        old = time.time() - 120
        os.utime(lock_path, (old, old))
        wait_until(lambda: time.time() - lock_path.stat().st_mtime < 5, 5, "the lock was touched")


def test_legacy_waiter_cannot_break_a_slow_lockcore_holder(
    data_path: Path, workers, fast_keepalive
) -> None:
    lock_path = Path(str(data_path) + ".lock")
    with FileLock(data_path):
        old = time.time() - 120
        os.utime(lock_path, (old, old))
        wait_until(lambda: time.time() - lock_path.stat().st_mtime < 5, 5, "the lock was touched")
        legacy = workers("legacy", "serve", data_path)
        assert legacy.acquire(0.3)[0] == "timeout"
        assert lock_path.exists()
