"""A slow lockcore holder keeps its lock file fresh, so legacy waiters do not break it by age."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from _procs import wait_until

from lockcore import FileLock, _keepalive


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


def test_a_keepalive_thread_that_died_is_replaced_by_the_next_lock(
    data_path: Path, fast_keepalive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # register() no longer asks is_alive() of the thread on every lock taken: a thread that
    # ends by an exception must still say it is gone, or no lock would be kept fresh again.
    died = threading.Event()
    real_utime = os.utime

    def failing_utime(*args: object, **kwargs: object) -> None:
        if threading.current_thread().name == "lockcore-keepalive":
            died.set()
            raise RuntimeError("the keep-alive thread dies")
        real_utime(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(threading, "excepthook", lambda _args: None)
    monkeypatch.setattr(os, "utime", failing_utime)
    with FileLock(data_path):
        assert died.wait(5), "the keep-alive thread never ran"
        wait_until(lambda: _keepalive._thread is None, 5, "the dead thread said it is gone")
    monkeypatch.setattr(os, "utime", real_utime)
    lock_path = Path(str(data_path) + ".lock")
    with FileLock(data_path):
        old = time.time() - 120
        os.utime(lock_path, (old, old))
        wait_until(lambda: time.time() - lock_path.stat().st_mtime < 5, 5, "the lock was touched")
