"""Test double: the reviewed legacy ``file_lock.py``, reimplemented with its defects ON PURPOSE.

This module reproduces, as faithfully as the review's excerpts allow
(``../shared/seed/file_lock_review.md``), the module that lockcore replaces. It exists so that
the test-suite can prove two things with real processes:

* every defect listed in issue 2 really exists in the reviewed design (the legacy case of each
  defect test is ``xfail(strict=True)``), and
* lockcore interoperates with processes still running this code (shared store, same lock file).

Do NOT fix anything here. The defects kept on purpose:

1. stale locks are looked at only after the caller's deadline, and only by mtime age > 60 s;
2. a live holder's lock is broken by age alone;
3. breaking is stat-then-unlink with no identity re-check (double break);
4. ``release()`` unlinks whatever lock file is there, even another holder's;
5. writes unlink ``X.json`` before renaming ``X.json.tmp`` over it;
6. no fsync anywhere;
7. corrupt JSON silently becomes the default, in reads and in updates;
8. the temp file ``X.json.tmp`` is opened with ``open(..., "w")`` (follows symlinks);
9. the replacement gets umask permissions and the caller's ownership;
10. not re-entrant: an updater that reads the same path waits for its own lock;
11. fixed 50 ms polling;
12. a leftover ``X.json.tmp`` is ignored;
13. only separate read and write calls are offered besides ``locked_update_json``.

The lock file ``X.json.lock`` is created with ``O_CREAT | O_EXCL | O_WRONLY``; the PID is
written *after* creation (so it may be briefly empty), and the descriptor stays open until
``release()``.
"""

from __future__ import annotations

import json
import logging
import os
import time

logger = logging.getLogger(__name__)

_DEFAULT_TIMEOUT = 10
_DEFAULT_RETRY_INTERVAL = 0.05
_STALE_LOCK_AGE = 60


class FileLockError(Exception):
    """Raised when a lock cannot be acquired."""


class FileLock:
    """Cross-process lock on ``path`` using an exclusively created ``path + ".lock"`` file."""

    def __init__(self, path, timeout=_DEFAULT_TIMEOUT):
        self._path = str(path)
        self._lock_path = self._path + ".lock"
        self._timeout = timeout
        self._lock_file = None

    @property
    def path(self):
        return self._path

    @property
    def lock_path(self):
        return self._lock_path

    def acquire(self) -> None:
        parent = os.path.dirname(self._lock_path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fd = os.open(self._lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.write(fd, str(os.getpid()).encode())
                self._lock_file = fd
                return
            except FileExistsError:
                if time.monotonic() >= deadline:
                    if self._try_break_stale_lock():
                        continue  # Try again after breaking stale lock
                    raise FileLockError(
                        f"Could not acquire lock on {self._path} within {self._timeout}s "
                        f"(lock file: {self._lock_path})"
                    )
                time.sleep(_DEFAULT_RETRY_INTERVAL)

    def _try_break_stale_lock(self) -> bool:
        try:
            stat = os.stat(self._lock_path)
            age = time.time() - stat.st_mtime
            if age > _STALE_LOCK_AGE:
                logger.warning(f"Breaking stale lock file {self._lock_path} (age {age:.0f}s)")
                os.unlink(self._lock_path)
                return True
        except OSError:
            return True  # Lock file removed by another process
        return False

    def release(self) -> None:
        if self._lock_file is not None:
            try:
                os.close(self._lock_file)
            except OSError:
                pass  # Ignore errors on cleanup
            self._lock_file = None
        try:
            os.unlink(self._lock_path)
        except OSError:
            pass  # Lock file may already be removed

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.release()
        return False


def _make_default(default):
    if callable(default):
        return default()
    return default if default is not None else {}


def locked_read_json(path, default=None, timeout=_DEFAULT_TIMEOUT):
    """Read JSON under the lock; missing or unreadable files give ``default``."""
    path_str = str(path)
    with FileLock(path_str, timeout):
        if not os.path.exists(path_str):
            return _make_default(default)
        try:
            with open(path_str, encoding="utf-8") as f:
                return json.load(f)
        except (json.JSONDecodeError, OSError) as e:
            logger.warning(f"Could not read {path_str}: {e}; using default")
            return _make_default(default)


def locked_write_json(path, data, timeout=_DEFAULT_TIMEOUT, indent=2):
    """Write JSON under the lock via ``X.json.tmp`` (unlink first, then rename)."""
    path_str = str(path)
    with FileLock(path_str, timeout):
        tmp_path = path_str + ".tmp"
        with open(tmp_path, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=indent, ensure_ascii=False)
        if os.path.exists(path_str):
            os.unlink(path_str)  # Windows requires explicit unlink before rename
        os.rename(tmp_path, path_str)


def locked_update_json(path, updater, default=None, timeout=_DEFAULT_TIMEOUT, indent=2):
    """Read-modify-write under one lock; returns the updated data."""
    path_str = str(path)
    with FileLock(path_str, timeout):
        # Read current data (inside lock)
        if os.path.exists(path_str):
            try:
                with open(path_str, encoding="utf-8") as f:
                    data = json.load(f)
            except (json.JSONDecodeError, OSError) as e:
                logger.warning(f"Could not read {path_str}: {e}; using default")
                data = _make_default(default)
        else:
            data = _make_default(default)

        # Apply update (inside lock)
        updated = updater(data)

        # Write back (inside lock)
        tmp_path = path_str + ".tmp"
        try:
            with open(tmp_path, "w", encoding="utf-8") as f:
                json.dump(updated, f, indent=indent, ensure_ascii=False)
            if os.path.exists(path_str):
                os.unlink(path_str)
            os.rename(tmp_path, path_str)
        except Exception:
            # Cleanup on error
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise

        return updated
